// from-json: a JSON array, JSON documents one after another (pretty-printed or concatenated, with or
// without separators) or NDJSON, to NDJSON: one line per top-level object, streaming over bytes
// (core/json-stream.ts), memory bounded by the largest element.
//
// Decisions (the README's from-json section states them for users):
// - What is split: the top level only. A top-level array gives its elements; any other top-level value
//   is one element. An array inside the top-level array is one element (not an object).
// - Output: each object's own bytes with only insignificant whitespace removed (numbers, escapes, key
//   order and duplicate keys exactly as written); an element that is already compact (an NDJSON line)
//   passes byte for byte.
// - Elements that are not objects (numbers, strings, literals, nested arrays): rejected as `not a JSON
//   object` with their position, like the core rejects such a line; --wrap KEY makes them records
//   {"KEY": value} instead.
// - Checked by RFC 8259's grammar exactly as the core checks a line (README "What is a bad line");
//   broken elements are reported `from-json: FILE:LINE: malformed JSON: what at column C`, counted,
//   skipped, and reading resumes by the rule in core/json-stream.ts; --strict, --rejects (the raw text
//   of the broken element, at most --max-record-bytes of it) as everywhere.
import { CHUNK, readOwnInput } from '../core/input.js';
import { JsonStreamReader, compactInto, notObject } from '../core/json-stream.js';
import type { ElementInfo, JsonStreamSink, StreamReason } from '../core/json-stream.js';
import type { Tool, ToolContext } from '../core/tool.js';
import type { Options } from 'yargs';
import type { InputOptions, OptionsOf } from '../core/options.js';

const options = {
  wrap: { type: 'string', describe: 'an element that is not an object becomes {"KEY": element} (default: rejected as "not a JSON object")' },
  'max-record-bytes': { type: 'number', default: 16 << 20, describe: 'the longest element (bytes) read; a longer one is skipped and rejected as "record too long", its first N bytes kept in --rejects' },
} as const satisfies Record<string, Options>;

export type FromJsonOptions = OptionsOf<typeof options> & InputOptions;

export const tool: Tool<FromJsonOptions> = {
  name: 'from-json',
  summary: 'A JSON array, pretty-printed or concatenated JSON documents (or NDJSON) to NDJSON, one line per object, streaming with bounded memory; broken elements reported with line and column and skipped.',
  usage: 'from-json [--wrap KEY] [--max-record-bytes N] [FILE...]',
  noInput: true,
  examples: [
    ['echo \'[{"id": 1}, {"id": 12345678901234567890}]\' | from-json', 'an array: {"id":1} and {"id":12345678901234567890}'],
    ['echo \'{"a":1}{"b":2} [{"c":3}]\' | from-json', 'concatenated documents: {"a":1}, {"b":2}, {"c":3}'],
    ['echo \'["x", 2]\' | from-json --wrap value', '{"value":"x"} and {"value":2}'],
    ['jq . events.ndjson | from-json', 'pretty-printed documents back to NDJSON, line for line'],
    ['from-json --rejects bad.json export.json.gz > events.ndjson', 'a gzipped array; broken elements kept in bad.json'],
  ],
  options,
  check(o) {
    const m = o.maxRecordBytes;
    if (!Number.isInteger(m) || m < 1024) return `--max-record-bytes takes a whole number of bytes, at least 1024 (got ${m})`;
    if (o.wrap !== undefined && (typeof o.wrap !== 'string' || o.wrap === '')) return '--wrap takes a key name';
    return undefined;
  },
  create(o, ctx: ToolContext) {
    const files = o.files.length ? o.files : ['-'];
    const prefix = o.wrap === undefined ? null : Buffer.from(`{${JSON.stringify(o.wrap)}:`);
    let scratch = Buffer.allocUnsafe(1 << 16);

    class Sink implements JsonStreamSink {
      constructor(private readonly file: string) {}
      element(b: Buffer, s: number, e: number, info: ElementInfo): void {
        ctx.countIn();
        if (!info.object && prefix === null) {
          ctx.rejectAt(this.file, info.line, b.subarray(s, e), 'not a JSON object', notObject(b, s, info));
          return;
        }
        if (info.object && !info.ws) { ctx.emit(b.subarray(s, e)); return; }
        const extra = prefix === null || info.object ? 0 : prefix.length + 1;
        if (scratch.length < e - s + extra) scratch = Buffer.allocUnsafe((e - s + extra) * 2);
        let o = 0;
        if (extra) { prefix!.copy(scratch, 0); o = prefix!.length; }
        o = info.ws ? compactInto(b, s, e, scratch, o) : o + b.copy(scratch, o, s, e);
        if (extra) scratch[o++] = 0x7d; // }
        ctx.emit(scratch.subarray(0, o));
      }
      bad(raw: Buffer, line: number, reason: StreamReason, detail: string): void {
        ctx.countIn();
        ctx.rejectAt(this.file, line, raw, reason, detail);
      }
    }

    const readOne = async (file: string) => {
      const reader = new JsonStreamReader(new Sink(file), o.maxRecordBytes);
      const done = await readOwnInput(file, {
        // (at least as much as the unfinished element holds: an element cut by many chunk ends is
        // re-read from its last token only a logarithmic number of times)
        space: () => { const want = Math.max(CHUNK, reader.pending()); return { ...reader.space(want), want }; },
        commit: (n) => reader.commit(n),
        push: (chunk) => reader.push(chunk),
        skipped: () => false,
      }, ctx);
      if (done) reader.end();
    };

    return {
      record() { /* reads its own input */ },
      async end() {
        for (const f of files) {
          if (ctx.stopped()) break;
          await readOne(f);
        }
      },
    };
  },
};
export default tool;
