// final-action: per key (user, item), the last of a set of toggling actions by event time — e.g. the
// like/unlike button: liked = the last action is a like, unliked = it is an unlike. The answer does
// not depend on input order: the latest time wins, and at an exact tie the "off" action (unlike) wins,
// the conservative reading, whatever order the events came in.
// Over threads (--threads, or event-pipes --threads; core/parallel.ts, a 'keyed' stage): each worker
// logs and folds the events of its pieces (its log in shared memory); at the end they are cut into key
// ranges, and each range is gathered from every worker's log, sorted, folded and written in a worker,
// the ranges in key order: the same bytes as one thread, since the output is in key order and the fold
// does not depend on the order of the events.
import { isMainThread } from 'node:worker_threads';
import { FieldReader } from '../core/fields.js';
import { pathName } from '../core/json.js';
import { GrowF64, GrowU16, KeyLog, gatherRange, rangedLog, rangesOf, sampleKeys, sortKeys } from '../core/keyed.js';
import type { KeyList, SharedKeyLog } from '../core/keyed.js';
import type { Line, Tool } from '../core/tool.js';
import { listOption } from '../core/options.js';
import type { Options } from 'yargs';
import type { InputOptions, OptionsOf } from '../core/options.js';

const options = {
  key: { alias: 'k', type: 'string', array: true, default: ['user_uid', 'reel_uid'], describe: 'key fields (comma-separated or repeated)' },
  time: { type: 'string', default: 'timestamp', describe: 'event time field: a number or numeric string (epoch, any unit, compared as numbers)' },
  'action-field': { type: 'string', default: 'event_name', describe: 'field naming the action' },
  on: { type: 'string', array: true, default: ['reel_liked'], describe: 'action value(s) that switch on' },
  off: { type: 'string', array: true, default: ['reel_unliked'], describe: 'action value(s) that switch off' },
  'on-as': { type: 'string', default: 'liked', describe: 'output field: the final action is on' },
  'off-as': { type: 'string', default: 'unliked', describe: 'output field: the final action is off' },
  'keep-time': { type: 'boolean', default: false, describe: 'also output final_action_at (the time of the deciding event)' },
  threads: { type: 'string', default: 'auto', describe: 'threads over a file input: N, or auto: 2 when the machine has two cores and the files are 64 MiB or more, else 1 (the output is the same)' },
} as const satisfies Record<string, Options>;

export type FinalActionOptions = OptionsOf<typeof options> & InputOptions;

const ON = 1, OFF = 2;
/**
 * An event's tag: its kind and what its time's double lost. A time is kept as a double, but an integer
 * of 16+ digits (an epoch in µs or ns) may not fit one: 1700000000000000001 and ...002 share a double.
 * The tag holds the exact value's distance from its double (at most 2^13 for |t| < 2^67, past the
 * year 6000 in ns) and the kind: ((exact - double + 2^14) << 1) | (off ? 1 : 0). So at an equal double
 * the larger tag is the later event, and at an exact tie the off one: the fold compares times, then
 * tags, as it compared times, then kinds. An ordinary time's tag is 2^15 (on) or 2^15 + 1 (off).
 */
const EXACT = 1 << 14, BEYOND = 2 ** 67; // (from 2^67 a distance may be 2^14: the tag would pass 16 bits)
export const TAG_ON = EXACT << 1, TAG_OFF = TAG_ON | 1;
/** the tag of an event of kind `kind` whose time, read as `t`, is written `text` in its record */
function tagOf(kind: number, t: number, text: string | undefined): number {
  const base = kind === OFF ? TAG_OFF : TAG_ON;
  if (!(t >= 2 ** 53 || t <= -(2 ** 53)) || t >= BEYOND || t <= -BEYOND || text === undefined || !/^-?[0-9]+$/.test(text)) return base;
  return base + (Number(BigInt(text) - BigInt(t)) << 1);
}
/** a time as written out: an integer of 16+ digits as the digits the double and the tag make (String(t)
 *  is the double's shortest text: 1.7e18 + 256 as ...300; past 2^67, the double's own digits), else
 *  the double's shortest text */
function timeText(t: number, tag: number): string {
  if (!(t >= 2 ** 53 || t <= -(2 ** 53)) || t >= 1e21 || t <= -1e21) return String(t);
  return String(BigInt(t) + BigInt((tag >> 1) - EXACT));
}
/** events logged before they are first folded to one per key (then: twice the keys kept, at least this);
 *  EVENT_PIPES_FOLD_AT overrides it (the tests fold small inputs many times) */
const FOLD_AT = Number(process.env.EVENT_PIPES_FOLD_AT) || 1 << 23;

export const tool: Tool<FinalActionOptions> = {
  name: 'final-action',
  summary: 'Per key (e.g. user, reel), decide the final state of a toggling action (like/unlike) by event time, independent of input order.',
  holdsOutput: true,
  usage: 'final-action [options] [FILE...]',
  examples: [
    ['cat reel_liked_data reel_unliked_data | final-action', 'one {user_uid, reel_uid, liked, unliked} per pair'],
    ['final-action --key account,item --time ts --on follow --off unfollow --on-as following --off-as unfollowed follows.ndjson', 'any toggle: who follows whom'],
  ],
  options,
  parallel: 'keyed',
  // (events read, none of --on or --off: the output is empty, and says why)
  keptNothing: (o, c) => ((c.get('keys') ?? 0) === 0 && (c.get('other events') ?? 0) > 0
    ? `no event was ${[...o.on, ...o.off].join(' or ')} (${c.get('other events')} of other actions: a typo in --on or --off?): nothing kept` : undefined),
  check(o) {
    o.key = listOption(o.key);
    if (o.key.length === 0) return '--key needs at least one field';
    if (o.on.some((a) => o.off.includes(a))) return 'an action cannot be both --on and --off';
    // each output field once: a key under its last name (a.id and b.id are both "id"), the states, the time
    const names = [...o.key.map(pathName), o.onAs, o.offAs, ...(o.keepTime ? ['final_action_at'] : [])];
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) return `output field '${twice}' is named twice (keys are written under their last name; --on-as and --off-as name the states)`;
    if (o.threads !== 'auto' && !(Number.isInteger(Number(o.threads)) && Number(o.threads) >= 1 && Number(o.threads) <= 256)) return `--threads takes a number of threads or auto (got '${o.threads}')`;
    return undefined;
  },
  create(o, ctx) {
    const nk = o.key.length;
    const reader = new FieldReader([...o.key, o.time, o.actionField]);
    const on = new Set(o.on), off = new Set(o.off);
    const onQ = o.on.map((a) => Buffer.from(JSON.stringify(a))), offQ = o.off.map((a) => Buffer.from(JSON.stringify(a)));
    // Each event is logged (its key bytes, time and kind; appending touches no random memory, unlike a
    // hash table of millions of keys); now and then, and at the end, the log is sorted by key and each
    // key's events folded into one (the latest time; at a tie, off wins), so memory follows the keys.
    // In a worker of a threaded run (told the number of threads), a share of FOLD_AT: the events held
    // in all threads stay about those of one thread.
    // A worker's log is in shared memory: the thread merging a key range reads its events there.
    const foldBase = isMainThread ? FOLD_AT : Math.ceil(FOLD_AT / (Number(o.threads) || 1));
    const shared = !isMainThread;
    let log = new KeyLog(shared), foldAt = foldBase;
    let room = 4096; // bytes of free arena a key may take (grows for longer keys)
    let times = new GrowF64(0, 1024, shared), acts = new GrowU16(shared);
    /** sort the log by key and fold each key's events into one: the numbers of the events kept (the
     *  first of each key, in key order), with the key's time and tag in `times` and `acts` by position */
    const fold = (): { keep: Uint32Array; m: number } => {
      const r = foldLog(log, times.a, acts.a);
      times = new GrowF64(0, 0, shared); times.a = r.times; acts = new GrowU16(shared); acts.a = r.acts;
      return r;
    };
    /** fold and continue with a log of the keys kept */
    const compact = () => {
      const { keep, m } = fold();
      log = log.subset(keep, m);
      foldAt = Math.max(foldBase, 2 * m);
    };
    // most lines read many a call by the compiled walk (EventScan: string keys, a time of plain digits,
    // an action among --on and --off); a line it does not read comes to record()
    const events = reader.eventScan([...onQ.map((token) => ({ token, kind: ON })), ...offQ.map((token) => ({ token, kind: OFF }))]);
    return {
      batch: events === null ? undefined : (split, from, start, k0, n) => {
        let k = k0;
        do {
          const j = split.events(events, from, start, k, n), m = events.count;
          if (events.others) ctx.count('other events', events.others);
          if (m > 0) {
            const used = events.used, lens = events.lens, ts = events.times, kinds = events.kinds;
            events.keys.copy(log.room(used), log.used, 0, used);
            let end = log.used;
            for (let q = 0; q < m; q++) {
              end += lens[q];
              const i = log.commit(end);
              const ta = i < times.a.length ? times.a : times.ensure(i), aa = i < acts.a.length ? acts.a : acts.ensure(i);
              ta[i] = ts[q]; aa[i] = kinds[q] === OFF ? TAG_OFF : TAG_ON;
            }
            if (log.size >= foldAt) compact();
          }
          if (j > k) start = split.lineEnd(j - 1, from) + 1;
          k = j;
        } while (events.full && k < n);
        return k;
      },
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        let kind = 0;
        for (const q of onQ) if (reader.rawEquals(nk + 1, q)) kind = ON;
        if (kind === 0) for (const q of offQ) if (reader.rawEquals(nk + 1, q)) kind = OFF;
        if (kind === 0 && reader.found(nk + 1)) { // an escaped spelling of a name: decode to be sure
          const action = reader.value(nk + 1);
          kind = on.has(action) ? ON : off.has(action) ? OFF : 0;
        }
        if (kind === 0) {
          // (a record without the action is one this tool cannot use: a typo in --action-field shows)
          if (!reader.found(nk + 1) || reader.value(nk + 1) === null) return ctx.reject(line, `missing ${o.actionField}`);
          ctx.count('other events'); return;
        }
        // the key (canonical tokens joined by byte 1, as keyInto) written in place at the end of the log
        let a = log.room(room), pos = log.used;
        for (let k = 0; k < nk; k++) {
          if (k) { if (pos >= a.length) { room *= 4; return this.record(line); } a[pos++] = 1; }
          pos = reader.tokenInto(k, a, pos);
          if (pos === -2) { room *= 4; return this.record(line); }
          if (pos === -1) return ctx.reject(line, `missing ${o.key[k]}`);
        }
        const t = reader.number(nk);
        if (!Number.isFinite(t)) return ctx.reject(line, 'no usable time', `${o.time}=${reader.raw(nk) ?? 'null'}`);
        const text = t >= 2 ** 53 || t <= -(2 ** 53) ? reader.numberText(nk) : undefined;
        // (an integer from 2^67 on cannot be compared exactly: its double and tag do not hold it; such
        // a time, past the year 6000 in ns, was compared by its double and written as one, 1e+21)
        if (t >= BEYOND || t <= -BEYOND) { // (1e30 too: a double of such a size holds no time a tool reads)
          return ctx.reject(line, 'no usable time', `${o.time}=${reader.raw(nk)}: a time from 2^67 (~1.5e20, past the year 6000 in ns) on is beyond what is compared exactly`);
        }
        const i = log.commit(pos);
        const ta = i < times.a.length ? times.a : times.ensure(i), aa = i < acts.a.length ? acts.a : acts.ensure(i);
        ta[i] = t; aa[i] = text !== undefined ? tagOf(kind, t, text) : kind === OFF ? TAG_OFF : TAG_ON;
        if (log.size >= foldAt) compact();
      },
      end() {
        const { keep, m } = fold();
        const w = new RecordWriter(o, false, (b, e, n) => ctx.emitBatch(b, 0, e, n));
        const a = log.arena, offs = log.offs, lens = log.lens, ta = times.a, aa = acts.a, av = viewOf(a);
        for (let s = 0; s < m; s++) { const r = keep[s]; w.put(a, offs[r], offs[r] + lens[r], aa[s], ta[s], av); }
        w.flush();
        ctx.count('keys', m);
      },
      /** (in a worker of a threaded run) instead of end(): about `max` keys of the log */
      sample(max: number): KeyList { return sampleKeys(log, max); },
      /** then: the key range of each logged event among those `splits` cut; the log (in shared
       *  memory, not copied) with them, for the threads that merge the ranges */
      cut(splits: KeyList): SharedKeyLog {
        const n = log.size, a = log.arena, offs = log.offs, lens = log.lens, parts = splits.n + 1;
        const ranges = new Uint8Array(new SharedArrayBuffer(Math.max(8, n)));
        rangesOf(splits, a, offs, lens, n, ranges);
        return rangedLog(n, a.subarray(0, log.used), offs, lens, times.a, acts.a, ranges, parts);
      },
    };
  },
  /** (in a worker of a threaded run) the output records of key range `part`: every worker's events of
   *  it (in their logs) sorted and folded per key as fold() does (the latest time, at a tie off), in
   *  batches to `emit` */
  mergeRange(o: FinalActionOptions, logs: SharedKeyLog[], part: number, emit: (b: Buffer, end: number, records: number) => Buffer | undefined) {
    const range = gatherRange(logs, part), keys = range.keys, from = range.from;
    const { keep, m, times, acts } = foldEvents(keys[0], range.offs, range.lens, range.n, range.nums, range.tags, from, keys);
    const w = new RecordWriter(o, true, emit);
    const offs = range.offs, lens = range.lens;
    const views = keys.map(viewOf); // (one a thread's arena)
    for (let s = 0; s < m; s++) { const r = keep[s], j = from[r]; w.put(keys[j], offs[r], offs[r] + lens[r], acts[s], times[s], views[j]); }
    w.flush();
  },
};

/**
 * Sort the log (foldEvents: the keys a[offs[i], offs[i] + lens[i]) of events 0..n-1) by key and fold
 * each key's events (time ta[i] and tag aa[i] of event i) into one: the numbers of the events kept
 * (the first of each key, in key order), with the key's latest time and its tag (the larger at equal
 * doubles: the exact later time; at an exact tie, off) in `times` and `acts` by position (arrays of at
 * least 1024).
 */
function foldLog(log: KeyLog, ta: Float64Array, aa: Uint16Array) { return foldEvents(log.arena, log.offs, log.lens, log.size, ta, aa); }

export function foldEvents(a: Uint8Array, offs: Int32Array, lens: Int32Array, n: number, ta: Float64Array, aa: Uint16Array, from?: Uint8Array, arenas?: readonly Uint8Array[]): { keep: Uint32Array; m: number; times: Float64Array<ArrayBuffer>; acts: Uint16Array<ArrayBuffer> } {
  const dup = new Uint8Array(n), order = sortKeys(a, offs, lens, n, dup, from, arenas);
  let kept = n;
  for (let k = 0; k < n; k++) kept -= dup[k];
  const keep = new Uint32Array(kept), t2 = new Float64Array(Math.max(1024, kept)), a2 = new Uint16Array(Math.max(1024, kept));
  let m = -1;
  for (let k = 0; k < n; k++) {
    const r = order[k], t = ta[r], tag = aa[r];
    if (dup[k] === 0) { m++; keep[m] = r; t2[m] = t; a2[m] = tag; }
    else if (t > t2[m] || (t === t2[m] && tag > a2[m])) { t2[m] = t; a2[m] = tag; }
  }
  return { keep, m: m + 1, times: t2, acts: a2 };
}

/**
 * The output records, assembled as bytes in batches: {"k1":tok1,"k2":tok2,"liked":…,"unliked":…} from
 * the key (its tokens joined by byte 1), its final kind and time. A batch holds complete records only;
 * it goes to `emit` when full (and at the end); `handOver`: emit keeps it (it goes to another thread)
 * and may give back one written before, else the next batch is a new one (of 1 MiB, not 64 KiB).
 */
export class RecordWriter {
  private batch: Buffer;
  private view: DataView;
  private pos = 0;
  private records = 0;
  private readonly names: Piece[];
  private readonly namesLength: number;
  private readonly onT: Piece;
  private readonly offT: Piece;
  private readonly keepTime: boolean;

  constructor(o: FinalActionOptions, private readonly handOver: boolean, private readonly emit: (b: Buffer, end: number, records: number) => Buffer | undefined | void) {
    this.batch = Buffer.allocUnsafe(handOver ? 1 << 20 : 1 << 16);
    this.view = viewOf(this.batch);
    const keyNames = o.key.map((k) => Buffer.from(JSON.stringify(pathName(k)) + ':', 'utf8').toString('latin1'));
    this.names = keyNames.map((k, i) => piece(Buffer.from((i ? ',' : '{') + k, 'latin1')));
    this.namesLength = this.names.reduce((n, p) => n + p.length, 0) - (o.key.length - 1); // (the key's separators are not written)
    this.onT = piece(Buffer.from(`,${JSON.stringify(o.onAs)}:true,${JSON.stringify(o.offAs)}:false`));
    this.offT = piece(Buffer.from(`,${JSON.stringify(o.onAs)}:false,${JSON.stringify(o.offAs)}:true`));
    this.keepTime = o.keepTime;
  }

  /** one record: the key a[ks, ke) (`av`: a view of a), its final event's tag (its kind) and time */
  put(a: Uint8Array, ks: number, ke: number, tag: number, t: number, av: DataView): void {
    const names = this.names, tail = (tag & 1) === 0 ? this.onT : this.offT;
    const at = this.keepTime ? `,"final_action_at":${timeText(t, tag)}` : '';
    const size = this.namesLength + (ke - ks) + tail.length + at.length + 2;
    let batch = this.batch, view = this.view, pos = this.pos;
    if (pos + size + 3 > batch.length) { // (+ 3: a constant piece's last word may reach past it)
      const back = this.emit(batch, pos, this.records); pos = 0; this.records = 0;
      if (this.handOver) batch = this.batch = back && back.length >= size + 3 ? back : Buffer.allocUnsafe(Math.max(2 * size + 3, 1 << 20));
      else if (size + 3 > batch.length) batch = this.batch = Buffer.allocUnsafe(2 * size + 3);
      if (batch.buffer !== view.buffer || batch.byteOffset !== view.byteOffset) view = this.view = viewOf(batch);
    }
    // the constant pieces four bytes a store (their last word's extra bytes are overwritten next); the
    // key's tokens four bytes at a time up to the word holding a separator (byte 1), that one by bytes
    pos = names[0].write(view, pos);
    for (let i = ks, k = 0; i < ke;) {
      if (i + 4 <= ke) {
        const x = av.getUint32(i, true), y = x ^ 0x01010101;
        if ((((y - 0x01010101) | 0) & ~y & 0x80808080) === 0) { view.setUint32(pos, x, true); pos += 4; i += 4; continue; }
      }
      const c = a[i++];
      if (c !== 1) batch[pos++] = c;
      else pos = names[++k].write(view, pos);
    }
    pos = tail.write(view, pos);
    if (at) pos += batch.write(at, pos, 'latin1');
    batch[pos++] = 125; batch[pos++] = 10; // }\n
    this.pos = pos;
    this.records++;
  }

  /** emit what is left (always once at the end, as before: possibly empty) */
  flush(): void { this.emit(this.batch, this.pos, this.records); this.pos = 0; this.records = 0; }
}
/** a constant piece of the records: its bytes as little-endian words (the last one zero-padded) */
interface Piece { length: number; /** the piece at v[pos...] (up to 3 bytes more written after it): the position after it */ write: (v: DataView, pos: number) => number }
function piece(b: Buffer): Piece {
  const padded = Buffer.alloc((b.length + 3) & ~3);
  b.copy(padded);
  const words = new Uint32Array(padded.length >> 2);
  for (let i = 0; i < words.length; i++) words[i] = padded.readUInt32LE(4 * i);
  // the stores written out with the words as constants (no loop, no loads: the writer's time on the 5M
  // bench's ranges 235-275 -> 180-270 ms); where code from strings is disallowed, a loop over the words
  const body = Array.from(words, (w, i) => `v.setUint32(pos + ${4 * i}, ${w}, true);`).join(' ') + ` return pos + ${b.length};`;
  let write: (v: DataView, pos: number) => number;
  try { write = new Function('v', 'pos', body) as typeof write; } catch {
    write = (v, pos) => { for (let i = 0; i < words.length; i++) v.setUint32(pos + 4 * i, words[i], true); return pos + b.length; };
  }
  return { length: b.length, write };
}
function viewOf(b: Uint8Array): DataView { return new DataView(b.buffer, b.byteOffset, b.byteLength); }
export default tool;
