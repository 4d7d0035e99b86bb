// Search snippets arrive as segments ({text, match}); these helpers tidy them for display.
// The UI renders them as text nodes (matches inside <mark>), never as HTML.
import type { SnippetSegment } from "./ipc";

/** Drops empty segments and merges neighbours of the same kind. */
export function normalizeSegments(segments: SnippetSegment[]): SnippetSegment[] {
  const out: SnippetSegment[] = [];
  for (const s of segments) {
    if (!s.text) continue;
    const last = out[out.length - 1];
    if (last && last.match === s.match) last.text += s.text;
    else out.push({ text: s.text, match: s.match });
  }
  return out;
}

/**
 * Keeps at most `lead` characters of plain text before the first match (cut at a word,
 * with an ellipsis) so the highlighted word is visible in one line.
 */
export function focusSegments(segments: SnippetSegment[], lead = 40): SnippetSegment[] {
  const out = normalizeSegments(segments);
  const first = out[0];
  if (!first || first.match || out.length < 2 || first.text.length <= lead) return out;
  let tail = first.text.slice(first.text.length - lead);
  const space = tail.indexOf(" ");
  if (space >= 0 && space < tail.length - 1) tail = tail.slice(space + 1);
  out[0] = { text: `…${tail}`, match: false };
  return out;
}

/** Plain text of the segments (accessible names, tooltips). */
export function segmentsText(segments: SnippetSegment[]): string {
  return segments.map((s) => s.text).join("");
}
