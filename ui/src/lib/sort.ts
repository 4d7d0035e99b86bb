// The conversation list's order: the backend sorts (`list_conversations`' `sort`); the UI keeps
// the agent's choice for the session and re-places a row it patched (priority toggled) at
// once, by the same rule, so the list never waits for the refetch.
import type { ConversationRow, ListSort } from "./ipc";

export const SORTS: { id: ListSort; label: string }[] = [
  { id: "recent", label: "Most recent" },
  { id: "priority_first", label: "Priority first" },
];

const KEY = "agentdesk.listSort";

/** The sort chosen earlier in this session (sessionStorage: gone with the window). */
export function rememberedSort(storage: Pick<Storage, "getItem"> | undefined = globalThis.sessionStorage): ListSort {
  const v = storage?.getItem(KEY);
  return v === "priority_first" ? "priority_first" : "recent";
}

export function rememberSort(sort: ListSort, storage: Pick<Storage, "setItem"> | undefined = globalThis.sessionStorage): void {
  try {
    storage?.setItem(KEY, sort);
  } catch {
    // Storage refused (private mode, quota): the choice lasts as long as the inbox.
  }
}

/** Orders rows as the backend does: newest first; with `priority_first`, priority ones before the rest. */
export function compareRows(sort: ListSort): (a: ConversationRow, b: ConversationRow) => number {
  return (a, b) => {
    if (sort === "priority_first" && a.priority !== b.priority) return a.priority ? -1 : 1;
    return b.lastActivityAt - a.lastActivityAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  };
}

/** The loaded rows after one changed: re-sorted (stable, loaded rows only) when its group moved. */
export function placeRows(rows: ConversationRow[], sort: ListSort): ConversationRow[] {
  return rows.slice().sort(compareRows(sort));
}
