// watch-ratio: per (user, reel), how many times over a clip was watched: the sum of each watch
// event's total watch time divided by the reel's duration. What reel_watch_duration means depends on
// the app: android >= 2.3.0 and ios report the total; android < 2.3.0 resets at each loop, so the total
// is reel_duration * replay_count + reel_watch_duration when replay_count > 0. Versions compare as
// versions ("2.10.0" > "2.3.0"); platform names case-insensitively; numbers may come as strings.
import { FieldReader, KEY_TOO_LONG, shownValue } from '../core/fields.js';
import { numberToken, pathName, toNumber } from '../core/json.js';
import { ByteKeys, GrowF64 } from '../core/keyed.js';
import { addExact, partialsValue } from '../core/aggregates.js';
import { RecordBatch } from '../core/output.js';
import { compareParsed, parseVersion } from '../core/version.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';
import { listOption } from '../core/options.js';
import type { InputOptions, OptionsOf } from '../core/options.js';
import type { Options } from 'yargs';

const options = {
  key: { alias: 'k', type: 'string', array: true, default: ['user_uid', 'reel_uid'], describe: 'key fields' },
  event: { type: 'string', array: true, default: ['reel_watched'], describe: 'watch event name(s); other events are ignored' },
  'name-field': { type: 'string', default: 'event_name', describe: 'field naming the event' },
  'resets-before': { type: 'string', default: '2.3.0', describe: 'android versions below this reset the watch duration at each loop' },
  'platform-field': { type: 'string', default: 'origin_platform' },
  'version-field': { type: 'string', default: 'app_version' },
  'watch-field': { type: 'string', default: 'reel_watch_duration' },
  'duration-field': { type: 'string', default: 'reel_duration' },
  'replay-field': { type: 'string', default: 'replay_count' },
} as const satisfies Record<string, Options>;

export type WatchRatioOptions = OptionsOf<typeof options> & InputOptions;

/** total watch time of one event under the platform rules, or a reason it cannot be computed */
export function totalWatch(platform: unknown, version: unknown, watch: unknown, duration: unknown, replays: unknown,
  resetsBefore = parseVersion('2.3.0')!): { total: number; duration: number } | { error: string; detail?: string } {
  const bad = (field: string, v: unknown) => (v == null ? { error: `missing ${field}` } : { error: `bad ${field}`, detail: shownValue(v) });
  const p = typeof platform === 'string' ? platform.trim().toLowerCase() : '';
  if (p !== 'android' && p !== 'ios') return platform == null ? { error: 'missing platform' } : { error: 'unknown platform', detail: JSON.stringify(platform) };
  const w = watch == null ? NaN : toNumber(watch), d = duration == null ? NaN : toNumber(duration);
  if (!Number.isFinite(w) || w < 0) return bad('reel_watch_duration', watch);
  if (!Number.isFinite(d) || d <= 0) return bad('reel_duration', duration);
  if (p === 'ios') return { total: w, duration: d };
  const v = parseVersion(version);
  if (!v) return bad('app_version', version);
  if (compareParsed(v, resetsBefore) >= 0) return { total: w, duration: d };
  const r = replays == null ? NaN : toNumber(replays);
  if (!Number.isInteger(r) || r < 0) return bad('replay_count', replays); // (a count: 1.5 was taken as one and a half loops)
  return { total: r > 0 ? d * r + w : w, duration: d };
}

/**
 * Per-key sums of doubles, exact and so the same in any order of the events: a key's sum is one double
 * while every addition is exact (whole seconds, halves), and from the first that rounds its exact
 * partials (as count-by's sums, math.fsum), rounded once when read. In order, 0.1 + 0.2 + 0.3 was
 * 0.6000000000000001 and 0.3 + 0.2 + 0.1 was 0.6, and reel-interest's `> 0.6` decided by the order.
 */
export class ExactSums {
  readonly hi = new GrowF64(0);
  readonly parts = new Map<number, number[]>();
  add(s: number, x: number): void {
    const p = this.parts.get(s);
    if (p !== undefined) { if (!addExact(p, x)) { this.parts.delete(s); this.hi.a[s] = x + partialsValue(p); } return; }
    const h = this.hi.ensure(s), a = h[s], t = a + x;
    // (the error of a + x, Knuth's two-sum: none, and the double is the exact sum)
    const bv = t - a, err = (a - (t - bv)) + (x - bv);
    if (err === 0 || !Number.isFinite(t)) { h[s] = t; return; }
    const q: number[] = [a];
    addExact(q, x);
    this.parts.set(s, q);
  }
  value(s: number): number { const p = this.parts.get(s); return p !== undefined ? partialsValue(p) : this.hi.a[s]; }
}

export const tool: Tool<WatchRatioOptions> = {
  name: 'watch-ratio',
  summary: 'Per (user, reel), the watched ratio: total watch time over the reel duration, with the per-platform/app-version meaning of reel_watch_duration.',
  holdsOutput: true,
  usage: 'watch-ratio [options] [FILE...]',
  examples: [
    ['watch-ratio reel_watched_data', 'one {user_uid, reel_uid, watched_ratio, watch_events} per pair'],
    ['watch-ratio --resets-before 3.0.0 reel_watched_data', 'another app version where looping stopped resetting the counter'],
  ],
  options,
  check(o) {
    o.key = listOption(o.key);
    // each output field once: a key under its last name (a.id and b.id are both "id"), then the figures
    const names = [...o.key.map(pathName), 'watched_ratio', 'watch_events'];
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) return `output field '${twice}' is named twice (keys are written under their last name)`;
    if (!parseVersion(o.resetsBefore)) return `--resets-before takes a version such as 2.3.0`;
    return undefined;
  },
  create(o, ctx) {
    const nk = o.key.length;
    if (nk === 0) throw new UsageError('--key needs a field');
    const reader = new FieldReader([...o.key, o.nameField, o.platformField, o.versionField, o.watchField, o.durationField, o.replayField]);
    const events = new Set(o.event);
    const threshold = parseVersion(o.resetsBefore)!;
    // a key is its fields' canonical tokens joined by byte 1 (FieldReader.keyInto), kept as bytes
    const slots = new ByteKeys();
    let scratch = Buffer.allocUnsafe(1 << 12);
    const ratio = new ExactSums(), count = new GrowF64(0), total = new ExactSums(), dur = new GrowF64(0);
    // the output's constant pieces as bytes: `{"k1":`, `,"k2":` before the key's tokens
    const heads = o.key.map((k, i) => Buffer.from((i ? ',' : '{') + JSON.stringify(pathName(k)) + ':', 'utf8'));
    const headsLength = heads.reduce((n, h) => n + h.length, 0);
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        if (!events.has(reader.value(nk))) {
          // (a record without the event's name is one this tool cannot use: a typo in --name-field shows)
          if (!reader.found(nk) || reader.value(nk) === null) return ctx.reject(line, `missing ${o.nameField}`);
          ctx.count('other events'); return;
        }
        let len = reader.keyInto(nk, scratch);
        while (len === KEY_TOO_LONG) { scratch = Buffer.allocUnsafe(scratch.length * 4); len = reader.keyInto(nk, scratch); }
        if (len < 0) return ctx.reject(line, `missing ${o.key[-len - 1]}`);
        // (a version sent as a number is read as written: 2.10 is 2.10.0, not its double's 2.1)
        const version = reader.value(nk + 2);
        const r = totalWatch(reader.value(nk + 1), typeof version === 'number' ? reader.raw(nk + 2) : version, reader.value(nk + 3), reader.value(nk + 4), reader.value(nk + 5), threshold);
        if ('error' in r) return ctx.reject(line, r.error, r.detail);
        if (!Number.isFinite(r.total / r.duration)) return ctx.reject(line, 'ratio out of range', `${r.total} / ${r.duration} is beyond a double`);
        // sum the totals and divide once (exact for whole seconds: 40 + 20 over 100 is 0.6, not
        // 0.6000000000000001, which would flip the > 0.6 decision); per-event ratios only if the
        // reel's duration differs between events
        const s = slots.slot(scratch, 0, len);
        const n = count.ensure(s)[s]++;
        const d = dur.ensure(s);
        if (n === 0) d[s] = r.duration; else if (d[s] !== r.duration) d[s] = NaN;
        total.add(s, r.total);
        ratio.add(s, r.total / r.duration);
      },
      end() {
        // written as bytes in batches: the key's tokens from its bytes (a JSON token holds no raw byte
        // 1, the separator), then the ratio and the count (no string per record)
        const out = new RecordBatch((b, s, e, records) => ctx.emitBatch(b, s, e, records));
        // the keys' figures gathered in key order first (a loop of independent reads the processor
        // overlaps), then written in that order
        const order = slots.sorted(), n = order.length, wrs = new Float64Array(n), cnt = new Float64Array(n);
        const da = dur.a, ca = count.a;
        for (let k = 0; k < n; k++) { const s = order[k], d = da[s]; wrs[k] = Number.isNaN(d) ? ratio.value(s) : total.value(s) / d; cnt[k] = ca[s]; }
        // (each event's ratio is a double, checked as it came; a pair's sum of them may not be)
        const beyond: number[] = [];
        for (let k = 0; k < n; k++) if (!Number.isFinite(wrs[k])) beyond.push(k + 1);
        if (beyond.length === 1) ctx.warn(`the watched_ratio of output record ${beyond[0]} is beyond the double range (its events' sum): written as null`);
        else if (beyond.length) ctx.warn(`the watched_ratio of ${beyond.length} output records (${beyond.slice(0, 10).join(', ')}${beyond.length > 10 ? ', ...' : ''}) is beyond the double range (their events' sums): written as null`);
        const at = slots.gather(order);
        for (let k = 0; k < n; k++) { // by the key's bytes
          out.tokens(at.arenas[at.blk[k]], at.offs[k], at.offs[k] + at.lens[k], heads, headsLength);
          out.latin1(`,"watched_ratio":${numberToken(wrs[k])},"watch_events":${cnt[k]}}`);
          out.end();
        }
        out.flush();
        ctx.count('keys', slots.size);
      },
    };
  },
};
export default tool;
