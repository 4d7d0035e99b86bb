import { describe, expect, it } from "vitest";
import { keepSelection } from "./selection";

const rows = (...ids: string[]) => ids.map((id) => ({ id }));

describe("keepSelection", () => {
  it("follows the selected conversation when the list re-sorts", () => {
    const before = rows("a", "b", "c", "d");
    const after = rows("d", "a", "b", "c");
    expect(keepSelection(before, after, "c", 2), "new activity on d moves c down a row; c stays selected").toBe("c");
  });

  it("moves to the row that followed when the selected one leaves the view", () => {
    const before = rows("a", "b", "c", "d", "e");
    const after = rows("e", "a", "b", "d");
    expect(keepSelection(before, after, "c", 2), "c was closed; d came after it, whatever moved to its old index").toBe("d");
  });

  it("moves up when nothing below the selected one is left", () => {
    const before = rows("a", "b", "c");
    const after = rows("a", "b");
    expect(keepSelection(before, after, "c", 2), "the last row left; the one above it takes over").toBe("b");
  });

  it("falls back to the same position when the neighbourhood is gone", () => {
    expect(keepSelection(rows("a", "b"), rows("x", "y", "z"), "b", 1), "nothing old is left; the row at the old position").toBe("y");
    expect(keepSelection(rows("a", "b"), rows("x"), "b", 1), "clamped to the last row").toBe("x");
  });

  it("keeps a position whose row had not loaded, and empties with the list", () => {
    expect(keepSelection(rows("a"), rows("a", "b", "c"), null, 2), "a row selected before it loaded is the one at its position").toBe("c");
    expect(keepSelection(rows("a"), [], "a", 0), "an empty view selects nothing").toBeNull();
  });
});
