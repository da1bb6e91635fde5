/**
 * gzip input, member by member (RFC 1952). Node's Gunzip reads concatenated members, but bytes after
 * the last member that are not gzip (a `cat` of a .gz file and a text file) fail it with "incorrect
 * header check", and the output it had inflated in that same step is dropped with the error: the last
 * ~128 KiB of records were lost. Here each member's header and trailer are read by this code and its
 * deflate data by zlib's raw inflate, which says where the data ended; everything inflated is handed
 * on before any error (damaged deflate data salvaged as far as zlib goes), and what follows the last
 * member is said (its size), not decoded. Zero bytes after a member are padding, skipped (Node skips
 * them too; GNU gzip stops at them and ignores a member after them).
 */
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** an error the readers say as `FILE: message` (its code is in INPUT_ERRORS) */
function dataError(message: string, code = 'Z_DATA_ERROR'): Error {
  return Object.assign(new Error(message), { code });
}

/** the most bytes a member's header may take (its name, comment and extra field): past it the bytes are
 *  not taken for a header (bytes after the data that began 1f 8b 08 08 and held no zero byte were read
 *  and searched again and again, as a name that never ended) */
export const MAX_HEADER = 1 << 20;

/**
 * The length of the gzip member header at buf[0..] (10 bytes and the optional fields FLG names), or
 * -1 while buf holds too little of it to say; throws when the bytes are not a gzip header (or one
 * longer than MAX_HEADER, or whose header CRC, FHCRC, is wrong).
 */
export function gzipHeaderLength(buf: Buffer): number {
  const n = headerLength(buf);
  if (n < 0 && buf.length > MAX_HEADER) throw dataError(`gzip header longer than ${MAX_HEADER} bytes (a name or comment without its end)`);
  return n;
}

function headerLength(buf: Buffer): number {
  if (buf.length >= 1 && buf[0] !== 0x1f) throw dataError('incorrect header check');
  if (buf.length >= 2 && buf[1] !== 0x8b) throw dataError('incorrect header check');
  if (buf.length >= 3 && buf[2] !== 8) throw dataError('unknown compression method');
  if (buf.length < 10) return -1;
  const flg = buf[3];
  if (flg & 0xe0) throw dataError('unknown header flags set');
  let p = 10;
  if (flg & 4) { // FEXTRA: XLEN and its bytes
    if (buf.length < p + 2) return -1;
    p += 2 + buf.readUInt16LE(p);
    if (buf.length < p) return -1;
  }
  for (const bit of [8, 16]) { // FNAME, FCOMMENT: zero-terminated
    if (!(flg & bit)) continue;
    const z = buf.indexOf(0, p);
    if (z < 0) return -1;
    p = z + 1;
  }
  if (flg & 2) { // FHCRC: the low 16 bits of the CRC-32 of the header before it
    if (buf.length < p + 2) return -1;
    if ((zlib.crc32(buf.subarray(0, p)) & 0xffff) !== buf.readUInt16LE(p)) throw dataError('header crc mismatch');
    p += 2;
  }
  return buf.length < p ? -1 : p;
}

/**
 * The unzipped bytes of a gzip input (its first bytes `head`, then the stream `src`), as a
 * Readable that waits for its reader. It ends after every byte inflated before a failure; the failure
 * (Z_DATA_ERROR, Z_BUF_ERROR, or the input's own: said by the readers as `FILE: message`) is then its
 * inputFailure().
 */
export function gunzipMembers(head: Buffer, src: Readable, chunkSize: number): Gunzipped {
  // (src is read, not destroyed: its descriptor stays the caller's to close)
  const box: { error?: Error } = {};
  async function* caught(): AsyncGenerator<Buffer> {
    try { yield* members(head, src.iterator({ destroyOnReturn: false }), chunkSize); } catch (err) { box.error = err as Error; }
  }
  return Object.assign(Readable.from(caught(), { objectMode: false }), { inputFailure: () => box.error });
}

/** the unzipped bytes, which end (not fail) where the input failed: the stream's error would drop the
 *  bytes it still held (a salvaged step's, the last line's), so the failure is asked for at the end */
export type Gunzipped = Readable & { inputFailure(): Error | undefined };

/** the most deflate input and output of a member held for salvage (below): past them the output of
 *  zlib's last step before an error in its data is lost, as Node's Gunzip loses it */
const SALVAGE_IN = 16 << 20, SALVAGE_OUT = 64 << 20;

/**
 * The output of a member's deflate bytes `data` that zlib gives before the error in them, past the
 * `given` bytes handed on already (`ok`: a length of data known to inflate without error). zlib stops
 * a step at the error and Node drops that step's output; here the longest prefix of `data` that
 * inflates without error (flushed as a truncated input is) is found by halving, its output the answer:
 * what `gzip -dc` writes before it says the error.
 */
function salvage(data: Buffer, ok: number, given: number): Buffer {
  const inflateTo = (n: number): Buffer | null =>
    inflateSync(data.subarray(0, n), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: SALVAGE_OUT + (16 << 20) })?.buffer ?? null;
  let lo = ok, hi = data.length, best = inflateTo(lo);
  if (best === null) return Buffer.alloc(0);
  while (hi - lo > 1) {
    const mid = lo + ((hi - lo) >> 1), got = inflateTo(mid);
    if (got !== null) { lo = mid; best = got; } else hi = mid;
  }
  return best.length > given ? best.subarray(given) : Buffer.alloc(0);
}

/** the most a member inflated at once may unzip to (members(): a member whose data ends within the
 *  bytes at hand) */
const QUICK_OUT = 8 << 20;

/** raw deflate data inflated at once: its bytes and the input it took, or null where zlib refuses it
 *  (damaged, cut short without a sync flush, or past maxOutputLength) */
function inflateSync(b: Buffer, options: zlib.ZlibOptions): { buffer: Buffer; used: number } | null {
  try {
    const r = zlib.inflateRawSync(b, { ...options, info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    return { buffer: r.buffer, used: r.engine.bytesWritten };
  } catch { return null; }
}

async function* members(head: Buffer, it: AsyncIterator<Buffer>, chunkSize: number): AsyncGenerator<Buffer> {
  let done = false;
  /** the next chunk of the input, or null at its end */
  const next = async (): Promise<Buffer | null> => {
    if (done) return null;
    const r = await it.next();
    if (r.done) { done = true; return null; }
    return r.value;
  };
  let pending: Buffer = head; // input read and not yet used
  let at = 0; // the input's offset of pending[0]
  /** pending holds at least n bytes (false: the input ended first) */
  const want = async (n: number): Promise<boolean> => {
    while (pending.length < n) {
      const c = await next();
      if (c === null) return false;
      pending = pending.length === 0 ? c : Buffer.concat([pending, c]);
    }
    return true;
  };
  /** the member's trailer (CRC-32 and size of its bytes) checked and passed */
  const trailer = async (crc: number, size: number): Promise<void> => {
    if (!(await want(8))) throw dataError('unexpected end of file', 'Z_BUF_ERROR');
    if (pending.readUInt32LE(0) !== crc >>> 0) throw dataError('incorrect data check');
    if (pending.readUInt32LE(4) !== size >>> 0) throw dataError('incorrect length check');
    at += 8; pending = pending.subarray(8);
  };
  try {
    for (let member = 0; ; member++) {
      // between members: zero bytes are padding; the input's end ends the data
      if (member > 0) {
        for (;;) {
          let z = 0;
          while (z < pending.length && pending[z] === 0) z++;
          at += z; pending = pending.subarray(z);
          if (pending.length > 0) break;
          const c = await next();
          if (c === null) return;
          pending = c;
        }
      }
      let hl: number;
      try {
        while ((hl = gzipHeaderLength(pending)) < 0) {
          if (!(await want(pending.length + 1))) throw dataError('unexpected end of file', 'Z_BUF_ERROR');
        }
      } catch (err) {
        if (member === 0 || (err as NodeJS.ErrnoException).code !== 'Z_DATA_ERROR') throw err;
        // not a gzip member after one: the rest is said, not read as gzip
        let rest = pending.length;
        for (let c = await next(); c !== null; c = await next()) rest += c.length;
        // (the data before them is whole: its members' checks passed)
        throw Object.assign(dataError(`trailing garbage after the gzip data: ${rest} bytes from byte ${at} ignored`), { whole: true });
      }
      at += hl; pending = pending.subarray(hl);
      // a member whose deflate data ends within the bytes at hand (small members one after another,
      // `gzip >>` a line at a time): inflated at once (a stream each took ~0.1 ms: 20,000 members 2.7 s);
      // data that goes on past them, is damaged or unzips past QUICK_OUT goes the stream's way below
      const quick = pending.length > 0 ? inflateSync(pending, { maxOutputLength: QUICK_OUT }) : null;
      if (quick !== null) {
        if (quick.buffer.length > 0) yield quick.buffer;
        at += quick.used; pending = pending.subarray(quick.used);
        await trailer(zlib.crc32(quick.buffer), quick.buffer.length);
        continue;
      }
      // the deflate data: written to raw inflate until it stops taking input (the data's end)
      const inflate = zlib.createInflateRaw({ chunkSize });
      let written = 0;
      let crc = 0, size = 0, given = 0;
      // the member's deflate bytes so far, while it is small (see salvage)
      let held: Buffer[] | null = [];
      const feed = (async (): Promise<Buffer> => {
        let c: Buffer | null = pending;
        for (;;) {
          if (c.length > 0) {
            written += c.length;
            if (held !== null && written <= SALVAGE_IN && given <= SALVAGE_OUT) held.push(c); else held = null;
            await new Promise<void>((resolve, reject) => inflate.write(c, (err) => (err ? reject(err) : resolve())));
            if (inflate.bytesWritten < written) return c.subarray(c.length - (written - inflate.bytesWritten));
          }
          c = await next();
          if (c === null) { inflate.end(); return Buffer.alloc(0); }
        }
      })();
      feed.catch(() => { /* (its failure is the inflate's error, thrown by the loop below) */ });
      try {
        for await (const out of inflate as AsyncIterable<Buffer>) {
          crc = zlib.crc32(out, crc);
          size = (size + out.length) >>> 0;
          given += out.length;
          yield out;
        }
      } catch (err) {
        // zlib's error drops the output of the step that met it (up to a chunk): inflated again from
        // the member's start, as far as it goes, and handed on before the error
        if (held !== null && (err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR') {
          const more = salvage(Buffer.concat(held), inflate.bytesWritten, given);
          if (more.length > 0) yield more;
        }
        throw err;
      } finally {
        inflate.destroy();
      }
      pending = await feed;
      at += inflate.bytesWritten;
      await trailer(crc, size);
    }
  } finally {
    if (!done) await it.return?.();
  }
}
