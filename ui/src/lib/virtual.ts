// Windowing for the conversation list: with a fixed row height, which rows are on screen.
// Pure, so the 100k-row arithmetic is tested without a browser.

export interface RowWindow {
  /** First row index to render (inclusive). */
  start: number;
  /** One past the last row index to render. */
  end: number;
}

/** The rows intersecting the viewport, widened by `overscan` rows each side. */
export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  total: number,
  overscan = 6,
): RowWindow {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first, total - 1) - overscan);
  const end = Math.min(total, first + count + overscan);
  return { start, end: Math.max(start, end) };
}

/** The scrollTop that brings row `index` into view, or null when it already is. */
export function scrollIntoView(
  index: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
): number | null {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return null;
}
