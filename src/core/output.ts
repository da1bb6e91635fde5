// Buffered stdout: records are copied into a large buffer and written in batches (one write per line
// is ~20x slower, nodejs/node#6379). A write that returns false makes the reader wait for 'drain'.
// EPIPE (the reader of our output went away, e.g. `| head`) ends the run quietly with status 0.
import type { Writable } from 'node:stream';

const FLUSH_AT = 64 * 1024; // one pipe buffer: a blocking write of more waits on the reader
const NL = 10;
const SLAB = 4 << 20;

export class Output {
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

  constructor(private readonly stream: Writable, private readonly lineBuffered: boolean) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else throw err;
    });
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
    this.room(e - s);
    this.pos += b.copy(this.buf, this.pos, s, e);
    this.records += records;
    if (this.lineBuffered || this.pos - this.start >= FLUSH_AT) this.flush();
  }

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
    if (!this.stream.write(chunk) && !this.waiting) {
      this.waiting = new Promise((resolve) => {
        const done = () => { this.stream.off('drain', done); this.stream.off('close', done); this.waiting = null; resolve(); };
        this.stream.on('drain', done);
        this.stream.on('close', done);
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
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      if (this.stream.writableNeedDrain) {
        const done = () => resolve();
        this.stream.once('drain', done);
        this.stream.once('close', done);
        this.stream.once('error', done);
      } else resolve();
    });
  }
}
