import { describe, expect, it } from "vitest";
import { shortDuration, slaText } from "./sla";

const NOW = 1_700_000_000;

describe("shortDuration", () => {
  it("rounds down to the unit that matters", () => {
    expect(shortDuration(30), "under a minute is not 0m").toBe("<1m");
    expect(shortDuration(12 * 60 + 59), "minutes round down, never up").toBe("12m");
    expect(shortDuration(2 * 3600 + 5 * 60), "hours carry their minutes").toBe("2h 5m");
    expect(shortDuration(3600), "a whole hour drops the zero minutes").toBe("1h");
    expect(shortDuration(3 * 86_400 + 4 * 3600 + 59), "days carry their hours").toBe("3d 4h");
    expect(shortDuration(-5), "negative spans are clamped").toBe("<1m");
  });
});

describe("slaText", () => {
  it("counts an active SLA down and then up past its due time", () => {
    const sla = { name: "First reply", status: "active" as const, dueAt: NOW + 12 * 60 };
    expect(slaText(sla, NOW)).toEqual({ text: "due in 12m", label: "First reply: due in 12m", tone: "soon" });
    expect(slaText(sla, NOW + 11 * 60)?.text, "a minute later it says so").toBe("due in 1m");
    expect(slaText(sla, NOW + 15 * 60)).toEqual({ text: "overdue 3m", label: "First reply: overdue 3m", tone: "overdue" });
    expect(slaText({ ...sla, dueAt: NOW + 3 * 3600 }, NOW)?.tone, "far from due is not urgent").toBe("ok");
  });

  it("says hit and missed as words, and shows nothing for cancelled or no due time", () => {
    expect(slaText({ name: "Resolve", status: "missed", dueAt: NOW - 60 }, NOW)?.text).toBe("SLA missed");
    expect(slaText({ name: "Resolve", status: "hit", dueAt: NOW - 60 }, NOW + 999)?.text, "a settled SLA does not count").toBe("SLA hit");
    expect(slaText({ name: "Resolve", status: "cancelled", dueAt: NOW }, NOW)).toBeNull();
    expect(slaText({ name: "Resolve", status: "active", dueAt: null }, NOW)).toBeNull();
    expect(slaText(null, NOW)).toBeNull();
  });
});
