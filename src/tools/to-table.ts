// to-table: NDJSON records as aligned columns for a terminal (the way `mlr --opprint` or DuckDB's box
// mode print them).
//
// Decisions (the README's to-table section states them for users):
// - Columns: --fields (paths, in that order), else the top-level fields in first-seen order among the
//   first --rows records (default 1000). Those records are held to size the columns, then printed; the
//   rest stream with the same widths (memory: --rows records). A field first seen later is not shown
//   (named in a warning at the end). A later value wider than its column (within --max-width) is not
//   cut: it ends the table and starts the next one, sized by it and the --rows records from it, under
//   the names again (after a blank line; --box closes the box and opens another), so no value below
//   --max-width loses characters (a number cut to its width read as a bare '…').
// - Cells: strings as their text; numbers exactly as written, right-aligned; true/false; JSON null as
//   `null` (a missing field is empty, so the two stay apart); objects and arrays as compact JSON text.
//   Control characters (and line/paragraph separators and bidirectional controls, which would move
//   the text around on a terminal) are shown escaped as in JSON (\n, \t, \u001b), so data never
//   drives the terminal. A column whose values are all numbers has its name right-aligned too.
// - Widths are display widths: East Asian wide and fullwidth characters and emoji count 2 columns,
//   combining marks and other zero-width characters 0, counted per grapheme cluster
//   (Intl.Segmenter), so CJK, emoji and accents keep the columns aligned. A value wider than
//   --max-width (default 40; 0: no limit) is cut with '…'.
// - No colour: the same bytes on a terminal and in a file (`to-table | less` works as is).
// - Layout: names, a rule of '-', rows; columns two spaces apart; no trailing blanks. --box draws the
//   table with box-drawing lines like DuckDB.
import { displayWidth, safe, truncate } from '../core/display.js';
import { FieldReader } from '../core/fields.js';
import { compact } from '../core/json-stream.js';
import { MemberCursor } from '../core/members.js';
import { blankList, listOption } from '../core/options.js';
import type { Tool, ToolContext } from '../core/tool.js';
import type { Options } from 'yargs';
import type { InputOptions, OptionsOf } from '../core/options.js';

const options = {
  fields: { type: 'string', array: true, default: [], describe: 'the columns, in order: field paths (a.b reaches into an object), comma-separated or repeated' },
  rows: { type: 'number', default: 1000, describe: 'records read before the columns are sized and printed; a later value wider than its column starts a new table sized by the next --rows records (values are cut only at --max-width)' },
  'max-width': { type: 'number', default: 40, describe: "the widest a column gets (display columns); longer values end in '…' (0: no limit)" },
  box: { type: 'boolean', default: false, describe: 'draw the table with box-drawing lines (DuckDB style)' },
} as const satisfies Record<string, Options>;

export type ToTableOptions = OptionsOf<typeof options> & InputOptions;

const QUOTE = 0x22, BSL = 0x5c;

// ---- cells ----

/** one cell: its text, its display width, whether it is a number (right-aligned) */
interface Cell { text: string; width: number; num: boolean }
const EMPTY: Cell = { text: '', width: 0, num: false };
const NULL: Cell = { text: 'null', width: 4, num: false };

function cellOf(b: Buffer, vs: number, ve: number, max: number): Cell {
  const c = b[vs];
  let text: string, num = false;
  if (c === QUOTE) {
    let esc = false;
    for (let i = vs + 1; i < ve - 1; i++) if (b[i] === BSL) { esc = true; break; }
    text = esc ? JSON.parse(b.toString('utf8', vs, ve)) as string : b.toString('utf8', vs + 1, ve - 1);
  } else if (c === 0x6e) return NULL;
  else if (c === 0x7b || c === 0x5b) text = compact(b, vs, ve).toString('utf8');
  else { text = b.toString('latin1', vs, ve); num = c !== 0x74 && c !== 0x66; } // a number, or true/false
  text = truncate(safe(text), max);
  return { text, width: displayWidth(text), num };
}

export const tool: Tool<ToTableOptions> = {
  name: 'to-table',
  summary: 'NDJSON as aligned columns for a terminal (like mlr --opprint or DuckDB box mode): numbers right-aligned, Unicode-width aware, long values cut to --max-width.',
  usage: 'to-table [--fields a,b.c,...] [--rows N] [--max-width N] [--box] [FILE...]',
  examples: [
    ['echo \'{"city":"東京","n":14}\' | to-table', 'two aligned columns (the name is 2 columns wide per character)'],
    ['from-json user_engagement.examples.json | to-table --fields event_date,user_pseudo_id,version | head', 'three columns of the Sliide examples'],
    ['count-by date < events.ndjson | to-table --box', 'an aggregate as a box-drawn table'],
    ['to-table --rows 100 --max-width 20 events.ndjson | less -S', 'columns sized by the first 100 records, values cut at 20 columns'],
  ],
  options,
  check(o) {
    const blank = blankList('fields', o.fields);
    if (blank) return blank;
    if (!Number.isInteger(o.rows) || o.rows < 1) return `--rows takes a whole number, at least 1 (got ${o.rows})`;
    if (!Number.isInteger(o.maxWidth) || o.maxWidth < 0 || (o.maxWidth > 0 && o.maxWidth < 2)) return `--max-width takes a whole number of columns, at least 2 (0: no limit; got ${o.maxWidth})`;
    return undefined;
  },
  create(o, ctx: ToolContext) {
    const fields = listOption(o.fields);
    const max = o.maxWidth;
    const names: string[] = [...fields];
    const columns = new Map<string, number>(fields.map((f, k) => [f, k]));
    const reader = new FieldReader(fields);
    const cursor = new MemberCursor();
    let held: Cell[][] | null = []; // the first rows, until the columns are sized
    let widths: number[] = [];
    let numeric: boolean[] = [];
    const later = new Map<string, number>(); // fields first seen after the columns were fixed: their values not shown
    let records = 0, empty = 0; // (records read, those with no field: no column at all is said at the end)

    const pad = (s: string, w: number, n: number, right: boolean) => (right ? ' '.repeat(n - w) + s : s + ' '.repeat(n - w));
    const line = (cells: Cell[], nameRow: boolean): string => {
      const parts: string[] = [];
      for (let k = 0; k < widths.length; k++) {
        let c = cells[k] ?? EMPTY;
        if (c.width > widths[k]) { const t = truncate(c.text, widths[k]); c = { text: t, width: displayWidth(t), num: c.num }; }
        const right = nameRow ? numeric[k] : c.num;
        parts.push(pad(c.text, c.width, widths[k], right));
      }
      if (o.box) return `│ ${parts.join(' │ ')} │`;
      return parts.join('  ').replace(/ +$/, '');
    };
    const rule = (l: string, m: string, r: string) => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r;

    /** size the columns by the rows held, print the names and those rows */
    const start = () => {
      const rows = held!;
      held = null;
      if (names.length === 0) return;
      const head = names.map((n) => { const t = truncate(safe(n), max); return { text: t, width: displayWidth(t), num: false }; });
      widths = head.map((h) => Math.max(1, h.width));
      numeric = names.map(() => true);
      const seen = names.map(() => false);
      for (const r of rows) {
        r.forEach((c, k) => {
          if (c.width > widths[k]) widths[k] = c.width;
          if (c === EMPTY || c === NULL) return;
          seen[k] = true;
          if (!c.num) numeric[k] = false;
        });
      }
      numeric = numeric.map((v, k) => v && seen[k]);
      if (o.box) ctx.emit(rule('┌', '┬', '┐'));
      ctx.emit(line(head, true));
      ctx.emit(o.box ? rule('├', '┼', '┤') : widths.map((w) => '-'.repeat(w)).join('  '));
      for (const r of rows) ctx.emit(line(r, false));
    };

    const row = (cells: Cell[]) => {
      if (held === null && names.length === 0) return; // (no column: no row either, an empty line each)
      if (held === null) {
        let fits = true;
        for (let k = 0; k < widths.length && fits; k++) if (cells[k] !== undefined && cells[k].width > widths[k]) fits = false;
        if (fits) { ctx.emit(line(cells, false)); return; }
        // a wider value: this table ends, the next is sized by it and the rows after it
        ctx.emit(o.box ? rule('└', '┴', '┘') : '');
        held = [];
      }
      held.push(cells);
      if (held.length >= o.rows) start();
    };

    return {
      record(l) {
        const b = l.buf;
        if (!reader.read(b, l.start, l.end)) { ctx.reject(l, reader.reason, reader.error); return; }
        const cells: Cell[] = [];
        records++;
        if (fields.length > 0) {
          for (let k = 0; k < fields.length; k++) cells.push(reader.found(k) ? cellOf(b, reader.spanStart(k), reader.spanEnd(k), max) : EMPTY);
        } else {
          cursor.reset(b, reader.objStart, reader.objEnd);
          let members = 0;
          while (cursor.next()) {
            members++;
            const name = cursor.key();
            let col = columns.get(name);
            if (col === undefined) {
              if (held === null) { later.set(name, (later.get(name) ?? 0) + 1); continue; }
              col = names.length; columns.set(name, col); names.push(name);
            }
            cells[col] = cellOf(b, cursor.vs, cursor.ve, max);
          }
          if (members === 0) empty++;
          for (let k = 0; k < names.length; k++) cells[k] ??= EMPTY;
        }
        row(cells);
      },
      end() {
        if (held !== null) start();
        if (o.box && widths.length > 0) ctx.emit(rule('└', '┴', '┘'));
        if (later.size) {
          // (the values not shown, counted: a field first met after a table's columns were fixed may be a
          // column of a later table, whose rows show it; its values before that were not)
          const list = [...later].map(([name, n]) => `${name} (${n} value${n === 1 ? '' : 's'})`);
          ctx.warn(`not shown: fields first seen after a table's columns were sized (--rows ${o.rows}): ${list.slice(0, 10).join(', ')}${list.length > 10 ? ` and ${list.length - 10} more` : ''} (name them with --fields, or raise --rows)`);
        }
        // records with no field at all: no column, no row, said and failed, as to-csv does (a silent
        // empty table before)
        if (names.length === 0 && records > 0 && !ctx.willFail()) {
          throw new Error(empty === records ? `${records} record${records === 1 ? '' : 's'} with no field: no column, nothing shown`
            : `no column: the records that sized the columns (--rows ${o.rows}) had no field, and the fields met later are not shown (name them with --fields, or raise --rows)`);
        }
      },
    };
  },
};
export default tool;
