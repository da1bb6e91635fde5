// anomalies: flags points of a series that deviate from a rolling robust baseline. For each point, the
// baseline is the median of the previous --window points (of the same --by group) and the spread their
// MAD (median absolute deviation); the score is the modified z-score 0.6745 (x - median) / MAD (Iglewicz
// & Hoaglin), and |score| > --threshold (3.5) is an anomaly. A point with fewer than --min-points
// earlier points is not judged; a MAD of 0 makes any different value an anomaly (score ±Infinity -> null).
// --fill V: the series is one of days (--order holds YYYY-MM-DD dates) and a day missing between a
// series' first and last is a point of value V (DAU: 0, a day nobody came), judged and used in the
// baseline like the others, so the window is --window days and an outage day is flagged.
import { FieldReader, canonicalOf } from '../core/fields.js';
import { BigNum, compareCodePoints, compareDec, literalPath, parseDec, parseDigits, setPath, splitPath, stringify } from '../core/json.js';
import type { Dec } from '../core/json.js';
import { dateToEpochDays, epochDaysToDate, isValidDate } from '../core/time.js';
import type { Line, Tool } from '../core/tool.js';
import type { Options } from 'yargs';
import { blankName } from '../core/options.js';
import type { InputOptions, OptionsOf } from '../core/options.js';

const options = {
  value: { type: 'string', demandOption: true, describe: 'the measured value' },
  order: { type: 'string', default: 'date', describe: 'the series order: numbers by value (hours, epochs), text in code point order (dates, ISO times)' },
  by: { type: 'string', describe: 'one series per value of this field' },
  window: { type: 'number', default: 14, describe: 'earlier points in the baseline' },
  threshold: { type: 'number', default: 3.5, describe: '|modified z-score| above this is an anomaly' },
  'min-points': { type: 'number', default: 5, describe: 'judge a point only with at least this many earlier points' },
  all: { type: 'boolean', default: false, describe: 'emit every point with its score (default: only the anomalies)' },
  fill: { type: 'number', describe: 'the order is a day (YYYY-MM-DD): a day missing between the first and the last of a series is a point of this value (e.g. 0 for DAU)' },
} as const satisfies Record<string, Options>;

export type AnomaliesOptions = OptionsOf<typeof options> & InputOptions;

/** a point: `order` is its --order value's text (a string's value, a number's digits, anything else's
 *  JSON), `rank` the kind of that value (1 false, 2 true, 3 a number, 4 a string, 5 an array or object),
 *  `dec` a number's exact value */
interface Point { order: string; rank: number; dec?: Dec; x: number; rec: any; group?: unknown; raw?: Buffer }

/** the figures' names, as the records get them (a name the record holds has its value replaced there) */
const FIGURES = ['baseline_median', 'baseline_mad', 'score', 'anomaly'];
const figureReader = new FieldReader(FIGURES.map(literalPath));
const FIGURE_KS = FIGURES.map((_n, k) => k);

/** the point's record with the figures, its bytes as they came (1.50 stays 1.50, "\u00e9" stays so): a
 *  figure whose name the record holds replaced in place (it was written whole again then: anomalies run
 *  twice changed every number's text), the others added after its last member; a point filled in
 *  (--fill) written whole */
function withFigures(p: Point, out: Record<string, unknown>): Buffer | string {
  const raw = p.raw;
  if (raw === undefined || !figureReader.read(raw, 0, raw.length)) return stringify({ ...p.rec, ...out });
  const edits = figureReader.edits(FIGURE_KS, FIGURES.map((k) => stringify(out[k])));
  const parts: Buffer[] = [];
  let at = 0;
  for (const e of edits) { parts.push(raw.subarray(at, e.from), Buffer.from(e.text)); at = e.to; }
  parts.push(raw.subarray(at));
  return Buffer.concat(parts);
}

/** points by --order, as the toolkit orders values (top, count-by): false, true, numbers by value,
 *  strings in code point order, then arrays and objects by their JSON text; points of one order by
 *  value, then by their record's JSON text: the order of the input never decides (each point's
 *  baseline is the points before it). (Orders were compared as text: hours 1-24 went 1, 10, 11, ..., 2,
 *  20, and the baselines were those of that order, in silence.) */
function byOrder(a: Point, b: Point): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.rank === 3) { const c = compareDec(a.dec!, b.dec!); if (c !== 0) return c; }
  // (text in code point order, as the toolkit sorts text: JavaScript's < put 😀 before ～, U+FF5E, so
  // an order that count-by wrote in code point order was read in another, with other baselines)
  else if (a.order !== b.order) return compareCodePoints(a.order, b.order);
  if (a.x !== b.x) return a.x - b.x;
  return compareCodePoints(stringify(a.rec), stringify(b.rec));
}

/** the points of a series of days (sorted) with the missing days between them as points of value `v` */
function filled(pts: Point[], o: AnomaliesOptions, v: number): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < pts.length; i++) {
    if (i > 0) {
      for (let d = dateToEpochDays(pts[i - 1].order) + 1, end = dateToEpochDays(pts[i].order); d < end; d++) {
        const day = epochDaysToDate(d);
        const rec: Record<string, unknown> = {}; // (the fields are paths, as the reader reads them: u.c is {"u":{"c":...}})
        if (o.by) setPath(rec, splitPath(o.by), pts[i].group);
        setPath(rec, splitPath(o.order), day);
        setPath(rec, splitPath(o.value), v);
        out.push({ order: day, rank: 4, x: v, rec });
      }
    }
    out.push(pts[i]);
  }
  return out;
}

const median = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y), n = a.length;
  if (n % 2) return a[(n - 1) / 2];
  const m = (a[n / 2 - 1] + a[n / 2]) / 2;
  return Number.isFinite(m) ? m : a[n / 2 - 1] / 2 + a[n / 2] / 2; // (two values near 1.8e308 overflow their sum; halving first would lose 5e-324)
};

export const tool: Tool<AnomaliesOptions> = {
  name: 'anomalies',
  summary: 'Flag points of a series (e.g. DAU per day) that deviate from a rolling median/MAD baseline beyond a modified z-score threshold.',
  holdsOutput: true,
  usage: 'anomalies --value FIELD [--order date] [--by FIELD] [--window 14] [--threshold 3.5] [--all] [FILE...]',
  examples: [['query-sqlite --db insights.db "SELECT * FROM dau" | anomalies --value active_users --order date --window 14', 'unusual days, with their baseline and score']],
  options,
  check(o) {
    const blank = blankName('by', o.by);
    if (blank) return blank;
    if (!(o.threshold > 0)) return `--threshold takes a positive number (got ${o.threshold})`;
    if (o.fill !== undefined && !Number.isFinite(o.fill)) return `--fill takes a number (got ${o.fill})`;
    // (counts of points: a fraction was used as the next whole number, --window 2.5 as 3, in silence)
    if (!Number.isInteger(o.window) || !Number.isInteger(o.minPoints)) return `--window and --min-points take whole numbers (got ${Number.isInteger(o.window) ? o.minPoints : o.window})`;
    return o.window >= 2 && o.minPoints >= 2 && o.minPoints <= o.window ? undefined : '--window and --min-points: 2 <= min-points <= window';
  },
  create(o, ctx) {
    const reader = new FieldReader(o.by ? [o.value, o.order, o.by] : [o.value, o.order]);
    const series = new Map<string, Point[]>();
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        const x = reader.number(0), ord = reader.value(1);
        if (!Number.isFinite(x)) return ctx.reject(line, `no numeric ${o.value}`);
        if (ord === undefined || ord === null) return ctx.reject(line, `missing ${o.order}`);
        if (o.fill !== undefined && !(typeof ord === 'string' && isValidDate(ord))) return ctx.reject(line, `${o.order} is not a day (YYYY-MM-DD), as --fill needs`, JSON.stringify(ord));
        const g = o.by ? canonicalOf(reader.value(2) ?? null) : ''; // (a BigNum's own digits: 1E400 and 2E400 are two series)
        const parsed = ctx.parse(line);
        if (parsed === undefined) return;
        // (written back: a decimal of more than 15 significant digits keeps its text, as the loaders keep it)
        const rec = parseDigits(line.buf, line.start, line.end) ?? parsed;
        const p: Point = { order: '', rank: 5, x, rec, group: o.by ? reader.value(2) ?? null : undefined, raw: Buffer.from(line.buf.subarray(line.start, line.end)) };
        if (typeof ord === 'string') { p.order = ord; p.rank = 4; }
        else if (typeof ord === 'number' || ord instanceof BigNum) { p.order = reader.numberText(1)!; p.rank = 3; p.dec = parseDec(p.order); }
        else if (typeof ord === 'boolean') { p.order = String(ord); p.rank = ord ? 2 : 1; }
        else p.order = stringify(ord);
        (series.get(g) ?? series.set(g, []).get(g)!).push(p);
      },
      end() {
        let flagged = 0;
        for (const g of [...series.keys()].sort()) {
          let pts = series.get(g)!.sort(byOrder);
          if (o.fill !== undefined) pts = filled(pts, o, o.fill);
          for (let i = 0; i < pts.length; i++) {
            const prev = pts.slice(Math.max(0, i - o.window), i).map((p) => p.x);
            let out: Record<string, unknown>;
            if (prev.length < o.minPoints) out = { baseline_median: null, baseline_mad: null, score: null, anomaly: false };
            else {
              const m = median(prev), mad = median(prev.map((v) => Math.abs(v - m)));
              const score = mad === 0 ? (pts[i].x === m ? 0 : Infinity) : (0.6745 * (pts[i].x - m)) / mad;
              out = { baseline_median: m, baseline_mad: mad, score: Number.isFinite(score) ? score : null, anomaly: Math.abs(score) > o.threshold };
            }
            if (out.anomaly) flagged++;
            if (o.all || out.anomaly) ctx.emit(withFigures(pts[i], out));
          }
        }
        ctx.count('anomalies', flagged);
      },
    };
  },
};
export default tool;
