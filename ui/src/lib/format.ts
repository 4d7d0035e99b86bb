// Small, pure formatting rules shared by the sidebar, the list, the thread and the status line.
// Every function takes "now" as an input so tests pin the clock.

/** Unread badges show the number up to 99, then "99+"; zero shows nothing. */
export function badgeText(count: number): string {
  if (!Number.isFinite(count) || count <= 0) return "";
  return count > 99 ? "99+" : String(Math.floor(count));
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

const pad2 = (n: number) => String(n).padStart(2, "0");

/** Local wall-clock time of a unix timestamp (seconds), "HH:MM". */
export function clockTime(unixSecs: number): string {
  const d = new Date(unixSecs * 1000);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** A full local date and time for tooltips and menus, "12 Mar 2024, 14:05". */
export function dateTime(unixSecs: number): string {
  const d = new Date(unixSecs * 1000);
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}, ${clockTime(unixSecs)}`;
}

/** Thread timestamps: "14:05" today, "12 Mar, 14:05" this year, the full date before. */
export function partTime(unixSecs: number, nowSecs: number): string {
  const d = new Date(unixSecs * 1000);
  const now = new Date(nowSecs * 1000);
  if (d.toDateString() === now.toDateString()) return clockTime(unixSecs);
  if (d.getFullYear() === now.getFullYear()) return `${d.getDate()} ${MONTHS[d.getMonth()]}, ${clockTime(unixSecs)}`;
  return dateTime(unixSecs);
}

/**
 * The short time in list rows: "now", "5m", "3h" within a day, the weekday within a week,
 * "12 Mar" within the year, "12 Mar 2023" before. Future times (clock skew) read as "now".
 */
export function relativeTime(unixSecs: number, nowSecs: number): string {
  const delta = nowSecs - unixSecs;
  if (delta < 60) return "now";
  if (delta < 3600) return `${Math.floor(delta / 60)}m`;
  if (delta < 86_400) return `${Math.floor(delta / 3600)}h`;
  const d = new Date(unixSecs * 1000);
  if (delta < 7 * 86_400) return DAYS[d.getDay()] ?? "";
  const now = new Date(nowSecs * 1000);
  const dayMonth = `${d.getDate()} ${MONTHS[d.getMonth()]}`;
  return d.getFullYear() === now.getFullYear() ? dayMonth : `${dayMonth} ${d.getFullYear()}`;
}

/** Attachment sizes: "512 B", "1.5 KB", "12 MB" (1024-based, one decimal under 10). */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "";
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = value < 10 ? value.toFixed(1).replace(/\.0$/, "") : String(Math.round(value));
  return `${text} ${units[unit]}`;
}

/** Backfill progress as a whole percentage, clamped to 0..100. */
export function percent(done: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}
