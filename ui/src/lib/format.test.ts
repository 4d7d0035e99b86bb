import { describe, expect, it } from "vitest";
import { badgeText, clockTime, humanSize, partTime, percent, relativeTime } from "./format";

/** Unix seconds of a local wall-clock time, so the tests hold in any time zone. */
const local = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime() / 1000;

describe("badgeText", () => {
  it("hides the badge when nothing is unread", () => {
    // An empty badge, not "0", so the sidebar stays quiet when the inbox is clear.
    expect(badgeText(0)).toBe("");
    expect(badgeText(-3)).toBe("");
    expect(badgeText(Number.NaN)).toBe("");
  });

  it("shows exact counts up to 99", () => {
    expect(badgeText(1)).toBe("1");
    expect(badgeText(99)).toBe("99");
  });

  it("caps at 99+ so the badge keeps its width", () => {
    expect(badgeText(100)).toBe("99+");
    expect(badgeText(100_000)).toBe("99+");
  });
});

describe("relativeTime", () => {
  const now = local(2024, 3, 14, 15, 0); // a Thursday

  it("reads recent activity in minutes and hours", () => {
    expect(relativeTime(now - 10, now), "under a minute is just now").toBe("now");
    expect(relativeTime(now + 300, now), "clock skew must not show negative ages").toBe("now");
    expect(relativeTime(now - 5 * 60, now)).toBe("5m");
    expect(relativeTime(now - 3 * 3600 - 59, now), "hours are floored").toBe("3h");
  });

  it("uses the weekday within a week and the date after", () => {
    expect(relativeTime(local(2024, 3, 11, 9), now), "three days back is that Monday").toBe("Mon");
    expect(relativeTime(local(2024, 1, 2, 9), now), "same year omits the year").toBe("2 Jan");
    expect(relativeTime(local(2023, 12, 25, 9), now), "another year shows it").toBe("25 Dec 2023");
  });
});

describe("clockTime", () => {
  it("is the local HH:MM with leading zeros", () => {
    // The offline line says "cached at HH:MM"; it must be the agent's own clock.
    expect(clockTime(local(2024, 3, 14, 7, 5))).toBe("07:05");
    expect(clockTime(local(2024, 3, 14, 23, 59))).toBe("23:59");
  });
});

describe("humanSize", () => {
  it("picks a unit people read at a glance", () => {
    expect(humanSize(0)).toBe("0 B");
    expect(humanSize(512)).toBe("512 B");
    expect(humanSize(1536), "one decimal under ten units").toBe("1.5 KB");
    expect(humanSize(2048), "no trailing .0").toBe("2 KB");
    expect(humanSize(12 * 1024 * 1024 + 5000), "whole numbers from ten up").toBe("12 MB");
    expect(humanSize(-1), "nonsense sizes show nothing").toBe("");
  });
});

describe("percent", () => {
  it("clamps and floors so the bar never overshoots", () => {
    expect(percent(0, 0), "an unknown total is zero, not NaN").toBe(0);
    expect(percent(999, 1000), "99.9% is not done yet").toBe(99);
    expect(percent(1200, 1000)).toBe(100);
  });
});

describe("partTime", () => {
  const now = local(2024, 3, 14, 15, 0);
  it("drops what the agent already knows", () => {
    expect(partTime(local(2024, 3, 14, 9, 30), now), "today shows the clock only").toBe("09:30");
    expect(partTime(local(2024, 3, 13, 23, 59), now), "yesterday needs its date").toBe("13 Mar, 23:59");
    expect(partTime(local(2023, 3, 14, 9, 30), now), "another year spells it out").toBe("14 Mar 2023, 09:30");
  });
});
