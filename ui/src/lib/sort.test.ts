import { describe, expect, it } from "vitest";
import type { ConversationRow } from "./ipc";
import { compareRows, placeRows, rememberSort, rememberedSort } from "./sort";

const row = (id: string, at: number, priority = false): ConversationRow => ({
  id, contactName: "", subject: "", snippet: "", lastActivityAt: at, assigneeName: null,
  unread: false, pending: false, failed: false, state: "open", priority, tags: [], sla: null,
});

describe("sort", () => {
  it("priority first puts priority rows on top, each group newest first", () => {
    const rows = [row("a", 50), row("b", 40, true), row("c", 60), row("d", 10, true)];
    expect(placeRows(rows, "priority_first").map((r) => r.id)).toEqual(["b", "d", "c", "a"]);
    expect(placeRows(rows, "recent").map((r) => r.id), "recent ignores priority").toEqual(["c", "a", "b", "d"]);
    expect(compareRows("recent")(row("x", 5), row("y", 5)), "equal times break by id, so the order is stable").toBeLessThan(0);
  });

  it("the choice is remembered in the session's storage, and anything else reads as recent", () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(rememberedSort(storage)).toBe("recent");
    rememberSort("priority_first", storage);
    expect(rememberedSort(storage)).toBe("priority_first");
    store.set("agentdesk.listSort", "bogus");
    expect(rememberedSort(storage), "a stale or foreign value falls back").toBe("recent");
    expect(rememberedSort(undefined), "no storage at all (tests, old shells)").toBe("recent");
  });
});
