/**
 * gzip input, member by member (RFC 1952). Node's Gunzip reads concatenated members, but bytes after
 * the last member that are not gzip (a `cat` of a .gz file and a text file) fail it with "incorrect
 * header check", and the output it had inflated in that same step is dropped with the error: the last
 * ~128 KiB of records were lost. Here each member's header and trailer are read by this code and its
 * deflate data by zlib's raw inflate, which says where the data ended; everything inflated is handed
 * on before any error, and what follows the last member is said (its size), not decoded. Zero bytes
 * after a member are padding, skipped as gzip and Node do.
 */
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** an error the readers say as `FILE: message` (its code is in INPUT_ERRORS) */
function dataError(message: string, code = 'Z_DATA_ERROR'): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The length of the gzip member header at buf[0..] (10 bytes and the optional fields FLG names), or
 * -1 while buf holds too little of it to say; throws when the bytes are not a gzip header.
 */
export function gzipHeaderLength(buf: Buffer): number {
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
  }
  for (const bit of [8, 16]) { // FNAME, FCOMMENT: zero-terminated
    if (!(flg & bit)) continue;
    const z = buf.indexOf(0, p);
    if (z < 0) return -1;
    p = z + 1;
  }
  if (flg & 2) p += 2; // FHCRC
  return buf.length < p ? -1 : p;
}

/**
 * The unzipped bytes of a gzip input (its first bytes `head`, then the stream `src`), as a
 * Readable that waits for its reader. Errors (Z_DATA_ERROR, Z_BUF_ERROR: said by the readers as
 * `FILE: message`) come after every byte inflated before them.
 */
export function gunzipMembers(head: Buffer, src: Readable, chunkSize: number): Readable {
  // (src is read, not destroyed: its descriptor stays the caller's to close)
  return Readable.from(members(head, src.iterator({ destroyOnReturn: false }), chunkSize), { objectMode: false });
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
        throw dataError(`trailing garbage after the gzip data: ${rest} bytes from byte ${at} ignored`);
      }
      at += hl; pending = pending.subarray(hl);
      // the deflate data: written to raw inflate until it stops taking input (the data's end)
      const inflate = zlib.createInflateRaw({ chunkSize });
      let written = 0;
      let crc = 0, size = 0;
      const feed = (async (): Promise<Buffer> => {
        let c: Buffer | null = pending;
        for (;;) {
          if (c.length > 0) {
            written += c.length;
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
          yield out;
        }
      } finally {
        inflate.destroy();
      }
      pending = await feed;
      at += inflate.bytesWritten;
      if (!(await want(8))) throw dataError('unexpected end of file', 'Z_BUF_ERROR');
      if (pending.readUInt32LE(0) !== crc >>> 0) throw dataError('incorrect data check');
      if (pending.readUInt32LE(4) !== size) throw dataError('incorrect length check');
      at += 8; pending = pending.subarray(8);
    }
  } finally {
    if (!done) await it.return?.();
  }
}
