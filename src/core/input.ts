// Reading NDJSON input: stdin or files (gzip detected by its magic bytes), split into lines with
// native Buffer.indexOf over large chunks, line numbers per input. A tool's `needle` lets lines that
// cannot match be skipped without being looked at (the grep trick), while they are still counted.
// (split2 yields one string per line; on this hot path it measured slower than indexOf over 1 MiB
// chunks, see docs/PERFORMANCE.md, so the runner keeps it to non-hot inputs such as side files.)
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import type { Line } from './tool.js';

const NL = 10;
/** a line longer than this is rejected instead of being buffered without end */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

export function openInput(file: string): Readable {
  if (file === '-') return process.stdin;
  return fs.createReadStream(file, { highWaterMark: 1 << 20 });
}

/** chunks of an input, gunzipped when it starts with the gzip magic bytes */
export async function* chunksOf(src: Readable): AsyncGenerator<Buffer> {
  const it = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  if (first.done) return;
  if (first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b) {
    const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
    const feed = (async () => {
      gunzip.write(first.value);
      for (let r = await it.next(); !r.done; r = await it.next()) {
        if (!gunzip.write(r.value)) await new Promise((ok) => gunzip.once('drain', ok));
      }
      gunzip.end();
    })();
    feed.catch((err) => gunzip.destroy(err));
    for await (const c of gunzip) yield c as Buffer;
    await feed;
    return;
  }
  yield first.value;
  for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
}

export interface LineSink {
  /** a candidate line (contains the needle, or no needle) */
  line(l: Line): void;
  /** a line that cannot match (does not contain the needle); ok = it looks like one JSON object */
  skipped(l: Line, ok: boolean): void;
  /** a line too long to buffer */
  tooLong(l: Line): void;
}

/** Split one input into lines and hand them to the sink; awaits `pause()` between chunks. */
export async function readLines(file: string, src: Readable, needle: Buffer | undefined, sink: LineSink,
  pause: () => Promise<void> | null, stopped: () => boolean): Promise<number> {
  const line: Line = { buf: Buffer.alloc(0), start: 0, end: 0, file, no: 0 };
  let carry: Buffer | null = null;
  let bytes = 0;

  const deliver = (b: Buffer, s: number, e: number, hit: number): number => {
    line.no++;
    let end = e;
    if (end > s && b[end - 1] === 13) end--; // CRLF
    if (end === s) return hit;
    line.buf = b; line.start = s; line.end = end;
    if (needle === undefined) { sink.line(line); return hit; }
    if (hit < s && hit !== -1) hit = b.indexOf(needle, s);
    if (hit !== -1 && hit < end) sink.line(line);
    else {
      let i = s; while (i < end && (b[i] === 32 || b[i] === 9)) i++;
      let j = end; while (j > i && (b[j - 1] === 32 || b[j - 1] === 9)) j--;
      if (j === i) return hit; // blank line
      sink.skipped(line, b[i] === 123 && b[j - 1] === 125);
    }
    return hit;
  };

  let discarding = false; // inside an overlong line: drop bytes up to its newline
  for await (let chunk of chunksOf(src)) {
    bytes += chunk.length;
    let s = 0;
    if (discarding) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) continue;
      s = nl + 1;
      discarding = false;
    }
    if (carry !== null) { chunk = Buffer.concat([carry, chunk.subarray(s)]); carry = null; s = 0; }
    let hit = needle === undefined ? -1 : -2; // -2: not searched yet for this chunk
    for (;;) {
      const nl = chunk.indexOf(NL, s);
      if (nl < 0) break;
      if (hit === -2) hit = chunk.indexOf(needle!, s);
      hit = deliver(chunk, s, nl, hit);
      s = nl + 1;
      if (stopped()) return bytes;
    }
    if (s < chunk.length) {
      carry = chunk.subarray(s);
      if (carry.length > MAX_LINE_BYTES) {
        line.no++; line.buf = carry; line.start = 0; line.end = Math.min(carry.length, 200);
        sink.tooLong(line);
        carry = null;
        discarding = true;
      }
    }
    const p = pause();
    if (p) await p;
    if (stopped()) return bytes;
  }
  if (carry !== null && carry.length > 0) {
    const hit = needle === undefined ? -1 : carry.indexOf(needle);
    deliver(carry, 0, carry.length, hit);
  }
  return bytes;
}
