// The tag picker's rules: which tags it offers for adding or removing, filtered as the agent
// types (every word must appear in the name; names starting with the query first).
import type { Tag } from "./ipc";

export type TagMode = "add" | "remove";

/** The tags to offer: for "add" the ones not applied, for "remove" the applied ones; filtered by `query`. */
export function tagChoices(all: Tag[], applied: Tag[], mode: TagMode, query: string): Tag[] {
  const on = new Set(applied.map((t) => t.id));
  const pool = mode === "add" ? all.filter((t) => !on.has(t.id)) : applied;
  const q = query.trim().toLowerCase();
  const words = q.split(/\s+/).filter(Boolean);
  const hits = pool.filter((t) => words.every((w) => t.name.toLowerCase().includes(w)));
  const starts = (t: Tag) => (q && t.name.toLowerCase().startsWith(q) ? 0 : 1);
  return hits.sort((a, b) => starts(a) - starts(b) || a.name.localeCompare(b.name));
}
