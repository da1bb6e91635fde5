// plot: a chart of NDJSON rows — a text chart on stdout (Unicode block bars, braille lines; fits the
// terminal), or with --out an SVG (every point or bar a mark with a <title>: its x and y) or a
// self-contained HTML page (the SVG, the data table, no network resource). The drawing is
// src/core/chart.ts, shared with the Insights report; this file reads the rows.
//
// Decisions:
// - Rows are plotted as they come: plot does not aggregate (count-by does). Dates (YYYY-MM-DD) and
//   numbers are placed by value; categories keep their first-appearance order, or natural order with
//   --sort. A repeated x in one series keeps every row (each is a mark): a line runs through them in
//   input order, bars stand side by side; plot says so on stderr (aggregate first for one value per x).
// - y: a number, or a string holding one (JSON's number grammar). A null y is no point (a gap), counted
//   and reported once; an absent or non-numeric y (or x absent, null, an object or an array) rejects
//   the row like any bad record (reported with its line, --strict, --rejects).
// - Memory is bounded: at most --max-points points (default 10,000) are held. Beyond that plot refuses
//   (exit 1, nothing written) rather than sample: a sampled line would hide the peaks you look for.
//   At most 24 series (colours, shapes and dashes stay distinguishable).
// - A file is written under a temporary name and renamed when complete; a run that will exit 1 (an
//   unreadable input, --strict, every row rejected) writes nothing.
import fs from 'node:fs';
import { fileTarget } from '../core/files.js';
import type { FileTarget } from '../core/files.js';
import path from 'node:path';
import tty from 'node:tty';
import { FieldReader } from '../core/fields.js';
import { BigNum, canonicalNumber, clipChars } from '../core/json.js';
import { blankName, fileProblem, listOption, outputFolder } from '../core/options.js';
import type { InputOptions, OptionsOf } from '../core/options.js';
import type { Options } from 'yargs';
import { CHART_LIMIT, dayNumber, htmlPage, naturalCompare, svgChart, textChart, xKindOf } from '../core/chart.js';
import type { ChartPoint, ChartSeries, ChartSpec, DataTable } from '../core/chart.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';

const options = {
  x: { type: 'string', demandOption: true, describe: 'field on the x axis: YYYY-MM-DD dates make a time axis, numbers a linear one, other values categories' },
  y: { type: 'string', array: true, demandOption: true, describe: 'numeric field(s) on the y axis (comma-separated or repeated), one series each' },
  kind: { choices: ['line', 'bar'], default: 'line', describe: 'line (with a marker per point) or bar (grouped for several series)' },
  by: { type: 'string', describe: 'field whose values split the rows into series (a legend entry each)' },
  title: { type: 'string', describe: 'chart title' },
  out: { alias: 'o', type: 'string', describe: 'write FILE.svg, FILE.html or FILE.txt (by extension) instead of a text chart on stdout' },
  format: { choices: ['text', 'svg', 'html'], describe: 'output format (default: from --out\'s extension, else text); e.g. --format svg > chart.svg' },
  sort: { type: 'boolean', default: false, describe: 'order categories by x in natural order ("v2" before "v10"); dates and numbers are always placed by value' },
  width: { type: 'number', describe: 'chart width: cells for text (default $COLUMNS, the terminal, else 80), pixels for SVG/HTML (800)' },
  height: { type: 'number', describe: 'chart height: plot rows for a text line chart (12), pixels for SVG/HTML (420)' },
  'max-points': { type: 'number', default: 10000, describe: 'refuse (exit 1) beyond N points instead of holding more: aggregate first (count-by)' },
} as const satisfies Record<string, Options>;

export type PlotOptions = OptionsOf<typeof options> & InputOptions;

const MAX_SERIES = 24;

/** the output format: --format, else --out's extension, else text */
export function formatOf(o: Pick<PlotOptions, 'format' | 'out'>): 'text' | 'svg' | 'html' {
  if (o.format) return o.format;
  if (o.out === undefined || o.out === '-') return 'text';
  const ext = path.extname(o.out).toLowerCase();
  if (ext === '.svg') return 'svg';
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.txt') return 'text';
  throw new UsageError(`cannot tell the format of ${o.out} from its extension: use .svg, .html or .txt, or give --format`);
}

/** text chart width: --width, else $COLUMNS, else the terminal's, else 80 */
function textColumns(o: PlotOptions, toFile: boolean): number {
  if (o.width !== undefined) return o.width;
  if (toFile) return 80;
  const env = Number(process.env.COLUMNS);
  if (Number.isInteger(env) && env > 0) return env;
  if (tty.isatty(1) && process.stderr.isTTY && process.stderr.columns) return process.stderr.columns;
  return 80;
}

/** the display text of a value: strings as they are, other JSON values as their JSON text */
const textOf = (v: unknown, raw: string | undefined): string => (typeof v === 'string' ? v : raw ?? String(v));

export const tool: Tool<PlotOptions> = {
  name: 'plot',
  summary: 'Chart NDJSON rows: --x FIELD --y FIELD[,FIELD...] as a text chart on stdout, or --out FILE.svg (a <title> tooltip per mark) / FILE.html (self-contained page).',
  usage: 'plot --x FIELD --y FIELD[,FIELD...] [--kind line|bar] [--by FIELD] [--title TEXT] [--out FILE.svg|FILE.html|FILE.txt] [FILE...]',
  examples: [
    ["plot --x date --y active_user_count --kind bar -i daily.ndjson", 'bars in the terminal, one row per day'],
    ["count-by date version -i ev.ndjson | plot --x date --y count --by version --out daily.svg", 'one line per app version, as SVG with tooltips'],
    ["query-sqlite --db insights.db 'SELECT * FROM dau ORDER BY date' | plot --x date --y active_users --title DAU --out dau.html", 'a self-contained page: chart and data table'],
  ],
  options,
  check(o) {
    const blank = blankName('by', o.by) ?? (o.out !== undefined && o.out !== '' && o.out !== '-' ? outputFolder(o.out) : undefined);
    if (blank) return blank;
    const ys = listOption(o.y);
    if (ys.length === 0) return '--y needs at least one field';
    // (one field twice is one series of that name with each point twice: said as rows repeating x)
    const twice = ys.find((y, i) => ys.indexOf(y) !== i);
    if (twice !== undefined) return `--y names ${twice} twice`;
    if (!(o.maxPoints >= 1) || !Number.isInteger(o.maxPoints)) return '--max-points takes a positive whole number';
    if (o.width !== undefined && !(o.width > 0 && o.width <= 20000 && Number.isInteger(o.width))) return '--width takes a whole number from 1 to 20000';
    if (o.height !== undefined && !(o.height > 0 && o.height <= 20000 && Number.isInteger(o.height))) return '--height takes a whole number from 1 to 20000';
    return undefined;
  },
  create(o, ctx) {
    const format = formatOf(o);
    const toFile = o.out !== undefined && o.out !== '-';
    const ys = listOption(o.y);
    const fields = [o.x, ...ys, ...(o.by !== undefined ? [o.by] : [])];
    const reader = new FieldReader(fields);
    const BY = ys.length + 1;
    // series by (by value, y field), in first-appearance order
    const series: ChartSeries[] = [];
    const seriesIndex = new Map<string, number>();
    // per series: where its first repeated x was met, and how many repeats
    const repeats = new Map<number, { n: number; at: string; x: string }>();
    const seen: Set<string>[] = [];
    const byStrings: (string | undefined)[] = []; // each series's --by value when it is a string
    const table: string[][] = [];
    const numericCol: boolean[] = [false, ...ys.map(() => true), ...(o.by !== undefined ? [false] : [])];
    const nulls = new Map<string, number>();
    let points = 0;
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        const xv = reader.value(0);
        if (xv === undefined || xv === null) return ctx.reject(line, 'missing x', `no ${o.x}`);
        if (typeof xv === 'object' && !(xv instanceof BigNum)) return ctx.reject(line, 'bad x', `${o.x} is ${Array.isArray(xv) ? 'an array' : 'an object'}, not a value to place on an axis`);
        const xRaw = reader.raw(0) as string;
        const x: string | number = typeof xv === 'number' || xv instanceof BigNum ? Number(xv) : typeof xv === 'string' ? xv : xRaw;
        if (typeof x === 'number' && !Number.isFinite(x)) return ctx.reject(line, 'bad x', `${o.x}=${xRaw} is beyond the double range`);
        if (typeof x === 'number' && Math.abs(x) > CHART_LIMIT) return ctx.reject(line, 'bad x', `${o.x}=${xRaw} is beyond the range a chart scales (±1e300)`);
        const xText = typeof xv === 'string' ? xv : xRaw;
        const yv: (number | null)[] = [], yText: string[] = [];
        for (let k = 0; k < ys.length; k++) {
          const v = reader.value(k + 1);
          if (v === undefined) return ctx.reject(line, 'missing y', `no ${ys[k]}`);
          if (v === null) { yv.push(null); yText.push('null'); continue; }
          const n = reader.number(k + 1);
          const raw = reader.raw(k + 1) as string;
          // (cut to 40 characters, not UTF-16 units: an emoji at the cut lost half of itself, a lone
          // surrogate in the message, U+FFFD on stderr and "\ud83d" in --rejects-format json)
          if (Number.isNaN(n)) return ctx.reject(line, 'no numeric y', `${ys[k]}=${clipChars(raw, 40)} is not a number`);
          if (!Number.isFinite(n)) return ctx.reject(line, 'no numeric y', `${ys[k]}=${raw} is beyond the double range`);
          if (Math.abs(n) > CHART_LIMIT) return ctx.reject(line, 'no numeric y', `${ys[k]}=${raw} is beyond the range a chart scales (±1e300)`);
          yv.push(n); yText.push(typeof v === 'string' ? v.trim() : raw);
        }
        const byValue = o.by === undefined ? undefined : reader.value(BY);
        const byText = o.by === undefined ? undefined : byValue === undefined ? `(no ${o.by})` : textOf(byValue, reader.raw(BY) ?? 'null');
        // (a series per JSON value: 1 and "1", null, "null" and no field at all are series apart, as
        // count-by keeps them; keyed by their display text, each pair was drawn as one line)
        // (a number by its value, 1, 1.0 and 1e0 one series; an object or array by its text)
        const byKey = o.by === undefined ? '' : byValue === undefined ? '\u0001' : typeof byValue === 'string' ? JSON.stringify(byValue)
          : typeof byValue === 'number' || byValue instanceof BigNum ? canonicalNumber(reader.raw(BY) as string) : byText;
        const row = table.length;
        for (let k = 0; k < ys.length; k++) {
          if (yv[k] === null) { nulls.set(ys[k], (nulls.get(ys[k]) ?? 0) + 1); continue; }
          if (++points > o.maxPoints) {
            throw new Error(`more than ${o.maxPoints} points (--max-points): a chart of that many marks cannot be read; aggregate first (count-by) or raise --max-points`);
          }
          const key = `${byKey}\u0000${ys[k]}`;
          let si = seriesIndex.get(key);
          if (si === undefined) {
            if (series.length >= MAX_SERIES) throw new Error(`more than ${MAX_SERIES} series (${o.by !== undefined ? `values of ${o.by}` : ''}${o.by !== undefined && ys.length > 1 ? ' x ' : ''}${ys.length > 1 ? 'y fields' : ''}): keep fewer (where, top) before plotting`);
            si = series.length;
            seriesIndex.set(key, si);
            const name = byText === undefined ? ys[k] : ys.length > 1 ? `${byText} · ${ys[k]}` : byText;
            series.push({ name, yName: ys[k], tag: byText === undefined ? undefined : `${o.by}: ${byText}`, points: [] });
            byStrings.push(typeof byValue === 'string' ? byValue : undefined);
            seen.push(new Set());
          }
          if (seen[si].has(xText)) {
            const r = repeats.get(si);
            if (r) r.n++; else repeats.set(si, { n: 1, at: `${line.file}:${line.no}`, x: xText });
          } else seen[si].add(xText);
          const p: ChartPoint = { x, y: yv[k] as number, xText, yText: yText[k], row };
          series[si].points.push(p);
        }
        table.push([xText, ...yText, ...(byText !== undefined ? [byText] : [])]);
      },
      end() {
        // (a file is not written after a failure anywhere in the run, as every sink of a chain; a chart on
        // stdout only after plot's own, as the pipeline `A | plot` draws what A gave it, failing or not)
        const ownFailure = ctx.rejectsFail() || (ctx.inputFailed() && !ctx.upstreamFails());
        if (toFile ? ctx.willFail() : ownFailure) {
          if (toFile) ctx.warn(`${o.out}: not written: ${ctx.inputFailed() ? 'an input could not be read' : ctx.upstreamFails() ? 'the run failed before it' : 'too many records rejected'}`);
          return;
        }
        for (const [field, n] of nulls) ctx.warn(`${n} row${n === 1 ? '' : 's'} with a null ${field}: no point drawn for ${n === 1 ? 'it' : 'them'}`);
        // rows, but not one point: a chart of nothing is no answer (a broken upstream), said and exit 1
        if (points === 0 && table.length > 0) throw new Error(`no point to draw: every y of the ${table.length} row${table.length === 1 ? '' : 's'} is null${toFile ? ` (${o.out} not written)` : ''}`);
        // two series of one name (the value 1 and the text "1", null and "null"): the text's named in quotes
        const named = new Map<string, number>();
        for (const x of series) named.set(x.name, (named.get(x.name) ?? 0) + 1);
        series.forEach((x, i) => {
          const str = byStrings[i];
          if (str === undefined || named.get(x.name)! < 2) return;
          const q = JSON.stringify(str);
          x.name = ys.length > 1 ? `${q} · ${x.yName}` : q;
          x.tag = `${o.by}: ${q}`;
        });
        for (const [si, r] of repeats) {
          ctx.warn(`${r.at}: ${series[si].name}: ${r.n} row${r.n === 1 ? ' repeats' : 's repeat'} an x value (first: ${r.x}); every row is drawn (${o.kind === 'line' ? 'the line runs through them in input order' : 'bars side by side'}); aggregate with count-by for one value per x`);
        }
        // the data table in the chart's order: by value on a time or number axis, by category otherwise
        const kind = xKindOf(series);
        let order = table.map((_, i) => i);
        if (kind === 'time' || kind === 'number') {
          const key = table.map((r) => (kind === 'time' ? dayNumber(r[0]) as number : Number(r[0])));
          order.sort((a, b) => key[a] - key[b] || a - b);
        } else if (o.sort) order.sort((a, b) => naturalCompare(table[a][0], table[b][0]) || a - b);
        const rank = new Map(order.map((r, i) => [r, i]));
        for (const s of series) for (const p of s.points) p.row = rank.get(p.row as number);
        const data: DataTable = {
          columns: [o.x, ...ys, ...(o.by !== undefined ? [o.by] : [])],
          rows: order.map((i) => table[i]),
          numeric: numericCol,
        };
        const spec: ChartSpec = {
          kind: o.kind, title: o.title, xLabel: o.x, yLabel: ys.join(', '), series, sortCategories: o.sort,
          width: format === 'text' ? textColumns(o, toFile) : o.width, height: o.height,
        };
        const text = format === 'svg' ? svgChart(spec) : format === 'html' ? htmlPage(spec, data) : textChart(spec);
        ctx.count('points', points);
        if (!toFile) { ctx.emit(text.replace(/\n$/, '')); return; }
        const out = o.out as string;
        let t: FileTarget | undefined;
        try {
          t = fileTarget(out);
          fs.writeFileSync(t.write, text);
          t.commit();
        } catch (err) {
          t?.abort();
          throw new Error(`${out}: ${fileProblem(err as NodeJS.ErrnoException, out, true)}`);
        }
        ctx.warn(`${out}: ${o.kind} chart, ${series.length} series, ${points} point${points === 1 ? '' : 's'}`);
      },
    };
  },
};
export default tool;
