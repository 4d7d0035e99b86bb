import { describe, expect, it } from "vitest";
import { badgeText } from "./format";

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
