// sessionize: sessions from activity pings per key (user): a new session starts when the gap since the
// previous ping exceeds --gap seconds. Only the times are used (never a "type" field such as
// session_start/session_end, which clients get wrong). Input may be unsorted: each ping is kept as
// its key's slot and time (12 bytes a ping) and the pings are sorted by key and time at the end. With --sorted (input in time order, e.g.
// a day's stream) only the open sessions are kept: a session is emitted as soon as the stream's time
// has moved more than --gap past its last ping, so memory is bounded by the sessions open at once.
// With --end (and --pings) a record may also be a stretch already known to be one session, from --time
// to --end and standing for --pings pings, e.g. a session stored by an earlier load: stretches and
// pings within --gap of each other merge, so sessionize(A + B) = sessionize(sessionize(A) + B) — the
// sessions of any split of the pings, loaded in any order, are those of one load (28 bytes a record).
// One record per session:
// {user_id, session_start, session_end, duration_s, pings}, sorted by key and start. Without --sorted
// the figures (--stats, --stats-file) count the sessions and the keys (users) with a session.
import { FieldReader } from '../core/fields.js';
import { floorScaled, isoBytesMs, msSeconds, outsideUsRange, valueMs, ZoneClock } from '../core/time.js';
import { GrowF64, GrowU32 } from '../core/keyed.js';
import type { Line, Tool } from '../core/tool.js';
import { NUMBER_ROOM, RecordBatch, copyBytes, putNumber } from '../core/output.js';
import { blankName } from '../core/options.js';

export interface SessionizeOptions { key: string; time: string; gap: number; as: string; sorted: boolean; end?: string; pings?: string }

/** a session's length in seconds, to the microsecond (the difference of two epoch seconds with
 *  fractions carries the doubles' noise: 1700000000.3 - 1700000000.1 = 0.20000004768371582) */
const durationS = (start: number, last: number) => Math.round((last - start) * 1e6) / 1e6;

/** --gap in whole microseconds, floored from the decimal it was given as (a gap of 60.1 s is 60100000 µs;
 *  gap * 1e6 can fall below it: 60.1 * 1e6 could floor to 60099999) */
export function gapMicros(gap: number): number { return floorScaled(String(gap), 6) ?? Math.floor(gap * 1e6); }

/** an open (or finished) session: first time, latest end, pings */
interface Open { start: number; last: number; n: number }

export const tool: Tool<SessionizeOptions> = {
  name: 'sessionize',
  summary: 'Sessions from pings per key: a gap over --gap seconds starts a new one; emits start, end, duration and ping count (no use of session_start/end markers).',
  holdsOutput: (o: SessionizeOptions) => !o.sorted, // (--sorted writes sessions as they close)
  usage: 'sessionize [--key event_data.user_id] [--time event_timestamp] [--gap 60] [--end FIELD --pings FIELD] [FILE...]',
  examples: [
    ['where event_type=session_ping -i events.jsonl | sessionize --gap 60', 'sessions of the game challenge'],
    ['cat stored-sessions.ndjson new-pings.ndjson | sessionize --key user_id --time session_start --end session_end --pings pings', 'merge new pings into sessions kept from earlier loads (a ping record has no session_end: it stands for itself)'],
  ],
  options: {
    key: { alias: 'k', type: 'string', default: 'event_data.user_id', describe: 'whose sessions (field path)' },
    time: { type: 'string', default: 'event_timestamp', describe: 'ping time: epoch seconds (a number or numeric string; from 1e11 on ms, µs or ns by magnitude, as every tool reads them) or an ISO-8601 date-time or date (UTC without an offset); sessions are written in epoch seconds' },
    gap: { type: 'number', default: 60, describe: 'seconds: a longer gap between two pings ends a session' },
    as: { type: 'string', default: 'user_id', describe: 'output name of the key' },
    sorted: { type: 'boolean', default: false, describe: 'input is in time order: emit sessions as they close (memory: open sessions only); a ping out of order is rejected' },
    end: { type: 'string', describe: 'a record with this field is a stretch of one session from --time to --end (e.g. a stored session) and merges like pings; without the field it is a ping' },
    pings: { type: 'string', describe: 'how many pings a record stands for (a positive integer; default 1), e.g. the pings of a stored session' },
  },
  check(o) {
    if (!(o.gap > 0)) return '--gap takes a positive number of seconds';
    const blank = blankName('end', o.end) ?? blankName('pings', o.pings);
    if (blank) return blank;
    // (the key's name beside the session's fields: --as session_start wrote that name twice)
    if (['session_start', 'session_end', 'duration_s', 'pings'].includes(o.as)) return `--as ${o.as}: a session's own field has that name (choose another for the key)`;
    return undefined;
  },
  keysBy: (o) => (o.sorted ? undefined : `token:${o.key}`), // (--sorted keeps its open sessions by key text)
  create(o, ctx) {
    const stretches = o.end !== undefined || o.pings !== undefined;
    const paths = [o.key, o.time];
    const END = o.end !== undefined ? paths.push(o.end) - 1 : -1;
    const PINGS = o.pings !== undefined ? paths.push(o.pings) - 1 : -1;
    const reader = new FieldReader(paths);
    const keys = ctx.keyTable(tool.keysBy!(o)); // (shared with other stages keying by the same field: tool.keysBy)
    // per record: its key's slot and time, with --end/--pings also its end and ping count
    const slotOf = new GrowU32(), timeAt = new GrowF64(), endAt = new GrowF64(), countAt = new GrowF64();
    let records = 0;
    let scratch = Buffer.allocUnsafe(1024);
    // (the key's name as latin1 text of its UTF-8 bytes, as the keys' tokens are: --as "ключ" was written
    // as its characters' low bytes)
    const name = Buffer.from(JSON.stringify(o.as), 'utf8').toString('latin1');
    const utc = new ZoneClock('UTC');
    // two times are within the gap when their distance in whole µs is: the difference of two epoch seconds
    // with fractions carries the doubles' noise (1700014149.2 - 1700014089.1 = 60.100000143), which split
    // pings exactly --gap 60.1 apart; each time is a whole µs, so the rounded difference is exact
    const gapUs = gapMicros(o.gap);
    const within = (t: number, last: number) => Math.round((t - last) * 1e6) <= gapUs;
    let why = ''; // why the last time that is none is none
    /** field k as seconds: a number of epoch seconds as it is (fractions kept); else as every tool reads
     *  a time (core/time.ts parseTimestamp): an epoch number or numeric string in s, ms, µs or ns by its
     *  magnitude, an ISO-8601 date-time (UTC unless it has an offset) or date (20240309 too) */
    const timeOf = (b: Buffer, k: number): number => {
      const s = reader.spanStart(k);
      if (s < 0) return NaN;
      if (b[s] === 34) { // a plain ISO date-time straight from the bytes (never a number's text)
        const ms = isoBytesMs(b, s + 1, reader.spanEnd(k) - 1, utc, true);
        if (ms === ms) return msSeconds(ms);
      } else {
        const n = reader.number(k);
        if (Math.abs(n) < 1e11) { // (seconds: up to the year 5138)
          // more than 6 fraction digits (or an exponent): floored to the µs from the digits, as every form
          // is (its double can lie above the µs: 1700000000.0000009 was 1700000000.000001)
          let dot = -1;
          for (let i = s, e = reader.spanEnd(k); i < e; i++) {
            const c = b[i];
            if (c === 46) dot = i;
            else if (c === 101 || c === 69 || (dot >= 0 && i - dot > 6)) { const us = floorScaled(reader.raw(k)!, 6); return us === undefined ? n : us / 1e6; }
          }
          return n;
        }
      }
      const ms = valueMs(reader.value(k), { text: reader.raw(k) }); // (to the µs)
      if (typeof ms === 'number') return msSeconds(ms);
      why = ms; // (the reader's reason, for the reject)
      return NaN;
    };
    let end = 0, count = 1, pingTime = 0;
    /** read a record: the key's length in scratch (its time in pingTime, its end and pings in `end`, `count`), or -1 after rejecting the line */
    const ping = (line: Line): number => {
      if (!reader.read(line.buf, line.start, line.end, line.trusted)) { ctx.reject(line, reader.reason, reader.error); return -1; }
      let pos = reader.tokenInto(0, scratch, 0);
      while (pos === -2) { scratch = Buffer.alloc(scratch.length * 8); pos = reader.tokenInto(0, scratch, 0); }
      if (pos === -1) { ctx.reject(line, `missing ${o.key}`); return -1; }
      const t = timeOf(line.buf, 1);
      if (!Number.isFinite(t)) { ctx.reject(line, 'no usable time', `${o.time}=${reader.raw(1) ?? 'null'}${why ? `: ${why}` : ''}`); why = ''; return -1; }
      const far = outsideUsRange(t);
      if (far !== undefined) { ctx.reject(line, 'no usable time', `${o.time}=${reader.raw(1)}: ${far}`); return -1; }
      end = t; count = 1;
      if (END >= 0 && reader.found(END) && reader.value(END) !== null) {
        end = timeOf(line.buf, END);
        if (!Number.isFinite(end)) { ctx.reject(line, 'no usable end', `${o.end}=${reader.raw(END)}${why ? `: ${why}` : ''}`); why = ''; return -1; }
        const farEnd = outsideUsRange(end);
        if (farEnd !== undefined) { ctx.reject(line, 'no usable end', `${o.end}=${reader.raw(END)}: ${farEnd}`); return -1; }
        if (end < t) { ctx.reject(line, 'end before start', `${o.end}=${end} < ${o.time}=${t}`); return -1; }
      }
      if (PINGS >= 0 && reader.found(PINGS) && reader.value(PINGS) !== null) {
        count = reader.number(PINGS);
        if (!(Number.isSafeInteger(count) && count > 0)) { ctx.reject(line, 'no usable ping count', `${o.pings}=${reader.raw(PINGS)}`); return -1; }
      }
      pingTime = t;
      return pos;
    };
    // --sorted: open sessions by key text, swept when the stream's time passes their last ping + gap
    const open = new Map<string, Open>();
    let now = -Infinity, sinceSweep = 0;
    const emitSession = (key: string, x: Open) =>
      ctx.emit(Buffer.from(`{${name}:${key},"session_start":${x.start},"session_end":${x.last},"duration_s":${durationS(x.start, x.last)},"pings":${x.n}}`, 'latin1'));
    const sweep = (all: boolean) => {
      for (const [k, x] of open) if (all || !within(now, x.last)) { emitSession(k, x); open.delete(k); }
    };
    if (o.sorted) {
      return {
        record(line: Line) {
          const pos = ping(line);
          if (pos < 0) return;
          const t = pingTime;
          if (t < now) return ctx.reject(line, 'out of time order (--sorted)', `${t} after ${now}`);
          now = t;
          const key = scratch.toString('latin1', 0, pos);
          const x = open.get(key);
          if (x && within(t, x.last)) { x.last = Math.max(x.last, end); x.n += count; }
          else { if (x) emitSession(key, x); open.set(key, { start: t, last: end, n: count }); }
          if (++sinceSweep >= 1024) { sinceSweep = 0; sweep(false); }
        },
        end() { sweep(true); },
      };
    }
    return {
      record(line: Line) {
        const pos = ping(line);
        if (pos < 0) return;
        const r = records++;
        slotOf.ensure(r)[r] = keys.slot(scratch, 0, pos);
        timeAt.ensure(r)[r] = pingTime;
        if (stretches) { endAt.ensure(r)[r] = end; countAt.ensure(r)[r] = count; }
      },
      end() {
        // the records in key order (a counting sort by the rank of their key), then each key's by time
        const order = keys.sorted(), nk = order.length, n = records;
        const rank = new Uint32Array(nk);
        for (let i = 0; i < nk; i++) rank[order[i]] = i;
        const at = new Uint32Array(nk + 1), slots = slotOf.a;
        for (let r = 0; r < n; r++) at[rank[slots[r]] + 1]++;
        for (let i = 0; i < nk; i++) at[i + 1] += at[i];
        const idx = new Uint32Array(n), fill = at.slice(0, nk);
        for (let r = 0; r < n; r++) idx[fill[rank[slots[r]]]++] = r;
        const ts = timeAt.a, es = endAt.a, cs = countAt.a;
        let sorted = new Float64Array(1024);
        // the output in batches of bytes: the key's bytes as they are kept, the numbers' digits
        const out = new RecordBatch((b, s, e, records, walks) => ctx.emitBatch(b, s, e, records, walks));
        // (where each session's values lie is known as it is written: a chain's next stage takes that
        // instead of walking the session)
        if (JSON.stringify(o.as) === `"${o.as}"`) out.members([o.as, 'session_start', 'session_end', 'duration_s', 'pings']);
        // (the names' bytes made once; the values' spans, from the record's start, set at its end: one
        // spansAt() a session)
        const head = Buffer.from(`{${name}:`, 'latin1'), S = Buffer.from(',"session_start":'), E = Buffer.from(',"session_end":');
        const D = Buffer.from(',"duration_s":'), P = Buffer.from(',"pings":');
        let sessions = 0, keyArena: Uint8Array = Buffer.alloc(0), ks = 0, ke = 0;
        let start = 0, last = 0, pings = 0, open = false;
        // (a session written in place after one room(), no room check a part)
        const fixed = head.length + S.length + E.length + D.length + P.length + 4 * NUMBER_ROOM + 1;
        const close = () => {
          out.room(fixed + ke - ks);
          const b = out.buf, base = out.pos;
          let p = base;
          p = copyBytes(head, 0, head.length, b, p);
          const k0 = p - base;
          p = copyBytes(keyArena, ks, ke, b, p);
          const k1 = p - base;
          p = copyBytes(S, 0, S.length, b, p);
          const s0 = p - base;
          p = putNumber(b, p, start);
          const s1 = p - base;
          p = copyBytes(E, 0, E.length, b, p);
          const e0 = p - base;
          p = putNumber(b, p, last);
          const e1 = p - base;
          p = copyBytes(D, 0, D.length, b, p);
          const d0 = p - base;
          p = putNumber(b, p, durationS(start, last));
          const d1 = p - base;
          p = copyBytes(P, 0, P.length, b, p);
          const p0 = p - base;
          p = putNumber(b, p, pings);
          b[p++] = 125; // }
          out.pos = p;
          const i = out.spansAt();
          if (i >= 0) {
            const sp = out.spans();
            sp[i] = k0; sp[i + 1] = k1; sp[i + 2] = s0; sp[i + 3] = s1; sp[i + 4] = e0; sp[i + 5] = e1;
            sp[i + 6] = d0; sp[i + 7] = d1; sp[i + 8] = p0; sp[i + 9] = p - 1 - base;
          }
          out.end();
          sessions++;
        };
        const add = (t: number, e: number, c: number) => {
          if (open && within(t, last)) { last = Math.max(last, e); pings += c; return; }
          if (open) close();
          open = true; start = t; last = e; pings = c;
        };
        for (let i = 0; i < nk; i++) {
          const from = at[i], to = at[i + 1];
          const slot = order[i];
          keyArena = keys.keyArena(slot); ks = keys.keyStart(slot); ke = ks + keys.keyLength(slot);
          open = false;
          if (stretches) {
            if (to - from > 1) idx.subarray(from, to).sort((a, b) => ts[a] - ts[b] || es[a] - es[b]);
            for (let j = from; j < to; j++) { const r = idx[j]; add(ts[r], es[r], cs[r]); }
          } else {
            const m = to - from;
            if (m > sorted.length) sorted = new Float64Array(Math.max(m, sorted.length * 2));
            for (let j = 0; j < m; j++) sorted[j] = ts[idx[from + j]];
            if (m > 16) sorted.subarray(0, m).sort();
            else for (let j = 1; j < m; j++) { // insertion sort of a few
              const v = sorted[j];
              let k = j - 1;
              while (k >= 0 && sorted[k] > v) { sorted[k + 1] = sorted[k]; k--; }
              sorted[k + 1] = v;
            }
            for (let j = 0; j < m; j++) add(sorted[j], sorted[j], 1);
          }
          if (open) close();
        }
        out.flush();
        ctx.count('sessions', sessions);
        // (the distinct keys, e.g. users, with a session: what a distinct() over the output counts, for free)
        ctx.count('keys', nk);
      },
    };
  },
};
export default tool;
