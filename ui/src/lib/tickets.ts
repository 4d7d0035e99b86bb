// Ticket states as the agent reads them, in Intercom's order.
import type { TicketState } from "./ipc";

export const TICKET_STATES: { id: TicketState; label: string }[] = [
  { id: "submitted", label: "Submitted" },
  { id: "in_progress", label: "In progress" },
  { id: "waiting_on_customer", label: "Waiting on customer" },
  { id: "resolved", label: "Resolved" },
];

export function ticketStateLabel(state: string): string {
  return TICKET_STATES.find((s) => s.id === state)?.label ?? state;
}
