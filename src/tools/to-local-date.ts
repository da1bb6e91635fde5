// to-local-date: add the local calendar date (or period start) of a timestamp in an IANA zone,
// DST-correct. The new field is spliced into the original text, so everything else in the line
// (64-bit ids, INT64 strings, key order, spacing) leaves byte for byte.
import { FieldReader, Members } from '../core/fields.js';
import type { Edit } from '../core/fields.js';
import { BigNum, literalPath } from '../core/json.js';
import { parseTimestamp, valueBytesMs, zoneProblem, ZoneClock } from '../core/time.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';
import { blankName } from '../core/options.js';

type Grain = 'day' | 'week' | 'month' | 'quarter' | 'year' | 'hour' | 'minute' | 'second';
const GRAINS: readonly Grain[] = ['day', 'week', 'month', 'quarter', 'year', 'hour', 'minute', 'second'];
/** the grains within a day: not a function of the local day (made for each record) */
const inDay = (g: Grain): boolean => g === 'second' || g === 'minute' || g === 'hour';

export interface ToLocalDateOptions {
  field: string; tz: string; inputTz: string; unit: 'auto' | 's' | 'ms' | 'us' | 'ns';
  as: string; grain: string; weekStart: 'monday' | 'sunday'; tzField?: string;
}

/** --grain and --as as lists of equal length (comma-separated: several fields from one reading), or a reason */
function fieldsOf(o: ToLocalDateOptions): { grains: Grain[]; names: string[] } | string {
  const grains = String(o.grain).split(',').map((g) => g.trim()) as Grain[];
  const bad = grains.find((g) => !GRAINS.includes(g));
  if (bad !== undefined) return `--grain takes ${GRAINS.join(', ')} or a comma-separated list of them (got '${bad}')`;
  const names = grains.length === 1 ? [String(o.as)] : String(o.as).split(',').map((n) => n.trim());
  if (names.length !== grains.length) return `--as names one field per --grain (${grains.length} grains, ${names.length} names)`;
  if (names.some((n) => n === '' || n.includes('.'))) return '--as takes top-level field names (no dots)';
  if (new Set(names).size !== names.length) return '--as names a field twice';
  return { grains, names };
}

/** the clock of a --tz-field value (cached per zone): the default clock for a missing, null or empty
 *  one, the reason for a zone that does not exist or a value that is no zone name (a number, ...) */
function zoneClocks(clock: ZoneClock): (zone: unknown) => ZoneClock | string {
  const clocks = new Map<string, ZoneClock>();
  return (zone) => {
    if (zone === undefined || zone === null || zone === '') return clock;
    if (typeof zone !== 'string') return `not a time zone name: ${JSON.stringify(zone)}`;
    let c = clocks.get(zone);
    if (!c) { try { c = new ZoneClock(zone); } catch { return `unknown time zone ${JSON.stringify(zone)}`; } clocks.set(zone, c); }
    return c;
  };
}

const OUT_OF_YEARS = 'its local date is outside the years 0000-9999';

export const tool: Tool<ToLocalDateOptions> = {
  name: 'to-local-date',
  parallel: 'local',
  summary: 'Add the local date (or week/month/quarter/year start) of a timestamp field in an IANA time zone, DST-correct; the rest of each line is untouched.',
  usage: 'to-local-date --tz ZONE [options] [FILE...]',
  examples: [
    ['filter-engaged < events.ndjson | to-local-date --tz America/Chicago', 'add "date" (US/Central day of event_timestamp, µs)'],
    ["to-local-date --field occurred_at --input-tz UTC --tz Europe/Madrid --grain week --as week < events.json", 'ISO week (Monday) of a naive UTC timestamp, in Madrid'],
    ["from-csv user_interactions.csv | to-local-date --field timestamp --grain day,month --as date,month", 'the UTC date and the first day of its month, two fields from one reading'],
  ],
  options: {
    tz: { type: 'string', default: 'UTC', describe: 'IANA zone of the local calendar (America/Chicago, Asia/Kolkata, ...); the TZ variable is never read' },
    field: { alias: 'f', type: 'string', default: 'event_timestamp', describe: 'timestamp field (dotted path): epoch number/string or ISO-8601' },
    unit: { choices: ['auto', 's', 'ms', 'us', 'ns'], default: 'auto', describe: 'epoch unit; auto decides by magnitude, an explicit unit is checked for plausibility' },
    'input-tz': { type: 'string', default: 'UTC', describe: 'zone of ISO strings that carry no offset' },
    as: { type: 'string', default: 'date', describe: 'name of the added field (replaced if present); with several grains one name each: date,month' },
    grain: { type: 'string', default: 'day', describe: "day, week, month, quarter, year: the first day of the period (ISO weeks start Monday); hour, minute, second: the local date-time YYYY-MM-DD HH:MM:SS, cut to the hour (HH:00:00) or minute; a comma-separated list (day,month, with --as date,month) adds one field each in one pass" },
    'tz-field': { type: 'string', describe: "take each record's zone from this field (e.g. the user's timezone); --tz is the fallback when it is missing" },
    'week-start': { choices: ['monday', 'sunday'], default: 'monday', describe: 'first day of a week for --grain week' },
  },
  check(o) { const f = fieldsOf(o); return typeof f === 'string' ? f : blankName('tz-field', o.tzField) ?? zoneProblem(o.tz, o.inputTz); },
  create(o, ctx) {
    const f = fieldsOf(o);
    if (typeof f === 'string') throw new UsageError(f);
    if (f.grains.length > 1) return several(o, ctx, f.grains, f.names);
    let clock: ZoneClock;
    try { clock = new ZoneClock(o.tz); new ZoneClock(o.inputTz); } catch (err) { throw new UsageError((err as Error).message); }
    // (--as is a name, not a path: a backslash in it is part of the name)
    const reader = new FieldReader(o.tzField ? [o.field, literalPath(o.as), o.tzField] : [o.field, literalPath(o.as)]);
    const epochValue = epochValueOf(reader);
    const clockFor = zoneClocks(clock);
    const edit: Edit = { from: 0, to: 0, text: '' };
    const unit = o.unit, inputTz = o.inputTz, inputClock = new ZoneClock(o.inputTz), grain = f.grains[0];
    // the JSON text of the last output, by clock and local day (every grain but those within a day is a function of the local day)
    let lastClock: ZoneClock | null = null, lastDays = NaN, lastText = '', lastJson = '';
    let lastRaw: unknown = undefined, lastDay = '';
    /** the timestamp's epoch ms read from the line's bytes for the common shapes, else NaN */
    const fastMs = (b: Buffer): number => valueBytesMs(b, reader.spanStart(0), reader.spanEnd(0), unit, inputClock);
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        const zc = o.tzField ? clockFor(reader.value(2)) : clock;
        let json: string;
        const ms = typeof zc === 'string' ? NaN : fastMs(line.buf);
        if (ms === ms) { // the fast path
          const z = zc as ZoneClock;
          if (inDay(grain)) {
            const t = z.localText(ms, grain);
            if (t === '') return ctx.reject(line, `bad ${o.field}`, OUT_OF_YEARS);
            json = JSON.stringify(t);
          } else {
            const days = z.localDays(ms);
            if (days !== lastDays || z !== lastClock) { lastDays = days; lastClock = z; lastText = z.localText(ms, grain, o.weekStart); lastJson = JSON.stringify(lastText); }
            if (lastText === '') return ctx.reject(line, `bad ${o.field}`, OUT_OF_YEARS);
            json = lastJson;
          }
        } else {
          const raw = epochValue(reader.value(0));
          if (raw === undefined || raw === null) return ctx.reject(line, `missing ${o.field}`);
          let day: string;
          if (typeof zc === 'string') return ctx.reject(line, `bad ${o.tzField}`, zc);
          if (raw === lastRaw && typeof raw !== 'object' && !o.tzField) day = lastDay;
          else {
            const v = raw instanceof BigNum ? raw.raw : raw; // a 19-digit ns epoch: its exact text
            if (typeof v !== 'string' && typeof v !== 'number') return ctx.reject(line, `bad ${o.field}`, JSON.stringify(raw));
            const t = parseTimestamp(v, { unit, inputTz });
            if (typeof t === 'string') return ctx.reject(line, `bad ${o.field}`, t);
            day = zc.localText(t, grain, o.weekStart);
            lastRaw = raw; lastDay = day;
          }
          if (day === '') return ctx.reject(line, `bad ${o.field}`, OUT_OF_YEARS);
          if (day !== lastText) { lastText = day; lastJson = JSON.stringify(day); lastDays = NaN; }
          json = lastJson;
        }
        ctx.emitEdit(line, reader.edit(1, json, edit)); // replaced in place, or added at the end
      },
    };
  },
};
/** --grain G1,G2,... --as N1,N2,...: the same reading of the timestamp, one field per grain (one edit pass) */
function several(o: ToLocalDateOptions, ctx: Parameters<Tool<ToLocalDateOptions>['create']>[1], grains: Grain[], names: string[]) {
  let clock: ZoneClock, inputClock: ZoneClock;
  try { clock = new ZoneClock(o.tz); inputClock = new ZoneClock(o.inputTz); } catch (err) { throw new UsageError((err as Error).message); }
  const m = grains.length, TZ = 1 + m;
  const reader = new FieldReader(o.tzField ? [o.field, ...names.map(literalPath), o.tzField] : [o.field, ...names.map(literalPath)]);
  const epochValue = epochValueOf(reader);
  const ks = names.map((_, j) => 1 + j);
  const clockFor = zoneClocks(clock);
  const unit = o.unit, inputTz = o.inputTz;
  // the JSON texts by clock and local day (every grain but those within a day is a function of the local day)
  let lastClock: ZoneClock | null = null, lastDays = NaN;
  const texts: string[] = new Array(m).fill('');
  // a line without any of the fields (the common case) gets them in one edit appending `members`,
  // made again only when the texts change (version)
  const top = ks.every((k) => reader.isTopLevel(k));
  const memberNames = ks.map((k) => reader.topName(k));
  let version = 0, made = -1, members: Members | undefined;
  const edit: Edit = { from: 0, to: 0, text: '', bytes: undefined, names: undefined, spans: undefined };
  let outOfYears = false; // (the last day's texts: one has no four-digit year)
  /** the texts of ms; false when one has no four-digit year */
  const fill = (zc: ZoneClock, ms: number): boolean => {
    const days = zc.localDays(ms);
    if (days !== lastDays || zc !== lastClock) {
      lastDays = days; lastClock = zc; version++; outOfYears = false;
      for (let j = 0; j < m; j++) {
        if (inDay(grains[j])) continue;
        const t = zc.localText(ms, grains[j], o.weekStart);
        if (t === '') outOfYears = true;
        texts[j] = JSON.stringify(t);
      }
    }
    if (outOfYears) return false;
    for (let j = 0; j < m; j++) {
      if (!inDay(grains[j])) continue;
      const t = zc.localText(ms, grains[j]);
      if (t === '') return false;
      texts[j] = JSON.stringify(t); version++;
    }
    return true;
  };
  const fastMs = (b: Buffer): number => valueBytesMs(b, reader.spanStart(0), reader.spanEnd(0), unit, inputClock);
  return {
    record(line: Line) {
      if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
      const zc = o.tzField ? clockFor(reader.value(TZ)) : clock;
      const ms = typeof zc === 'string' ? NaN : fastMs(line.buf);
      if (ms === ms) { if (!fill(zc as ZoneClock, ms)) return ctx.reject(line, `bad ${o.field}`, OUT_OF_YEARS); }
      else {
        const raw = epochValue(reader.value(0));
        if (raw === undefined || raw === null) return ctx.reject(line, `missing ${o.field}`);
        if (typeof zc === 'string') return ctx.reject(line, `bad ${o.tzField}`, zc);
        const v = raw instanceof BigNum ? raw.raw : raw;
        if (typeof v !== 'string' && typeof v !== 'number') return ctx.reject(line, `bad ${o.field}`, JSON.stringify(raw));
        const t = parseTimestamp(v, { unit, inputTz });
        if (typeof t === 'string') return ctx.reject(line, `bad ${o.field}`, t);
        if (!fill(zc, t)) return ctx.reject(line, `bad ${o.field}`, OUT_OF_YEARS);
      }
      let absent = top;
      for (let j = 0; j < m && absent; j++) if (reader.found(ks[j])) absent = false;
      if (!absent) return ctx.emitEdits(line, reader.edits(ks, texts));
      if (made !== version || members === undefined) { made = version; members = new Members(memberNames, texts); }
      ctx.emitEdit(line, reader.appendEdit(members, edit));
    },
  };
}
/** the timestamp field's value, a number with a fraction or an exponent as its own text (a BigNum): one of
 *  more than 15 significant digits is floored from its digits (1710115199.9999999 s is 100 ns before
 *  midnight; its double, 1710115200, the midnight after); integers stay numbers (8 digits are epoch
 *  seconds, not a basic ISO date) */
function epochValueOf(reader: FieldReader): (v: unknown) => unknown {
  return (v) => {
    if (typeof v !== 'number') return v;
    const t = reader.raw(0);
    return t !== undefined && /[.eE]/.test(t) ? new BigNum(t) : v;
  };
}

export default tool;
