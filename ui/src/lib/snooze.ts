// Snooze presets: what "later today", "tomorrow" and "next week" mean, in local time.
// Pure: the caller passes "now" (unix seconds) so the rules are testable.

export interface SnoozePreset {
  id: "later_today" | "tomorrow" | "next_week";
  label: string;
  until: number;
}

/** Working mornings start at 09:00 local time. */
const MORNING_HOUR = 9;
/** "Later today" is three hours from now, rounded up to the next quarter hour. */
const LATER_TODAY_SECS = 3 * 3600;

function atMorning(d: Date): number {
  const m = new Date(d.getFullYear(), d.getMonth(), d.getDate(), MORNING_HOUR, 0, 0, 0);
  return Math.floor(m.getTime() / 1000);
}

/** The presets that make sense at `nowSecs`; "later today" is dropped when it would cross midnight. */
export function snoozePresets(nowSecs: number): SnoozePreset[] {
  const now = new Date(nowSecs * 1000);
  const presets: SnoozePreset[] = [];
  const later = Math.ceil((nowSecs + LATER_TODAY_SECS) / 900) * 900;
  if (new Date(later * 1000).getDate() === now.getDate()) {
    presets.push({ id: "later_today", label: "Later today", until: later });
  }
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  presets.push({ id: "tomorrow", label: "Tomorrow", until: atMorning(tomorrow) });
  // Next week: the coming Monday (a full week ahead when today is Monday).
  const daysToMonday = ((8 - now.getDay()) % 7) || 7;
  const monday = new Date(now.getFullYear(), now.getMonth(), now.getDate() + daysToMonday);
  presets.push({ id: "next_week", label: "Next week", until: atMorning(monday) });
  return presets;
}

/**
 * A date picked in an `<input type="date">` ("YYYY-MM-DD") as 09:00 local time that day.
 * Returns null for malformed input or a moment not in the future.
 */
export function snoozeUntilDate(value: string, nowSecs: number): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const date = new Date(y, mo, d);
  if (date.getFullYear() !== y || date.getMonth() !== mo || date.getDate() !== d) return null;
  const until = atMorning(date);
  return until > nowSecs ? until : null;
}
