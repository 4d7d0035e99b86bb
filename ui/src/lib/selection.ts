// The list's keyboard selection follows a conversation, not a row position: the list re-sorts
// by last activity while the agent reads, and Enter must open what is highlighted. Pure, so
// the "which row now" rules are tested without a browser.

/**
 * The id to keep selected after the list's rows changed from `before` to `after`.
 *
 * - The selected conversation is still listed: keep it, wherever it moved.
 * - It left the view (closed, reassigned, snoozed): its nearest neighbour that is still
 *   listed, looking first at the rows that followed it (where the agent was heading with j),
 *   then at the rows above it.
 * - Nothing of the old neighbourhood is left: the row now at the old position, clamped.
 *
 * `index` is where the selection was; with no `selectedId` (a row that had not loaded yet)
 * the selection stays at that position. Returns null only when `after` is empty.
 */
export function keepSelection(
  before: readonly { id: string }[],
  after: readonly { id: string }[],
  selectedId: string | null,
  index: number,
): string | null {
  if (after.length === 0) return null;
  const listed = new Set(after.map((r) => r.id));
  if (selectedId !== null && listed.has(selectedId)) return selectedId;
  const at = selectedId === null ? -1 : before.findIndex((r) => r.id === selectedId);
  if (at >= 0) {
    for (let i = at + 1; i < before.length; i++) if (listed.has(before[i]!.id)) return before[i]!.id;
    for (let i = at - 1; i >= 0; i--) if (listed.has(before[i]!.id)) return before[i]!.id;
  }
  return after[Math.max(0, Math.min(index, after.length - 1))]!.id;
}
