// final-action: per key (user, item), the last of a set of toggling actions by event time — e.g. the
// like/unlike button: liked = the last action is a like, unliked = it is an unlike. The answer does
// not depend on input order: the latest time wins, and at an exact tie the "off" action (unlike) wins,
// the conservative reading, whatever order the events came in.
import { FieldReader, KEY_TOO_LONG } from '../core/fields.js';
import { ByteKeys, GrowF64, GrowU8 } from '../core/keyed.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';
import { listOption } from '../core/options.js';

export interface FinalActionOptions {
  key: string[]; time: string; actionField: string; on: string[]; off: string[]; onAs: string; offAs: string; keepTime: boolean;
}

const NEWLINE_BRACE = Buffer.from('}\n');
const ON = 1, OFF = 2;

export const tool: Tool<FinalActionOptions> = {
  name: 'final-action',
  summary: 'Per key (e.g. user, reel), decide the final state of a toggling action (like/unlike) by event time, independent of input order.',
  usage: 'final-action [options] [FILE...]',
  examples: [
    ['cat reel_liked_data reel_unliked_data | final-action', 'one {user_uid, reel_uid, liked, unliked} per pair'],
    ['final-action --key account,item --time ts --on follow --off unfollow --on-as following --off-as unfollowed follows.ndjson', 'any toggle: who follows whom'],
  ],
  options: {
    key: { alias: 'k', type: 'string', array: true, default: ['user_uid', 'reel_uid'], describe: 'key fields (comma-separated or repeated)' },
    time: { type: 'string', default: 'timestamp', describe: 'event time field: a number or numeric string (epoch, any unit, compared as numbers)' },
    'action-field': { type: 'string', default: 'event_name', describe: 'field naming the action' },
    on: { type: 'string', array: true, default: ['reel_liked'], describe: 'action value(s) that switch on' },
    off: { type: 'string', array: true, default: ['reel_unliked'], describe: 'action value(s) that switch off' },
    'on-as': { type: 'string', default: 'liked', describe: 'output field: the final action is on' },
    'off-as': { type: 'string', default: 'unliked', describe: 'output field: the final action is off' },
    'keep-time': { type: 'boolean', default: false, describe: 'also output final_action_at (the time of the deciding event)' },
  },
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
    const slots = new ByteKeys();
    let scratch = Buffer.allocUnsafe(4096);
    const times = new GrowF64(-Infinity), acts = new GrowU8();
    const keyNames = o.key.map((k) => Buffer.from(JSON.stringify(k.split('.').pop()) + ':', 'utf8').toString('latin1'));
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
        const pos = reader.keyInto(nk, scratch);
        if (pos === KEY_TOO_LONG) { scratch = Buffer.alloc(scratch.length * 4); return this.record(line); }
        if (pos < 0) return ctx.reject(line, `missing ${o.key[-pos - 1]}`);
        const t = reader.number(nk);
        if (!Number.isFinite(t)) return ctx.reject(line, 'no usable time', `${o.time}=${JSON.stringify(reader.value(nk) ?? null)}`);
        const s = slots.slot(scratch, 0, pos);
        const ta = times.ensure(s), aa = acts.ensure(s);
        if (t > ta[s] || (t === ta[s] && kind === OFF)) { ta[s] = t; aa[s] = kind; }
      },
      end() {
        const order = slots.sorted();
        // assemble the records as bytes: {"k1":tok1,"k2":tok2,"liked":…,"unliked":…}
        const names = keyNames.map((k, i) => Buffer.from((i ? ',' : '{') + k, 'latin1'));
        const onT = Buffer.from(`,${JSON.stringify(o.onAs)}:true,${JSON.stringify(o.offAs)}:false`);
        const offT = Buffer.from(`,${JSON.stringify(o.onAs)}:false,${JSON.stringify(o.offAs)}:true`);
        let batch = Buffer.allocUnsafe(1 << 16), pos = 0, records = 0;
        const put = (b: Buffer, s: number, e: number) => {
          if (pos + (e - s) > batch.length) {
            ctx.emitBatch(batch, 0, pos, records); pos = 0; records = 0;
            if (e - s > batch.length) batch = Buffer.allocUnsafe(2 * (e - s));
          }
          for (let i = s; i < e; i++) batch[pos++] = b[i];
        };
        for (const s of order) {
          const [a, ks, ke] = slots.bytes(s);
          let k = 0, from = ks;
          put(names[0], 0, names[0].length);
          for (let i = ks; i <= ke; i++) {
            if (i === ke || a[i] === 1) {
              put(a, from, i);
              from = i + 1;
              if (i < ke) { k++; put(names[k], 0, names[k].length); }
            }
          }
          const tail = acts.a[s] === ON ? onT : offT;
          put(tail, 0, tail.length);
          if (o.keepTime) { const t = Buffer.from(`,"final_action_at":${times.a[s]}`); put(t, 0, t.length); }
          put(NEWLINE_BRACE, 0, 2);
          records++;
        }
        ctx.emitBatch(batch, 0, pos, records);
        ctx.count('keys', slots.size);
      },
    };
  },
};
export default tool;
