// How an SLA reads on a row or in a thread: "due in 12m", "overdue 3m", "SLA missed". Pure,
// with "now" as an input, so the one shared clock (Inbox's `now`) drives every countdown.
import type { Sla } from "./ipc";

export type SlaTone = "ok" | "soon" | "overdue" | "missed" | "hit";

export interface SlaText {
  /** What the chip says. */
  text: string;
  /** The whole sentence for screen readers and the tooltip (the colour is never the only cue). */
  label: string;
  tone: SlaTone;
}

/** Due within this many seconds: shown as "soon". */
export const SOON_SECS = 15 * 60;

/** A span of seconds, short: "<1m", "12m", "2h 5m", "3d 4h". */
export function shortDuration(secs: number): string {
  const s = Math.max(0, Math.floor(secs));
  if (s < 60) return "<1m";
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) {
    const m = Math.floor((s % 3600) / 60);
    return m ? `${Math.floor(s / 3600)}h ${m}m` : `${Math.floor(s / 3600)}h`;
  }
  const h = Math.floor((s % 86_400) / 3600);
  return h ? `${Math.floor(s / 86_400)}d ${h}h` : `${Math.floor(s / 86_400)}d`;
}

/** The SLA as text at `now` (unix seconds); null when there is nothing to show (cancelled, or no due time). */
export function slaText(sla: Sla | null | undefined, now: number): SlaText | null {
  if (!sla) return null;
  const name = sla.name || "SLA";
  switch (sla.status) {
    case "hit":
      return { text: "SLA hit", label: `${name}: hit`, tone: "hit" };
    case "missed":
      return { text: "SLA missed", label: `${name}: missed`, tone: "missed" };
    case "active": {
      if (sla.dueAt === null || !Number.isFinite(sla.dueAt)) return null;
      const left = sla.dueAt - now;
      if (left < 0) {
        const text = `overdue ${shortDuration(-left)}`;
        return { text, label: `${name}: ${text}`, tone: "overdue" };
      }
      const text = `due in ${shortDuration(left)}`;
      return { text, label: `${name}: ${text}`, tone: left <= SOON_SECS ? "soon" : "ok" };
    }
    default:
      return null;
  }
}
