// count-by: grouped aggregation over NDJSON. Memory grows with the number of groups (and distinct
// values for distinct()), never with the input. Output: one record per group, sorted by key; with
// --each, one per record (its own group), in input order, nothing held.
import { FieldReader, KEY_TOO_LONG } from '../core/fields.js';
import { ByteKeys } from '../core/keyed.js';
import type { KeyTable } from '../core/keyed.js';
import { RecordBatch } from '../core/output.js';
import { ops, parseAgg } from '../core/aggregates.js';
import type { AggColumn, AggSpec } from '../core/aggregates.js';
import { BigNum, compareCodePoints, compareDec, literalPath, parseDec, pathName, stringify, toNumber } from '../core/json.js';
import { UsageError } from '../core/tool.js';
import { namesFile } from '../core/options.js';
import type { Line, PartialStates, Tool } from '../core/tool.js';

export interface CountByOptions { key: string[]; agg: string[]; distinct: boolean; partial: boolean; merge: boolean; each: boolean; orderBy?: string; limit?: number }

/** (--each) records between two fresh sets of aggregate columns: each record is group 0, 1, ... of a set */
const EACH_BLOCK = 4096;

/** "os=context.os.name" -> {name: "os", path: "context.os.name"}; "date" -> {name: "date", path: "date"} */
export function parseKey(text: string): { name: string; path: string } {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  const path = eq < 0 ? text : text.slice(eq + 1);
  if (!name || !path) throw new UsageError(`cannot read key '${text}': write FIELD or NAME=FIELD.PATH`);
  return { name: eq < 0 ? pathName(path) : name, path };
}

const SEP = '\u0001'; // cannot occur in a JSON token (control characters are escaped in strings)

/** what a string token (latin1 text of its UTF-8 bytes, escapes and all) says */
const stringOf = (token: string) => JSON.parse(Buffer.from(token, 'latin1').toString('utf8')) as string;

/** PLAIN: the joined key is made of quoted strings only, without escapes or bytes below '#';
 *  FIRST_PLAIN: its first token is such a string */
const PLAIN = 1, FIRST_PLAIN = 2;
function classify(key: Uint8Array, from: number, to: number): number {
  let inside = false, start = true, first = true, plain = true;
  let i = from;
  for (; i < to; i++) {
    const c = key[i];
    if (start) { if (c !== 34) { plain = false; break; } start = false; inside = true; continue; }
    if (inside) { if (c === 34) inside = false; else if (c < 0x23 || c === 92) { plain = false; break; } continue; }
    if (c !== 1) { plain = false; break; } // SEP between tokens
    first = false;
    start = true;
  }
  if (plain && !inside && !start) return PLAIN | FIRST_PLAIN;
  if (!first) return FIRST_PLAIN; // the first token was done before anything not plain
  return 0;
}

/** the whole number written plainly (digits only, no leading zero, at most `max` of them) in a key's
 *  token at a[i...] (up to byte 1 or e), else NaN */
function wholeNumber(a: Uint8Array, i: number, e: number, max: number): number {
  const d0 = i;
  let v = 0;
  for (; i < e && a[i] !== 1; i++) { const c = a[i] - 48; if (c < 0 || c > 9) return NaN; v = v * 10 + c; }
  return i === d0 || i - d0 > max || (a[d0] === 48 && i - d0 > 1) ? NaN : v;
}

/** an aggregate's result as the number --order-by ranks it by (as top ranks: a numeric string, such as
 *  the max of INT64-as-string ids, is its number), NaN when it has none (null, text, beyond the double
 *  range) */
function rankNumber(v: unknown): number {
  const x = typeof v === 'number' ? v : typeof v === 'bigint' || v instanceof BigNum || typeof v === 'string' ? toNumber(v) : NaN;
  return Number.isFinite(x) ? x : NaN;
}

/** the order of values (results of one aggregate, by group in key order) by value, ascending or
 *  descending, stable (equal values keep key order); values that are no number (null, text) last. Exact
 *  integers beyond 2^53 (BigInt, BigNum) and numeric strings whose doubles tie are compared exactly. */
function byValue(vs: readonly unknown[], desc: boolean): Uint32Array {
  const n = vs.length, d = new Float64Array(n), exact = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const v = vs[i], x = rankNumber(v);
    d[i] = x;
    if (x !== x || typeof v === 'number') continue;
    exact.set(i, typeof v === 'string' ? v.trim() : v instanceof BigNum ? v.raw : String(v));
  }
  const idx = new Uint32Array(n);
  if (exact.size === 0 && packedOrder(d, desc, idx)) return idx;
  for (let i = 0; i < n; i++) idx[i] = i;
  const dir = desc ? -1 : 1;
  idx.sort((a, b) => {
    const x = d[a], y = d[b];
    if (x !== x || y !== y) { if (x === x) return -1; if (y === y) return 1; return a - b; } // (NaN: no number, last either way)
    if (x !== y) return x < y ? -dir : dir;
    if (exact.has(a) || exact.has(b)) {
      const c = compareDec(parseDec(exact.get(a) ?? String(x)), parseDec(exact.get(b) ?? String(y)));
      if (c !== 0) return dir * c;
    }
    return a - b;
  });
  return idx;
}

/** byValue's order where every value is a whole number small enough that it and its rank fit one double
 *  exactly (|v| * 2^ceil(log2(n + 1)) < 2^53: totals of milliseconds for a million groups up to ~4e9):
 *  each (value, rank) packed into one double and sorted natively, not by a comparator (316k per-user
 *  totals: ~120 -> ~25 ms); the ones that are no number after, by rank. False (idx untouched) otherwise. */
function packedOrder(d: Float64Array, desc: boolean, idx: Uint32Array): boolean {
  const n = d.length, shift = 2 ** Math.ceil(Math.log2(n + 1)), lim = 2 ** 53 / shift - 1;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x = d[i];
    if (x !== x) continue;
    if (!Number.isInteger(x) || Math.abs(x) >= lim) return false;
    m++;
  }
  const packed = new Float64Array(m);
  for (let i = 0, j = 0; i < n; i++) { const x = d[i]; if (x === x) packed[j++] = (desc ? -x : x) * shift + i; }
  packed.sort();
  for (let j = 0; j < m; j++) { const r = packed[j] % shift; idx[j] = r < 0 ? r + shift : r; }
  for (let i = 0, j = m; i < n; i++) if (d[i] !== d[i]) idx[j++] = i;
  return true;
}

/** --order-by NAME[:desc|:asc] -> {name, desc}, or null */
function parseOrderBy(text: string): { name: string; desc: boolean } | null {
  const m = /^(.+?)(?::(asc|desc))?$/.exec(text);
  return m === null || m[1] === '' ? null : { name: m[1], desc: m[2] === 'desc' };
}

export const tool: Tool<CountByOptions> = {
  name: 'count-by',
  // pieces aggregated with --partial in threads and combined with --merge (--distinct too: its groups
  // are its keys; not when the user already asked for states or a merge)
  // (--each: in the main thread, after the stages before it ran in threads: its warnings name output
  // records by their number, which a thread's piece does not know; --limit too, which the threads'
  // --partial copies refuse (a merge needs every group's state); and approx_quantile, whose t-digest
  // depends on how the values were grouped before merging, which pieces a thread took as it came free:
  // in the main thread its answer is one thread's, run after run; and approx_distinct, whose state is
  // ~5.5 KB of registers a group, handed over as JSON: 5 s and 0.9 GB in one thread were 25 s and 3.9
  // GB in two on 174k groups)
  parallel: (o: CountByOptions) => (o.partial || o.merge || o.each || o.limit !== undefined ||
    o.agg.some((a) => { try { return ['approx_quantile', 'approx_distinct'].includes(parseAgg(a).op); } catch { return false; } }) ? undefined : 'partial'),
  summary: 'Group records by key fields and compute aggregates (count, count_if, distinct, sum, avg, min, max, exact quantiles); mergeable partial states; sorted by key.',
  holdsOutput: (o: CountByOptions) => !o.each, // (--each writes each record as it comes)
  usage: 'count-by [options] KEY... [-a NAME=op(field)]...',
  positional: { name: 'key', describe: 'grouping fields: a path (context.os.name) or NAME=PATH', demand: true },
  examples: [
    ["filter-engaged events.ndjson | to-local-date --tz America/Chicago | count-by date -a 'active_user_count=distinct(user_pseudo_id)'", 'distinct engaged users per US/Central day'],
    ["count-by os=context.os.name source=data.source -a 'plays=count()' -a 'done=count_if(data.completed)' -a 'secs=sum(data.duration)' -i events.json", 'several measures per (os, source)'],
    ["parallel -j 2 \"count-by date --partial -a 'users=distinct(user_id)' -i {}\" ::: part-* | count-by date --merge -a 'users=distinct(user_id)'", 'partitions in parallel (GNU parallel), merged exactly'],
    ["dedupe --key event_id -i events.json | count-by --each event_id os=context.os.name -a 'done=count_if(data.completed)' -a 'secs=sum(data.duration)'", 'one row per event, reshaped (input order, nothing held)'],
    ["count-by user_id -a 'total_duration_ms=sum(duration_ms)' --order-by total_duration_ms:desc -i interactions.ndjson | head -n 10", 'the ten users with the most time (equal totals by user_id)'],
  ],
  options: {
    agg: { alias: 'a', type: 'string', array: true, default: [], describe: `aggregate NAME=op(field); ops: ${Object.keys(ops).join(', ')} (default count=count())` },
    distinct: { type: 'boolean', default: false, describe: 'emit only the distinct key combinations, no aggregates (with --partial: each with an empty "_state", which --distinct --merge combines)' },
    partial: { type: 'boolean', default: false, describe: 'emit mergeable partial states ("_state") instead of results, for count-by --merge' },
    merge: { type: 'boolean', default: false, describe: 'input is --partial output (of one or many processes): combine the states; same keys and aggregates' },
    each: { type: 'boolean', default: false, describe: 'every record is a group of its own: its key fields and the aggregates of it alone, written as it comes (input order, nothing held: memory stays flat), e.g. one row per event after dedupe' },
    'order-by': { type: 'string', describe: 'NAME[:desc]: the groups ordered by aggregate NAME\'s value instead of by key (ascending; :desc descending), equal values by key; a numeric string (the max of INT64-as-string ids) by its number; groups whose value is no number (null, text) last. (--partial states stay in key order: the --merge orders)' },
    limit: { type: 'number', describe: 'write the first N groups only (in key order, or with --order-by the top N); the figures count every group (groups), and with --order-by those whose value is no number (no value)' },
  },
  check(o) {
    try { o.agg.forEach(parseAgg); o.key.forEach(parseKey); } catch (err) { return (err as Error).message; }
    if (o.each && (o.partial || o.merge)) return '--each does not combine with --partial or --merge (each record is its own group: there is nothing to merge)';
    if (o.each && o.distinct) return '--each does not combine with --distinct (--each writes every record; the distinct keys are count-by KEY... --distinct)';
    if (o.limit !== undefined) {
      if (!(Number.isInteger(o.limit) && o.limit >= 0)) return `--limit takes a whole number of groups (got '${o.limit}')`;
      if (o.each || o.partial) return `--limit writes some groups: not with ${o.each ? '--each (every record is written as it comes)' : '--partial (a merge needs every group\'s state)'}`;
    }
    if (o.orderBy !== undefined) {
      const by = parseOrderBy(o.orderBy), names = (o.agg.length ? o.agg : ['count=count()']).map((a) => parseAgg(a).name);
      if (by === null) return `--order-by takes NAME or NAME:desc (or NAME:asc), NAME an aggregate's (got '${o.orderBy}')`;
      if (o.each || o.distinct) return `--order-by orders results: not with ${o.each ? '--each (input order)' : '--distinct (no aggregates)'}`;
      const colon = by.name.lastIndexOf(':');
      if (!names.includes(by.name) && colon > 0 && names.includes(by.name.slice(0, colon))) return `--order-by ${o.orderBy}: after the colon comes asc or desc (got '${by.name.slice(colon + 1)}')`;
      if (!names.includes(by.name)) return `--order-by ${by.name}: no aggregate of that name (${names.join(', ')}; the keys are the default order)`;
    }
    return undefined;
  },
  // (one key field, its groups read from records: --merge reads states, --each keeps no table)
  keysBy: (o) => {
    if (o.merge || o.each || o.key.length !== 1) return undefined;
    const k = parseKey(o.key[0]);
    return `token:${k.path}`;
  },
  create(o, ctx) {
    const keys = o.key.map(parseKey);
    // a key that names a file (count-by KEY FILE: files are read with -i) groups by a field no record
    // has, over standard input: in cron (stdin /dev/null) an empty output and status 0, said nowhere
    for (const k of o.key) if (!k.includes('=') && namesFile(k)) ctx.warn(`'${k}' is a key here, and a file of that name exists: files are read with -i ${k}`);
    const specs: AggSpec[] = o.distinct ? [] : (o.agg.length ? o.agg : ['count=count()']).map(parseAgg);
    const hasExtreme = specs.some((s) => s.op === 'min' || s.op === 'max');
    const names = [...keys.map((k) => k.name), ...specs.map((s) => s.name)];
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
      // (said with its cause: a key is written under its path's last name, and without -a the aggregate is
      // count=count(), so `count-by user | count-by count`, a histogram, met its own default)
      const key = keys.find((k) => k.name === dup);
      const why = key && !o.agg.length && !o.distinct && dup === 'count' ? `: the key ${key.path} and the default aggregate count=count(); name one: the key, n=${key.path}, or the aggregate, -a 'users=count()'`
        : key && keys.filter((k) => k.name === dup).length > 1 ? `: keys are written under their last name (${keys.filter((k) => k.name === dup).map((k) => k.path).join(', ')}); name them, e.g. a_id=a.id`
        : '';
      throw new UsageError(`output field '${dup}' is named twice${why}`);
    }
    // (the states of --partial, and of the threads' pieces, go under _state: a key or an aggregate of
    // that name made two _state members, and --merge grouped by the states)
    if (names.includes('_state')) throw new UsageError(`output field '_state' is the name of count-by's partial states (--partial, --merge, --threads): name it otherwise (${keys.some((k) => k.name === '_state') ? 'state=_state' : 'state=op(field)'})`);
    // --merge reads the keys under their output names (top-level names: a dot in one is not a path)
    // and the states under _state
    const paths = o.merge ? [...keys.map((k) => literalPath(k.name)), '_state'] : [...keys.map((k) => k.path), ...specs.map((s) => s.field ?? keys[0].path)];
    const reader = new FieldReader(paths);
    const noted = new Set<string>();
    // (--order-by: the results are made in key order, and a warning naming an output record by number
    // waits until the order by value is known: deferred)
    let deferred: string[] | null = null;
    // warnings naming an output record (a value beyond the double range): the first --max-reports said,
    // the rest counted (one line per record was 100,000 lines for 100,000 groups)
    const cap = (o as { maxReports?: number }).maxReports ?? 10;
    let perRecord = 0;
    const note = (what: string) => {
      if (deferred !== null) { deferred.push(what); return; }
      if (noted.has(what)) return;
      if (/output record \d/.test(what) && perRecord++ >= cap) return;
      noted.add(what); ctx.warn(what);
    };
    const sayMore = () => { if (perRecord > cap) ctx.warn(`${perRecord - cap} more warning${perRecord - cap === 1 ? '' : 's'} naming output records (the first ${cap} said: --max-reports N shows more)`); };
    const orderBy = o.orderBy === undefined ? null : parseOrderBy(o.orderBy);
    const make = (rowsBefore = 0) => specs.map((s) => ops[s.op].make(rowsBefore ? { ...s, rowsBefore } : s, note));
    let cols: AggColumn[] = make();
    // the groups' keys (bytes) -> group numbers in a byte hash table: no string per record or per group
    // (a table shared with the other stages of an in-process run that key their records by the same
    // field, the branches of a fork: tool.keysBy)
    let groups: KeyTable = ctx.keyTable(tool.keysBy!(o));
    let scratch = Buffer.allocUnsafe(4096);
    const lastKey = Buffer.allocUnsafe(256);
    let lastLen = -1, lastGroup = 0;
    const nk = keys.length;
    // output is assembled as latin1 text of UTF-8 bytes (the form of the canonical key tokens)
    const l1 = (t: string) => (/[^\x00-\x7f]/.test(t) ? Buffer.from(t, 'utf8').toString('latin1') : t);
    const head = keys.map((k) => l1(JSON.stringify(k.name) + ':'));
    const tail = specs.map((s) => l1(JSON.stringify(s.name) + ':'));
    // the records as bytes: the key's tokens straight from its bytes (byte 1 between them)
    const out = new RecordBatch((b, s, e, records) => ctx.emitBatch(b, s, e, records));
    const heads = head.map((h, k) => Buffer.from((k ? ',' : '{') + h, 'latin1')), tails = tail.map((t) => ',' + t);
    const headsLength = heads.reduce((m, h) => m + h.length, 0);
    /** an aggregate's result as JSON (a number or null straight into the bytes, as stringify writes it) */
    const put = (v: unknown) => {
      if (typeof v === 'number') { if (Number.isFinite(v)) out.number(v); else out.latin1('null'); }
      else if (v === null) out.latin1('null');
      else out.latin1(l1(stringify(v)));
    };
    /** group g's aggregate results after its key, and the record's end */
    const resultsOf = (g: number) => {
      for (let c = 0; c < cols.length; c++) { out.latin1(tails[c]); put(cols[c].result(g)); }
      out.latin1('}');
      out.end();
    };
    /** the output record of group g, whose key is a[s, e); `results` (when given): each aggregate's
     *  results by output position i */
    const write = (g: number, a: Uint8Array, s: number, e: number, results?: unknown[][], i = 0) => {
      out.tokens(a, s, e, heads, headsLength);
      if (results) { for (let c = 0; c < cols.length; c++) { out.latin1(tails[c]); put(results[c][i]); } }
      else if (o.partial) {
        const st: Record<string, unknown> = {};
        for (let c = 0; c < cols.length; c++) st[specs[c].name] = cols[c].state(g);
        out.latin1(',"_state":');
        out.latin1(l1(stringify(st)));
      } else { resultsOf(g); return; }
      out.latin1('}');
      out.end();
    };
    /** (--each) the record's key tokens straight from its line after their heads, then its aggregates:
     *  no key bytes made and copied again */
    let room = 256;
    const writeEach = (g: number) => {
      for (;;) {
        out.room(room);
        const b = out.buf;
        let p = out.pos, k = 0;
        for (; k < nk; k++) {
          const h = heads[k];
          if (p + h.length > b.length) break;
          for (let j = 0; j < h.length; j++) b[p++] = h[j];
          const q = reader.tokenInto(k, b, p);
          if (q === -2) break;
          if (q >= 0) { p = q; continue; }
          if (p + 4 > b.length) break;
          b[p] = 110; b[p + 1] = 117; b[p + 2] = 108; b[p + 3] = 108; p += 4; // absent or null: null
        }
        if (k === nk) { out.pos = p; break; }
        room *= 2; // (a token longer than the room: again with more)
      }
      resultsOf(g);
    };
    /** the keys and aggregates, as a copy handing its groups over (handOver, takeOver) must have them */
    const shape = JSON.stringify([o.key, specs]);
    let each = 0, written = 0; // (--each) the record's group in the set of columns; records written

    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        if (o.each) { // its own group, written now
          for (let a = 0; a < cols.length; a++) cols[a].add(each, reader, nk + a);
          writeEach(each);
          out.flush();
          written++;
          if (++each === EACH_BLOCK) { each = 0; cols = make(written); }
          return;
        }
        // the key as one flat string made from bytes (a string built with += is a tree of cons
        // strings that the Map keeps alive: ~3x the memory per group)
        const len = reader.keyInto(nk, scratch, true);
        if (len === KEY_TOO_LONG) { scratch = Buffer.alloc(scratch.length * 4); return this.record(line); }
        let state: Record<string, unknown> | undefined;
        if (o.merge) {
          // (a key --partial always writes, null where a record had none: one missing is another input,
          // or another key's name, which put every record in one null group)
          for (let i = 0; i < nk; i++) if (reader.spanStart(i) < 0) return ctx.reject(line, 'not a partial state', `no key ${keys[i].name}: the input was made with other keys`);
          state = hasExtreme ? reader.valueDigits(nk) : reader.value(nk); // (min/max states: as written)
          if (state === null || typeof state !== 'object' || Array.isArray(state)) return ctx.reject(line, 'not a partial state', 'no _state object: produce the input with count-by --partial');
          // every aggregate's state checked before any is folded in (a bad one costs its record only)
          for (let a = 0; a < cols.length; a++) {
            const name = specs[a].name, st = state[name];
            if (st === undefined) return ctx.reject(line, 'not a partial state', `no state of ${name} in _state: the input was made with other aggregates`);
            const why = cols[a].bad(st);
            if (why !== undefined) return ctx.reject(line, 'not a partial state', `_state.${name} is not ${why}`);
          }
        }
        // the group of the record before when the key bytes are the same (records come in runs of a key
        // in time-ordered input: a date, a month), else by the key text
        let g = lastGroup;
        let same = len === lastLen;
        for (let i = 0; same && i < len; i++) if (scratch[i] !== lastKey[i]) same = false;
        if (!same) {
          g = groups.slot(scratch, 0, len);
          if (len <= lastKey.length) { for (let i = 0; i < len; i++) lastKey[i] = scratch[i]; lastLen = len; lastGroup = g; } else lastLen = -1;
        }
        if (state) for (let a = 0; a < cols.length; a++) cols[a].merge(g, state[specs[a].name]);
        else for (let a = 0; a < cols.length; a++) cols[a].add(g, reader, nk + a);
      },
      states(): PartialStates | null {
        if (!o.partial || !cols.every((c) => c.states !== undefined)) return null;
        const n = groups.size, lens = new Int32Array(n);
        let total = 0;
        for (let g = 0; g < n; g++) total += (lens[g] = groups.keyLength(g));
        const keys = new Uint8Array(total);
        for (let g = 0, at = 0; g < n; g++) {
          const a = groups.keyArena(g), s = groups.keyStart(g);
          keys.set(a.subarray(s, s + lens[g]), at);
          at += lens[g];
        }
        return { keys, lens, cols: cols.map((col) => col.states!(n)) };
      },
      handOver() {
        if (!o.partial || !cols.every((c) => c.states !== undefined)) return null;
        return { groups, cols, shape };
      },
      takeOver(live: unknown) {
        const x = live as { groups: KeyTable; cols: AggColumn[]; shape: string };
        if (!o.merge || groups.size > 0 || x.shape !== shape) return false;
        groups = x.groups; cols = x.cols; lastLen = -1;
        return true;
      },
      mergeStates(p: PartialStates) {
        if (!o.merge) throw new Error('count-by: states given to a count-by without --merge');
        const gs = new Int32Array(p.lens.length);
        for (let i = 0, at = 0; i < gs.length; i++) { gs[i] = groups.slot(p.keys, at, at + p.lens[i]); at += p.lens[i]; }
        for (let a = 0; a < cols.length; a++) cols[a].mergeStates!(gs, p.cols[a]);
      },
      end() {
        if (o.each) { sayMore(); ctx.count('groups', written); return; }
        // Sort group numbers by key without building anything per group: a comparator walks the
        // joined canonical tokens (null < false/true < numbers < strings < other; strings in UTF-8
        // byte order, i.e. code point order).
        const n = groups.size;
        // the keys as text (latin1 of their bytes), made only where a comparison needs them
        const joined: string[] = new Array(n);
        const text = (g: number) => joined[g] ?? (joined[g] = groups.text(g));
        const rankOf = (c: number) => (c === 110 ? 0 : c === 116 || c === 102 ? 1 : c === 34 ? 3 : c === 45 || (c >= 48 && c <= 57) ? 2 : 4);
        const cmp = (x: number, y: number): number => {
          const a = text(x), b = text(y);
          let i = 0, j = 0;
          for (let k = 0; k < nk; k++) {
            let ie = a.indexOf(SEP, i); if (ie < 0) ie = a.length;
            let je = b.indexOf(SEP, j); if (je < 0) je = b.length;
            const ca = a.charCodeAt(i), cb = b.charCodeAt(j);
            const ra = rankOf(ca), rb = rankOf(cb);
            if (ra !== rb) return ra - rb;
            if (ra === 1) { if (ca !== cb) return ca === 102 ? -1 : 1; }
            else if (ra === 2) {
              const ta = a.slice(i, ie), tb = b.slice(j, je), d = Number(ta) - Number(tb);
              if (d) return d < 0 ? -1 : 1;
              // one double for two numbers (16+ digit integers, 0.1 and 0.10000000000000000001, 1e400 and
              // 2e400): exactly, else the order would be the groups' first appearance (threads: timing)
              if (ta !== tb) return compareDec(parseDec(ta), parseDec(tb)) || (ta < tb ? -1 : 1);
            }
            else if (ra === 3 && (a.lastIndexOf('\\', ie) >= i || b.lastIndexOf('\\', je) >= j)) {
              // an escape (\t, \u00e9, \"): compare what the strings say, in code point order (UTF-8
              // byte order; a lone surrogate, "\ud800", which UTF-8 cannot hold, by the code point it
              // names: as U+FFFD it tied with every other, and the order followed the input's)
              const d = compareCodePoints(stringOf(a.slice(i, ie)), stringOf(b.slice(j, je)));
              if (d) return d;
            } else if (ra >= 3) {
              // compare the contents (between the quotes for strings), then the lengths
              const o = ra === 3 ? 1 : 0;
              const la = ie - i - 2 * o, lb = je - j - 2 * o, l = Math.min(la, lb);
              for (let q = 0; q < l; q++) { const d = a.charCodeAt(i + o + q) - b.charCodeAt(j + o + q); if (d) return d; }
              if (la !== lb) return la - lb;
            }
            i = ie + 1; j = je + 1;
          }
          return 0;
        };
        // Keys made only of plain strings (no escapes, no byte below '#') sort as their joined text: a
        // shorter token's closing quote (0x22) sorts below any content byte, so the engine's native
        // string order is cmp's order for two such keys (1M groups of six string keys: 10.0 -> 8.3-9.2 s).
        // A key with a plain first string token (most keys lead with an id or a date) is ordered by that
        // token natively first; cmp only breaks its ties (1M groups of 11 keys, some null: 17 -> 2 s).
        const plain = new Uint8Array(n);
        let allPlain = true, firstPlain = n > 1 && n < 1 << 24;
        for (let g = 0; g < n; g++) {
          const p = plain[g] = classify(groups.keyArena(g), groups.keyStart(g), groups.keyStart(g) + groups.keyLength(g));
          if (!(p & PLAIN)) allPlain = false;
          if (!(p & FIRST_PLAIN)) firstPlain = false;
        }
        let order: Uint32Array | null;
        const compare = (x: number, y: number): number => {
          const p = plain[x] & plain[y];
          if (p & PLAIN) { const a = text(x), b = text(y); return a < b ? -1 : a > b ? 1 : 0; }
          if (p & FIRST_PLAIN) {
            // the first tokens, byte by byte (a closing quote sorts below any content byte)
            const a = groups.keyArena(x), b = groups.keyArena(y), as = groups.keyStart(x), bs = groups.keyStart(y);
            for (let i = 1; ; i++) {
              const ca = a[as + i], cb = b[bs + i];
              if (ca !== cb) return ca - cb;
              if (ca === 34) break;
            }
            // the same first token: a second token that is a whole number in both decides when they
            // differ (a user's sessions by start time), without making the keys' text
            if (nk > 1) { const d = secondOf(x) - secondOf(y); if (d) return d < 0 ? -1 : 1; }
          }
          return cmp(x, y);
        };
        // the second token's value when it is a whole number of at most 15 digits written plainly
        // (else NaN: cmp decides), read from the key's bytes once
        let seconds: Float64Array | undefined;
        const secondOf = (g: number): number => {
          seconds ??= new Float64Array(n).fill(Infinity);
          let v = seconds[g];
          if (v !== Infinity) return v;
          const a = groups.keyArena(g), e = groups.keyStart(g) + groups.keyLength(g);
          let i = groups.keyStart(g);
          while (i < e && a[i] !== 1) i++;
          const neg = a[++i] === 45;
          v = wholeNumber(a, neg ? i + 1 : i, e, 15);
          return (seconds[g] = neg ? -v : v);
        };
        if (allPlain) {
          // their order is that of their bytes: sorted where they lie, no text made
          order = groups.sorted();
        } else if (firstPlain) {
          // Every first token a plain string: a native numeric sort of (its first 5 bytes, group) packed
          // in 64 bits, then the comparator only within runs of one prefix (calling a comparator ~20
          // times a group is most of the cost: 1M groups keyed by an id, 7 -> 1 s).
          order = new Uint32Array(n);
          const packed = new BigUint64Array(n), u = new Uint32Array(packed.buffer);
          for (let g = 0; g < n; g++) {
            const a = groups.keyArena(g), s = groups.keyStart(g);
            let hi = 0, c5 = 0, q = 0;
            for (; q < 5; q++) {
              const c = a[s + q + 1];
              if (c === 34) break;
              if (q < 4) hi = hi * 256 + c; else c5 = c;
            }
            for (; q < 4; q++) hi *= 256; // a shorter token: zeros, below any content byte
            u[2 * g + 1] = hi; u[2 * g] = (c5 * 0x1000000 + g) >>> 0; // little-endian halves
          }
          sortPacked(packed, order);
        } else if ((order = byFirstCount(n)) !== null) {
          // every first token a whole number below 10^12 (an event id): a native sort of (it, group)
          // packed in 64 bits, then the comparator only among groups of one number (1M groups keyed by
          // event id and five more fields: 4.4 -> 1.9 s)
        } else {
          order = new Uint32Array(n);
          for (let g = 0; g < n; g++) order[g] = g;
          order.sort(compare);
        }
        /** the order when every key's first token is a whole number 0..10^12 - 1 written plainly (no
         *  sign, fraction, exponent or leading zero), else null */
        function byFirstCount(n: number): Uint32Array | null {
          if (n < 2 || n >= 1 << 24) return null;
          const packed = new BigUint64Array(n), u = new Uint32Array(packed.buffer);
          for (let g = 0; g < n; g++) {
            const s = groups.keyStart(g), v = wholeNumber(groups.keyArena(g), s, s + groups.keyLength(g), 12);
            if (Number.isNaN(v)) return null;
            u[2 * g + 1] = Math.floor(v / 256); u[2 * g] = ((v % 256) * 0x1000000 + g) >>> 0; // (little-endian halves)
          }
          return sortPacked(packed, new Uint32Array(n));
        }
        /** sort (40 bits of key, group) pairs packed in 64 bits natively, their groups into `order`, and
         *  each run of one key value by the comparator */
        function sortPacked(packed: BigUint64Array, order: Uint32Array): Uint32Array {
          const u = new Uint32Array(packed.buffer), n = order.length;
          packed.sort();
          for (let i = 0; i < n; i++) order[i] = u[2 * i] & 0xffffff;
          for (let i = 0; i < n; ) {
            let j = i + 1;
            while (j < n && u[2 * j + 1] === u[2 * i + 1] && u[2 * j] >>> 24 === u[2 * i] >>> 24) j++;
            if (j - i > 1) order.subarray(i, j).sort(compare);
            i = j;
          }
          return order;
        }
        // (the keys' places, and the aggregates' results, gathered in output order first, each in a loop
        // of independent reads: the writer then reads them in sequence)
        // (--limit: the first w groups written; without --order-by only theirs are computed, with it
        // every group's, the order's warnings naming an output record waiting for its place)
        const w = o.limit === undefined ? n : Math.min(n, o.limit), computed = orderBy === null ? w : n;
        if (orderBy !== null && !o.partial) deferred = [];
        let place: Uint32Array | null = null;
        const byKey: Uint32Array = order;
        let results = o.partial ? undefined : cols.map((col) => { const r = new Array(computed); for (let i = 0; i < computed; i++) r[i] = col.result(byKey[i]); return r; });
        if (orderBy !== null && results !== undefined) {
          // (--order-by) the groups in key order, stably sorted by the value of one aggregate
          const by = results[specs.findIndex((sp) => sp.name === orderBy.name)], perm = byValue(by, orderBy.desc);
          place = new Uint32Array(n);
          for (let i = 0; i < n; i++) place[perm[i]] = i;
          // (plain loops: Uint32Array.from with a function took ~50 ms for 316k groups)
          order = new Uint32Array(n);
          for (let i = 0; i < n; i++) order[i] = byKey[perm[i]];
          results = results.map((r) => { const x = new Array(w); for (let i = 0; i < w; i++) x[i] = r[perm[i]]; return x; });
          // (the groups whose value is no number: null, text, beyond the double range)
          if (o.limit !== undefined) { let none = 0; for (let i = 0; i < n; i++) if (rankNumber(by[i]) !== rankNumber(by[i])) none++; ctx.count('no value', none); }
        }
        if (deferred !== null) {
          const notes = deferred;
          deferred = null;
          for (const m of notes) {
            const k = /output record (\d+)/.exec(m), at = k === null ? -1 : place![Number(k[1]) - 1];
            if (at < w) note(k === null ? m : m.replace(k[0], `output record ${at + 1}`));
          }
        }
        const at = groups.gather(w < n ? order.subarray(0, w) : order);
        for (let i = 0; i < w; i++) { const s = at.offs[i]; write(order[i], at.arenas[at.blk[i]], s, s + at.lens[i], results, i); }
        out.flush();
        sayMore();
        ctx.count('groups', n);
      },
    };
  },
};
export default tool;
