// sessionize: sessions from activity pings per key (user): a new session starts when the gap since the
// previous ping exceeds --gap seconds. Only the times are used (never a "type" field such as
// session_start/session_end, which clients get wrong). Input may be unsorted: each key's ping times
// are kept as numbers (8 bytes a ping) and sorted at the end. With --sorted (input in time order, e.g.
// a day's stream) only the open sessions are kept: a session is emitted as soon as the stream's time
// has moved more than --gap past its last ping, so memory is bounded by the sessions open at once.
// One record per session:
// {user_id, session_start, session_end, duration_s, pings}, sorted by key and start.
import { FieldReader } from '../core/fields.js';
import { parseTimestamp } from '../core/time.js';
import { ByteKeys } from '../core/keyed.js';
import type { Line, Tool } from '../core/tool.js';

export interface SessionizeOptions { key: string; time: string; gap: number; as: string; sorted: boolean }

export const tool: Tool<SessionizeOptions> = {
  name: 'sessionize',
  summary: 'Sessions from pings per key: a gap over --gap seconds starts a new one; emits start, end, duration and ping count (no use of session_start/end markers).',
  usage: 'sessionize [--key event_data.user_id] [--time event_timestamp] [--gap 60] [FILE...]',
  examples: [['where event_type=session_ping -i events.jsonl | sessionize --gap 60', 'sessions of the game challenge']],
  options: {
    key: { alias: 'k', type: 'string', default: 'event_data.user_id', describe: 'whose sessions (field path)' },
    time: { type: 'string', default: 'event_timestamp', describe: 'ping time: epoch seconds (number or numeric string) or an ISO-8601 date-time (UTC without an offset)' },
    gap: { type: 'number', default: 60, describe: 'seconds: a longer gap between two pings ends a session' },
    as: { type: 'string', default: 'user_id', describe: 'output name of the key' },
    sorted: { type: 'boolean', default: false, describe: 'input is in time order: emit sessions as they close (memory: open sessions only); a ping out of order is rejected' },
  },
  check(o) { return o.gap > 0 ? undefined : '--gap takes a positive number of seconds'; },
  create(o, ctx) {
    const reader = new FieldReader([o.key, o.time]);
    const keys = new ByteKeys();
    const times: number[][] = [];
    let scratch = Buffer.allocUnsafe(1024);
    const name = JSON.stringify(o.as);
    /** the ping time in seconds: epoch seconds, or an ISO-8601 date-time (UTC unless it has an offset) */
    const timeOf = (): number => {
      const n = reader.number(1);
      if (Number.isFinite(n)) return n;
      const v = reader.value(1);
      if (typeof v !== 'string') return NaN;
      const ms = parseTimestamp(v);
      return typeof ms === 'number' ? ms / 1000 : NaN;
    };
    /** read a ping: [key length in scratch, time], or [-1, 0] after rejecting the line */
    const ping = (line: Line): [number, number] => {
      if (!reader.read(line.buf, line.start, line.end)) { ctx.reject(line, 'malformed JSON', reader.error); return [-1, 0]; }
      let pos = reader.tokenInto(0, scratch, 0);
      while (pos === -2) { scratch = Buffer.alloc(scratch.length * 8); pos = reader.tokenInto(0, scratch, 0); }
      if (pos === -1) { ctx.reject(line, `missing ${o.key}`); return [-1, 0]; }
      const t = timeOf();
      if (!Number.isFinite(t)) { ctx.reject(line, 'no usable time', `${o.time}=${JSON.stringify(reader.value(1) ?? null)}`); return [-1, 0]; }
      return [pos, t];
    };
    // --sorted: open sessions by key text, swept when the stream's time passes their last ping + gap
    const open = new Map<string, { start: number; last: number; n: number }>();
    let now = -Infinity, sinceSweep = 0;
    const emitSession = (key: string, x: { start: number; last: number; n: number }) =>
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
          if (x && t - x.last <= o.gap) { x.last = t; x.n++; }
          else { if (x) emitSession(key, x); open.set(key, { start: t, last: t, n: 1 }); }
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
        (times[s] ??= []).push(t);
      },
      end() {
        let sessions = 0;
        for (const s of keys.sorted()) {
          const ts = times[s].sort((a, b) => a - b);
          const key = keys.text(s);
          let start = ts[0], prev = ts[0], n = 1;
          const emit = () => { emitSession(key, { start, last: prev, n }); sessions++; };
          for (let i = 1; i < ts.length; i++) {
            if (ts[i] - prev > o.gap) { emit(); start = ts[i]; n = 0; }
            prev = ts[i]; n++;
          }
          emit();
        }
        ctx.count('sessions', sessions);
      },
    };
  },
};
export default tool;
