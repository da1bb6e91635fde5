// reel-interest: the Loco decision on merged (user, reel) records: an unlike means not interested, a
// like means interested, and with neither the user is interested when watched_ratio > threshold.
// Emits exactly user_uid, reel_uid, liked, unliked, watched_ratio, is_interested.
import type { Line, Tool } from '../core/tool.js';
import { FieldReader, shownValue } from '../core/fields.js';
import { BigNum, NUMBER, literalPath, numberToken } from '../core/json.js';
import { objectText, setMember, valueText } from '../core/members.js';
import { blankList, listOption } from '../core/options.js';
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
  check(o) { const blank = blankList('key', o.key); o.key = listOption(o.key); return blank; },
  create(o, ctx) {
    // the fields are read from the line's bytes (key names taken literally: a dot is not a path); the
    // output is the object {keys..., liked, unliked, watched_ratio, is_interested} as the one writer
    // writes it (a key's value through valueText, names ordered as a JavaScript object orders them)
    const nk = o.key.length;
    const reader = new FieldReader([...o.key.map(literalPath), 'liked', 'unliked', 'watched_ratio']);
    // liked/unliked: true or false, 1 or 0 (a boolean read back from SQLite), their strings; missing or
    // null is false. Anything else is reported (1 and "yes" were read as false, silently)
    const bool = (v: unknown): boolean | undefined => v === true || v === 'true' || v === 1 || v === '1' ? true
      : v === false || v === 'false' || v === 0 || v === '0' || v == null ? false : undefined;
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        const b = line.buf;
        const out: string[] = [];
        for (let k = 0; k < nk; k++) if (!reader.found(k) || reader.isNull(k)) return ctx.reject(line, `missing ${o.key[k]}`);
        const liked = bool(reader.value(nk)), unliked = bool(reader.value(nk + 1));
        if (liked === undefined) return ctx.reject(line, 'bad liked', shownValue(reader.value(nk)));
        if (unliked === undefined) return ctx.reject(line, 'bad unliked', shownValue(reader.value(nk + 1)));
        // (a number, or a string holding one; "" was 0, true 1 and [0.7] 0.7 through Number())
        const w = reader.value(nk + 2);
        const ratio = typeof w === 'number' ? w : w == null ? null : w instanceof BigNum ? Number(w.raw)
          : typeof w === 'string' && NUMBER.test(w.trim()) ? Number(w) : NaN;
        if (ratio !== null && !Number.isFinite(ratio)) return ctx.reject(line, 'bad watched_ratio', shownValue(w));
        for (let k = 0; k < nk; k++) setMember(out, o.key[k], valueText(b, reader.spanStart(k), reader.spanEnd(k)));
        setMember(out, 'liked', String(liked));
        setMember(out, 'unliked', String(unliked));
        // (a number as written: a 16+ digit one kept its double's digits only)
        setMember(out, 'watched_ratio', ratio === null ? 'null' : typeof w === 'string' ? numberToken(ratio) : reader.raw(nk + 2)!);
        setMember(out, 'is_interested', String(isInterested(liked, unliked, ratio, o.threshold)));
        ctx.emit(objectText(out));
      },
    };
  },
};
export default tool;
