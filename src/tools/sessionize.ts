// sessionize: sessions from activity pings per key (user): a new session starts when the gap since the
// previous ping exceeds --gap seconds. Only the times are used (never a "type" field such as
// session_start/session_end, which clients get wrong). Input may be unsorted: each key's ping times
// are kept as numbers (8 bytes a ping) and sorted at the end. With --sorted (input in time order, e.g.
// a day's stream) only the open sessions are kept: a session is emitted as soon as the stream's time
// has moved more than --gap past its last ping, so memory is bounded by the sessions open at once.
// With --end (and --pings) a record may also be a stretch already known to be one session, from --time
// to --end and standing for --pings pings, e.g. a session stored by an earlier load: stretches and
// pings within --gap of each other merge, so sessionize(A + B) = sessionize(sessionize(A) + B) — the
// sessions of any split of the pings, loaded in any order, are those of one load (24 bytes a record).
// One record per session:
// {user_id, session_start, session_end, duration_s, pings}, sorted by key and start.
import { FieldReader } from '../core/fields.js';
import { parseTimestamp } from '../core/time.js';
import { ByteKeys } from '../core/keyed.js';
import type { Line, Tool } from '../core/tool.js';

export interface SessionizeOptions { key: string; time: string; gap: number; as: string; sorted: boolean; end?: string; pings?: string }

/** an open (or finished) session: first time, latest end, pings */
interface Open { start: number; last: number; n: number }

export const tool: Tool<SessionizeOptions> = {
  name: 'sessionize',
  summary: 'Sessions from pings per key: a gap over --gap seconds starts a new one; emits start, end, duration and ping count (no use of session_start/end markers).',
  usage: 'sessionize [--key event_data.user_id] [--time event_timestamp] [--gap 60] [--end FIELD --pings FIELD] [FILE...]',
  examples: [
    ['where event_type=session_ping -i events.jsonl | sessionize --gap 60', 'sessions of the game challenge'],
    ['cat stored-sessions.ndjson new-pings.ndjson | sessionize --key user_id --time session_start --end session_end --pings pings', 'merge new pings into sessions kept from earlier loads (a ping record has no session_end: it stands for itself)'],
  ],
  options: {
    key: { alias: 'k', type: 'string', default: 'event_data.user_id', describe: 'whose sessions (field path)' },
    time: { type: 'string', default: 'event_timestamp', describe: 'ping time: epoch seconds (number or numeric string) or an ISO-8601 date-time (UTC without an offset)' },
    gap: { type: 'number', default: 60, describe: 'seconds: a longer gap between two pings ends a session' },
    as: { type: 'string', default: 'user_id', describe: 'output name of the key' },
    sorted: { type: 'boolean', default: false, describe: 'input is in time order: emit sessions as they close (memory: open sessions only); a ping out of order is rejected' },
    end: { type: 'string', describe: 'a record with this field is a stretch of one session from --time to --end (e.g. a stored session) and merges like pings; without the field it is a ping' },
    pings: { type: 'string', describe: 'how many pings a record stands for (a positive integer; default 1), e.g. the pings of a stored session' },
  },
  check(o) { return o.gap > 0 ? undefined : '--gap takes a positive number of seconds'; },
  create(o, ctx) {
    const stretches = o.end !== undefined || o.pings !== undefined;
    const paths = [o.key, o.time];
    const END = o.end !== undefined ? paths.push(o.end) - 1 : -1;
    const PINGS = o.pings !== undefined ? paths.push(o.pings) - 1 : -1;
    const reader = new FieldReader(paths);
    const keys = new ByteKeys();
    const times: number[][] = []; // per key: ping times, or with --end/--pings [start, end, pings] triples
    let scratch = Buffer.allocUnsafe(1024);
    const name = JSON.stringify(o.as);
    /** field k as seconds: epoch seconds, or an ISO-8601 date-time (UTC unless it has an offset) */
    const timeOf = (k: number): number => {
      const n = reader.number(k);
      if (Number.isFinite(n)) return n;
      const v = reader.value(k);
      if (typeof v !== 'string') return NaN;
      const ms = parseTimestamp(v);
      return typeof ms === 'number' ? ms / 1000 : NaN;
    };
    let end = 0, count = 1;
    /** read a record: [key length in scratch, time] (its end and pings in `end`, `count`), or [-1, 0] after rejecting the line */
    const ping = (line: Line): [number, number] => {
      if (!reader.read(line.buf, line.start, line.end, line.trusted)) { ctx.reject(line, reader.reason, reader.error); return [-1, 0]; }
      let pos = reader.tokenInto(0, scratch, 0);
      while (pos === -2) { scratch = Buffer.alloc(scratch.length * 8); pos = reader.tokenInto(0, scratch, 0); }
      if (pos === -1) { ctx.reject(line, `missing ${o.key}`); return [-1, 0]; }
      const t = timeOf(1);
      if (!Number.isFinite(t)) { ctx.reject(line, 'no usable time', `${o.time}=${JSON.stringify(reader.value(1) ?? null)}`); return [-1, 0]; }
      end = t; count = 1;
      if (END >= 0 && reader.found(END) && reader.value(END) !== null) {
        end = timeOf(END);
        if (!Number.isFinite(end)) { ctx.reject(line, 'no usable end', `${o.end}=${JSON.stringify(reader.value(END))}`); return [-1, 0]; }
        if (end < t) { ctx.reject(line, 'end before start', `${o.end}=${end} < ${o.time}=${t}`); return [-1, 0]; }
      }
      if (PINGS >= 0 && reader.found(PINGS) && reader.value(PINGS) !== null) {
        count = reader.number(PINGS);
        if (!(Number.isSafeInteger(count) && count > 0)) { ctx.reject(line, 'no usable ping count', `${o.pings}=${JSON.stringify(reader.value(PINGS))}`); return [-1, 0]; }
      }
      return [pos, t];
    };
    // --sorted: open sessions by key text, swept when the stream's time passes their last ping + gap
    const open = new Map<string, Open>();
    let now = -Infinity, sinceSweep = 0;
    const emitSession = (key: string, x: Open) =>
      ctx.emit(Buffer.from(`{${name}:${key},"session_start":${x.start},"session_end":${x.last},"duration_s":${x.last - x.start},"pings":${x.n}}`, 'latin1'));
    const sweep = (all: boolean) => {
      for (const [k, x] of open) if (all || now - x.last > o.gap) { emitSession(k, x); open.delete(k); }
    };
    if (o.sorted) {
      return {
        record(line: Line) {
          const [pos, t] = ping(line);
          if (pos < 0) return;
          if (t < now) return ctx.reject(line, 'out of time order (--sorted)', `${t} after ${now}`);
          now = t;
          const key = scratch.toString('latin1', 0, pos);
          const x = open.get(key);
          if (x && t - x.last <= o.gap) { x.last = Math.max(x.last, end); x.n += count; }
          else { if (x) emitSession(key, x); open.set(key, { start: t, last: end, n: count }); }
          if (++sinceSweep >= 1024) { sinceSweep = 0; sweep(false); }
        },
        end() { sweep(true); },
      };
    }
    return {
      record(line: Line) {
        const [pos, t] = ping(line);
        if (pos < 0) return;
        const s = keys.slot(scratch, 0, pos);
        const list = (times[s] ??= []);
        if (stretches) list.push(t, end, count); else list.push(t);
      },
      end() {
        let sessions = 0;
        for (const s of keys.sorted()) {
          const key = keys.text(s);
          let x: Open | undefined;
          const add = (t: number, e: number, n: number) => {
            if (x && t - x.last <= o.gap) { x.last = Math.max(x.last, e); x.n += n; return; }
            if (x) { emitSession(key, x); sessions++; }
            x = { start: t, last: e, n };
          };
          if (stretches) {
            const list = times[s];
            const order = Array.from({ length: list.length / 3 }, (_, i) => 3 * i)
              .sort((a, b) => list[a] - list[b] || list[a + 1] - list[b + 1]);
            for (const i of order) add(list[i], list[i + 1], list[i + 2]);
          } else {
            for (const t of times[s].sort((a, b) => a - b)) add(t, t, 1);
          }
          if (x) { emitSession(key, x); sessions++; }
        }
        ctx.count('sessions', sessions);
      },
    };
  },
};
export default tool;
