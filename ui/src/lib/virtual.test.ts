import { describe, expect, it } from "vitest";
import { scrollIntoView, visibleRows } from "./virtual";

describe("visibleRows", () => {
  it("renders only a window of a huge list", () => {
    const w = visibleRows(0, 600, 60, 100_000, 5);
    expect(w.start).toBe(0);
    expect(w.end - w.start, "ten visible rows, one partial, five overscan").toBe(16);
  });
  it("follows the scroll position", () => {
    const w = visibleRows(60 * 50_000, 600, 60, 100_000, 5);
    expect(w.start, "overscan above the first visible row").toBe(49_995);
    expect(w.end).toBe(50_016);
  });
  it("clamps at the end and on empty lists", () => {
    const w = visibleRows(60 * 100_000, 600, 60, 100_000, 5);
    expect(w.end, "never past the last row").toBe(100_000);
    expect(w.start).toBeLessThan(w.end);
    expect(visibleRows(0, 600, 60, 0)).toEqual({ start: 0, end: 0 });
  });
});

describe("scrollIntoView", () => {
  it("scrolls just enough to show a row", () => {
    expect(scrollIntoView(5, 0, 600, 60), "already visible").toBeNull();
    expect(scrollIntoView(10, 0, 600, 60), "the next row below aligns to the bottom").toBe(60);
    expect(scrollIntoView(2, 600, 600, 60), "a row above aligns to the top").toBe(120);
  });
});
