// final-action: per key (user, item), the last of a set of toggling actions by event time — e.g. the
// like/unlike button: liked = the last action is a like, unliked = it is an unlike. The answer does
// not depend on input order: the latest time wins, and at an exact tie the "off" action (unlike) wins,
// the conservative reading, whatever order the events came in.
import { FieldReader } from '../core/fields.js';
import { GrowF64, GrowU8, KeyLog } from '../core/keyed.js';
import { UsageError } from '../core/tool.js';
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
} as const satisfies Record<string, Options>;

export type FinalActionOptions = OptionsOf<typeof options> & InputOptions;

const ON = 1, OFF = 2;
/** events logged before they are first folded to one per key (then: twice the keys kept, at least this);
 *  EVENT_PIPES_FOLD_AT overrides it (the tests fold small inputs many times) */
const FOLD_AT = Number(process.env.EVENT_PIPES_FOLD_AT) || 1 << 23;

export const tool: Tool<FinalActionOptions> = {
  name: 'final-action',
  summary: 'Per key (e.g. user, reel), decide the final state of a toggling action (like/unlike) by event time, independent of input order.',
  usage: 'final-action [options] [FILE...]',
  examples: [
    ['cat reel_liked_data reel_unliked_data | final-action', 'one {user_uid, reel_uid, liked, unliked} per pair'],
    ['final-action --key account,item --time ts --on follow --off unfollow --on-as following --off-as unfollowed follows.ndjson', 'any toggle: who follows whom'],
  ],
  options,
  check(o) {
    o.key = listOption(o.key);
    if (o.key.length === 0) return '--key needs at least one field';
    if (o.on.some((a) => o.off.includes(a))) return 'an action cannot be both --on and --off';
    return undefined;
  },
  create(o, ctx) {
    if (o.key.some((k) => k === o.onAs || k === o.offAs)) throw new UsageError('output field names collide with a key');
    const nk = o.key.length;
    const reader = new FieldReader([...o.key, o.time, o.actionField]);
    const on = new Set(o.on), off = new Set(o.off);
    const onQ = o.on.map((a) => Buffer.from(JSON.stringify(a))), offQ = o.off.map((a) => Buffer.from(JSON.stringify(a)));
    // Each event is logged (its key bytes, time and kind; appending touches no random memory, unlike a
    // hash table of millions of keys); now and then, and at the end, the log is sorted by key and each
    // key's events folded into one (the latest time; at a tie, off wins), so memory follows the keys.
    let log = new KeyLog(), foldAt = FOLD_AT;
    let room = 4096; // bytes of free arena a key may take (grows for longer keys)
    let times = new GrowF64(0), acts = new GrowU8();
    const keyNames = o.key.map((k) => Buffer.from(JSON.stringify(k.split('.').pop()) + ':', 'utf8').toString('latin1'));
    /** sort the log by key and fold each key's events into one: the numbers of the events kept (the
     *  first of each key, in key order), with the key's time and kind in `times` and `acts` by position */
    const fold = (): { keep: Uint32Array; m: number } => {
      const n = log.size, dup = new Uint8Array(n), order = log.order(dup);
      let kept = n;
      for (let k = 0; k < n; k++) kept -= dup[k];
      const ta = times.a, aa = acts.a;
      const keep = new Uint32Array(kept), nt = new GrowF64(0, Math.max(1024, kept)), na = new GrowU8();
      na.a = new Uint8Array(Math.max(1024, kept));
      const t2 = nt.a, a2 = na.a;
      let m = -1;
      for (let k = 0; k < n; k++) {
        const r = order[k], t = ta[r], kind = aa[r];
        if (dup[k] === 0) { m++; keep[m] = r; t2[m] = t; a2[m] = kind; }
        else if (t > t2[m] || (t === t2[m] && kind === OFF)) { t2[m] = t; a2[m] = kind; }
      }
      times = nt; acts = na;
      return { keep, m: m + 1 };
    };
    /** fold and continue with a log of the keys kept */
    const compact = () => {
      const { keep, m } = fold();
      log = log.subset(keep, m);
      foldAt = Math.max(FOLD_AT, 2 * m);
    };
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        let kind = 0;
        for (const q of onQ) if (reader.rawEquals(nk + 1, q)) kind = ON;
        if (kind === 0) for (const q of offQ) if (reader.rawEquals(nk + 1, q)) kind = OFF;
        if (kind === 0 && reader.found(nk + 1)) { // an escaped spelling of a name: decode to be sure
          const action = reader.value(nk + 1);
          kind = on.has(action) ? ON : off.has(action) ? OFF : 0;
        }
        if (kind === 0) { ctx.count('other events'); return; }
        // the key (canonical tokens joined by byte 1, as keyInto) written in place at the end of the log
        let a = log.room(room), pos = log.used;
        for (let k = 0; k < nk; k++) {
          if (k) { if (pos >= a.length) { room *= 4; return this.record(line); } a[pos++] = 1; }
          pos = reader.tokenInto(k, a, pos);
          if (pos === -2) { room *= 4; return this.record(line); }
          if (pos === -1) return ctx.reject(line, `missing ${o.key[k]}`);
        }
        const t = reader.number(nk);
        if (!Number.isFinite(t)) return ctx.reject(line, 'no usable time', `${o.time}=${JSON.stringify(reader.value(nk) ?? null)}`);
        const i = log.commit(pos);
        times.ensure(i)[i] = t; acts.ensure(i)[i] = kind;
        if (log.size >= foldAt) compact();
      },
      end() {
        const { keep, m } = fold();
        // assemble the records as bytes: {"k1":tok1,"k2":tok2,"liked":…,"unliked":…}
        const names = keyNames.map((k, i) => Buffer.from((i ? ',' : '{') + k, 'latin1'));
        const onT = Buffer.from(`,${JSON.stringify(o.onAs)}:true,${JSON.stringify(o.offAs)}:false`);
        const offT = Buffer.from(`,${JSON.stringify(o.onAs)}:false,${JSON.stringify(o.offAs)}:true`);
        let batch = Buffer.allocUnsafe(1 << 16), pos = 0, records = 0;
        const namesLength = names.reduce((n, b) => n + b.length, 0) - (nk - 1); // (the key's separators are not written)
        const a = log.arena, offs = log.offs, lens = log.lens, ta = times.a, aa = acts.a;
        for (let s = 0; s < m; s++) {
          const r = keep[s], ks = offs[r], ke = ks + lens[r];
          const tail = aa[s] === ON ? onT : offT;
          const at = o.keepTime ? Buffer.from(`,"final_action_at":${ta[s]}`) : null;
          // room for the whole record: a batch holds complete records only
          const size = namesLength + (ke - ks) + tail.length + (at ? at.length : 0) + 2;
          if (pos + size > batch.length) {
            ctx.emitBatch(batch, 0, pos, records); pos = 0; records = 0;
            if (size > batch.length) batch = Buffer.allocUnsafe(2 * size);
          }
          batch.set(names[0], pos); pos += names[0].length; // whole constant pieces: one native copy each
          for (let i = ks, k = 0; i < ke; i++) {
            const c = a[i];
            if (c !== 1) batch[pos++] = c;
            else { const nm = names[++k]; batch.set(nm, pos); pos += nm.length; }
          }
          batch.set(tail, pos); pos += tail.length;
          if (at) { batch.set(at, pos); pos += at.length; }
          batch[pos++] = 125; batch[pos++] = 10; // }\n
          records++;
        }
        ctx.emitBatch(batch, 0, pos, records);
        ctx.count('keys', m);
      },
    };
  },
};
export default tool;
