// to-local-date: add the local calendar date (or period start) of a timestamp in an IANA zone,
// DST-correct. The new field is spliced into the original text, so everything else in the line
// (64-bit ids, INT64 strings, key order, spacing) leaves byte for byte.
import { FieldReader } from '../core/fields.js';
import type { Edit } from '../core/fields.js';
import { BigNum } from '../core/json.js';
import { epochBytesMs, isoBytesMs, parseTimestamp, ZoneClock } from '../core/time.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';

export interface ToLocalDateOptions {
  field: string; tz: string; inputTz: string; unit: 'auto' | 's' | 'ms' | 'us' | 'ns';
  as: string; grain: 'day' | 'week' | 'month' | 'quarter' | 'year' | 'second'; weekStart: 'monday' | 'sunday'; tzField?: string;
}

export const tool: Tool<ToLocalDateOptions> = {
  name: 'to-local-date',
  parallel: 'local',
  summary: 'Add the local date (or week/month/quarter/year start) of a timestamp field in an IANA time zone, DST-correct; the rest of each line is untouched.',
  usage: 'to-local-date --tz ZONE [options] [FILE...]',
  examples: [
    ['filter-engaged < events.ndjson | to-local-date --tz America/Chicago', 'add "date" (US/Central day of event_timestamp, µs)'],
    ["to-local-date --field occurred_at --input-tz UTC --tz Europe/Madrid --grain week --as week < events.json", 'ISO week (Monday) of a naive UTC timestamp, in Madrid'],
  ],
  options: {
    tz: { type: 'string', default: 'UTC', describe: 'IANA zone of the local calendar (America/Chicago, Asia/Kolkata, ...); the TZ variable is never read' },
    field: { alias: 'f', type: 'string', default: 'event_timestamp', describe: 'timestamp field (dotted path): epoch number/string or ISO-8601' },
    unit: { choices: ['auto', 's', 'ms', 'us', 'ns'], default: 'auto', describe: 'epoch unit; auto decides by magnitude, an explicit unit is checked for plausibility' },
    'input-tz': { type: 'string', default: 'UTC', describe: 'zone of ISO strings that carry no offset' },
    as: { type: 'string', default: 'date', describe: 'name of the added field (replaced if present)' },
    grain: { choices: ['day', 'week', 'month', 'quarter', 'year', 'second'], default: 'day', describe: "give the first day of the period (ISO weeks start Monday); 'second': the local date-time YYYY-MM-DD HH:MM:SS" },
    'tz-field': { type: 'string', describe: "take each record's zone from this field (e.g. the user's timezone); --tz is the fallback when it is missing" },
    'week-start': { choices: ['monday', 'sunday'], default: 'monday', describe: 'first day of a week for --grain week' },
  },
  create(o, ctx) {
    let clock: ZoneClock;
    try { clock = new ZoneClock(o.tz); new ZoneClock(o.inputTz); } catch (err) { throw new UsageError((err as Error).message); }
    const reader = new FieldReader(o.tzField ? [o.field, o.as, o.tzField] : [o.field, o.as]);
    const clocks = new Map<string, ZoneClock>();
    const clockFor = (zone: unknown): ZoneClock | string => {
      if (typeof zone !== 'string' || zone === '') return clock;
      let c = clocks.get(zone);
      if (!c) { try { c = new ZoneClock(zone); } catch { return `unknown time zone ${JSON.stringify(zone)}`; } clocks.set(zone, c); }
      return c;
    };
    if (o.as.includes('.')) throw new UsageError('--as takes a top-level field name (no dots)');
    const edit: Edit = { from: 0, to: 0, text: '' };
    const unit = o.unit, inputTz = o.inputTz, inputClock = new ZoneClock(o.inputTz), grain = o.grain;
    const dayOf = (zc: ZoneClock, ms: number): string =>
      grain === 'day' ? zc.localDate(ms) : grain === 'second' ? zc.localDateTime(ms) : zc.periodStart(ms, grain, o.weekStart);
    // the JSON text of the last output, by clock and local day (every grain but 'second' is a function of the local day)
    let lastClock: ZoneClock | null = null, lastDays = NaN, lastText = '', lastJson = '';
    let lastRaw: unknown = undefined, lastDay = '';
    /** the timestamp's epoch ms read from the line's bytes for the common shapes, else NaN */
    const fastMs = (b: Buffer): number => {
      let s = reader.spanStart(0), e = reader.spanEnd(0);
      if (s < 0) return NaN;
      const q = b[s] === 34;
      if (q) { s++; e--; for (let i = s; i < e; i++) if (b[i] === 92) return NaN; } // an escape: decode first
      else if (b[s] < 49 || b[s] > 57 || e - s === 15) return NaN; // a bare number: positive integers of 10-14 or 16-19 digits only
      if (unit === 'auto') { const ms = epochBytesMs(b, s, e); if (ms >= 0) return ms; }
      return q ? isoBytesMs(b, s, e, inputClock) : NaN;
    };
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        const zc = o.tzField ? clockFor(reader.value(2)) : clock;
        let json: string;
        const ms = typeof zc === 'string' ? NaN : fastMs(line.buf);
        if (ms === ms) { // the fast path
          const z = zc as ZoneClock;
          if (grain === 'second') json = JSON.stringify(z.localDateTime(ms));
          else {
            const days = z.localDays(ms);
            if (days !== lastDays || z !== lastClock) { lastDays = days; lastClock = z; lastText = dayOf(z, ms); lastJson = JSON.stringify(lastText); }
            json = lastJson;
          }
        } else {
          const raw = reader.value(0);
          if (raw === undefined || raw === null) return ctx.reject(line, `missing ${o.field}`);
          let day: string;
          if (typeof zc === 'string') return ctx.reject(line, `bad ${o.tzField}`, zc);
          if (raw === lastRaw && typeof raw !== 'object' && !o.tzField) day = lastDay;
          else {
            const v = raw instanceof BigNum ? raw.raw : raw; // a 19-digit ns epoch: its exact text
            if (typeof v !== 'string' && typeof v !== 'number') return ctx.reject(line, `bad ${o.field}`, JSON.stringify(raw));
            const t = parseTimestamp(v, { unit, inputTz });
            if (typeof t === 'string') return ctx.reject(line, `bad ${o.field}`, t);
            day = dayOf(zc, t);
            lastRaw = raw; lastDay = day;
          }
          if (day !== lastText) { lastText = day; lastJson = JSON.stringify(day); lastDays = NaN; }
          json = lastJson;
        }
        ctx.emitEdit(line, reader.edit(1, json, edit)); // replaced in place, or added at the end
      },
    };
  },
};
export default tool;
