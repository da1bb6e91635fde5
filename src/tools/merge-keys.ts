// merge-keys: full outer merge of NDJSON streams by key — every key seen in any input gives one output
// record holding the fields of all records with that key (a later input's field wins over an earlier
// one's). Output sorted by key. Memory holds one merged record per key, as its members' texts.
//
// A key's first record whose bytes are already what the writer gives for it (members.ts writtenAsIs) is kept as
// those bytes and written back as they are when no other record has its key (most keys of a full outer
// merge: 92% of Loco's); a second record of the key turns it into members.
// The records are not decoded: each member's value is kept as its JSON text (strings without escapes,
// literals and numbers already in the writer's form as they are; other numbers, escaped strings,
// objects and arrays through the exact decoder and the one writer, so the output is what decoding and
// writing the merged object gives), and written back in the order JavaScript gives an object's keys (integer-like keys first,
// ascending, then the others in the order they were first seen).
import { FieldReader, KEY_TOO_LONG } from '../core/fields.js';
import { ByteKeys } from '../core/keyed.js';
import { parseJson, stringify } from '../core/json.js';
import { MemberCursor, memberAt, objectText, setMember, valueText, writtenAsIs } from '../core/members.js';
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
  holdsOutput: true,
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
    const raw = new RawRecords();
    let scratch = Buffer.allocUnsafe(4096);
    // (a field given again: the later value wins, as for --types and every option of one value, so a
    // script's defaults before "$@" give way to the user's; in the place of the first)
    const byField = new Map<string, string>();
    for (const d of o.default) byField.set(d.slice(0, d.indexOf('=')), stringify(parseJson(d.slice(d.indexOf('=') + 1))));
    const defaults = [...byField];
    const asIs = defaults.length === 0; // (with defaults, a record may lack one: written through its members)
    /** the members of `rec` from the record b[s, e) (a later value wins, in the earlier one's place) */
    const take = (rec: string[], b: Buffer, s: number, e: number) => {
      cursor.reset(b, s, e);
      while (cursor.next()) setMember(rec, cursor.key(), valueText(b, cursor.vs, cursor.ve));
    };
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        const len = reader.keyInto(o.key.length, scratch);
        if (len === KEY_TOO_LONG) { scratch = Buffer.allocUnsafe(scratch.length * 4); return this.record(line); }
        if (len < 0) return ctx.reject(line, `missing ${o.key[-len - 1]}`);
        const slot = keys.slot(scratch, 0, len), b = line.buf, s = reader.objStart, e = reader.objEnd;
        let rec = merged[slot];
        if (rec === undefined) {
          if (!raw.has(slot)) { // the key's first record
            if (asIs && writtenAsIs(b, s, e, cursor)) { raw.keep(slot, b, s, e); return; }
          }
          rec = merged[slot] = [];
          if (raw.has(slot)) { take(rec, raw.block(slot), raw.start(slot), raw.end(slot)); raw.drop(slot); }
        }
        take(rec, b, s, e);
      },
      end() {
        // in the order of the keys' bytes (that of their tokens' text: the order before, by strings)
        const order = keys.sorted();
        for (const slot of order) {
          const rec = merged[slot];
          if (rec === undefined) { ctx.emit(raw.block(slot).subarray(raw.start(slot), raw.end(slot))); continue; }
          for (const [f, v] of defaults) if (memberAt(rec, f) < 0) rec.push(f, v);
          ctx.emit(objectText(rec));
        }
        ctx.count('keys', order.length);
      },
    };
  },
};

/** records kept as their bytes, by slot: in blocks of at least 1 MiB (no copy as they fill) */
class RawRecords {
  private blocks: Buffer[] = [];
  private cur = Buffer.alloc(0);
  private used = 0;
  private blk = new Uint16Array(1024);
  private at = new Int32Array(1024);
  private len = new Int32Array(1024).fill(-1);
  has(slot: number): boolean { return slot < this.len.length && this.len[slot] >= 0; }
  keep(slot: number, b: Buffer, s: number, e: number): void {
    const n = e - s;
    if (this.used + n > this.cur.length) {
      if (this.blocks.length === 0xffff) throw new Error('merge-keys: too many record blocks');
      this.cur = Buffer.allocUnsafe(Math.max(1 << 20, n)); this.blocks.push(this.cur); this.used = 0;
    }
    b.copy(this.cur, this.used, s, e);
    if (slot >= this.len.length) {
      const size = Math.max(slot + 1, 2 * this.len.length);
      const blk = new Uint16Array(size), at = new Int32Array(size), len = new Int32Array(size).fill(-1);
      blk.set(this.blk); at.set(this.at); len.set(this.len);
      this.blk = blk; this.at = at; this.len = len;
    }
    this.blk[slot] = this.blocks.length - 1; this.at[slot] = this.used; this.len[slot] = n;
    this.used += n;
  }
  drop(slot: number): void { this.len[slot] = -1; }
  block(slot: number): Buffer { return this.blocks[this.blk[slot]]; }
  start(slot: number): number { return this.at[slot]; }
  end(slot: number): number { return this.at[slot] + this.len[slot]; }
}

export default tool;
