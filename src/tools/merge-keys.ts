// merge-keys: full outer merge of NDJSON streams by key — every key seen in any input gives one output
// record holding the fields of all records with that key (a later input's field wins over an earlier
// one's). Output sorted by key. Memory holds one merged record per key, as its members' texts.
//
// The records are not decoded: each member's value is kept as its JSON text (strings without escapes,
// literals and numbers already in the writer's form as they are; other numbers, escaped strings,
// objects and arrays through the exact decoder and the one writer, so the output is what decoding and
// writing the merged object gives), and written back in the order JavaScript gives an object's keys (integer-like keys first,
// ascending, then the others in the order they were first seen).
import { FieldReader, KEY_TOO_LONG } from '../core/fields.js';
import { ByteKeys } from '../core/keyed.js';
import { parseJson, stringify } from '../core/json.js';
import { MemberCursor, memberAt, objectText, setMember, valueText } from '../core/members.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';
import { listOption } from '../core/options.js';
import type { InputOptions, OptionsOf } from '../core/options.js';
import type { Options } from 'yargs';

const options = {
  key: { alias: 'k', type: 'string', array: true, demandOption: true, describe: 'key fields (comma-separated or repeated)' },
  default: { alias: 'd', type: 'string', array: true, default: [], describe: 'FIELD=JSON value for records that lack FIELD after the merge' },
} as const satisfies Record<string, Options>;

export type MergeKeysOptions = OptionsOf<typeof options> & InputOptions;


export const tool: Tool<MergeKeysOptions> = {
  name: 'merge-keys',
  summary: 'Full outer merge of records that share a key (across any number of inputs), with defaults for fields a key lacks; sorted by key.',
  usage: 'merge-keys --key K[,K] [--default FIELD=JSON]... FILE...',
  examples: [
    ["merge-keys --key user_uid,reel_uid --default liked=false --default watched_ratio=null final.ndjson ratios.ndjson", 'one record per (user, reel) from either file'],
  ],
  options,
  check(o) {
    o.key = listOption(o.key);
    for (const d of o.default) {
      const eq = d.indexOf('=');
      if (eq < 1) return `--default takes FIELD=JSON (got '${d}')`;
      try { parseJson(d.slice(eq + 1)); } catch { return `--default ${d.slice(0, eq)}: '${d.slice(eq + 1)}' is not JSON (quote strings: name='"x"')`; }
    }
    return undefined;
  },
  create(o, ctx) {
    if (o.key.length === 0) throw new UsageError('--key needs a field');
    const reader = new FieldReader(o.key);
    const cursor = new MemberCursor();
    // the keys (their canonical tokens as bytes, byte 1 between) -> slots; per slot its members as
    // [name, text, name, text, ...] (a later value replaces the text in place)
    const keys = new ByteKeys(), merged: string[][] = [];
    let scratch = Buffer.allocUnsafe(4096);
    const defaults = o.default.map((d) => [d.slice(0, d.indexOf('=')), stringify(parseJson(d.slice(d.indexOf('=') + 1)))] as const);
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        const len = reader.keyInto(o.key.length, scratch);
        if (len === KEY_TOO_LONG) { scratch = Buffer.allocUnsafe(scratch.length * 4); return this.record(line); }
        if (len < 0) return ctx.reject(line, `missing ${o.key[-len - 1]}`);
        const slot = keys.slot(scratch, 0, len);
        const rec = merged[slot] ??= [];
        const b = line.buf;
        cursor.reset(b, reader.objStart, reader.objEnd);
        while (cursor.next()) setMember(rec, cursor.key(), valueText(b, cursor.vs, cursor.ve));
      },
      end() {
        // in the order of the keys' bytes (that of their tokens' text: the order before, by strings)
        const order = keys.sorted();
        for (const slot of order) {
          const rec = merged[slot];
          for (const [f, v] of defaults) if (memberAt(rec, f) < 0) rec.push(f, v);
          ctx.emit(objectText(rec));
        }
        ctx.count('keys', order.length);
      },
    };
  },
};

export default tool;
