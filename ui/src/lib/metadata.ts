// Validation of the "Track event" form: an event name and up to 10 metadata pairs, checked
// before anything reaches the outbox. Pure.
import type { KeyValue } from "./ipc";

export const MAX_PAIRS = 10;
const MAX_NAME = 255;

export interface TrackEventInput {
  name: string;
  pairs: KeyValue[];
}

export interface TrackEventCheck {
  ok: boolean;
  /** The trimmed name and the pairs to send (blank rows dropped). */
  name: string;
  metadata: KeyValue[];
  nameError: string | null;
  /** One entry per input row: the problem with that row, or null. */
  pairErrors: (string | null)[];
  formError: string | null;
}

/** Checks the form; rows where both key and value are blank are ignored. */
export function checkTrackEvent(input: TrackEventInput): TrackEventCheck {
  const name = input.name.trim();
  let nameError: string | null = null;
  if (!name) nameError = "Give the event a name.";
  else if (name.length > MAX_NAME) nameError = `Keep the name under ${MAX_NAME} characters.`;
  else if (!/^[\w .:-]+$/u.test(name)) nameError = "Use letters, digits, spaces, '.', ':', '-' or '_' in the name.";

  const seen = new Set<string>();
  const metadata: KeyValue[] = [];
  const pairErrors = input.pairs.map((p): string | null => {
    const key = p.key.trim();
    const value = p.value.trim();
    if (!key && !value) return null;
    if (!key) return "This value needs a key.";
    if (seen.has(key)) return `The key "${key}" is used twice.`;
    seen.add(key);
    metadata.push({ key, value });
    return null;
  });
  const formError = metadata.length > MAX_PAIRS ? `At most ${MAX_PAIRS} metadata pairs.` : null;
  const ok = !nameError && !formError && pairErrors.every((e) => e === null);
  return { ok, name, metadata, nameError, pairErrors, formError };
}
