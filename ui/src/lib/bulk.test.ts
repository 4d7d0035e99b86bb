import { describe, expect, it } from "vitest";
import {
  NO_PICKS,
  anchorAt,
  dropPicks,
  extendTo,
  keepPicks,
  orderItems,
  progressText,
  reportText,
  runBulk,
  togglePick,
  type BulkAction,
  type BulkItem,
  type Picks,
} from "./bulk";

const ORDER = ["a", "b", "c", "d", "e", "f"];
const picked = (p: Picks) => [...p.ids].sort();
const items = (...ids: string[]): BulkItem[] => ids.map((id) => ({ id, label: `Row ${id}` }));
const toError = (e: unknown) => e as { code: string; message: string };

describe("picking rows", () => {
  it("toggles one row at a time (Ctrl+click, x)", () => {
    let p = togglePick(NO_PICKS, "b");
    p = togglePick(p, "d");
    expect(picked(p), "two toggled rows are both picked").toEqual(["b", "d"]);
    p = togglePick(p, "b");
    expect(picked(p), "toggling a picked row unpicks it, the other stays").toEqual(["d"]);
    expect(NO_PICKS.ids.size, "the empty picks are never changed in place").toBe(0);
  });

  it("Shift picks the range from the last toggled row, on top of what was picked", () => {
    let p = togglePick(NO_PICKS, "a");
    p = togglePick(p, "c");
    p = extendTo(p, ORDER, "e", null);
    expect(picked(p), "c (the anchor) to e, and a from before").toEqual(["a", "c", "d", "e"]);
    p = extendTo(p, ORDER, "b", null);
    expect(picked(p), "a second Shift+click redraws the range from the same anchor, upwards").toEqual(["a", "b", "c"]);
  });

  it("a range from an unpicked anchor unpicks", () => {
    let p = extendTo(anchorAt(NO_PICKS, "a"), ORDER, "f", null);
    p = togglePick(p, "c");
    p = extendTo(p, ORDER, "e", null);
    expect(picked(p), "c was just unpicked, so Shift+click on e unpicks c to e").toEqual(["a", "b", "f"]);
  });

  it("Shift+j then Shift+k shrinks the range instead of leaving rows behind", () => {
    let p = anchorAt(NO_PICKS, "b");
    p = extendTo(p, ORDER, "c", "b");
    p = extendTo(p, ORDER, "d", "c");
    expect(picked(p), "two Shift+j from b").toEqual(["b", "c", "d"]);
    p = extendTo(p, ORDER, "c", "d");
    expect(picked(p), "Shift+k takes d back").toEqual(["b", "c"]);
  });

  it("starts a range at the highlighted row when there is no anchor in the list", () => {
    expect(picked(extendTo(NO_PICKS, ORDER, "c", "a")), "nothing clicked yet: from the highlighted row").toEqual(["a", "b", "c"]);
    const gone = togglePick(NO_PICKS, "zz");
    expect(picked(extendTo(gone, ORDER, "c", "b")), "the anchor left the view: from the highlighted row, keeping zz").toEqual(["b", "c", "zz"]);
    expect(picked(extendTo(NO_PICKS, ORDER, "c", null)), "no highlight either: the row itself").toEqual(["c"]);
    expect(extendTo(NO_PICKS, ORDER, "zz", "a"), "a row that is not loaded changes nothing").toBe(NO_PICKS);
  });

  it("a plain click or move re-anchors without touching the picks", () => {
    let p = togglePick(NO_PICKS, "a");
    p = anchorAt(p, "d");
    expect(picked(p), "moving does not pick").toEqual(["a"]);
    p = extendTo(p, ORDER, "e", null);
    expect(picked(p), "the next range starts where the agent moved to").toEqual(["a", "d", "e"]);
  });
});

describe("keeping the picks across refreshes", () => {
  it("follows ids through a re-sort", () => {
    const p = togglePick(togglePick(NO_PICKS, "b"), "e");
    const kept = keepPicks(p, ORDER, ["e", "a", "b", "c", "d", "f"], true);
    expect(kept, "nothing left the view: the same picks, unchanged").toBe(p);
  });

  it("drops a picked row that left the view", () => {
    const p = togglePick(togglePick(NO_PICKS, "b"), "e");
    const kept = keepPicks(p, ORDER, ["a", "c", "d", "e", "f"], true);
    expect(picked(kept), "b was closed elsewhere; N selected must not count it").toEqual(["e"]);
    expect([...kept.base].sort(), "nor may a later Shift range bring it back").toEqual(["e"]);
  });

  it("keeps a picked row beyond what the refresh re-read", () => {
    const before = Array.from({ length: 300 }, (_, i) => `r${i}`);
    const p = togglePick(togglePick(NO_PICKS, "r250"), "r10");
    const after = before.slice(1, 201);
    const kept = keepPicks(p, before, after, false);
    expect(picked(kept), "r250 was not re-read (only 200 rows were): it is still in the view as far as we know").toEqual(["r10", "r250"]);
    const closed = keepPicks(p, before, after.filter((id) => id !== "r10"), false);
    expect(picked(closed), "r10 was within the re-read rows and is missing: it left").toEqual(["r250"]);
  });

  it("drops what an action took care of", () => {
    const p = extendTo(anchorAt(NO_PICKS, "a"), ORDER, "d", null);
    const left = dropPicks(p, ["a", "c"]);
    expect(picked(left), "the succeeded rows leave, the failed ones stay picked").toEqual(["b", "d"]);
    expect(dropPicks(left, ["x"]), "nothing to drop: the same picks").toBe(left);
  });
});

describe("orderItems", () => {
  it("walks the list top to bottom and names unloaded ids by id", () => {
    const rows = ORDER.map((id) => ({ id, name: id.toUpperCase() }));
    const out = orderItems(new Set(["zz", "e", "b"]), rows, (r) => r.name);
    expect(out, "list order first, then what is no longer loaded").toEqual([
      { id: "b", label: "B" },
      { id: "e", label: "E" },
      { id: "zz", label: "zz" },
    ]);
  });
});

describe("runBulk", () => {
  it("sends each item once, in order, one at a time, and collects failures", async () => {
    const sent: string[] = [];
    let inFlight = 0;
    const progress: [number, string | null][] = [];
    const out = await runBulk(
      items("a", "b", "c", "b"),
      async (id) => {
        inFlight += 1;
        expect(inFlight, "items go one after another, never two at once").toBe(1);
        sent.push(id);
        await Promise.resolve();
        inFlight -= 1;
        if (id === "b") throw { code: "not_found", message: "b is gone" };
      },
      { toError, onprogress: (done, current) => progress.push([done, current?.id ?? null]) },
    );
    expect(sent, "every id once, b too though it was listed twice").toEqual(["a", "b", "c"]);
    expect(out.succeeded, "a failure does not stop the run").toEqual(["a", "c"]);
    expect(out.failed, "the failure keeps its row's name and the backend's words").toEqual([{ id: "b", label: "Row b", code: "not_found", message: "b is gone" }]);
    expect(out.total, "the duplicate is not counted").toBe(3);
    expect(progress, "progress before each item, then the end").toEqual([[0, "a"], [1, "b"], [2, "c"], [3, null]]);
    expect(out.cancelled).toBe(false);
  });

  it("stops between items when cancelled; the item in flight counts", async () => {
    const ctl = new AbortController();
    const sent: string[] = [];
    const out = await runBulk(
      items("a", "b", "c", "d"),
      async (id) => {
        sent.push(id);
        if (id === "b") ctl.abort();
      },
      { toError, signal: ctl.signal },
    );
    expect(sent, "cancelled while b was in flight: c and d are never sent").toEqual(["a", "b"]);
    expect(out.succeeded, "b was accepted and stays sent").toEqual(["a", "b"]);
    expect(out.notSent.map((i) => i.id), "the rest is reported as not sent").toEqual(["c", "d"]);
    expect(out.cancelled).toBe(true);
  });
});

describe("words", () => {
  const close: BulkAction = { kind: "close" };
  it("counts the item being sent", () => {
    expect(progressText(close, 11, 50)).toBe("Closing 12 of 50…");
    expect(progressText({ kind: "read" }, 0, 3)).toBe("Marking 1 of 3 read…");
  });

  it("says what happened, then what failed or was not sent", () => {
    const base = { total: 50, failed: [], notSent: [], cancelled: false };
    const ok = Array.from({ length: 49 }, (_, i) => `c${i}`);
    const failed = [{ id: "x", label: "X", code: "not_found", message: "gone" }];
    expect(reportText(close, { ...base, succeeded: ok, failed }), "the brief's own example").toBe("Closed 49 conversations. 1 failed:");
    expect(reportText(close, { ...base, succeeded: ["a"] }), "one is singular").toBe("Closed 1 conversation.");
    expect(reportText({ kind: "assign", assignee: { kind: "admin", id: "a2" }, label: "Sam Support" }, { ...base, succeeded: ["a", "b"] })).toBe("Assigned 2 conversations to Sam Support.");
    expect(reportText({ kind: "assign", assignee: { kind: "nobody" }, label: "Nobody" }, { ...base, succeeded: ["a"] })).toBe("Unassigned 1 conversation.");
    expect(reportText({ kind: "snooze", until: 1, label: "Tomorrow" }, { ...base, succeeded: ["a"] })).toBe("Snoozed 1 conversation (Tomorrow).");
    expect(
      reportText({ kind: "read" }, { ...base, succeeded: ["a", "b"], notSent: items("c", "d", "e"), cancelled: true }),
      "a cancelled run says so and counts what was never sent",
    ).toBe("Cancelled. Marked 2 conversations read. 3 not sent.");
  });
});
