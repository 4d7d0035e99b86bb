// Rules about a conversation's parts that are not markup. Pure, tested in vitest.
import type { Part } from "./ipc";

/**
 * Whether `after` holds a customer message that `before` did not: the customer wrote while
 * the conversation was on screen (a refetch after an assignment, a note or a read mark
 * brings none, so those leave the read state alone).
 */
export function hasNewCustomerPart(before: readonly Part[], after: readonly Part[]): boolean {
  const seen = new Set(before.map((p) => p.id));
  return after.some((p) => p.authorKind === "contact" && p.kind === "message" && !seen.has(p.id));
}
