import { describe, expect, it } from "vitest";
import { attributeInput, attributeText, parseAttribute, toDateTimeLocal } from "./attributes";
import type { Attribute } from "./ipc";

const attr = (over: Partial<Attribute>): Attribute => ({
  name: "x",
  label: "Seats",
  dataType: "string",
  value: null,
  options: null,
  required: false,
  editable: true,
  ...over,
});

describe("parseAttribute", () => {
  it("integers: whole numbers only, with a sentence naming the attribute otherwise", () => {
    const a = attr({ dataType: "integer" });
    expect(parseAttribute(a, " 42 ")).toEqual({ ok: true, value: 42 });
    expect(parseAttribute(a, "-3")).toEqual({ ok: true, value: -3 });
    expect(parseAttribute(a, "12a")).toEqual({ ok: false, error: "Seats takes a whole number, like 42." });
    expect(parseAttribute(a, "1.5").ok, "a fraction is not an integer").toBe(false);
    expect(parseAttribute(a, "99999999999999999999").ok, "past the safe range is refused, not rounded").toBe(false);
  });

  it("floats accept a decimal comma or point and refuse words", () => {
    const a = attr({ dataType: "float", label: "Amount" });
    expect(parseAttribute(a, "12.5")).toEqual({ ok: true, value: 12.5 });
    expect(parseAttribute(a, "12,5"), "a decimal comma is what many agents type").toEqual({ ok: true, value: 12.5 });
    expect(parseAttribute(a, "ten")).toEqual({ ok: false, error: "Amount takes a number, like 12.5." });
  });

  it("required attributes cannot be emptied; optional ones empty to null", () => {
    expect(parseAttribute(attr({ required: true, label: "Title" }), "  ")).toEqual({ ok: false, error: "Title is required: it cannot be empty." });
    expect(parseAttribute(attr({}), "")).toEqual({ ok: true, value: null });
    expect(parseAttribute(attr({ dataType: "integer" }), " ")).toEqual({ ok: true, value: null });
    expect(parseAttribute(attr({ dataType: "list", required: true, options: ["Low"] }), "").ok).toBe(false);
  });

  it("strings keep the agent's spaces; lists accept only their options", () => {
    expect(parseAttribute(attr({}), " two words ")).toEqual({ ok: true, value: " two words " });
    const list = attr({ dataType: "list", label: "Severity", options: ["Low", "High"] });
    expect(parseAttribute(list, "High")).toEqual({ ok: true, value: "High" });
    expect(parseAttribute(list, "Mega")).toEqual({ ok: false, error: "Severity must be one of: Low, High." });
  });

  it("booleans from the checkbox, datetimes from the local date field", () => {
    expect(parseAttribute(attr({ dataType: "boolean" }), true)).toEqual({ ok: true, value: true });
    expect(parseAttribute(attr({ dataType: "boolean" }), "false")).toEqual({ ok: true, value: false });
    const dt = attr({ dataType: "datetime", label: "Follow up" });
    const at = new Date(2026, 2, 12, 14, 5).getTime() / 1000;
    expect(parseAttribute(dt, "2026-03-12T14:05")).toEqual({ ok: true, value: at });
    expect(parseAttribute(dt, "2026-02-31T10:00").ok, "no 31st of February").toBe(false);
    expect(parseAttribute(dt, "tomorrow")).toEqual({ ok: false, error: "Follow up takes a date and time." });
  });
});

describe("attributeInput and attributeText", () => {
  it("round-trip a datetime through its field, and read values as words", () => {
    const at = new Date(2026, 0, 5, 9, 7).getTime() / 1000;
    expect(toDateTimeLocal(at)).toBe("2026-01-05T09:07");
    const dt = attr({ dataType: "datetime", value: at });
    expect(parseAttribute(dt, attributeInput(dt))).toEqual({ ok: true, value: at });
    expect(attributeInput(attr({ dataType: "integer", value: 7 }))).toBe("7");
    expect(attributeInput(attr({}))).toBe("");
    expect(attributeText(attr({ dataType: "boolean", value: false }), String)).toBe("No");
    expect(attributeText(attr({}), String)).toBe("—");
  });
});
