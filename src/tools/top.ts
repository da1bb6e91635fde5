// top: the top N, or the top P percent (ceil(P% of the records)), of records by a numeric measure,
// highest first, ties broken by the key in ascending order (so the cut is deterministic); adds a rank.
// With --percent it holds every record's measure and bytes (the cut needs the count); with --n, the best N
// of them (kept as they come, see compact). The records that can make the cut (the keep-th measure or
// better) are sorted, the others never.
import { FieldReader } from '../core/fields.js';
import type { Edit } from '../core/fields.js';
import { GrowF64 } from '../core/keyed.js';
import { BigNum, compareCodePoints, compareDec, literalPath, parseDec, stringify } from '../core/json.js';
import { selectKth } from '../core/aggregates.js';
import type { Line, Tool } from '../core/tool.js';
import { closingBrace } from '../core/members.js';
import type { Options } from 'yargs';
import { ceilPercent } from '../core/options.js';
import type { InputOptions, OptionsOf } from '../core/options.js';

export { closingBrace }; // (its home is core/members.ts; the unit tests import it from here)

const options = {
  by: { type: 'string', demandOption: true, describe: 'numeric measure to rank by' },
  key: { type: 'string', default: 'user_id', describe: 'tie-breaker (ascending) and identity' },
  n: { type: 'number', describe: 'keep N records' },
  percent: { type: 'number', describe: 'keep ceil(P% of the records)' },
  as: { type: 'string', default: 'rank', describe: 'name of the added rank field (1 = highest; replaced if present)' },
  ascending: { type: 'boolean', default: false, describe: 'rank the lowest first' },
} as const satisfies Record<string, Options>;

/** records held past N before the cut is made (EVENT_PIPES_TOP_SLACK: the tests cut small inputs often) */
const SLACK = Number(process.env.EVENT_PIPES_TOP_SLACK) || 65536;

export type TopOptions = OptionsOf<typeof options> & InputOptions;

export const tool: Tool<TopOptions> = {
  name: 'top',
  summary: 'Keep the top N or top P% of records by a measure (ties broken by key), with their rank.',
  holdsOutput: true,
  usage: 'top --by FIELD (--n N | --percent P) [--key FIELD] [FILE...]',
  examples: [
    ["count-by user_id -a 'total_duration_ms=sum(duration_ms)' -i interactions.ndjson | top --by total_duration_ms --percent 1 --key user_id", 'power users: the top 1% by total time'],
  ],
  options,
  check(o) {
    if ((o.n === undefined) === (o.percent === undefined)) return 'give one of --n or --percent';
    if (o.n !== undefined && !(o.n >= 1 && Number.isInteger(o.n))) return '--n takes a whole number from 1';
    if (o.percent !== undefined && !(o.percent > 0 && o.percent <= 100)) return '--percent takes a number in (0, 100]';
    return undefined;
  },
  create(o, ctx) {
    // (--as is a name: a record holding it has its value replaced, as to-local-date's --as, never a
    // second member of that name)
    const reader = new FieldReader([o.by, o.key, literalPath(o.as)]);
    const held: Edit = { from: 0, to: 0, text: '' };
    // per record: its measure, where the rank goes (before the closing brace, or over the value of a
    // rank it holds: `to` >= 0), and its bytes in one arena (no object per record);
    // the keys are read again at the end, only for the records that can make the cut
    const measures = new GrowF64(), at = new GrowF64(), to = new GrowF64(), starts = new GrowF64();
    let arena = Buffer.allocUnsafe(1 << 20), used = 0, n = 0;
    /** the best `keep` of the records held, best first (ties: the measure's exact decimal, the key, then
     *  input order) */
    const best = (keep: number): number[] => {
      const ms = measures.a;
      // the cut's measure (the keep-th in order): only records at least as good can be kept
      const cand: number[] = [];
      if (keep > 0) {
        const v = selectKth(ms.slice(0, n), o.ascending ? keep - 1 : n - keep);
        for (let i = 0; i < n; i++) if (o.ascending ? ms[i] <= v : ms[i] >= v) cand.push(i);
      }
      return ordered(cand).slice(0, keep);
    };
    /** `cand` (in input order) sorted best first */
    const ordered = (cand: number[]): number[] => {
      const ms = measures.a, st = starts.a;
      const dir = o.ascending ? 1 : -1;
      // measures whose doubles tie are compared as the decimals they are (18446744073709551615 above
      // ...614); then keys, ascending: null, false, true, numbers (by value), strings (code point order),
      // others (as JSON)
      const keys = new Map<number, unknown>(), texts = new Map<number, string>(), keyTexts = new Map<number, string>();
      for (const i of cand) {
        reader.read(arena, st[i], st[i + 1]);
        const key = reader.found(1) ? reader.value(1) : null;
        keys.set(i, key);
        if (typeof key === 'number' || key instanceof BigNum) keyTexts.set(i, reader.numberText(1)!);
        texts.set(i, reader.numberText(0)!);
      }
      const rank = (v: unknown) => (v === null ? 0 : v === false ? 1 : v === true ? 2 : typeof v === 'number' || v instanceof BigNum ? 3 : typeof v === 'string' ? 4 : 5);
      const keyCmp = (i: number, j: number): number => {
        const x = keys.get(i), y = keys.get(j), rx = rank(x), ry = rank(y);
        if (rx !== ry) return rx - ry;
        if (rx === 3) return compareDec(parseDec(keyTexts.get(i)!), parseDec(keyTexts.get(j)!));
        // (strings by code point, as count-by orders its groups; anything else by the
        // core's JSON text: JSON.stringify wrote a 16+-digit integer inside an object as its double)
        return compareCodePoints(rx === 4 ? x as string : stringify(x), rx === 4 ? y as string : stringify(y));
      };
      cand.sort((a, b) => {
        if (ms[a] !== ms[b]) return dir * (ms[a] - ms[b]);
        const t = texts.get(a)!, u = texts.get(b)!;
        if (t !== u) { const c = compareDec(parseDec(t), parseDec(u)); if (c !== 0) return dir * c; }
        return keyCmp(a, b);
      });
      return cand;
    };
    // with --n, memory bounded by N, not the input: when the records held reach LIMIT, only the best N
    // are kept (in input order); the others can never make the cut (it held every record: 160 MB for
    // top --n 3 of 50 MB, found by a review). --percent needs the count of all, so it holds them all.
    const limit = o.n !== undefined ? Math.max(2 * o.n, o.n + SLACK) : Infinity;
    const compact = (): void => {
      // those better than the N-th's measure are kept unsorted; of those that tie with it (as doubles),
      // the best of the rest, sorted (only they need the keys read)
      const N = o.n!, ms = measures.a, v = selectKth(ms.slice(0, n), o.ascending ? N - 1 : n - N);
      const ties: number[] = [];
      let better = 0;
      for (let i = 0; i < n; i++) if (ms[i] === v) ties.push(i); else if (o.ascending ? ms[i] < v : ms[i] > v) better++;
      const tieKept = new Set(ordered(ties).slice(0, N - better));
      const kept: number[] = [];
      for (let i = 0; i < n; i++) if (ms[i] === v ? tieKept.has(i) : o.ascending ? ms[i] < v : ms[i] > v) kept.push(i);
      const st = starts.a, spans = kept.map((i) => [st[i], st[i + 1]]);
      let pos = 0;
      kept.forEach((i, j) => {
        measures.a[j] = measures.a[i]; at.a[j] = at.a[i]; to.a[j] = to.a[i];
        const [b, e] = spans[j];
        arena.copy(arena, pos, b, e); // (to the left, overlapping: a memmove)
        st[j] = pos; pos += e - b;
      });
      n = kept.length; used = pos; st[n] = pos;
    };
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        const m = reader.number(0);
        if (!Number.isFinite(m)) return ctx.reject(line, `no numeric ${o.by}`);
        // where the rank will go, found now: a record it cannot go into is this record's problem (a
        // rejected line), never the invocation's
        const close = closingBrace(line.buf, line.start, line.end);
        if (close === null) return ctx.reject(line, 'not a JSON object', 'no closing brace to add the rank before');
        const len = line.end - line.start;
        if (used + len > arena.length) {
          const a = Buffer.allocUnsafe(Math.max(arena.length * 2, used + len));
          arena.copy(a, 0, 0, used);
          arena = a;
        }
        line.buf.copy(arena, used, line.start, line.end);
        at.ensure(n)[n] = close;
        if (reader.found(2)) { reader.edit(2, '', held); at.a[n] = held.from - line.start; to.ensure(n)[n] = held.to - line.start; }
        else to.ensure(n)[n] = -1;
        measures.ensure(n)[n] = m;
        starts.ensure(n + 1)[n] = used;
        used += len;
        starts.a[++n] = used;
        if (n >= limit) compact();
      },
      end() {
        const keep = o.n !== undefined ? Math.min(o.n, n) : ceilPercent(n, o.percent as number);
        const cand = best(keep), st = starts.a;
        const rankName = JSON.stringify(o.as);
        for (let r = 0; r < cand.length; r++) {
          const i = cand[r], b = arena.subarray(st[i], st[i + 1]), a = at.a[i], t = to.a[i];
          if (t >= 0) { ctx.emit(Buffer.concat([b.subarray(0, a), Buffer.from(String(r + 1)), b.subarray(t)])); continue; }
          const close = a < 0 ? -a - 1 : a;
          ctx.emit(Buffer.concat([b.subarray(0, close), Buffer.from(`${a < 0 ? '' : ','}${rankName}:${r + 1}`), b.subarray(close)]));
        }
        ctx.count('kept', keep);
      },
    };
  },
};
export default tool;
