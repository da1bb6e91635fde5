// Buffered stdout: records are copied into a large buffer and written in batches (one write per line
// is ~20x slower, nodejs/node#6379). Standard output is written with blocking fs.writeSync on fd 1,
// without ever creating process.stdout (whose pipe handle would switch the descriptor to non-blocking
// and route every batch through the event loop): a full pipe then simply makes us wait in the kernel
// until the reader has room, which is backpressure at no cost. If the descriptor is non-blocking
// anyway (inherited so), an EAGAIN hands the rest to the process.stdout stream, whose 'drain' the
// reader then awaits. EPIPE (the reader went away, e.g. `| head`) ends the run quietly with status 0.
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { Edit } from './fields.js';
import { fileProblem } from './options.js';

/**
 * The members of a batch's records where the tool that wrote them knows them (RecordBatch.members):
 * every record has `names` as its top-level members, in that order (plain names, whose JSON text is
 * the name in quotes), record r's member j's value at [spans[r * 2m + 2j], spans[r * 2m + 2j + 1]) from
 * the record's start (m: the number of names).
 */
export interface BatchWalks { readonly names: readonly string[]; readonly spans: Int32Array }

/**
 * Where a stage's output records go: a file descriptor (Output), the next stage of an in-process
 * chain (ChainSink in stage.ts), or a library stream. A record is handed over whole.
 */
export interface RecordSink {
  /** one record: the bytes b[s, e) (no newline) */
  record(b: Buffer, s: number, e: number): void;
  /** one record: b[s, e) with the edits applied (sorted, not overlapping) */
  edited(b: Buffer, s: number, e: number, edits: readonly Edit[]): void;
  /** one record given as text */
  textRecord(t: string): void;
  /** `n` complete newline-terminated records b[s, e); `walks`: their members where the writer knows them
   *  (a chain's next stage reads them from there instead of walking each record) */
  batch(b: Buffer, s: number, e: number, n: number, walks?: BatchWalks): void;
  /** the consumer went away (| head): stop producing */
  readonly closed: boolean;
  /** a promise while the consumer has no room (await it between input chunks), else null */
  drained(): Promise<void> | null;
  /** records handed over */
  readonly records: number;
}

const FLUSH_AT = 64 * 1024; // one pipe buffer
const NL = 10;
const SLAB = 4 << 20;

export class Output implements RecordSink {
  // records are written into a slab; a flush hands its filled part [start, pos) to the stream and the
  // next records go on after it, so a new slab is needed only every SLAB bytes (the stream may still
  // hold a flushed part, so no byte of a slab is ever overwritten)
  private buf = Buffer.allocUnsafe(SLAB);
  private start = 0;
  private pos = 0;
  private waiting: Promise<void> | null = null;
  /** the consumer closed the pipe: stop producing */
  closed = false;
  records = 0;
  bytes = 0;

  private stream: Writable | null = null;

  /** fd: written synchronously (1 = stdout); a stream only as the fallback for a non-blocking fd */
  constructor(private readonly fd: number, public lineBuffered: boolean) {}

  private useStream(stream: Writable): void {
    this.stream = stream;
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else throw err;
    });
  }

  /** blocking write of the whole chunk to the fd; the unwritten rest when the fd is non-blocking */
  private writeFd(chunk: Buffer): Buffer | null {
    let off = 0;
    while (off < chunk.length) {
      try {
        off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') { this.closed = true; return null; }
        if (code === 'EAGAIN') return chunk.subarray(off);
        // (said with the stream's name: `cannot write standard output: no space left on the device`)
        if (this.fd === 1) throw Object.assign(new Error(`cannot write standard output: ${fileProblem(err as NodeJS.ErrnoException, '-', true)}`), { code, syscall: 'write' });
        throw err;
      }
    }
    return null;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // move the unfinished tail (part of a record, not yet flushed) into a fresh slab
    const tail = this.buf.subarray(this.start, this.pos);
    const next = Buffer.allocUnsafe(Math.max(SLAB, (tail.length + n) * 2));
    tail.copy(next, 0);
    this.buf = next; this.start = 0; this.pos = tail.length;
  }

  /** bytes of a record, without its newline */
  bytesOf(b: Buffer, s: number, e: number): void {
    this.room(e - s + 1);
    this.pos += b.copy(this.buf, this.pos, s, e);
  }

  text(s: string): void {
    this.room(s.length * 3 + 1);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** bytes of complete newline-terminated records */
  batch(b: Buffer, s: number, e: number, records: number): void {
    if (e - s >= FLUSH_AT && this.stream === null && !this.lineBuffered) {
      // a large batch (a thread's merged output, 1 MiB): written from where it is, not copied
      this.flush();
      if (this.stream === null) {
        this.records += records;
        if (this.closed) return;
        this.bytes += e - s;
        const rest = this.writeFd(b.subarray(s, e));
        if (rest !== null) { // a non-blocking fd after all: the stream takes a copy of the rest
          this.useStream(this.fd === 1 ? process.stdout : fs.createWriteStream('', { fd: this.fd, autoClose: false }));
          this.streamWrite(Buffer.from(rest));
        }
        return;
      }
    }
    this.room(e - s);
    this.pos += b.copy(this.buf, this.pos, s, e);
    this.records += records;
    if (this.lineBuffered || this.pos - this.start >= FLUSH_AT) this.flush();
  }

  record(b: Buffer, s: number, e: number): void { this.bytesOf(b, s, e); this.endRecord(); }

  edited(b: Buffer, s: number, e: number, edits: readonly Edit[]): void {
    let at = s;
    for (const ed of edits) { this.bytesOf(b, at, ed.from); if (ed.bytes !== undefined) this.bytesOf(ed.bytes, 0, ed.bytes.length); else this.text(ed.text); at = ed.to; }
    this.bytesOf(b, at, e); this.endRecord();
  }

  /** one record given as text (text() appends to the record being written) */
  textRecord(t: string): void { this.text(t); this.endRecord(); }

  /** end of one record */
  endRecord(): void {
    this.buf[this.pos++] = NL;
    this.records++;
    if (this.lineBuffered || this.pos - this.start >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.pos === this.start) return;
    if (this.closed) { this.start = this.pos; return; }
    const chunk = this.buf.subarray(this.start, this.pos);
    this.bytes += chunk.length;
    this.start = this.pos;
    if (this.stream === null) {
      const rest = this.writeFd(chunk);
      if (rest === null) { this.start = this.pos = 0; return; } // written: the slab is free again
      this.useStream(this.fd === 1 ? process.stdout : fs.createWriteStream('', { fd: this.fd, autoClose: false }));
      this.streamWrite(rest);
      return;
    }
    this.streamWrite(chunk);
  }

  private streamWrite(chunk: Buffer): void {
    if (!this.stream!.write(chunk) && !this.waiting) {
      this.waiting = new Promise((resolve) => {
        const stream = this.stream!;
        const done = () => { stream.off('drain', done); stream.off('close', done); this.waiting = null; resolve(); };
        stream.on('drain', done);
        stream.on('close', done);
      });
    }
  }

  /** resolves when the stream has room again (await between input chunks) */
  drained(): Promise<void> | null {
    return this.closed ? null : this.waiting;
  }

  /** flush everything and wait until it has been handed to the OS */
  async finish(): Promise<void> {
    this.flush();
    const stream = this.stream;
    if (this.closed || stream === null) return;
    await new Promise<void>((resolve) => {
      if (stream.writableNeedDrain) {
        const done = () => resolve();
        stream.once('drain', done);
        stream.once('close', done);
        stream.once('error', done);
      } else resolve();
    });
  }
}

/** records collected as NDJSON bytes, taken in turns (a worker's piece, the library API's stream
 *  chunks): take() gives the bytes since the last take in memory of their own (a worker transfers it) */
export class BytesSink implements RecordSink {
  records = 0;
  closed = false;
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;
  drained(): null { return null; }
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  private put(b: Buffer, s: number, e: number): void { this.room(e - s); this.pos += b.copy(this.buf, this.pos, s, e); }
  private putText(t: string): void { this.room(t.length * 3); this.pos += this.buf.write(t, this.pos, 'utf8'); }
  private nl(): void { this.room(1); this.buf[this.pos++] = 10; this.records++; }
  record(b: Buffer, s: number, e: number): void { this.put(b, s, e); this.nl(); }
  edited(b: Buffer, s: number, e: number, edits: readonly Edit[]): void {
    let at = s;
    for (const ed of edits) { this.put(b, at, ed.from); if (ed.bytes !== undefined) this.put(ed.bytes, 0, ed.bytes.length); else this.putText(ed.text); at = ed.to; }
    this.put(b, at, e); this.nl();
  }
  textRecord(t: string): void { this.putText(t); this.nl(); }
  batch(b: Buffer, s: number, e: number, n: number): void { this.put(b, s, e); this.records += n; }
  /** bytes collected since the last take */
  get length(): number { return this.pos; }
  /** the bytes collected since the last take, or null */
  take(): Uint8Array | null {
    if (this.pos === 0) return null;
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}

/** a sink that only counts the records it is given (the end of a fork's branch, whose last tool writes
 *  no records; the main thread's stand-in for a worker stage's output) */
export class CountSink implements RecordSink {
  records = 0; closed = false;
  drained(): null { return null; }
  record(): void { this.records++; }
  edited(): void { this.records++; }
  textRecord(): void { this.records++; }
  batch(_b: Buffer, _s: number, _e: number, n: number): void { this.records += n; }
}

/** the digits of v (an integer, 0 <= v < 2^31) at b[p...], zero-padded to `width`: the position after */
function digits(b: Buffer, p: number, v: number, width: number): number {
  let len = 1;
  for (let t = v; t >= 10; t = (t / 10) | 0) len++;
  if (len < width) len = width;
  for (let i = p + len - 1; i >= p; i--) { const q = (v / 10) | 0; b[i] = 48 + v - q * 10; v = q; }
  return p + len;
}

/** src[s, e) copied to `to` at `at`; returns the end (a few bytes by a loop: a native copy's call costs
 *  more than it saves below ~48) */
export function copyBytes(src: Uint8Array, s: number, e: number, to: Uint8Array, at: number): number {
  if (e - s > 48) { to.set(src.subarray(s, e), at); return at + e - s; }
  for (let i = s; i < e; i++) to[at++] = src[i];
  return at;
}

/** the most bytes putNumber writes (String(-Number.MIN_VALUE) is 8, -1.7976931348623157e+308 24) */
export const NUMBER_ROOM = 24;

/** the number as String(n) writes it (JSON's text of a finite double) at b[p], NUMBER_ROOM bytes there;
 *  returns the end: a safe integer digit by digit (in 32-bit steps: a double's % is a call) */
export function putNumber(b: Buffer, p: number, n: number): number {
  if (!Number.isSafeInteger(n)) {
    const t = String(n);
    for (let i = 0; i < t.length; i++) b[p++] = t.charCodeAt(i);
    return p;
  }
  if (n < 0) { b[p++] = 45; n = -n; }
  if (n < 1e9) return digits(b, p, n, 0);
  // (n / 1e9 is rounded to a double, but below 2^53 it stays on the right side of a whole number: a
  // quotient short of one by j / 1e9 is farther from it than half a unit of its last place)
  const hi = Math.floor(n / 1e9), lo = n - hi * 1e9;
  return digits(b, digits(b, p, hi, 0), lo, 9);
}

/**
 * A tool's output records assembled as bytes and handed on in batches (ToolContext.emitBatch), not a
 * string and a Buffer per record: write a record at buf[pos...] (latin1(), bytes(), or in place after
 * room()), then end() it. Only complete records are handed on: room() keeps the record being written.
 */
export class RecordBatch {
  buf = Buffer.allocUnsafe(1 << 20);
  pos = 0;
  records = 0;
  /** where the record being written begins */
  private start = 0;
  constructor(private readonly emit: (b: Buffer, s: number, e: number, records: number, walks?: BatchWalks) => void) {}
  // (members()) the records' members and their value spans, and 2 * their number
  private walks: { names: readonly string[]; spans: Int32Array } | undefined = undefined;
  private m2 = 0;
  /**
   * The records from now on have these top-level members, in this order, each once (plain names: the
   * JSON text of each is the name in quotes), and their writer marks where each value lies (span(), or
   * spans[spansAt() + 2j] and the one after): the next stage of a chain then takes them from there
   * instead of walking the records (simd-scan.ts generatedWalk). null: records of no known shape. The
   * records written before are handed on first.
   */
  members(names: readonly string[] | null): void {
    this.flush();
    this.walks = names === null ? undefined : { names, spans: new Int32Array(2 * names.length * 1024) };
    this.m2 = names === null ? 0 : 2 * names.length;
  }
  /** the spans of the record being written: its member j's value at spans[i + 2j], spans[i + 2j + 1],
   *  from the record's start (i: what this returns, -1 when the records' members are not known; the
   *  array is returned by spans()) */
  spansAt(): number {
    const w = this.walks;
    if (w === undefined) return -1;
    const i = this.records * this.m2;
    if (i + this.m2 > w.spans.length) { const a = new Int32Array(2 * (i + this.m2)); a.set(w.spans); w.spans = a; }
    return i;
  }
  /** the span array spansAt() indexes (valid until the next spansAt()) */
  spans(): Int32Array { return this.walks!.spans; }
  /** where the next byte goes, counted from the start of the record being written (for span()) */
  at(): number { return this.pos - this.start; }
  /** member j's value of the record being written is [from, at()) (from: an at() taken before it) */
  span(j: number, from: number): void {
    const at = this.spansAt();
    if (at < 0) return;
    const i = at + 2 * j, sp = this.walks!.spans;
    sp[i] = from; sp[i + 1] = this.pos - this.start;
  }
  /** hand on the complete records, with their spans (when kept); the record being written keeps its */
  private handOn(): void {
    const w = this.walks;
    this.emit(this.buf, 0, this.start, this.records, w);
    if (w !== undefined && this.records > 0) { const i = this.records * this.m2; if (i + this.m2 <= w.spans.length) w.spans.copyWithin(0, i, i + this.m2); }
  }
  /** room for n more bytes at buf[pos...] */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.start > 0) this.handOn();
    this.records = 0;
    const part = this.pos - this.start; // (the record being written moves to the front)
    if (part + n > this.buf.length) {
      const b = Buffer.allocUnsafe(2 * (part + n));
      this.buf.copy(b, 0, this.start, this.pos);
      this.buf = b;
    } else this.buf.copyWithin(0, this.start, this.pos);
    this.start = 0;
    this.pos = part;
  }
  /** text whose characters are all below 256 (latin1: e.g. UTF-8 bytes held as a string), at pos */
  latin1(t: string): void {
    this.room(t.length);
    const b = this.buf;
    let p = this.pos;
    if (t.length < 32) for (let i = 0; i < t.length; i++) b[p++] = t.charCodeAt(i);
    else p += b.write(t, p, 'latin1');
    this.pos = p;
  }
  /** a number as String(n) writes it (JSON's text of a finite double): see putNumber */
  number(n: number): void {
    this.room(NUMBER_ROOM);
    this.pos = putNumber(this.buf, this.pos, n);
  }
  /** bytes s[from, to) at pos */
  bytes(s: Uint8Array, from: number, to: number): void {
    this.room(to - from);
    this.pos = copyBytes(s, from, to, this.buf, this.pos);
  }
  /** a composite key's tokens a[s, e) (joined by byte 1, as FieldReader.keyInto writes them), token k
   *  after heads[k] (e.g. `{"name":`, then `,"name":`; headsLength: theirs in all), in one pass over
   *  the key's bytes */
  tokens(a: Uint8Array, s: number, e: number, heads: readonly Uint8Array[], headsLength: number): void {
    this.room(e - s + headsLength);
    const b = this.buf;
    let p = this.pos, k = 0, h = heads[0];
    for (let j = 0; j < h.length; j++) b[p++] = h[j];
    for (let i = s; i < e; i++) {
      const c = a[i];
      if (c !== 1) { b[p++] = c; continue; }
      h = heads[++k];
      for (let j = 0; j < h.length; j++) b[p++] = h[j];
    }
    this.pos = p;
  }
  /** the record ends at pos (its newline written: `newline` false when the caller wrote it) */
  end(newline = true): void {
    if (newline) { this.room(1); this.buf[this.pos++] = 10; }
    this.records++;
    this.start = this.pos;
    if (this.pos >= 1 << 18) this.flush();
  }
  /** hand on the complete records (a record being written stays) */
  flush(): void {
    if (this.start > 0) this.handOn();
    this.records = 0;
    if (this.start > 0) { this.buf.copyWithin(0, this.start, this.pos); this.pos -= this.start; this.start = 0; }
  }
}
