// Attribute values between the agent's text and the backend's typed value: what each data type
// accepts, what a required attribute refuses, and how a value shows in its field. Pure, so the
// editor (Attributes.svelte) keeps what the agent typed and shows these messages beside it.
import type { Attribute, AttributeValue } from "./ipc";

export type Parsed = { ok: true; value: AttributeValue } | { ok: false; error: string };

const pad2 = (n: number) => String(n).padStart(2, "0");

/** A unix time as a `datetime-local` field's value, in local time ("2026-03-12T14:05"). */
export function toDateTimeLocal(unixSecs: number): string {
  const d = new Date(unixSecs * 1000);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}T${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** What the attribute's field shows for its current value. */
export function attributeInput(attr: Attribute): string {
  const v = attr.value;
  if (v === null || v === undefined) return "";
  if (attr.dataType === "datetime" && typeof v === "number") return toDateTimeLocal(v);
  return String(v);
}

/**
 * The typed value for what the agent entered (`true`/`false` for a boolean's checkbox), or the
 * sentence to show beside the field. Empty means "no value" (null), which a required attribute
 * refuses.
 */
export function parseAttribute(attr: Attribute, input: string | boolean): Parsed {
  const label = attr.label || attr.name;
  if (attr.dataType === "boolean") {
    if (typeof input === "boolean") return { ok: true, value: input };
    if (input === "true" || input === "false") return { ok: true, value: input === "true" };
    if (input === "" && !attr.required) return { ok: true, value: null };
    return { ok: false, error: `${label} is yes or no.` };
  }
  const text = String(input);
  const trimmed = attr.dataType === "string" ? text : text.trim();
  if (trimmed.trim() === "") {
    return attr.required ? { ok: false, error: `${label} is required: it cannot be empty.` } : { ok: true, value: null };
  }
  switch (attr.dataType) {
    case "string":
      return { ok: true, value: text };
    case "integer": {
      if (!/^[-+]?\d+$/.test(trimmed)) return { ok: false, error: `${label} takes a whole number, like 42.` };
      const n = Number(trimmed);
      if (!Number.isSafeInteger(n)) return { ok: false, error: `${label} is too large a number.` };
      return { ok: true, value: n };
    }
    case "float": {
      const normal = trimmed.replace(",", ".");
      if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(normal)) return { ok: false, error: `${label} takes a number, like 12.5.` };
      const n = Number(normal);
      if (!Number.isFinite(n)) return { ok: false, error: `${label} is too large a number.` };
      return { ok: true, value: n };
    }
    case "datetime": {
      const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(trimmed);
      if (!m) return { ok: false, error: `${label} takes a date and time.` };
      const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
      const date = new Date(y!, mo! - 1, d!, h!, mi!, s || 0);
      if (Number.isNaN(date.getTime()) || date.getMonth() !== mo! - 1 || date.getDate() !== d!) {
        return { ok: false, error: `${label} takes a real date.` };
      }
      return { ok: true, value: Math.floor(date.getTime() / 1000) };
    }
    case "list": {
      const options = attr.options ?? [];
      if (!options.includes(trimmed)) return { ok: false, error: `${label} must be one of: ${options.join(", ")}.` };
      return { ok: true, value: trimmed };
    }
    default:
      return { ok: false, error: `${label} cannot be edited here.` };
  }
}

/** The value as read-only text ("Yes"/"No", a date, or "—"). */
export function attributeText(attr: Attribute, format: (unixSecs: number) => string): string {
  const v = attr.value;
  if (v === null || v === undefined || v === "") return "—";
  if (attr.dataType === "boolean") return v ? "Yes" : "No";
  if (attr.dataType === "datetime" && typeof v === "number") return format(v);
  return String(v);
}
