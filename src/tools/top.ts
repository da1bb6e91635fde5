// top: the top N, or the top P percent (ceil(P% of the records)), of records by a numeric measure,
// highest first, ties broken by the key in ascending order (so the cut is deterministic); adds a rank.
// Holds every record's measure and key (the percent cut needs the count); --n alone keeps only N.
import { FieldReader } from '../core/fields.js';
import type { Line, Tool } from '../core/tool.js';
import type { Options } from 'yargs';
import type { InputOptions, OptionsOf } from '../core/options.js';

const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/** Where the rank goes in a record's bytes: the offset of its closing brace, negated minus one when the
 *  object is empty (no comma needed); null when the bytes do not end with an object. */
export function closingBrace(b: Buffer, start: number, end: number): number | null {
  let close = end - 1;
  while (close > start && isWs(b[close])) close--;
  if (close <= start || b[close] !== 125) return null;
  let j = close - 1;
  while (j > start && isWs(b[j])) j--;
  return b[j] === 123 ? -(close - start) - 1 : close - start;
}

const options = {
  by: { type: 'string', demandOption: true, describe: 'numeric measure to rank by' },
  key: { type: 'string', default: 'user_id', describe: 'tie-breaker (ascending) and identity' },
  n: { type: 'number', describe: 'keep N records' },
  percent: { type: 'number', describe: 'keep ceil(P% of the records)' },
  as: { type: 'string', default: 'rank', describe: 'name of the added rank field (1 = highest)' },
  ascending: { type: 'boolean', default: false, describe: 'rank the lowest first' },
} as const satisfies Record<string, Options>;

export type TopOptions = OptionsOf<typeof options> & InputOptions;

export const tool: Tool<TopOptions> = {
  name: 'top',
  summary: 'Keep the top N or top P% of records by a measure (ties broken by key), with their rank.',
  usage: 'top --by FIELD (--n N | --percent P) [--key FIELD] [FILE...]',
  examples: [
    ["count-by user_id -a 'total_duration_ms=sum(duration_ms)' -i interactions.ndjson | top --by total_duration_ms --percent 1 --key user_id", 'power users: the top 1% by total time'],
  ],
  options,
  check(o) {
    if ((o.n === undefined) === (o.percent === undefined)) return 'give one of --n or --percent';
    if (o.n !== undefined && !(o.n >= 0 && Number.isInteger(o.n))) return '--n takes a whole number';
    if (o.percent !== undefined && !(o.percent > 0 && o.percent <= 100)) return '--percent takes a number in (0, 100]';
    return undefined;
  },
  create(o, ctx) {
    const reader = new FieldReader([o.by, o.key]);
    const measures: number[] = [], keys: string[] = [], lines: Buffer[] = [], at: number[] = [];
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        const m = reader.number(0);
        if (!Number.isFinite(m)) return ctx.reject(line, `no numeric ${o.by}`);
        // where the rank will go, found now: a record it cannot go into is this record's problem (a
        // rejected line), never the invocation's
        const close = closingBrace(line.buf, line.start, line.end);
        if (close === null) return ctx.reject(line, 'not a JSON object', 'no closing brace to add the rank before');
        at.push(close);
        measures.push(m);
        keys.push(reader.found(1) ? String(reader.value(1)) : '');
        lines.push(Buffer.from(line.buf.subarray(line.start, line.end)));
      },
      end() {
        const n = measures.length;
        const keep = o.n !== undefined ? Math.min(o.n, n) : Math.ceil((n * (o.percent as number)) / 100);
        const order = Array.from({ length: n }, (_, i) => i);
        const dir = o.ascending ? 1 : -1;
        order.sort((a, b) => (measures[a] !== measures[b] ? dir * (measures[a] - measures[b]) : keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
        const rankName = JSON.stringify(o.as);
        for (let i = 0; i < keep; i++) {
          const b = lines[order[i]], a = at[order[i]];
          const close = a < 0 ? -a - 1 : a;
          ctx.emit(Buffer.concat([b.subarray(0, close), Buffer.from(`${a < 0 ? '' : ','}${rankName}:${i + 1}`), b.subarray(close)]));
        }
        ctx.count('kept', keep);
      },
    };
  },
};
export default tool;
