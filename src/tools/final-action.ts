// final-action: per key (user, item), the last of a set of toggling actions by event time — e.g. the
// like/unlike button: liked = the last action is a like, unliked = it is an unlike. The answer does
// not depend on input order: the latest time wins, and at an exact tie the "off" action (unlike) wins,
// the conservative reading, whatever order the events came in.
import { FieldReader } from '../core/fields.js';
import { toNumber } from '../core/json.js';
import { GrowF64, GrowU8, Slots } from '../core/keyed.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';

export interface FinalActionOptions {
  key: string[]; time: string; actionField: string; on: string[]; off: string[]; onAs: string; offAs: string; keepTime: boolean;
}

const SEP = '\u0001';
const ON = 1, OFF = 2;

export const tool: Tool<FinalActionOptions> = {
  name: 'final-action',
  summary: 'Per key (e.g. user, reel), decide the final state of a toggling action (like/unlike) by event time, independent of input order.',
  usage: 'final-action [options] [FILE...]',
  examples: [
    ['cat reel_liked_data reel_unliked_data | final-action', 'one {user_uid, reel_uid, liked, unliked} per pair'],
    ['final-action --key account,item --time ts --on follow --off unfollow --on-as following --off-as unfollowed ev.ndjson', 'any toggle'],
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
    o.key = o.key.flatMap((k) => k.split(',')).map((k) => k.trim()).filter(Boolean);
    if (o.key.length === 0) return '--key needs at least one field';
    if (o.on.some((a) => o.off.includes(a))) return 'an action cannot be both --on and --off';
    return undefined;
  },
  create(o, ctx) {
    if (o.key.some((k) => k === o.onAs || k === o.offAs)) throw new UsageError('output field names collide with a key');
    const nk = o.key.length;
    const reader = new FieldReader([...o.key, o.time, o.actionField]);
    const on = new Set(o.on), off = new Set(o.off);
    const slots = new Slots();
    const times = new GrowF64(-Infinity), acts = new GrowU8();
    const keyNames = o.key.map((k) => JSON.stringify(k.split('.').pop()) + ':');
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end)) return ctx.reject(line, 'malformed JSON', reader.error);
        const action = reader.value(nk + 1);
        const kind = on.has(action) ? ON : off.has(action) ? OFF : 0;
        if (kind === 0) { ctx.count('other events'); return; }
        let key = '';
        for (let k = 0; k < nk; k++) {
          const t = reader.token(k);
          if (t === 'null') return ctx.reject(line, `missing ${o.key[k]}`);
          key += (k ? SEP : '') + t;
        }
        const raw = reader.value(nk);
        const t = raw === null || raw === undefined || typeof raw === 'boolean' ? NaN : toNumber(raw);
        if (!Number.isFinite(t)) return ctx.reject(line, 'no usable time', `${o.time}=${JSON.stringify(raw ?? null)}`);
        const s = slots.slot(key);
        const ta = times.ensure(s), aa = acts.ensure(s);
        if (t > ta[s] || (t === ta[s] && kind === OFF)) { ta[s] = t; aa[s] = kind; }
      },
      end() {
        const order = slots.sorted();
        for (const s of order) {
          const tokens = slots.keys[s].split(SEP);
          let text = '{';
          for (let k = 0; k < nk; k++) text += (k ? ',' : '') + keyNames[k] + Buffer.from(tokens[k], 'latin1').toString('utf8');
          const a = acts.a[s];
          text += `,${JSON.stringify(o.onAs)}:${a === ON},${JSON.stringify(o.offAs)}:${a === OFF}`;
          if (o.keepTime) text += `,"final_action_at":${times.a[s]}`;
          ctx.emit(text + '}');
        }
        ctx.count('keys', slots.size);
      },
    };
  },
};
export default tool;
