// reel-interest: the Loco decision on merged (user, reel) records: an unlike means not interested, a
// like means interested, and with neither the user is interested when watched_ratio > threshold.
// Emits exactly user_uid, reel_uid, liked, unliked, watched_ratio, is_interested.
import type { Line, Tool } from '../core/tool.js';
import { stringify } from '../core/json.js';
import { listOption } from '../core/options.js';
import type { InputOptions, OptionsOf } from '../core/options.js';
import type { Options } from 'yargs';

const options = {
  threshold: { type: 'number', default: 0.6, describe: 'watched_ratio above which a user with no like/unlike is interested' },
  key: { alias: 'k', type: 'string', array: true, default: ['user_uid', 'reel_uid'], describe: 'key fields, copied first' },
} as const satisfies Record<string, Options>;

export type ReelInterestOptions = OptionsOf<typeof options> & InputOptions;

/** the rule itself, for tests and reuse */
export function isInterested(liked: boolean, unliked: boolean, ratio: number | null, threshold = 0.6): boolean {
  if (unliked) return false;
  if (liked) return true;
  return ratio !== null && ratio > threshold;
}

export const tool: Tool<ReelInterestOptions> = {
  name: 'reel-interest',
  parallel: 'local',
  summary: 'Decide is_interested per (user, reel): unliked -> no, liked -> yes, else watched_ratio > 0.6.',
  usage: 'reel-interest [--threshold 0.6] [FILE...]',
  examples: [['merge-keys -k user_uid,reel_uid final.ndjson ratios.ndjson | reel-interest', 'the Loco output rows']],
  options,
  check(o) { o.key = listOption(o.key); return undefined; },
  create(o, ctx) {
    return {
      record(line: Line) {
        const r = ctx.parse(line);
        if (r === undefined) return;
        if (r === null || typeof r !== 'object') return ctx.reject(line, 'not a JSON object');
        const missing = o.key.find((k) => r[k] === undefined || r[k] === null);
        if (missing) return ctx.reject(line, `missing ${missing}`);
        const bool = (v: unknown) => v === true || v === 'true';
        const liked = bool(r.liked), unliked = bool(r.unliked);
        const ratio = typeof r.watched_ratio === 'number' ? r.watched_ratio : r.watched_ratio == null ? null : Number(r.watched_ratio);
        if (ratio !== null && !Number.isFinite(ratio)) return ctx.reject(line, 'bad watched_ratio', JSON.stringify(r.watched_ratio));
        const out: Record<string, unknown> = {};
        for (const k of o.key) out[k] = r[k];
        Object.assign(out, { liked, unliked, watched_ratio: ratio, is_interested: isInterested(liked, unliked, ratio, o.threshold) });
        ctx.emit(stringify(out));
      },
    };
  },
};
export default tool;
