// Bulk actions over many conversations (issue 22): which rows are picked, and the run that
// sends one command per picked conversation. Pure (the command is passed in), so the picking
// rules and the run's progress, cancel and failures are tested without a browser.
//
// "Picked" rather than "selected": the list already has a selection, the one highlighted row
// that j/k move and Enter opens (selection.ts); picks are the many rows a bulk action takes.

import type { Assignee } from "./ipc";

/** The conversations picked for a bulk action, and where a Shift range starts. */
export interface Picks {
  readonly ids: ReadonlySet<string>;
  /** The row a Shift range starts from: the last row clicked, toggled or moved to. */
  readonly anchor: string | null;
  /** A range from the anchor picks rows, or unpicks them when the anchor was just unpicked. */
  readonly adding: boolean;
  /**
   * The picks before the current range. Each Shift+click or Shift+j redraws the range over
   * them, so going back over a range (Shift+k after Shift+j) shrinks it instead of leaving
   * rows picked behind the highlight.
   */
  readonly base: ReadonlySet<string>;
}

export const NO_PICKS: Picks = { ids: new Set(), anchor: null, adding: true, base: new Set() };

/** Ctrl+click, the row's mark, or x: flips one row, which becomes the anchor. */
export function togglePick(p: Picks, id: string): Picks {
  const ids = new Set(p.ids);
  const adding = !ids.has(id);
  if (adding) ids.add(id);
  else ids.delete(id);
  return { ids, anchor: id, adding, base: ids };
}

/** A plain click or move: the row becomes the anchor, nothing is picked or unpicked. */
export function anchorAt(p: Picks, id: string): Picks {
  if (p.anchor === id && p.adding && p.base === p.ids) return p;
  return { ids: p.ids, anchor: id, adding: true, base: p.ids };
}

/**
 * Shift+click or Shift+j/k: the rows from the anchor to `id`, in `order` (the loaded rows'
 * ids, top to bottom), picked (or unpicked, see `adding`) on top of `base`. With no anchor
 * in `order` (none yet, or it left the view) the range starts at `from`, the row that was
 * highlighted, as a file manager starts it at the focused row.
 */
export function extendTo(p: Picks, order: readonly string[], id: string, from: string | null): Picks {
  const to = order.indexOf(id);
  if (to < 0) return p;
  let q = p;
  if (q.anchor === null || !order.includes(q.anchor)) q = anchorAt(q, from !== null && order.includes(from) ? from : id);
  const at = order.indexOf(q.anchor!);
  const ids = new Set(q.base);
  for (const r of order.slice(Math.min(at, to), Math.max(at, to) + 1)) {
    if (q.adding) ids.add(r);
    else ids.delete(r);
  }
  return { ...q, ids };
}

/**
 * The picks after the list re-read its rows (`before` to `after`, ids top to bottom). A
 * picked conversation stays picked wherever it moved; one that left the view is dropped, so
 * "N selected" never counts rows the agent cannot see. The re-read covers only the first
 * `after.length` rows unless `complete`: a picked row further down that was not re-read is
 * still in the view as far as anyone knows, and stays.
 */
export function keepPicks(p: Picks, before: readonly string[], after: readonly string[], complete: boolean): Picks {
  if (p.ids.size === 0) return p;
  const listed = new Set(after);
  const gone = (id: string) => {
    if (listed.has(id)) return false;
    if (complete) return true;
    const at = before.indexOf(id);
    return at >= 0 && at < after.length;
  };
  const left = new Set([...p.ids].filter(gone));
  return left.size === 0 ? p : without(p, (id) => left.has(id));
}

/** The picks with the conversations a bulk action took care of left out. */
export function dropPicks(p: Picks, done: Iterable<string>): Picks {
  const drop = new Set(done);
  return [...p.ids].some((id) => drop.has(id)) ? without(p, (id) => drop.has(id)) : p;
}

function without(p: Picks, drop: (id: string) => boolean): Picks {
  const ids = new Set([...p.ids].filter((id) => !drop(id)));
  const base = p.base === p.ids ? ids : new Set([...p.base].filter((id) => !drop(id)));
  return { ...p, ids, base };
}

// ---------------------------------------------------------------------------------------
// The run

/** What a bulk action does to each picked conversation. `label` names the choice in the report. */
export type BulkAction =
  | { kind: "close" }
  | { kind: "snooze"; until: number; label: string }
  | { kind: "assign"; assignee: Assignee; label: string }
  | { kind: "read" };

/** One conversation of a run, named as the agent knows it (for the failure list). */
export interface BulkItem {
  id: string;
  label: string;
}

export interface BulkFailure extends BulkItem {
  code: string;
  message: string;
}

export interface BulkOutcome {
  total: number;
  /** Ids the backend accepted: each is one outbox item now, never to be sent again from here. */
  succeeded: string[];
  failed: BulkFailure[];
  /** Left when the agent cancelled: never sent. */
  notSent: BulkItem[];
  cancelled: boolean;
}

/**
 * The run's items in the list's order (so progress walks down what the agent sees), named by
 * `label`; picked ids whose rows are no longer loaded follow, named by their id.
 */
export function orderItems<T extends { id: string }>(ids: ReadonlySet<string>, rows: readonly T[], label: (row: T) => string): BulkItem[] {
  const items: BulkItem[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    if (ids.has(row.id) && !seen.has(row.id)) {
      seen.add(row.id);
      items.push({ id: row.id, label: label(row) });
    }
  }
  for (const id of ids) if (!seen.has(id)) items.push({ id, label: id });
  return items;
}

/**
 * Sends `items` one after another, each through its own `send` (one command, so one outbox
 * item, which the backend delivers exactly once: a rejected item was not queued, an accepted
 * one is never sent again from here). A failure is collected and the run goes on. `signal`
 * cancels between items: the one in flight finishes and counts, the rest are not sent.
 * `onprogress(done, current)` runs before each item and once at the end (`current` null).
 */
export async function runBulk(
  items: readonly BulkItem[],
  send: (id: string) => Promise<unknown>,
  options: { signal?: AbortSignal; onprogress?: (done: number, current: BulkItem | null) => void; toError: (e: unknown) => { code: string; message: string } },
): Promise<BulkOutcome> {
  // An id twice in the list would be two outbox items for one conversation.
  const seen = new Set<string>();
  const queue = items.filter((i) => !seen.has(i.id) && (seen.add(i.id), true));
  const outcome: BulkOutcome = { total: queue.length, succeeded: [], failed: [], notSent: [], cancelled: false };
  for (let i = 0; i < queue.length; i++) {
    const item = queue[i]!;
    if (options.signal?.aborted) {
      outcome.cancelled = true;
      outcome.notSent = queue.slice(i);
      break;
    }
    options.onprogress?.(i, item);
    try {
      await send(item.id);
      outcome.succeeded.push(item.id);
    } catch (e) {
      const err = options.toError(e);
      outcome.failed.push({ ...item, code: err.code, message: err.message });
    }
  }
  options.onprogress?.(outcome.succeeded.length + outcome.failed.length, null);
  return outcome;
}

// ---------------------------------------------------------------------------------------
// Words

const plural = (n: number) => `${n.toLocaleString("en")} conversation${n === 1 ? "" : "s"}`;

/** "Closing 12 of 50…": `done` items finished, the next one being sent. */
export function progressText(action: BulkAction, done: number, total: number): string {
  const n = `${Math.min(done + 1, total).toLocaleString("en")} of ${total.toLocaleString("en")}`;
  switch (action.kind) {
    case "close":
      return `Closing ${n}…`;
    case "snooze":
      return `Snoozing ${n}…`;
    case "assign":
      return `Assigning ${n}…`;
    case "read":
      return `Marking ${n} read…`;
  }
}

/** What the action did to `n` conversations: "Closed 49 conversations". */
export function doneText(action: BulkAction, n: number): string {
  switch (action.kind) {
    case "close":
      return `Closed ${plural(n)}`;
    case "snooze":
      return `Snoozed ${plural(n)} (${action.label})`;
    case "assign":
      return action.assignee.kind === "nobody" ? `Unassigned ${plural(n)}` : `Assigned ${plural(n)} to ${action.label}`;
    case "read":
      return `Marked ${plural(n)} read`;
  }
}

/**
 * The run's report: "Closed 49 conversations. 1 failed:" (the bar lists the failures after
 * it), and when cancelled, how many were never sent.
 */
export function reportText(action: BulkAction, o: BulkOutcome): string {
  const parts = [`${o.cancelled ? "Cancelled. " : ""}${doneText(action, o.succeeded.length)}.`];
  if (o.notSent.length) parts.push(`${o.notSent.length.toLocaleString("en")} not sent.`);
  if (o.failed.length) parts.push(`${o.failed.length.toLocaleString("en")} failed:`);
  return parts.join(" ");
}
