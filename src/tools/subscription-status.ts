// subscription-status: the user's subscription state at the event's time, from the user's timestamps
// (joined onto the event beforehand). States move one way: free -> trial -> subscribed -> lapsed.
// Boundaries: a state begins at its timestamp (an event exactly at trial_start_at is in trial, exactly
// at subscription_expire_at is lapsed). A trial that ended without a subscription becomes lapsed: the
// user had full access and no longer has it, and states never go back to free (this is also how the
// other team's derived table reads it). Users without a registration time (unknown users) get null.
import { FieldReader } from '../core/fields.js';
import { ByteKeys } from '../core/keyed.js';
import { literalPath } from '../core/json.js';
import { valueBytesMs, valueMs, zoneProblem, ZoneClock } from '../core/time.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';

export interface SubscriptionStatusOptions {
  time: string; as: string; inputTz: string; prefix: string;
  registration: string; trialStart: string; trialEnd: string; subscriptionStart: string; subscriptionExpire: string;
}

/** the state at time t (ms) given the user's boundaries (ms or null) */
export function statusAt(t: number, b: { registration: number | null; trialStart: number | null; trialEnd: number | null; subStart: number | null; subExpire: number | null }): string | null {
  if (b.registration === null) return null;
  if (b.subExpire !== null && t >= b.subExpire) return 'lapsed';
  if (b.subStart !== null && t >= b.subStart) return 'subscribed';
  // (a trial over before the subscription started: lapsed between the two; it was 'trial' up to the
  // subscription when one came later)
  if (b.trialEnd !== null && t >= b.trialEnd) return 'lapsed';
  if (b.trialStart !== null && t >= b.trialStart) return 'trial';
  return 'free';
}

export const tool: Tool<SubscriptionStatusOptions> = {
  name: 'subscription-status',
  parallel: 'local',
  summary: "Add the user's subscription state (free, trial, subscribed, lapsed) at the event's time, from the user's timestamps on the record.",
  usage: 'subscription-status [--time occurred_at] [--as subscription_status] [--input-tz UTC] [FILE...]',
  examples: [
    ['join --side users.json --on user_id --prefix user_ < events.json | subscription-status --prefix user_', "the user's state at each event"],
  ],
  options: {
    time: { type: 'string', default: 'occurred_at', describe: 'event time field' },
    as: { type: 'string', default: 'subscription_status', describe: 'name of the added field' },
    'input-tz': { type: 'string', default: 'UTC', describe: 'zone of timestamps without an offset' },
    prefix: { type: 'string', default: '', describe: 'prefix of the user timestamp fields (as added by join --prefix)' },
    registration: { type: 'string', default: 'registration_at' },
    'trial-start': { type: 'string', default: 'trial_start_at' },
    'trial-end': { type: 'string', default: 'trial_end_at' },
    'subscription-start': { type: 'string', default: 'subscription_start_at' },
    'subscription-expire': { type: 'string', default: 'subscription_expire_at' },
  },
  // (the user's fields are added by a join, null for an unknown user: a registration field no record
  // has at all is a name that is not the join's, most likely a --prefix or field name typo, and every
  // status was null in silence)
  doubt(o: SubscriptionStatusOptions, counters, out) {
    if (out === 0) return undefined;
    const p = o.prefix;
    const names = [o.registration, o.trialStart, o.trialEnd, o.subscriptionStart, o.subscriptionExpire].map((f) => p + f);
    // (the other fields may be left out by a side file for users without a trial or subscription: only
    // the registration's absence says the fields are not there; those missing with it are named too)
    if (counters.get(`without ${names[0]}`) !== out) return undefined;
    const missing = names.filter((f) => counters.get(`without ${f}`) === out);
    const hint = missing.length === 1 ? `a typo in ${p ? `--prefix ${p} or ` : ''}--registration?` : p ? `a typo in --prefix ${p}?` : 'added by join with a --prefix, which this run was not given?';
    return `no record has ${missing.join(', ')}: every status is null (${hint})`;
  },
  check: (o: SubscriptionStatusOptions) => zoneProblem(o.inputTz),
  create(o: SubscriptionStatusOptions, ctx) {
    let clock: ZoneClock;
    try { clock = new ZoneClock(o.inputTz); } catch (err) { throw new UsageError((err as Error).message); }
    if (o.as.includes('.')) throw new UsageError('--as takes a top-level field name (no dots)');
    const p = o.prefix;
    const fields = [o.time, p + o.registration, p + o.trialStart, p + o.trialEnd, p + o.subscriptionStart, p + o.subscriptionExpire, literalPath(o.as)];
    const reader = new FieldReader(fields);
    const without = fields.map((f) => `without ${f}`); // (the figures' names, made once: doubt() reads them)
    /** field k's time (ms, to the µs), null, or a reason */
    const ts = (k: number): number | null | string => {
      const raw = reader.value(k);
      if (raw === undefined || raw === null || raw === '') return null;
      // (to the µs: boundaries are compared; a number's digits below the µs dropped from its own text)
      return valueMs(raw, { inputTz: o.inputTz, text: reader.raw(k) });
    };
    // The user's times repeat on every event of the user: each field's JSON text (its bytes) -> its
    // value, remembered for up to 100,000 texts (no decoding, no string per lookup). The event time is
    // mostly new on every record: parsed each time.
    let seen = new ByteKeys();
    let known: (number | null | string)[] = [];
    const userTs = (line: Line, k: number): number | null | string => {
      const s = reader.spanStart(k);
      if (s < 0) return null;
      const slot = seen.slot(line.buf, s, reader.spanEnd(k));
      if (slot < known.length) return known[slot];
      const v = ts(k);
      known.push(v);
      if (seen.size > 100000) { seen = new ByteKeys(); known = []; }
      return v;
    };
    const b = { registration: null as number | null, trialStart: null as number | null, trialEnd: null as number | null, subStart: null as number | null, subExpire: null as number | null };
    const texts = new Map<string | null, string>();
    const ed = { from: 0, to: 0, text: '' };
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        // (the common shapes read from the bytes, as to-local-date reads them; else decoded and parsed)
        let t: number | null | string = valueBytesMs(line.buf, reader.spanStart(0), reader.spanEnd(0), 'auto', clock, true);
        if (Number.isNaN(t)) t = ts(0);
        if (t === null) return ctx.reject(line, `missing ${o.time}`);
        if (typeof t === 'string') return ctx.reject(line, `bad ${o.time}`, t);
        let absent = 0;
        for (let k = 1; k <= 5; k++) {
          if (reader.spanStart(k) < 0) absent |= 1 << k;
          const v = userTs(line, k);
          if (typeof v === 'string') return ctx.reject(line, `bad ${fields[k]}`, v);
          if (k === 1) b.registration = v; else if (k === 2) b.trialStart = v; else if (k === 3) b.trialEnd = v;
          else if (k === 4) b.subStart = v; else b.subExpire = v;
        }
        if (absent !== 0) for (let k = 1; k <= 5; k++) if (absent & (1 << k)) ctx.count(without[k]);
        const state = statusAt(t, b);
        if (state === null) ctx.count('unknown users');
        let text = texts.get(state);
        if (text === undefined) { text = JSON.stringify(state); texts.set(state, text); }
        ctx.emitEdit(line, reader.edit(6, text, ed));
      },
    };
  },
};
export default tool;
