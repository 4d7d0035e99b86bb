import { describe, expect, it } from "vitest";
import { focusSegments, normalizeSegments, segmentsText } from "./snippet";

const s = (text: string, match = false) => ({ text, match });

describe("normalizeSegments", () => {
  it("drops empties and merges neighbours of a kind", () => {
    expect(normalizeSegments([s("a "), s(""), s("b"), s("ref", true), s("und", true), s(" c")])).toEqual([
      s("a b"),
      s("refund", true),
      s(" c"),
    ]);
  });
  it("does not mutate its input", () => {
    const input = [s("a"), s("b")];
    normalizeSegments(input);
    expect(input, "segments come from a shared search result").toEqual([s("a"), s("b")]);
  });
});

describe("focusSegments", () => {
  it("shortens long lead-in text at a word so the match shows", () => {
    const out = focusSegments([s("one two three four five six seven eight nine ten eleven twelve "), s("refund", true)], 20);
    expect(out[0]?.text.startsWith("…"), "cut text is marked").toBe(true);
    expect(out[0]?.text.length).toBeLessThanOrEqual(21);
    expect(out[1]).toEqual(s("refund", true));
  });
  it("keeps short snippets whole", () => {
    expect(focusSegments([s("my "), s("refund", true)])).toEqual([s("my "), s("refund", true)]);
  });
  it("keeps the text readable as plain text", () => {
    expect(segmentsText([s("a "), s("b", true)])).toBe("a b");
  });
});
