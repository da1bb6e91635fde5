// Charts for people to look at, shared by `plot` (src/tools/plot.ts) and the Insights report
// (src/report/insights.ts): one data model (series of points), one layout (axes, ticks, gaps) and three
// renderings — SVG (every point or bar is a mark carrying a <title> with its x and y: the tooltip), a
// self-contained HTML page around that SVG, and a text chart for a terminal or a pipe (Unicode blocks
// for bars, braille dots for lines). Output is a pure function of the input: the same points give the
// same bytes (no clock, no randomness, no locale).
//
// The decisions, in one place:
// - The x axis comes from the values: every x a YYYY-MM-DD calendar date -> a time axis (days to scale,
//   so a missing day leaves its room empty); every x a number -> a linear axis; anything else ->
//   categories, in first-appearance order, or in natural order ("v2" before "v10") with sortCategories.
// - A line joins a series' points in x order; a repeated x keeps input order (a vertical run through
//   its points, each still a mark). On a time or category axis the line breaks where the series skips
//   a step (a day without a row is not interpolated: count-by writes no row for "zero"); the chart
//   says so under the axis. A linear (number) axis is treated as continuous.
// - Bars start at zero; a line's y axis includes zero when the data lies closer to zero than its own
//   spread, else it zooms on the data. Ticks are 1-2-5 steps; integer data gets integer ticks.
// - Several series (several y fields and/or a --by field) get a legend and the Okabe-Ito colours (safe
//   for the common colour-vision deficiencies), plus a marker shape per series; beyond 8 series the
//   colours repeat with dashed lines. Bars of several series stand side by side in each x slot.
// - Crowded category labels are rotated 45 degrees, then thinned (every k-th), and long ones cut with
//   an ellipsis (the mark's tooltip keeps the whole text); time and number axes pick as many ticks as
//   fit their labels. Every text from the data is XML-escaped, and characters XML 1.0 forbids become
//   U+FFFD; in the text chart control characters do (no terminal escape sequence gets through).

import { civilFromDays, dateToEpochDays, daysFromCivil, epochDaysToDate, isValidDate } from './time.js';
import { cells, displayWidth, truncate, UNSAFE } from './display.js';

export type ChartKind = 'line' | 'bar';

export interface ChartPoint {
  /** a YYYY-MM-DD text (time axis), a number (linear axis) or any text (a category) */
  x: string | number;
  y: number;
  /** exact text of x and y for labels and tooltips (default String(x), String(y)) */
  xText?: string;
  yText?: string;
  /** a highlighted point (e.g. "unusual day"): drawn emphasised, named in its tooltip and the legend */
  note?: string;
  /** index of the point's row in the data table of the HTML page (hovering a mark lights its row) */
  row?: number;
}

export interface ChartSeries {
  /** legend text */
  name: string;
  /** the y field's name in tooltips (default: the chart's yLabel) */
  yName?: string;
  /** a first tooltip line naming the series, e.g. "platform: ios" */
  tag?: string;
  points: ChartPoint[];
}

export interface ChartSpec {
  kind: ChartKind;
  title?: string;
  /** x axis title; also names x in the tooltips */
  xLabel?: string;
  /** y axis title */
  yLabel?: string;
  series: ChartSeries[];
  /** order categories naturally instead of by first appearance */
  sortCategories?: boolean;
  /** pixels for SVG (default 800 x 420), characters for text (default 80 x 12 plot rows) */
  width?: number;
  height?: number;
}

// ---------------------------------------------------------------- text

const XML_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// characters XML 1.0 does not allow (even as references): C0 controls but tab/LF/CR, lone surrogates,
// U+FFFE/U+FFFF
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** text for XML/HTML content or a quoted attribute */
export function xmlEscape(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(/[&<>"']/g, (c) => XML_ESC[c]);
}

/** an estimate of a text's width in pixels in a sans-serif face (Helvetica/Arial metrics, rounded up) */
export function textWidth(s: string, fontSize: number): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (isWide(c)) w += 1;
    else if ('iljI.,:;!|\'` ()[]tfr'.includes(ch)) w += 0.34;
    else if (c >= 48 && c <= 57) w += 0.56;
    else if (ch === 'm' || ch === 'w' || ch === 'M' || ch === 'W') w += 0.86;
    else if (c >= 65 && c <= 90) w += 0.68;
    else if (c >= 97 && c <= 122) w += 0.54;
    else w += 0.62;
  }
  return w * fontSize;
}

function isWide(c: number): boolean {
  return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) || (c >= 0xac00 && c <= 0xd7a3)
    || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6)
    || (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd);
}

/** cut a text to at most `px` pixels wide, with an ellipsis */
function fitPx(s: string, px: number, fontSize: number): string {
  if (textWidth(s, fontSize) <= px) return s;
  const chars = [...s];
  while (chars.length > 1 && textWidth(chars.join('') + '…', fontSize) > px) chars.pop();
  return chars.join('') + '…';
}

/** text for a terminal: no control, line separator or bidi control reaches it (as to-table's) */
function termText(s: string): string { return s.replace(UNSAFE, '\uFFFD'); }

// (terminal cells: to-table's display width, displayWidth. This chart's own count, wide ranges and
// U+0300-036F, took 🚀 and the other emoji past U+1F64F for 1 cell, a ZWJ family for 6 and Thai marks for
// 1: rows misaligned)

function fitCells(s: string, max: number): string {
  if (max <= 0) return displayWidth(s) <= max ? s : '';
  return truncate(s, max);
}
const padEnd = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - displayWidth(s)));
const padStart = (s: string, w: number) => ' '.repeat(Math.max(0, w - displayWidth(s))) + s;

/** a coordinate with at most one decimal ("12", "12.5"): short and deterministic */
const n1 = (v: number) => String(Math.round(v * 10) / 10);

// ---------------------------------------------------------------- numbers

/** the 1-2-5 step nearest above `rough` */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const e = Math.floor(Math.log10(rough));
  const f = rough / 10 ** e;
  const m = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
  return Number((m * 10 ** e).toPrecision(12));
}

/** decimals a multiple of `step` needs (0.25 -> 2, 5 -> 0) */
export function decimalsOf(step: number): number {
  for (let d = 0; d < 12; d++) {
    const v = step * 10 ** d;
    if (v >= 0.5 && Math.abs(v - Math.round(v)) < 1e-9 * Math.max(1, v)) return d; // (a step of 5e-11 T is no whole number of T)
  }
  return 12;
}

export interface Ticks { lo: number; hi: number; step: number; ticks: number[] }

/** about `count` ticks covering [lo, hi] at a 1-2-5 step, the range widened to whole steps */
export function niceTicks(lo: number, hi: number, count: number, integer = false): Ticks {
  if (!(hi > lo)) {
    if (lo === 0) { lo = 0; hi = 1; } else if (lo > 0) { lo = 0; } else { hi = 0; }
  }
  let step = niceStep((hi - lo) / Math.max(1, count));
  if (integer && step < 1) step = 1;
  // values whose spread is near a double's precision (1e14 and 1e14 + 0.01): a step of at least 16 of
  // their units in the last place, so the ticks stay apart (they were one value, and the scale 0/0)
  const mag = Math.max(Math.abs(lo), Math.abs(hi));
  if (step < mag * 2 ** -48) step = niceStep(mag * 2 ** -48);
  const a = Math.floor(lo / step + 1e-9), b = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  // (a multiple of the step to the significant digits the ticks need, the float noise of k * step gone:
  // 12 of them made 1e14 + 50 one tick with 1e14, and a fixed number of decimals, capped at 12, made every
  // tick of values below 1e-12 0)
  const digits = Math.min(17, Math.max(12, Math.ceil(Math.log10(mag / step)) + 3));
  for (let k = a; k <= b; k++) ticks.push(Number((k * step).toPrecision(digits)) || 0);
  return { lo: ticks[0], hi: ticks[ticks.length - 1], step, ticks };
}

/** the largest magnitude a chart places (plot refuses a value beyond it): an axis of nice steps
 *  around values up to it still spans a finite double */
export const CHART_LIMIT = 1e300;

/** a tick label: thousands separators (`group`), or M/B/T for large values, as many decimals as the
 *  step needs; from 1e15 on, and for steps below 1e-6, in exponent form ("2e+18", "1.5e-9") */
export function formatTick(v: number, step: number, maxAbs: number, group = true): string {
  if (maxAbs >= 1e15 || (step > 0 && step < 1e-6)) {
    if (v === 0) return '0';
    const se = Math.floor(Math.log10(step)), ve = Math.floor(Math.log10(Math.abs(v)));
    const digits = Math.min(15, Math.max(0, ve - se + decimalsOf(step / 10 ** se)));
    return v.toExponential(digits).replace(/\.?0+e/, 'e');
  }
  // (a suffix only for a step of at least a thousandth of its unit: 1,733,000,000,000.2 reads better
  // than 1.7330000000002T, and 1,000,001 than 1.000001M)
  const [div, suffix] = maxAbs >= 1e12 && step >= 1e9 ? [1e12, 'T'] : maxAbs >= 1e9 && step >= 1e6 ? [1e9, 'B'] : maxAbs >= 1e6 && step >= 1e3 ? [1e6, 'M'] : [1, ''];
  const d = decimalsOf(step / div);
  let s = (Math.abs(v) / div).toFixed(d);
  if (Number(s) === 0) return '0';
  const dot = s.indexOf('.');
  const int = dot < 0 ? s : s.slice(0, dot), frac = dot < 0 ? '' : s.slice(dot);
  s = (group ? int.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : int) + frac;
  return (v < 0 ? '-' : '') + s + suffix;
}

// ---------------------------------------------------------------- dates

/** days since 1970-01-01 of a YYYY-MM-DD calendar date, undefined for anything else (years 0000-9999:
 *  Date.UTC would read 0001-0099 as 1901-1999) */
export function dayNumber(s: string): number | undefined {
  return isValidDate(s) ? dateToEpochDays(s) : undefined;
}
const dayText = epochDaysToDate;
const FIRST_DAY = dateToEpochDays('0000-01-01'), LAST_DAY = dateToEpochDays('9999-12-31');

interface Tick { v: number; label: string }

/** date ticks: days, Mondays, months, years, the finest kind whose labels fit `maxCount(labelWidth)` */
function dateTicks(lo: number, hi: number, fits: (labels: string[]) => boolean): Tick[] {
  // (ticks only on days a date names: years 0000-9999; a bar's slot may reach past them)
  const first = Math.max(Math.ceil(lo - 1e-9), FIRST_DAY), last = Math.min(Math.floor(hi + 1e-9), LAST_DAY);
  // day ticks in full, or (short) only the first one and the first of each new year in full, the
  // others MM-DD
  const days = (every: number, offset: number, short: boolean): Tick[] => {
    const out: Tick[] = [];
    for (let t = first; t <= last; t++) {
      if (((t + offset) % every + every) % every !== 0) continue;
      const full = dayText(t);
      out.push({ v: t, label: short && out.length && out[out.length - 1].v >= dayNumber(full.slice(0, 4) + '-01-01')! ? full.slice(5) : full });
    }
    return out;
  };
  const months = (every: number, year: boolean): Tick[] => {
    const out: Tick[] = [];
    const [ay, am] = civilFromDays(first), [by, bm] = civilFromDays(last);
    for (let k = ay * 12 + am - 1; k <= by * 12 + bm - 1; k++) {
      if (k % every !== 0) continue;
      const t = daysFromCivil(Math.floor(k / 12), k % 12 + 1, 1);
      if (t >= first && t <= last) out.push({ v: t, label: year ? String(Math.floor(k / 12)).padStart(4, '0') : dayText(t).slice(0, 7) });
    }
    return out;
  };
  const span = last - first;
  const kinds: (() => Tick[])[] = [];
  if (span <= 400) for (const [every, offset] of [[1, 0], [2, 0], [7, 3], [14, 3]]) kinds.push(() => days(every, offset, false), () => days(every, offset, true));
  kinds.push(() => months(1, false), () => months(2, false), () => months(3, false), () => months(6, false));
  for (const y of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]) kinds.push(() => months(12 * y, true));
  let ticks: Tick[] = [];
  for (const kind of kinds) {
    ticks = kind();
    if (fits(ticks.map((t) => t.label))) return ticks;
  }
  return ticks.slice(0, 1);
}

// ---------------------------------------------------------------- layout shared by the renderings

export type XKind = 'time' | 'number' | 'category';

interface Mark {
  s: number;
  p: ChartPoint;
  /** position on the x domain */
  pos: number;
  xText: string;
  yText: string;
  /** bar column within its x slot */
  col: number;
}

interface Layout {
  xKind: XKind;
  categories: string[];
  /** x domain */
  lo: number;
  hi: number;
  /** width of one x slot (a bar group) in domain units */
  slot: number;
  /** per series: marks in x order (input order within a repeated x) */
  marks: Mark[][];
  /** per series: the runs a line joins */
  runs: Mark[][][];
  /** bar columns per slot */
  cols: number;
  /** y data extent */
  ymin: number;
  ymax: number;
  yInteger: boolean;
  /** some line breaks over missing steps */
  broken: boolean;
  notes: string[];
  count: number;
}

/** "v2" before "v10", "1.9.0" before "1.10.0": digit runs compare as numbers */
export function naturalCompare(a: string, b: string): number {
  const ra = a.match(/\d+|\D+/g) ?? [], rb = b.match(/\d+|\D+/g) ?? [];
  let zeros = 0; // "1" before "01" when nothing else differs
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i], y = rb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x), dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = x.replace(/^0+(?=\d)/, ''), ny = y.replace(/^0+(?=\d)/, '');
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
      if (!zeros) zeros = x.length - y.length;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return ra.length - rb.length || zeros;
}

export function xKindOf(series: ChartSeries[]): XKind {
  let dates = true, numbers = true, any = false;
  for (const s of series) for (const p of s.points) {
    any = true;
    if (typeof p.x === 'number') dates = false;
    else { numbers = false; if (dates && dayNumber(p.x) === undefined) dates = false; }
    if (!dates && !numbers) return 'category';
  }
  return !any ? 'category' : dates ? 'time' : numbers ? 'number' : 'category';
}

function layout(spec: ChartSpec): Layout {
  const xKind = xKindOf(spec.series);
  const categories: string[] = [];
  const catIndex = new Map<string, number>();
  const xText = (p: ChartPoint) => p.xText ?? String(p.x);
  if (xKind === 'category') {
    // first appearance in the rows' order (a series' points are gathered apart: taken series by series,
    // W43 of the first came before W42 of the second, its line drawn back in time)
    const all: ChartPoint[] = [];
    for (const s of spec.series) for (const p of s.points) all.push(p);
    const rowOf = (p: ChartPoint) => p.row ?? Number.MAX_SAFE_INTEGER;
    all.sort((a, b) => rowOf(a) - rowOf(b));
    for (const p of all) {
      const t = xText(p);
      if (!catIndex.has(t)) { catIndex.set(t, categories.length); categories.push(t); }
    }
    if (spec.sortCategories) {
      categories.sort(naturalCompare);
      categories.forEach((c, i) => catIndex.set(c, i));
    }
  }
  const posOf = (p: ChartPoint) => xKind === 'time' ? dayNumber(p.x as string) as number
    : xKind === 'number' ? (p.x as number) : (catIndex.get(xText(p)) as number) + 0.5;
  let ymin = Infinity, ymax = -Infinity, yInteger = true, count = 0;
  const notes: string[] = [];
  const marks = spec.series.map((s, si) => {
    const ms = s.points.map((p) => {
      if (p.y < ymin) ymin = p.y;
      if (p.y > ymax) ymax = p.y;
      if (!Number.isInteger(p.y)) yInteger = false;
      if (p.note !== undefined && !notes.includes(p.note)) notes.push(p.note);
      count++;
      return { s: si, p, pos: posOf(p), xText: xText(p), yText: p.yText ?? String(p.y), col: 0 };
    });
    // stable: Array.prototype.sort keeps the input order of equal positions
    return ms.sort((a, b) => a.pos - b.pos);
  });
  // the distinct positions and their smallest gap: one x slot
  const distinct = [...new Set(marks.flat().map((m) => m.pos))].sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < distinct.length; i++) gap = Math.min(gap, distinct[i] - distinct[i - 1]);
  let slot: number, lo: number, hi: number;
  if (xKind === 'category') { slot = 1; lo = 0; hi = Math.max(1, categories.length); }
  else {
    slot = Number.isFinite(gap) ? gap : xKind === 'time' ? 1 : distinct.length && distinct[0] !== 0 && !Number.isInteger(distinct[0]) ? Math.abs(distinct[0]) / 5 : 1;
    const a = distinct[0] ?? 0, b = distinct[distinct.length - 1] ?? 0;
    // (a line's time axis: half a slot, at most 3 % of the span but half a day at least: two points
    // 124 years apart were padded by 62 years each side, 0001-01-01 and 9999-12-31 by 5,000)
    const pad = spec.kind === 'bar' || b === a ? slot / 2
      : xKind === 'time' ? Math.min(slot / 2, Math.max(0.5, (b - a) * 0.03)) : Math.min(slot / 2, (b - a) * 0.03);
    lo = a - pad; hi = b + pad;
  }
  // bar columns: one per series, more where a series repeats an x (its bars then stand side by side)
  const repeats = spec.series.map(() => 1);
  for (const ms of marks) {
    let run = 0;
    for (let i = 0; i < ms.length; i++) {
      run = i > 0 && ms[i].pos === ms[i - 1].pos ? run + 1 : 0;
      ms[i].col = run;
      if (run + 1 > repeats[ms[i].s]) repeats[ms[i].s] = run + 1;
    }
  }
  const offset: number[] = [];
  let cols = 0;
  for (const r of repeats) { offset.push(cols); cols += r; }
  for (const ms of marks) for (const m of ms) m.col += offset[m.s];
  // runs of a line: a break where the series skips a step of its own (time, category axes)
  let broken = false;
  const runs = marks.map((ms) => {
    let step = Infinity;
    for (let i = 1; i < ms.length; i++) if (ms[i].pos > ms[i - 1].pos) step = Math.min(step, ms[i].pos - ms[i - 1].pos);
    if (xKind === 'category') step = 1;
    const out: Mark[][] = [];
    let cur: Mark[] = [];
    for (const m of ms) {
      if (cur.length && xKind !== 'number' && m.pos - cur[cur.length - 1].pos > step * 1.5) { out.push(cur); cur = []; broken = true; }
      cur.push(m);
    }
    if (cur.length) out.push(cur);
    return out;
  });
  // (a bar chart has no line to break: its gaps are plain to see)
  return { xKind, categories, lo, hi, slot, marks, runs, cols, ymin, ymax, yInteger, broken: broken && spec.kind === 'line', notes, count };
}

/** the y range to show: zero included for bars, and for lines whose data lies close to zero */
function yRange(kind: ChartKind, L: Layout): [number, number] {
  let lo = L.count ? L.ymin : 0, hi = L.count ? L.ymax : 1;
  if (kind === 'bar') { lo = Math.min(0, lo); hi = Math.max(0, hi); }
  else if (lo >= 0 && lo <= hi - lo) lo = 0;
  else if (hi <= 0 && -hi <= hi - lo) hi = 0;
  return [lo, hi];
}

/** x ticks for a time or number axis whose labels fit `room` (px or cells) measured by `width` */
function xTicks(L: Layout, room: number, width: (s: string) => number, gap: number): Tick[] {
  const fits = (labels: string[]) => labels.reduce((a, s) => a + width(s) + gap, 0) <= room;
  if (L.xKind === 'time') return dateTicks(L.lo, L.hi, fits);
  const guess = width(formatTick(Math.max(Math.abs(L.lo), Math.abs(L.hi)), 1, 0)) + gap;
  for (let count = Math.max(2, Math.floor(room / guess)); count >= 1; count--) {
    const t = niceTicks(L.lo, L.hi, count, L.marks.every((ms) => ms.every((m) => Number.isInteger(m.pos))));
    const inside = t.ticks.filter((v) => v >= L.lo - 1e-9 && v <= L.hi + 1e-9);
    const maxAbs = Math.max(Math.abs(L.lo), Math.abs(L.hi));
    // x values below 10,000 are often years or codes: no separators ("2024", not "2,024")
    const ticks = inside.map((v) => ({ v, label: formatTick(v, t.step, maxAbs, maxAbs >= 10000) }));
    if (fits(ticks.map((x) => x.label)) || count === 1) return ticks;
  }
  return [];
}

const tooltip = (spec: ChartSpec, s: ChartSeries, m: Mark): string => [
  s.tag, `${spec.xLabel ?? 'x'}: ${m.xText}`, `${s.yName ?? spec.yLabel ?? 'y'}: ${m.yText}`, m.p.note,
].filter((l) => l !== undefined).join('\n');

// ---------------------------------------------------------------- SVG

/** Okabe & Ito's palette (colour-blind safe), the weakest on white (yellow) last */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000', '#F0E442'];
const NOTE_COLOUR = '#D55E00';
const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'down'] as const;
const DASHES = ['', '7 4', '2 3'];
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';
const INK = '#222', SOFT = '#555', GRID = '#e6e6e6', AXIS = '#888';

function shapePath(shape: typeof SHAPES[number], x: number, y: number, r: number): string {
  switch (shape) {
    case 'square': { const h = r * 0.9; return `M${n1(x - h)},${n1(y - h)}h${n1(2 * h)}v${n1(2 * h)}h${n1(-2 * h)}Z`; }
    case 'triangle': return `M${n1(x)},${n1(y - r * 1.25)}L${n1(x + r * 1.15)},${n1(y + r * 0.8)}L${n1(x - r * 1.15)},${n1(y + r * 0.8)}Z`;
    case 'down': return `M${n1(x)},${n1(y + r * 1.25)}L${n1(x + r * 1.15)},${n1(y - r * 0.8)}L${n1(x - r * 1.15)},${n1(y - r * 0.8)}Z`;
    default: return `M${n1(x)},${n1(y - r * 1.3)}L${n1(x + r * 1.3)},${n1(y)}L${n1(x)},${n1(y + r * 1.3)}L${n1(x - r * 1.3)},${n1(y)}Z`;
  }
}

/** one marker element; `inner` goes inside it (the <title>) */
function marker(shape: typeof SHAPES[number], x: number, y: number, r: number, attrs: string, inner: string): string {
  return shape === 'circle'
    ? `<circle${attrs} cx="${n1(x)}" cy="${n1(y)}" r="${n1(r)}">${inner}</circle>`
    : `<path${attrs} d="${shapePath(shape, x, y, r)}">${inner}</path>`;
}

const seriesStyle = (si: number, n: number) => ({
  colour: PALETTE[si % PALETTE.length],
  dash: DASHES[Math.floor(si / PALETTE.length) % DASHES.length],
  shape: n > 1 ? SHAPES[si % SHAPES.length] : SHAPES[0],
});

/** The chart as a standalone SVG document (UTF-8, no XML declaration), ending with a newline. */
export function svgChart(spec: ChartSpec): string {
  const W = Math.max(320, spec.width ?? 800), H = Math.max(220, spec.height ?? 420);
  const L = layout(spec);
  const nS = spec.series.length;
  const out: string[] = [];
  const label = spec.title ?? '';
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}" font-size="12" role="img"${label ? ` aria-label="${xmlEscape(label)}"` : ''}>`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  let top = 12;
  if (spec.title) {
    out.push(`<text x="${n1(W / 2)}" y="${top + 16}" font-size="16" font-weight="600" fill="${INK}" text-anchor="middle">${xmlEscape(fitPx(spec.title, W - 24, 16))}</text>`);
    top += 30;
  }
  // legend: the series (when several) and the kinds of highlighted point, in rows
  const legend: { text: string; draw: (x: number, y: number) => string }[] = [];
  if (nS > 1) spec.series.forEach((s, si) => {
    const st = seriesStyle(si, nS);
    legend.push({
      text: fitPx(s.name, 220, 12),
      draw: (x, y) => spec.kind === 'bar'
        ? `<rect x="${x + 5}" y="${y - 9}" width="12" height="12" fill="${st.colour}"${si >= PALETTE.length ? ' fill-opacity="0.55" stroke="#000"' : ''}/>`
        : `<path d="M${x},${y - 3}h22" stroke="${st.colour}" stroke-width="2"${st.dash ? ` stroke-dasharray="${st.dash}"` : ''}/>` + marker(st.shape, x + 11, y - 3, 3.5, ` fill="${st.colour}"`, ''),
    });
  });
  for (const note of L.notes) legend.push({ text: fitPx(note, 220, 12), draw: (x, y) => `<circle cx="${x + 11}" cy="${y - 3}" r="5" fill="${NOTE_COLOUR}" stroke="#000" stroke-width="1"/>` });
  if (legend.length) {
    const rows: { items: typeof legend; width: number }[] = [{ items: [], width: 0 }];
    for (const item of legend) {
      const w = 28 + textWidth(item.text, 12) + 18;
      let row = rows[rows.length - 1];
      if (row.items.length && row.width + w > W - 40) { row = { items: [], width: 0 }; rows.push(row); }
      row.items.push(item); row.width += w;
    }
    for (const row of rows) {
      let x = (W - row.width + 18) / 2;
      const y = top + 14;
      for (const item of row.items) {
        out.push(`<g>${item.draw(Math.round(x), y)}<text x="${n1(x + 28)}" y="${y}" fill="${INK}">${xmlEscape(item.text)}</text></g>`);
        x += 28 + textWidth(item.text, 12) + 18;
      }
      top += 20;
    }
    top += 4;
  }
  top += 10; // room for the top tick label
  // y ticks (their labels set the left margin)
  // values written over the bars when there are few and they fit (estimated here, checked when drawn)
  const colEstimate = Math.min(100, ((W - 90) * (L.slot / (L.hi - L.lo)) * 0.8) / L.cols);
  const valueLabels = spec.kind === 'bar' && L.count > 0 && L.count <= 24 && L.marks.every((ms) => ms.every((m) => textWidth(m.yText, 11) <= colEstimate + 8));
  let [ylo, yhi] = yRange(spec.kind, L);
  if (valueLabels) { if (yhi > 0) yhi += (yhi - ylo) * 0.08; if (ylo < 0) ylo -= (yhi - ylo) * 0.08; }
  const yt = niceTicks(ylo, yhi, Math.max(2, Math.round((H - top - 60) / 55)), L.yInteger);
  const maxAbsY = Math.max(Math.abs(yt.lo), Math.abs(yt.hi));
  const yLabels = yt.ticks.map((v) => formatTick(v, yt.step, maxAbsY));
  const yTickW = Math.max(...yLabels.map((s) => textWidth(s, 11)));
  let left = 12 + (spec.yLabel ? 20 : 0) + yTickW + 8;
  let right = 20;
  let plotW = W - left - right;
  // x labels: categories horizontal, else rotated, else rotated and thinned; ticks on other axes
  const SIN = Math.SQRT1_2, LINE = 14;
  let bottom = 10;
  let xLabels: { v: number; label: string }[] = [];
  let rotated = false;
  if (L.xKind === 'category') {
    const band = plotW / Math.max(1, L.categories.length);
    const maxRot = (H * 0.3 - 16) / SIN; // longest rotated label that keeps the plot readable
    let labels = L.categories.map((c) => fitPx(c, 180, 11));
    const widest = Math.max(0, ...labels.map((s) => textWidth(s, 11)));
    let every = 1;
    if (widest + 8 > band) {
      rotated = true;
      every = Math.max(1, Math.ceil(LINE / (band * SIN)));
      labels = labels.map((s) => fitPx(s, maxRot, 11));
    }
    xLabels = labels.map((label, i) => ({ v: i + 0.5, label })).filter((_, i) => i % every === 0);
    if (rotated) {
      // a rotated label reaches left of its slot: the first ones must not leave the picture
      // (the width as drawn may pass the estimate, a font of wider glyphs: 15 % of room; and the slots
      // narrow as the margin grows, so the reach is found again with them: the first label of a long
      // list was cut at the picture's edge)
      for (let k = 0; k < 3; k++) {
        const b = plotW / Math.max(1, L.categories.length);
        const reach = Math.max(0, ...xLabels.map((t) => 1.15 * textWidth(t.label, 11) * SIN - t.v * b - 3));
        if (reach + 8 <= left) break;
        left = Math.ceil(reach + 8); plotW = W - left - right;
      }
    }
    bottom += rotated ? Math.max(0, ...xLabels.map((t) => textWidth(t.label, 11))) * SIN + 11 * SIN + 6 : LINE + 4;
  } else {
    xLabels = xTicks(L, plotW, (s) => textWidth(s, 11), 14);
    bottom += LINE + 4;
    const last = xLabels[xLabels.length - 1], first = xLabels[0];
    if (last) {
      const overhang = textWidth(last.label, 11) / 2 - ((L.hi - last.v) / (L.hi - L.lo)) * plotW;
      if (overhang + 6 > right) right = Math.ceil(overhang + 6);
    }
    if (first) {
      const overhang = textWidth(first.label, 11) / 2 - ((first.v - L.lo) / (L.hi - L.lo)) * plotW;
      if (overhang + 6 > left) left = Math.ceil(overhang + 6);
    }
    plotW = W - left - right;
  }
  if (spec.xLabel) bottom += 20;
  if (L.broken) bottom += 16;
  const plotH = Math.max(40, H - top - bottom);
  const X = (v: number) => left + ((v - L.lo) / (L.hi - L.lo)) * plotW;
  const Y = (v: number) => top + plotH - ((v - yt.lo) / (yt.hi - yt.lo)) * plotH;
  // grid and y axis
  yt.ticks.forEach((v, i) => {
    const y = n1(Y(v));
    out.push(`<line x1="${n1(left)}" x2="${n1(left + plotW)}" y1="${y}" y2="${y}" stroke="${v === 0 && yt.lo < 0 ? AXIS : GRID}"/>`);
    out.push(`<text x="${n1(left - 6)}" y="${n1(Y(v) + 4)}" font-size="11" fill="${SOFT}" text-anchor="end">${xmlEscape(yLabels[i])}</text>`);
  });
  if (spec.yLabel) {
    // beside the tick labels, wherever a wide left margin put them
    const cy = top + plotH / 2, lx = Math.max(16, left - 6 - yTickW - 14);
    out.push(`<text x="${n1(lx)}" y="${n1(cy)}" font-size="12" fill="${INK}" text-anchor="middle" transform="rotate(-90 ${n1(lx)} ${n1(cy)})">${xmlEscape(fitPx(spec.yLabel, plotH, 12))}</text>`);
  }
  // x axis
  const axisY = top + plotH;
  out.push(`<line x1="${n1(left)}" x2="${n1(left + plotW)}" y1="${n1(axisY)}" y2="${n1(axisY)}" stroke="${AXIS}"/>`);
  for (const t of xLabels) {
    const x = X(t.v);
    out.push(`<line x1="${n1(x)}" x2="${n1(x)}" y1="${n1(axisY)}" y2="${n1(axisY + 4)}" stroke="${AXIS}"/>`);
    if (rotated) out.push(`<text x="${n1(x + 3)}" y="${n1(axisY + 12)}" font-size="11" fill="${SOFT}" text-anchor="end" transform="rotate(-45 ${n1(x + 3)} ${n1(axisY + 12)})">${xmlEscape(t.label)}</text>`);
    else out.push(`<text x="${n1(x)}" y="${n1(axisY + 17)}" font-size="11" fill="${SOFT}" text-anchor="middle">${xmlEscape(t.label)}</text>`);
  }
  let foot = H - 8;
  if (L.broken) {
    out.push(`<text x="${n1(left + plotW)}" y="${foot}" font-size="11" font-style="italic" fill="${SOFT}" text-anchor="end">the line breaks where a step has no row</text>`);
    foot -= 16;
  }
  if (spec.xLabel) out.push(`<text x="${n1(left + plotW / 2)}" y="${foot}" font-size="12" fill="${INK}" text-anchor="middle">${xmlEscape(fitPx(spec.xLabel, plotW, 12))}</text>`);
  if (L.count === 0) out.push(`<text x="${n1(left + plotW / 2)}" y="${n1(top + plotH / 2)}" font-size="14" fill="${SOFT}" text-anchor="middle">no rows to plot</text>`);
  // the marks
  if (spec.kind === 'bar') {
    const slotPx = (L.slot / (L.hi - L.lo)) * plotW;
    const colW = Math.min(100, Math.max(1, slotPx * 0.8) / L.cols), groupW = colW * L.cols;
    const base = Y(Math.min(Math.max(0, yt.lo), yt.hi));
    const labelsFit = valueLabels && L.marks.every((ms) => ms.every((m) => textWidth(m.yText, 11) <= colW + 8));
    L.marks.forEach((ms, si) => {
      const st = seriesStyle(si, nS);
      const extra = si >= PALETTE.length ? ' fill-opacity="0.55" stroke="#000" stroke-width="0.5"' : '';
      out.push(`<g fill="${st.colour}">`);
      for (const m of ms) {
        const x = X(m.pos) - groupW / 2 + m.col * colW;
        const w = Math.max(1, colW - (L.cols > 1 ? Math.min(2, colW * 0.15) : 0));
        const y = Y(m.p.y);
        const h = Math.max(1, Math.abs(y - base));
        const row = m.p.row !== undefined ? ` data-row="${m.p.row}"` : '';
        const fill = m.p.note !== undefined ? ` fill="${NOTE_COLOUR}"` : '';
        out.push(`<rect class="mark"${row}${fill}${extra} x="${n1(x)}" y="${n1(m.p.y >= 0 ? Math.min(y, base - h) : base)}" width="${n1(w)}" height="${n1(h)}"><title>${xmlEscape(tooltip(spec, spec.series[si], m))}</title></rect>`);
        if (labelsFit) out.push(`<text x="${n1(x + w / 2)}" y="${n1(m.p.y >= 0 ? Math.min(y, base - h) - 4 : base + h + 12)}" font-size="11" fill="${INK}" text-anchor="middle">${xmlEscape(m.yText)}</text>`);
      }
      out.push('</g>');
    });
  } else {
    const perSeries = Math.max(1, ...L.marks.map((ms) => new Set(ms.map((m) => m.pos)).size));
    const spacing = plotW / perSeries;
    const r = spacing >= 14 ? 3.5 : spacing >= 6 ? 2.5 : 1.6;
    L.runs.forEach((runs, si) => {
      const st = seriesStyle(si, nS);
      const d = runs.filter((run) => run.length > 1).map((run) => run.map((m, i) => `${i ? 'L' : 'M'}${n1(X(m.pos))},${n1(Y(m.p.y))}`).join('')).join('');
      if (d) out.push(`<path d="${d}" fill="none" stroke="${st.colour}" stroke-width="2" stroke-linejoin="round"${st.dash ? ` stroke-dasharray="${st.dash}"` : ''}/>`);
    });
    L.marks.forEach((ms, si) => {
      const st = seriesStyle(si, nS);
      out.push(`<g fill="${st.colour}"${r >= 2.5 ? ' stroke="#fff" stroke-width="1"' : ''}>`);
      for (const m of ms) {
        const row = m.p.row !== undefined ? ` data-row="${m.p.row}"` : '';
        const title = `<title>${xmlEscape(tooltip(spec, spec.series[si], m))}</title>`;
        if (m.p.note !== undefined) out.push(marker('circle', X(m.pos), Y(m.p.y), Math.max(4.5, r + 1.5), ` class="mark"${row} fill="${NOTE_COLOUR}" stroke="#000"`, title));
        else out.push(marker(st.shape, X(m.pos), Y(m.p.y), r, ` class="mark"${row}`, title));
      }
      out.push('</g>');
    });
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------- HTML

export interface DataTable { columns: string[]; rows: string[][]; numeric?: boolean[] }

/**
 * A self-contained page: the SVG inline, CSS inline, a small inline script (an instant tooltip and the
 * hovered mark's row lit in the data table), no network resource of any kind (a Content-Security-Policy
 * forbids them). Written as well-formed XML too (a polyglot), so one XML parser checks it.
 */
export function htmlPage(spec: ChartSpec, table?: DataTable): string {
  const title = spec.title ?? `${spec.series.map((s) => s.yName ?? s.name).filter((v, i, a) => a.indexOf(v) === i).join(', ')} by ${spec.xLabel ?? 'x'}`;
  const svg = svgChart({ ...spec, title: undefined }).trimEnd(); // the page's heading is the title
  const rows = table?.rows ?? [];
  const numeric = table?.numeric ?? [];
  const head = table ? `<tr>${table.columns.map((c, i) => `<th${numeric[i] ? ' class="n"' : ''}>${xmlEscape(c)}</th>`).join('')}</tr>` : '';
  const body = rows.map((r, i) => `<tr id="r${i}">${r.map((c, j) => `<td${numeric[j] ? ' class="n"' : ''}>${xmlEscape(c)}</td>`).join('')}</tr>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>${xmlEscape(title)}</title>
<style>
body { margin: 0; background: #f6f6f4; color: #222; font: 14px/1.45 ${FONT}; }
main { max-width: 1000px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 20px; font-weight: 600; margin: 4px 0 12px; }
figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; }
figure svg { display: block; width: 100%; height: auto; }
.mark { cursor: default; }
.mark:hover, .mark.on { stroke: #000; stroke-width: 2; }
#tip { position: fixed; pointer-events: none; background: #222; color: #fff; padding: 6px 8px; border-radius: 4px; font-size: 12px; white-space: pre; }
details { margin-top: 16px; }
summary { cursor: pointer; font-weight: 600; }
table { border-collapse: collapse; margin-top: 8px; background: #fff; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 10px; text-align: left; }
th { background: #eee; position: sticky; top: 0; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.on td { background: #fff3c4; }
</style>
</head>
<body>
<main>
<h1>${xmlEscape(title)}</h1>
<figure>
${svg}
</figure>
${table ? `<details${rows.length <= 100 ? ' open="open"' : ''}><summary>The data: ${rows.length} row${rows.length === 1 ? '' : 's'}</summary>
<table>
<thead>${head}</thead>
<tbody>
${body}
</tbody>
</table>
</details>` : ''}
</main>
<div id="tip" hidden="hidden"></div>
<script>//<![CDATA[
(function () {
  var tip = document.getElementById('tip'), lit = [];
  function clear() { lit.forEach(function (e) { e.classList.remove('on'); }); lit = []; tip.hidden = true; }
  document.querySelectorAll('.mark').forEach(function (m) {
    var t = m.querySelector('title'), text = t ? t.textContent : '';
    m.addEventListener('pointerenter', function () {
      if (t && t.parentNode) m.removeChild(t); // the page's own tooltip instead of the browser's late one
      tip.textContent = text; tip.hidden = false;
      var row = m.getAttribute('data-row'), tr = row === null ? null : document.getElementById('r' + row);
      if (tr) { tr.classList.add('on'); lit.push(tr); }
      m.classList.add('on'); lit.push(m);
    });
    m.addEventListener('pointermove', function (e) { tip.style.left = (e.clientX + 14) + 'px'; tip.style.top = (e.clientY + 14) + 'px'; });
    m.addEventListener('pointerleave', function () { if (t) m.appendChild(t); clear(); });
  });
  document.documentElement.setAttribute('data-chart', 'ready');
})();
//]]></script>
</body>
</html>
`;
}

// ---------------------------------------------------------------- text

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const BRAILLE_BIT = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];

/** an x axis line under `cols` cells with ┬ at the tick cells, and the labels line (no overlaps) */
function textAxis(indent: number, cols: number, ticks: { col: number; label: string }[], corner = '└'): string[] {
  const line = [...'─'.repeat(cols)];
  const labels: string[] = Array(cols + indent + 40).fill(' ');
  let free = 0;
  for (const t of ticks) {
    if (t.col < 0 || t.col >= cols) continue;
    line[t.col] = '┬';
    const w = displayWidth(t.label);
    let at = indent + 1 + t.col - Math.floor(w / 2);
    at = Math.max(at, 0);
    if (at < free || at + w > indent + 1 + cols + 2) continue;
    // (by cells: a wide character takes two, its second left '' in the line; one slot a character
    // moved every label after a CJK one a cell right per wide character, and cut the last off)
    const chars = cells(t.label);
    for (let i = 0; i < chars.length; i++) labels[at + i] = chars[i];
    free = at + w + 1;
  }
  return [' '.repeat(indent) + corner + line.join(''), labels.join('').trimEnd()];
}

function gapText(L: Layout, a: number, b: number, step: number): string {
  const missing = Math.round((b - a) / step) - 1;
  const unit = L.xKind === 'time' ? (step === 1 ? 'day' : step === 7 ? 'week' : `${step}-day step`) : 'step';
  return `no rows for ${missing > 0 ? missing : 'some'} ${unit}${missing === 1 ? '' : 's'}`;
}

/** the text chart: `width` cells wide; `height` plot rows for a line chart */
export function textChart(spec: ChartSpec): string {
  const width = Math.max(30, spec.width ?? 80);
  const L = layout(spec);
  const out: string[] = [];
  if (spec.title) out.push(fitCells(termText(spec.title), width));
  if (L.count === 0) { out.push('(no rows to plot)'); return out.join('\n') + '\n'; }
  if (spec.kind === 'bar') textBars(spec, L, width, out);
  else textLines(spec, L, width, out);
  // every line within the width (the layout computes it so; this guards notes and labels)
  return out.map((l) => fitCells(l.trimEnd(), width)).join('\n') + '\n';
}

function textBars(spec: ChartSpec, L: Layout, width: number, out: string[]): void {
  const nS = spec.series.length;
  // rows in axis order: slot by slot, then series, then input order
  const all = L.marks.flat().sort((a, b) => a.pos - b.pos || a.s - b.s || a.col - b.col);
  const xLabel = termText(spec.xLabel ?? 'x'), yLabel = termText(spec.yLabel ?? 'y');
  const labW = Math.min(Math.max(displayWidth(xLabel), ...all.map((m) => displayWidth(termText(m.xText)))), Math.floor(width * 0.3));
  const serW = nS > 1 ? Math.min(Math.max(...spec.series.map((s) => displayWidth(termText(s.name)))), Math.floor(width * 0.2)) : 0;
  const valW = Math.max(...all.map((m) => displayWidth(termText(m.yText))));
  const indent = labW + 1 + (serW ? serW + 1 : 0);
  const barW = Math.max(10, width - indent - 1 - 1 - valW);
  const [lo, hi] = yRange('bar', L);
  const t = niceTicks(lo, hi, Math.max(2, Math.floor(barW / 12)), L.yInteger);
  const unit = (t.hi - t.lo) / barW;
  const zero = Math.round((0 - t.lo) / unit);
  out.push(padEnd(fitCells(xLabel, labW), labW) + ' ' + (serW ? padEnd('', serW) + ' ' : '') + ' ' + fitCells(yLabel, width - indent - 1));
  let prev: Mark | undefined;
  for (const m of all) {
    if (prev && prev.pos !== m.pos && L.xKind === 'time' && m.pos - prev.pos > L.slot * 1.5) {
      out.push(' '.repeat(labW) + ' ' + (serW ? ' '.repeat(serW + 1) : '') + '┆ ' + gapText(L, prev.pos, m.pos, L.slot));
    }
    const first = !prev || prev.pos !== m.pos;
    const v = m.p.y;
    let bar: string;
    if (v >= 0) {
      let e = Math.round(v / unit * 8);
      if (e === 0 && v > 0) e = 1;
      bar = ' '.repeat(zero) + '█'.repeat(Math.floor(e / 8)) + EIGHTHS[e % 8];
    } else {
      let h = Math.round(-v / unit * 2);
      if (h === 0) h = 1;
      const full = Math.floor(h / 2), half = h % 2;
      bar = ' '.repeat(Math.max(0, zero - full - half)) + (half ? '▐' : '') + '█'.repeat(Math.min(full, zero));
    }
    const lab = first ? fitCells(termText(m.xText), labW) : '';
    const ser = serW ? padEnd(fitCells(termText(spec.series[m.s].name), serW), serW) + ' ' : '';
    const note = m.p.note !== undefined ? `  (${termText(m.p.note)})` : '';
    out.push(padEnd(lab, labW) + ' ' + ser + '┤' + padEnd(bar, Math.max(zero, displayWidth(bar))) + ' ' + termText(m.yText) + note);
    prev = m;
  }
  const maxAbs = Math.max(Math.abs(t.lo), Math.abs(t.hi));
  const ticks = t.ticks.map((v) => ({ col: Math.round((v - t.lo) / unit) - 1, label: formatTick(v, t.step, maxAbs) }));
  const axis = textAxis(indent, barW, ticks.filter((k) => k.col >= 0));
  // the lowest tick sits on the corner
  const lowLabel = formatTick(t.lo, t.step, maxAbs);
  const labels = [...axis[1].padEnd(indent + 1 + barW + 2)];
  const at = Math.max(0, indent - Math.floor(displayWidth(lowLabel) / 2));
  if (labels.slice(at, at + displayWidth(lowLabel) + 1).every((c) => c === ' ')) [...lowLabel].forEach((c, i) => { labels[at + i] = c; });
  out.push(axis[0], labels.join('').trimEnd());
}

function textLines(spec: ChartSpec, L: Layout, width: number, out: string[]): void {
  const nS = spec.series.length;
  const [lo, hi] = yRange('line', L);
  const height = Math.max(3, spec.height ?? 12);
  // several series: small multiples, one panel each on the same scales (no colour needed to tell them apart)
  const rows = nS === 1 ? height : Math.max(6, Math.round(height * 0.6));
  const t = niceTicks(lo, hi, Math.max(2, Math.floor(rows / 3)), L.yInteger);
  const maxAbs = Math.max(Math.abs(t.lo), Math.abs(t.hi));
  const yLabW = Math.max(...t.ticks.map((v) => formatTick(v, t.step, maxAbs).length));
  const cols = Math.max(10, width - yLabW - 2);
  const W2 = cols * 2, H4 = rows * 4;
  const xd = (pos: number) => Math.min(W2 - 1, Math.max(0, Math.round(((pos - L.lo) / (L.hi - L.lo)) * (W2 - 1))));
  const yd = (v: number) => Math.min(H4 - 1, Math.max(0, Math.round(((t.hi - v) / (t.hi - t.lo)) * (H4 - 1))));
  const tickRow = new Map<number, string>();
  for (const v of t.ticks) { const r = Math.floor(yd(v) / 4); if (!tickRow.has(r)) tickRow.set(r, formatTick(v, t.step, maxAbs)); }
  if (spec.yLabel) out.push(fitCells(termText(spec.yLabel), width));
  L.runs.forEach((runs, si) => {
    if (nS > 1) out.push(fitCells(`── ${termText(spec.series[si].name)} ──`, width));
    const dots = new Uint8Array(rows * cols);
    const points = new Uint8Array(rows * cols);
    const set = (x: number, y: number) => { dots[Math.floor(y / 4) * cols + Math.floor(x / 2)] |= BRAILLE_BIT[x % 2][y % 4]; };
    const sparse = L.marks[si].length <= cols / 4;
    for (const run of runs) {
      for (let i = 0; i < run.length; i++) {
        const x1 = xd(run[i].pos), y1 = yd(run[i].p.y);
        set(x1, y1);
        if (sparse || run.length === 1) points[Math.floor(y1 / 4) * cols + Math.floor(x1 / 2)] = 1;
        if (i === 0) continue;
        // Bresenham from the previous point
        let x0 = xd(run[i - 1].pos), y0 = yd(run[i - 1].p.y);
        if (!Number.isFinite(x0 + y0 + x1 + y1)) continue; // (never a walk that cannot end)
        const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
        let err = dx + dy;
        for (;;) {
          set(x0, y0);
          if (x0 === x1 && y0 === y1) break;
          const e2 = 2 * err;
          if (e2 >= dy) { err += dy; x0 += sx; }
          if (e2 <= dx) { err += dx; y0 += sy; }
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      let line = padStart(tickRow.get(r) ?? '', yLabW) + (tickRow.has(r) ? ' ┤' : ' │');
      for (let c = 0; c < cols; c++) {
        const k = r * cols + c;
        line += points[k] ? '●' : dots[k] ? String.fromCharCode(0x2800 + dots[k]) : ' ';
      }
      out.push(line);
    }
  });
  // the x axis with ticks that fit
  let ticks: { col: number; label: string }[];
  if (L.xKind === 'category') {
    const band = cols / Math.max(1, L.categories.length);
    const labels = L.categories.map((c) => fitCells(termText(c), 16));
    const widest = Math.max(...labels.map(displayWidth));
    const every = Math.max(1, Math.ceil((widest + 1) / band));
    ticks = labels.map((label, i) => ({ col: Math.floor(xd(i + 0.5) / 2), label })).filter((_, i) => i % every === 0);
  } else {
    ticks = xTicks(L, cols, displayWidth, 2).map((k) => ({ col: Math.floor(xd(k.v) / 2), label: k.label }));
  }
  const axis = textAxis(yLabW + 1, cols, ticks);
  out.push(axis[0], axis[1]);
  if (spec.xLabel) out.push(padStart(fitCells(termText(spec.xLabel), width), Math.floor((yLabW + 2 + cols + displayWidth(termText(spec.xLabel))) / 2)));
  if (L.broken) out.push('(line breaks: no row for a step)');
}

// ---------------------------------------------------------------- heatmap

export interface HeatmapSpec {
  title: string;
  rowLabel: string;
  colLabel: string;
  rows: string[];
  cols: string[];
  /** value in [0, 1] sets the shade; text is written in the cell when it fits; title is the tooltip */
  cells: { row: number; col: number; value: number; text: string; title: string }[];
  width?: number;
}

// ColorBrewer "Blues": one hue, light to dark, readable with any colour vision
const BLUES = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];
function shade(v: number): string {
  const x = Math.min(1, Math.max(0, v)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(x)), f = x - i;
  const a = parseInt(BLUES[i].slice(1), 16), b = parseInt(BLUES[i + 1].slice(1), 16);
  const mix = (sh: number) => Math.round(((a >> sh) & 255) * (1 - f) + ((b >> sh) & 255) * f);
  return '#' + [16, 8, 0].map((sh) => mix(sh).toString(16).padStart(2, '0')).join('');
}

/** A heatmap (rows x columns of shaded cells, each with a <title>) as a standalone SVG document. */
export function svgHeatmap(spec: HeatmapSpec): string {
  const W = Math.max(320, spec.width ?? 760);
  const rowLabels = spec.rows.map((r) => fitPx(r, 160, 11));
  const left = 16 + Math.max(textWidth(spec.rowLabel, 12), ...rowLabels.map((s) => textWidth(s, 11))) + 10;
  const top = 12 + 30 + 36;
  const cw = (W - left - 20) / Math.max(1, spec.cols.length);
  const ch = Math.max(12, Math.min(22, cw * 0.8));
  const H = Math.ceil(top + spec.rows.length * ch + 52);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}" font-size="12" role="img" aria-label="${xmlEscape(spec.title)}">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${n1(W / 2)}" y="28" font-size="16" font-weight="600" fill="${INK}" text-anchor="middle">${xmlEscape(fitPx(spec.title, W - 24, 16))}</text>`);
  out.push(`<text x="${n1(left + (W - left - 20) / 2)}" y="${top - 24}" fill="${INK}" text-anchor="middle">${xmlEscape(spec.colLabel)}</text>`);
  out.push(`<text x="${n1(left - 10)}" y="${top - 6}" fill="${INK}" text-anchor="end">${xmlEscape(spec.rowLabel)}</text>`);
  const every = Math.max(1, Math.ceil((Math.max(0, ...spec.cols.map((c) => textWidth(c, 10))) + 6) / cw));
  spec.cols.forEach((c, i) => {
    if (i % every === 0) out.push(`<text x="${n1(left + (i + 0.5) * cw)}" y="${top - 6}" font-size="10" fill="${SOFT}" text-anchor="middle">${xmlEscape(c)}</text>`);
  });
  const rowEvery = Math.max(1, Math.ceil(12 / ch));
  rowLabels.forEach((r, i) => {
    if (i % rowEvery === 0) out.push(`<text x="${n1(left - 10)}" y="${n1(top + (i + 0.5) * ch + 4)}" font-size="11" fill="${SOFT}" text-anchor="end">${xmlEscape(r)}</text>`);
  });
  out.push('<g stroke="#fff" stroke-width="1">');
  for (const c of spec.cells) {
    out.push(`<rect class="mark" x="${n1(left + c.col * cw)}" y="${n1(top + c.row * ch)}" width="${n1(cw)}" height="${n1(ch)}" fill="${shade(c.value)}"><title>${xmlEscape(c.title)}</title></rect>`);
  }
  out.push('</g>');
  const fits = spec.cells.every((c) => textWidth(c.text, 9) + 4 <= cw) && ch >= 12;
  if (fits) {
    out.push('<g font-size="9" text-anchor="middle">');
    for (const c of spec.cells) out.push(`<text x="${n1(left + (c.col + 0.5) * cw)}" y="${n1(top + (c.row + 0.5) * ch + 3)}" fill="${c.value > 0.55 ? '#fff' : INK}">${xmlEscape(c.text)}</text>`);
    out.push('</g>');
  }
  // the colour scale
  const ly = H - 30, lw = Math.min(240, W - left - 20);
  for (let i = 0; i < 24; i++) out.push(`<rect x="${n1(left + (i * lw) / 24)}" y="${ly}" width="${n1(lw / 24 + 0.5)}" height="10" fill="${shade(i / 23)}"/>`);
  out.push(`<text x="${n1(left)}" y="${ly + 24}" font-size="10" fill="${SOFT}">0%</text><text x="${n1(left + lw)}" y="${ly + 24}" font-size="10" fill="${SOFT}" text-anchor="end">100%</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
