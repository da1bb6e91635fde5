// subscription-status: the user's subscription state at the event's time, from the user's timestamps
// (joined onto the event beforehand). States move one way: free -> trial -> subscribed -> lapsed.
// Boundaries: a state begins at its timestamp (an event exactly at trial_start_at is in trial, exactly
// at subscription_expire_at is lapsed). A trial that ended without a subscription becomes lapsed: the
// user had full access and no longer has it, and states never go back to free (this is also how the
// other team's derived table reads it). Users without a registration time (unknown users) get null.
import { FieldReader } from '../core/fields.js';
import { parseTimestamp, ZoneClock } from '../core/time.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';

export interface SubscriptionStatusOptions {
  time: string; as: string; inputTz: string;
  registration: string; trialStart: string; trialEnd: string; subscriptionStart: string; subscriptionExpire: string;
}

/** the state at time t (ms) given the user's boundaries (ms or null) */
export function statusAt(t: number, b: { registration: number | null; trialStart: number | null; trialEnd: number | null; subStart: number | null; subExpire: number | null }): string | null {
  if (b.registration === null) return null;
  if (b.subExpire !== null && t >= b.subExpire) return 'lapsed';
  if (b.subStart !== null && t >= b.subStart) return 'subscribed';
  if (b.trialEnd !== null && t >= b.trialEnd && b.subStart === null) return 'lapsed';
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
  create(o: SubscriptionStatusOptions & { prefix: string }, ctx) {
    try { new ZoneClock(o.inputTz); } catch (err) { throw new UsageError((err as Error).message); }
    if (o.as.includes('.')) throw new UsageError('--as takes a top-level field name (no dots)');
    const p = o.prefix;
    const fields = [o.time, p + o.registration, p + o.trialStart, p + o.trialEnd, p + o.subscriptionStart, p + o.subscriptionExpire, o.as];
    const reader = new FieldReader(fields);
    const cache = new Map<string, number | string>();
    const ts = (v: unknown): number | null | string => {
      if (v === undefined || v === null || v === '') return null;
      if (typeof v !== 'string' && typeof v !== 'number') return `not a timestamp: ${JSON.stringify(v)}`;
      const key = String(v);
      let ms = cache.get(key);
      if (ms === undefined) { ms = parseTimestamp(v, { inputTz: o.inputTz }); if (cache.size > 100000) cache.clear(); cache.set(key, ms); }
      return ms;
    };
    const AS = [6];
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        const t = ts(reader.value(0));
        if (t === null) return ctx.reject(line, `missing ${o.time}`);
        if (typeof t === 'string') return ctx.reject(line, `bad ${o.time}`, t);
        const b: number[] = [];
        for (let k = 1; k <= 5; k++) {
          const v = ts(reader.value(k));
          if (typeof v === 'string') return ctx.reject(line, `bad ${fields[k]}`, v);
          b.push(v as number);
        }
        const state = statusAt(t, { registration: b[0], trialStart: b[1], trialEnd: b[2], subStart: b[3], subExpire: b[4] });
        if (state === null) ctx.count('unknown users');
        ctx.emitEdits(line, reader.edits(AS, [JSON.stringify(state)]));
      },
    };
  },
};
export default tool;
