// clip: caps a numeric field at a maximum (and/or raises it to a minimum) before aggregation, e.g.
// interaction durations before ranking power users, so one runaway value cannot dominate a total.
// Values are replaced in the record's text; other records pass byte for byte; clipped ones are counted.
import { FieldReader } from '../core/fields.js';
import { NUMBER, compareDec, parseDec, splitPath } from '../core/json.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';
import type { Options } from 'yargs';
import type { InputOptions, OptionsOf } from '../core/options.js';

const options = {
  field: { type: 'string', demandOption: true, describe: 'a top-level numeric field' },
  max: { type: 'string', describe: 'values above become this (a number, compared and written as given)' },
  min: { type: 'string', describe: 'values below become this (a number, compared and written as given)' },
} as const satisfies Record<string, Options>;

export type ClipOptions = OptionsOf<typeof options> & InputOptions;

export const tool: Tool<ClipOptions> = {
  name: 'clip',
  parallel: 'local',
  summary: 'Cap a numeric field at --max (and/or floor it at --min) before aggregating; clipped values counted, other bytes untouched.',
  usage: 'clip --field FIELD [--max N] [--min N] [FILE...]',
  examples: [['clip --field duration_ms --max 3600000 < interactions.ndjson', 'count no interaction as longer than an hour']],
  options,
  check(o) {
    if (o.max === undefined && o.min === undefined) return 'give --max and/or --min';
    for (const [name, v] of [['max', o.max], ['min', o.min]] as const) {
      if (v !== undefined && !NUMBER.test(String(v).trim())) return `--${name} takes a number as JSON writes one (got '${v}')`;
    }
    if (o.max !== undefined && o.min !== undefined && compareDec(parseDec(String(o.min).trim()), parseDec(String(o.max).trim())) > 0) return '--min is above --max';
    // (a path of one name: a.b reaches into an object, a\.b is the field named a.b, as where and to-csv read it)
    if (splitPath(o.field).length !== 1) return '--field takes a top-level field (a dot in its name is written \\.)';
    return undefined;
  },
  create(o, ctx) {
    const reader = new FieldReader([o.field]);
    if (!o.field) throw new UsageError('--field is empty');
    // the bounds as given: their digits compared exactly, their text written (9007199254740993 stays so)
    const bound = (t: string | undefined) => (t === undefined ? undefined : { x: Number(t.trim()), dec: parseDec(t.trim()), text: t.trim() });
    const max = bound(o.max === undefined ? undefined : String(o.max)), min = bound(o.min === undefined ? undefined : String(o.min));
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        if (!reader.found(0) || reader.value(0) === null) return ctx.emitLine(line);
        const x = reader.number(0);
        if (Number.isNaN(x)) return ctx.reject(line, `${o.field} is not a number`); // (1E400 reads as Infinity: clipped)
        // (a value whose double equals a bound's is compared as the decimal it is: 9007199254740993 is above
        // --max 9007199254740992, 0.1000000000000000055 above --max 0.1)
        const cmp = (b: { x: number; dec: ReturnType<typeof parseDec> }) => (x !== b.x ? (x < b.x ? -1 : 1) : compareDec(parseDec(reader.numberText(0)!), b.dec));
        const to = max !== undefined && cmp(max) > 0 ? max : min !== undefined && cmp(min) < 0 ? min : undefined;
        if (to === undefined) return ctx.emitLine(line);
        ctx.count('clipped');
        // (a numeric string stays a string: "700" clipped is "100", as an INT64-as-string id stays text)
        ctx.emitEdits(line, reader.edits([0], [typeof reader.value(0) === 'string' ? `"${to.text}"` : to.text]));
      },
    };
  },
};
export default tool;
