// Text on a terminal: the columns a text takes (grapheme clusters, East Asian wide characters, emoji)
// and the characters that must not reach it raw (controls, bidi marks). to-table and the query
// tools' --format table use them.
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const EMOJI = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\p{Regional_Indicator}/u;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u1160-\u11ff]$/u;
// East Asian Wide (W) and Fullwidth (F) outside the emoji (Unicode 15 EastAsianWidth.txt, main blocks)
const WIDE: [number, number][] = [
  [0x1100, 0x115f], [0x2329, 0x232a], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff],
  [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f],
  [0xff00, 0xff60], [0xffe0, 0xffe6], [0x16fe0, 0x16fe4], [0x17000, 0x18aff], [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f202], [0x1f210, 0x1f23b], [0x1f240, 0x1f248], [0x1f250, 0x1f251], [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

function wideCodePoint(cp: number): boolean {
  if (cp < 0x1100) return false;
  for (const [lo, hi] of WIDE) { if (cp < lo) return false; if (cp <= hi) return true; }
  return false;
}

/** the columns a grapheme cluster takes on a terminal: 0, 1 or 2 */
function graphemeWidth(g: string): number {
  if (EMOJI.test(g)) return 2;
  let w = 0;
  for (const ch of g) {
    const cp = ch.codePointAt(0)!;
    if (wideCodePoint(cp)) w += 2;
    else if (!ZERO_WIDTH.test(ch)) w += 1;
  }
  return Math.min(w, 2);
}

/** the display width of a text (already free of control characters) */
export function displayWidth(s: string): number {
  if (PRINTABLE_ASCII.test(s)) return s.length;
  let w = 0;
  for (const { segment } of segmenter.segment(s)) w += graphemeWidth(segment);
  return w;
}

/** the text cut to at most `max` columns with '…' at the end (whole grapheme clusters only; never inside
 *  an escape safe() wrote: "abcdefgh\n…" read as a backslash before the cut) */
export function truncate(s: string, max: number): string {
  if (max <= 0) return s;
  if (PRINTABLE_ASCII.test(s)) return s.length <= max ? s : s.slice(0, max - 1).replace(CUT_ESCAPE, '') + '…';
  if (displayWidth(s) <= max) return s;
  let w = 0, out = '';
  for (const { segment } of segmenter.segment(s)) {
    const g = graphemeWidth(segment);
    if (w + g > max - 1) break;
    out += segment; w += g;
  }
  return out.replace(CUT_ESCAPE, '') + '…';
}
/** the start of an escape at the end of a cut text: a backslash, or \u and fewer than four hex digits */
const CUT_ESCAPE = /\\(u[0-9a-f]{0,3})?$/;

/** the cells a text takes on a terminal, one string a cell: each grapheme cluster in its first cell,
 *  '' in the second cell of a wide one (so that joined they are the text, and indexed they are where a
 *  terminal shows it); a cluster of no width joins the cell before it */
export function cells(s: string): string[] {
  if (PRINTABLE_ASCII.test(s)) return [...s];
  const out: string[] = [];
  for (const { segment } of segmenter.segment(s)) {
    const g = graphemeWidth(segment);
    if (g === 0 && out.length) out[out.length - 1] += segment;
    else if (g === 2) out.push(segment, '');
    else out.push(segment);
  }
  return out;
}

/** the characters past C1 that reorder or break a terminal's line: line/paragraph separators, bidi
 *  controls (a regex class's body: to-table, the text charts and every diagnostic keep them out) */
export const REORDERING = '\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
// characters shown escaped (by to-table; the text charts put U+FFFD for them): C0 controls, DEL, C1 controls, and those
export const UNSAFE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${REORDERING}]`, 'g');
const ESCAPED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f' };
export function safe(s: string): string {
  return s.replace(UNSAFE, (c) => ESCAPED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

