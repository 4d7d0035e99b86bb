import { describe, expect, it } from "vitest";
import { snoozePresets, snoozeUntilDate } from "./snooze";

const local = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime() / 1000;

describe("snoozePresets", () => {
  it("offers later today, tomorrow morning and next Monday morning", () => {
    const now = local(2024, 3, 14, 10, 7); // Thursday 10:07
    const byId = Object.fromEntries(snoozePresets(now).map((p) => [p.id, p.until]));
    expect(byId.later_today, "three hours on, rounded up to the quarter").toBe(local(2024, 3, 14, 13, 15));
    expect(byId.tomorrow, "tomorrow means the start of the next working morning").toBe(local(2024, 3, 15, 9));
    expect(byId.next_week, "next week means the coming Monday morning").toBe(local(2024, 3, 18, 9));
  });

  it("drops later today when it would cross midnight", () => {
    const ids = snoozePresets(local(2024, 3, 14, 22, 30)).map((p) => p.id);
    expect(ids, "at 22:30 'later today' would be tomorrow").toEqual(["tomorrow", "next_week"]);
  });

  it("on a Monday, next week is the following Monday", () => {
    const next = snoozePresets(local(2024, 3, 18, 8)).find((p) => p.id === "next_week");
    expect(next?.until, "not this very morning").toBe(local(2024, 3, 25, 9));
  });

  it("crosses month ends", () => {
    const t = snoozePresets(local(2024, 1, 31, 12)).find((p) => p.id === "tomorrow");
    expect(t?.until).toBe(local(2024, 2, 1, 9));
  });
});

describe("snoozeUntilDate", () => {
  const now = local(2024, 3, 14, 10);
  it("turns a picked date into that morning", () => {
    expect(snoozeUntilDate("2024-04-02", now)).toBe(local(2024, 4, 2, 9));
  });
  it("refuses malformed, impossible and past dates", () => {
    expect(snoozeUntilDate("", now), "nothing picked").toBeNull();
    expect(snoozeUntilDate("2024-02-30", now), "no such day").toBeNull();
    expect(snoozeUntilDate("2024-03-14", now), "09:00 today has already passed").toBeNull();
  });
});
