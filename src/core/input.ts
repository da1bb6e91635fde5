// Reading NDJSON input: stdin or files (gzip detected by its magic bytes), split into lines over large
// chunks (by the SIMD splitter of simd-scan.ts for chunks read into its memory, else native
// Buffer.indexOf), line numbers per input. A tool's `needle` lets lines that cannot match be skipped
// without being looked at (the grep trick), while they are still counted.
// Plain input is read with blocking fs.readSync into one reused 128 KiB buffer (a CLI has nothing else to
// do meanwhile; stdout writes to pipes and files are synchronous on Linux too). Measured on this machine
// (481 MB): readSync 1 MiB 0.13 s (128 KiB reads 3-4x faster again: the buffer stays in the CPU cache);
// process.stdin 'data' events over a pipe 0.49 s; for-await over process.stdin 0.58-0.68 s. Gzip input
// is read member by member (core/gzip.ts: zlib's raw inflate). split2 (one string per line) is
// kept off this path; see docs/PERFORMANCE.md.
import fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import net from 'node:net';
import { gunzipMembers } from './gzip.js';
import type { Gunzipped } from './gzip.js';
import type { Readable } from 'node:stream';
import type { Line } from './tool.js';
import { fileProblem } from './options.js';
import { LineSplit, chunkBuffer, releaseChunk } from './simd-scan.js';

const NL = 10;
/** a line longer than this is rejected instead of being buffered without end */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;
/** the size of one read (a reader's chunk) */
export const CHUNK = 1 << 17;
/** the errors of opening or reading an input file that are said as `FILE: message` (the run goes on to
 *  the next file and fails at its end), not as a crash: the one list of the readers */
export const INPUT_ERRORS: ReadonlySet<string> = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EIO', 'EBADF', 'Z_DATA_ERROR', 'Z_BUF_ERROR']);
/** lines that go the usual way after a batch that read none (see LineSink.batch) */
const BATCH_PAUSE = 32;

export interface LineSink {
  /** a candidate line (contains the needle, or there is no needle) */
  line(l: Line): void;
  /** a line that cannot match (no needle in it); ok = it looks like one JSON object */
  skipped(l: Line, ok: boolean): void;
  /** a line too long to buffer */
  tooLong(l: Line): void;
  /** a line that is not valid UTF-8 (why: where) */
  invalid(l: Line, why: string): void;
  /** (a sink that reads many lines a call, when there is no needle) lines k0..n-1 of a chunk split by
   *  `split` from `from`, line k0 beginning at chunk index `start`: reads lines from k0 on, as many as
   *  it can, as line() would (each valid UTF-8, not blank); returns the number of the first it did not
   *  read (that line then goes to line() or the others as usual) */
  batch?: (split: LineSplit, from: number, start: number, k0: number, n: number) => number;
}

/** index of the first invalid UTF-8 sequence in b[s, e) (RFC 3629: no overlong forms, no surrogates,
 *  nothing above U+10FFFF), e when there is none */
export function badUtf8At(b: Buffer, s: number, e: number): number {
  let i = s;
  while (i < e) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    let n = 0, lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) { n = 2; if (c === 0xe0) lo = 0xa0; if (c === 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; if (c === 0xf0) lo = 0x90; if (c === 0xf4) hi = 0x8f; }
    else return i;
    if (i + n >= e) return i;
    for (let k = 1; k <= n; k++) { const d = b[i + k]; if (k === 1 ? d < lo || d > hi : (d & 0xc0) !== 0x80) return i; }
    i += n + 1;
  }
  return e;
}

/** where the first invalid UTF-8 sequence of b[s, e) starts (as a 1-based column); the rare path
 *  after isUtf8 said no */
export function badUtf8(b: Buffer, s: number, e: number): string {
  return `invalid UTF-8 at column ${badUtf8At(b, s, e) - s + 1}`;
}

/**
 * The bytes to search for a tool's needle. Buffer.indexOf looks for the needle's first byte with
 * memchr, so a needle starting with '"' (the commonest byte in JSON) is slow; searching from the
 * needle's rarest byte in the first chunk on (a suffix of at least 4 bytes) runs up to twice as fast;
 * each hit is then checked for the whole needle, so the candidates are exactly the lines holding it
 * (the same lines as the SIMD splitter's).
 */
export function searchNeedle(needle: Buffer, sample: Buffer): Buffer {
  if (needle.length <= 4) return needle;
  const freq = new Uint32Array(256);
  const n = Math.min(sample.length, 1 << 16);
  for (let i = 0; i < n; i++) freq[sample[i]]++;
  let best = 0;
  for (let i = 1; i <= needle.length - 4; i++) if (freq[needle[i]] < freq[needle[best]]) best = i;
  return needle.subarray(best);
}

/** Splits chunks into lines (carrying a partial last line over) and hands them to a sink (the CLI's
 *  readInput and the library stream share it). */
export class Splitter {
  readonly line: Line;
  /** the partial last line carried over, in pieces (copies: the chunk buffer is reused), joined once
   *  its end comes (joining at each chunk made a long line cost its length times its chunks) */
  private carry: Buffer[] | null = null;
  private carried = 0;
  private discarding = false; // inside an overlong line: drop bytes up to its newline

  private first = true; // the input's first chunk (a byte order mark is skipped there)
  private head: Buffer | null = null; // a first chunk of 1-2 bytes that may begin a byte order mark
  private checkEach = false; // the current chunk is not all valid UTF-8: check each line

  private needle: Buffer | undefined; // what is searched: the tool's needle or a suffix of it
  private whole: Buffer | undefined; // the tool's needle
  private chosen = false;
  private simd: LineSplit | null = null; // the SIMD splitter, for chunks read into its memory

  constructor(file: string, needle: Buffer | undefined, private readonly sink: LineSink) {
    this.needle = needle;
    this.whole = needle;
    this.line = { buf: Buffer.alloc(0), start: 0, end: 0, file, no: 0, cr: false };
  }

  /** the next backslash at or after the current line (an escape could spell the needle differently) */
  private escape = -1;
  private escapeBuf: Buffer | null = null;

  /** the line b[s, e) (its newline at e) with the needle's next hit at or after s, or -1: finds out
   *  whether the line is a candidate, then delivers it; returns the hit for the next line */
  private deliver(b: Buffer, s: number, e: number, hit: number, own = false): number {
    const needle = this.needle;
    let candidate = true;
    if (needle !== undefined) {
      if (hit !== -1 && hit < s) hit = b.indexOf(needle, s);
      while (hit !== -1 && hit < e && !this.wholeAt(b, hit, s)) hit = b.indexOf(needle, hit + 1);
      candidate = hit !== -1 && hit < e;
      if (!candidate) {
        // a line with an escape sequence is a candidate too: "user\u005fengagement" is the same name
        if (this.escapeBuf !== b || (this.escape !== -1 && this.escape < s)) { this.escapeBuf = b; this.escape = b.indexOf(92, s); }
        candidate = this.escape !== -1 && this.escape < e;
      }
    }
    this.deliverKnown(b, s, e, candidate, own);
    return hit;
  }

  /** does the whole needle stand where its searched suffix was found (within the line from s)? */
  private wholeAt(b: Buffer, hit: number, s: number): boolean {
    const whole = this.whole!, k = whole.length - this.needle!.length;
    if (hit - k < s) return false;
    for (let i = 0; i < k; i++) if (b[hit - k + i] !== whole[i]) return false;
    return true;
  }

  /** a line whose candidacy is known: to the tool, or (not a candidate) only checked to be one {...};
   *  blank lines (nothing, or only spaces and tabs) are skipped; invalid UTF-8 goes to sink.invalid.
   *  `own`: the line does not lie in a chunk checked as a whole */
  private deliverKnown(b: Buffer, s: number, e: number, candidate: boolean, own = false): void {
    const line = this.line;
    line.no++;
    let end = e;
    line.cr = false;
    if (end > s && b[end - 1] === 13) { end--; line.cr = true; } // CRLF
    if (end === s) return;
    if (b[s] === 32 || b[s] === 9 || b[s] === 13) {
      let i = s + 1;
      while (i < end && (b[i] === 32 || b[i] === 9 || b[i] === 13)) i++;
      if (i === end) return;
    }
    line.buf = b; line.start = s; line.end = end;
    if ((own || this.checkEach) && !isUtf8(b.subarray(s, end))) { this.sink.invalid(line, badUtf8(b, s, end)); return; }
    if (candidate || this.needle === undefined) { this.sink.line(line); return; }
    let i = s; while (i < end && (b[i] === 32 || b[i] === 9)) i++;
    let j = end; while (j > i && (b[j - 1] === 32 || b[j - 1] === 9)) j--;
    if (j > i) this.sink.skipped(line, b[i] === 123 && b[j - 1] === 125);
  }

  /** the bytes to come are not the start of an input (a piece of a file read in parallel): no byte
   *  order mark to skip, and lines are numbered from `firstLine` */
  notAtStart(): void { this.first = false; }

  chunk(chunk: Buffer, stopped: () => boolean): void {
    // (an empty chunk, a program's empty write: nothing, not the first chunk, whose byte order mark is
    // skipped and which samples the needle)
    if (chunk.length === 0) return;
    if (!this.chosen) {
      this.simd = LineSplit.create(this.needle, chunk);
      if (this.needle !== undefined) this.needle = searchNeedle(this.needle, chunk);
      this.chosen = true;
    }
    let s = 0;
    if (this.first) {
      if (this.head !== null) { chunk = Buffer.concat([this.head, chunk]); this.head = null; }
      // (a mark split over the first reads, a pipe's or a program's: its first bytes wait for the rest)
      if (chunk.length < 3 && chunk[0] === 0xef && (chunk.length === 1 || chunk[1] === 0xbb)) { this.head = Buffer.from(chunk); return; }
      this.first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) s = 3; // a byte order mark
    }
    if (this.discarding) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) return;
      s = nl + 1;
      this.discarding = false;
    }
    if (this.carry !== null) {
      // finish the line begun in the previous chunk; copy only that line, not the whole chunk
      const nl = chunk.indexOf(NL, s);
      if (nl < 0) { this.carryOver(chunk.subarray(s)); return; }
      this.carry.push(chunk.subarray(s, nl));
      const first = Buffer.concat(this.carry, this.carried + nl - s);
      this.carry = null; this.carried = 0;
      this.deliver(first, 0, first.length, this.needle === undefined ? -1 : first.indexOf(this.needle), true);
      s = nl + 1;
      if (stopped()) return;
    }
    // UTF-8 for the whole chunk up to its last newline at once (native, fast); each line only when that fails
    const last = chunk.lastIndexOf(NL);
    this.checkEach = last >= s && !isUtf8(chunk.subarray(s, last + 1));
    const simd = this.simd;
    if (simd !== null && simd.accepts(chunk)) {
      const from = s, n = simd.split(chunk, from);
      // a sink that reads many lines a call takes them while it can; a line it does not read goes the
      // usual way, and so do the next BATCH_PAUSE after one that none were read before
      const batch = this.needle === undefined && !this.checkEach ? this.sink.batch : undefined;
      let pause = 0;
      for (let k = 0; k < n; k++) {
        if (batch !== undefined && pause === 0) {
          const j = batch(simd, from, s, k, n);
          if (j > k) {
            this.line.no += j - k;
            s = simd.lineEnd(j - 1, from) + 1;
            k = j;
            if (stopped()) return;
            if (k === n) break;
          } else pause = BATCH_PAUSE;
        } else if (pause > 0) pause--;
        const nl = simd.lineEnd(k, from);
        this.deliverKnown(chunk, s, nl, simd.candidate(k));
        s = nl + 1;
        if (stopped()) return;
      }
    } else {
      let hit = this.needle === undefined ? -1 : chunk.indexOf(this.needle, s);
      for (;;) {
        const nl = chunk.indexOf(NL, s);
        if (nl < 0) break;
        hit = this.deliver(chunk, s, nl, hit);
        s = nl + 1;
        if (stopped()) return;
      }
    }
    if (s < chunk.length) this.carryOver(chunk.subarray(s));
  }

  /** keep b (a piece of the line begun; copied) for the next chunk */
  private carryOver(b: Buffer): void {
    (this.carry ??= []).push(Buffer.from(b));
    this.carried += b.length;
    this.checkLength();
  }

  private checkLength(): void {
    if (this.carry === null || this.carried <= MAX_LINE_BYTES) return;
    const line = this.line;
    line.no++; line.buf = Buffer.concat(this.carry, Math.min(200, this.carried)); line.start = 0; line.end = line.buf.length;
    this.sink.tooLong(line);
    this.carry = null; this.carried = 0;
    this.discarding = true;
  }

  finish(): void {
    if (this.head !== null) { const h = this.head; this.head = null; this.first = false; this.chunk(h, () => false); } // (an input of 1-2 bytes)
    const c = this.carry === null ? null : Buffer.concat(this.carry, this.carried);
    this.carry = null; this.carried = 0;
    if (c !== null && c.length > 0 && !this.discarding) this.deliver(c, 0, c.length, this.needle === undefined ? -1 : c.indexOf(this.needle), true);
  }
}

/** Read one input to its end, line by line; pauses while `waitDrain()` gives a promise. */
export function readLines(file: string, src: Readable, needle: Buffer | undefined, sink: LineSink,
  waitDrain: () => Promise<void> | null, stopped: () => boolean, splitter = new Splitter(file, needle, sink)): Promise<number> {
  let bytes = 0;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      unwake();
      src.off('data', onData); src.off('end', onEnd); src.off('error', finish);
      if (err) { src.destroy(); reject(err); } else resolve(bytes);
    };
    // a failure while no data comes (wakeReaders): given up at once
    const unwake = whenWoken(() => { if (stopped()) { src.destroy(); finish(); } });
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      try { splitter.chunk(chunk, stopped); } catch (err) { finish(err); return; }
      if (stopped()) { src.destroy(); finish(); return; }
      const wait = waitDrain();
      if (wait) { src.pause(); wait.then(() => { if (!settled) src.resume(); }); }
      // a reply waits for the event loop (load-postgres' worker): let it in before the next chunk (a
      // pipe's stream reads up to 32 chunks in a row, ~2 MiB, while data is there)
      else if (turnWanted()) { src.pause(); setImmediate(() => { if (!settled) src.resume(); }); }
    };
    const onEnd = () => {
      try { splitter.finish(); } catch (err) { finish(err); return; }
      // (a gzip input ends where it failed, after every line before the failure, the last one without
      // its newline too, as `gzip -dc FILE | tool` has them: core/gzip.ts)
      finish((src as Partial<Gunzipped>).inputFailure?.());
    };
    src.on('data', onData); src.once('end', onEnd); src.once('error', finish);
  });
}

/** what a tool that reads its own input (from-csv, from-json) feeds its reader through (readOwnInput) */
export interface OwnInput {
  /** room for the next read: at least `want` bytes at buf[at...] */
  space(): { buf: Buffer; at: number; want: number };
  /** n bytes were read into space()'s room */
  commit(n: number): void;
  /** (a gzip input) an unzipped chunk */
  push(chunk: Buffer): void;
  /** the rest of this input is not wanted (from-csv: its header could not be read) */
  skipped(): boolean;
  /** after each chunk, before waiting for the output (from-csv hands its records on) */
  flush?(): void;
}
/** the part of a ToolContext readOwnInput uses */
interface OwnInputContext {
  countIn(n?: number, bytes?: number): void;
  waitDrain(): Promise<void> | null;
  stopped(): boolean;
  failInput(file: string, message: string): void;
}

/**
 * FILE ('-': stdin) read whole into `into` by blocking reads (a non-blocking pipe waited for), or through
 * zlib when its first bytes are gzip's mark (found over the first reads of a pipe too); the output
 * waited for after each chunk, the reading stopped when the output's reader went away (| head), the
 * event loop let turn now and then. An input that cannot be opened or read is said (ctx.failInput) and
 * the run goes on. True when the reader's end is due: the input was read to its end (and not skipped),
 * or what it held was whole when it failed (bytes after a gzip file's data); 'cut' when it failed after
 * some of it was read (a damaged gzip file, an I/O error midway): the reader takes what it had, and
 * what follows its last record's end is a record cut short (rejected by a reader that cannot tell).
 */
export async function readOwnInput(file: string, into: OwnInput, ctx: OwnInputContext): Promise<boolean | 'cut'> {
  let fd: number;
  const cannotRead = (err: NodeJS.ErrnoException) => ctx.failInput(file, fileProblem(err, file));
  try { fd = file === '-' ? 0 : fs.openSync(file, 'r'); } catch (err) { cannotRead(err as NodeJS.ErrnoException); return false; }
  let owned = true; // the descriptor is ours to close (not after it went to the gzip stream)
  let gave = false; // bytes went to the reader
  const read = (buf: Buffer, at: number, want: number): number | null => {
    try { return fs.readSync(fd, buf, at, want, null); } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') return null; // a non-blocking pipe with nothing yet
      if (code === 'EOF') return 0;
      throw err;
    }
  };
  /** go on after a chunk: false to stop (the output's reader went away, or the input is skipped) */
  const onward = async (): Promise<boolean> => {
    if (into.skipped()) return false;
    into.flush?.();
    const wait = ctx.waitDrain();
    if (wait) await wait;
    return !ctx.stopped();
  };
  try {
    for (let chunks = 0; ; chunks++) {
      const { buf, at, want } = into.space();
      let n = read(buf, at, want);
      if (n === null) { await sleep(1); chunks--; continue; }
      if (n === 0) break;
      while (chunks === 0 && n === 1 && buf[at] === 0x1f) { // (gzip's two-byte mark split over a pipe's first reads)
        const m = read(buf, at + 1, want - 1);
        if (m === null) { await sleep(1); continue; }
        if (m === 0) break;
        n += m;
      }
      if (chunks === 0 && n >= 2 && buf[at] === 0x1f && buf[at + 1] === 0x8b) {
        owned = false;
        const rest = fs.createReadStream('', { fd, highWaterMark: CHUNK, autoClose: fd !== 0 });
        const z = gunzipMembers(Buffer.from(buf.subarray(at, at + n)), rest, CHUNK);
        try {
          for await (const chunk of z as AsyncIterable<Buffer>) {
            ctx.countIn(0, chunk.length);
            into.push(chunk);
            gave = true;
            if (!(await onward())) return false;
          }
          const failure = z.inputFailure();
          if (failure) throw failure;
        } finally {
          z.destroy();
          if (fd !== 0) rest.destroy(); // closes the descriptor once no read is pending
        }
        return true;
      }
      ctx.countIn(0, n);
      into.commit(n);
      gave = true;
      if (!(await onward())) return false;
      if (turnDue()) await tick();
    }
    return !into.skipped();
  } catch (err) {
    into.flush?.();
    if (INPUT_ERRORS.has((err as NodeJS.ErrnoException).code ?? '')) {
      cannotRead(err as NodeJS.ErrnoException);
      if (!gave || into.skipped() || ctx.stopped()) return false;
      return (err as { whole?: boolean }).whole === true ? true : 'cut';
    }
    throw err;
  } finally {
    if (fd !== 0 && owned) fs.closeSync(fd);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const tick = () => new Promise<void>((r) => setImmediate(r));
/** Every eighth chunk (1 MiB) read by any reader of this thread, counted across files: time to let the
 *  event loop run (a closed stdout noticed, `| head` ending the run; a signal acted on). Counted per
 *  file, 364 daily files of 150 KB each never got there: `from-csv *.csv | head -1` read them all, and
 *  a SIGTERM to a chain that saves a file was not acted on before its end. */
let chunksRead = 0;
export const turnDue = (): boolean => (++chunksRead & 7) === 0;

/** Things on this thread that wait for the event loop: a reply that has arrived and is handled only
 *  there (load-postgres's database worker registers one). The read loops yield after the chunk in hand
 *  while one is ready, not only every 8 chunks, so the reply is not held up behind ~1 MiB of parsing
 *  (the database would sit idle meanwhile). */
const turnWaiters = wanters();
/** register `ready` (true while something waits for the event loop); returns the unregistering call */
export const wantTurns = turnWaiters.add;
/** does something wait for the event loop? */
export const turnWanted = turnWaiters.any;

/** a set of `wants` calls: add one (returns the unregistering call); does any want now? */
function wanters(): { add(wants: () => boolean): () => void; any(): boolean } {
  const all = new Set<() => boolean>();
  return {
    add(wants) { all.add(wants); return () => { all.delete(wants); }; },
    any() { for (const f of all) if (f()) return true; return false; },
  };
}

/** Things that need the event loop while a live input is idle: a load's commit of a full batch queued
 *  (its writes are promises; load-postgres' round trips), a load's --flush-after timer. While one
 *  does, each read of a pipe, socket or terminal is made without blocking the thread (fs.read in
 *  libuv's pool), so they run while no data comes (`tail -F | load-sqlite --batch 1` commits each
 *  record as it comes, not when the next one does); otherwise reads block (the fast way). */
const loopWanters = wanters();
/** register `wants` (true while something needs the event loop when the input is idle); returns the
 *  unregistering call */
export const loopWhileWaiting = loopWanters.add;
const loopWanted = loopWanters.any;
/** Things that need the event loop when a live input goes quiet (a file written whole, whose cleanup
 *  must run on a signal): after a short read (the writer not ahead: the pipe had less than 64 KiB, a
 *  socket or terminal a line), the next read is made without blocking the thread; full reads go on
 *  blocking (the fast way: a bulk pipe costs nothing) */
const quietWanters = wanters();
/** register `wants`; returns the unregistering call */
export const loopWhileQuiet = quietWanters.add;
const quietWanted = quietWanters.any;
/** wakes a reader waiting for a live input's next data (readInput; it then asks whether the run stopped) */
const wakers = new Set<() => void>();
/** A failure found between records (a load's commit failing while a live input is quiet): the readers
 *  waiting for data are woken to look at their `stopped()`, so that the run ends and says it now rather
 *  than when the next line comes (`tail -F` may send none for hours). */
export function wakeReaders(): void { for (const w of [...wakers]) w(); }
/** call `wake` on wakeReaders() too (a library stream waiting for its next chunk); returns the
 *  unregistering call */
export function whenWoken(wake: () => void): () => void {
  wakers.add(wake);
  return () => { wakers.delete(wake); };
}
const WOKEN = -1;
/** p, or WOKEN when wakeReaders() comes first */
function untilWoken(p: Promise<number>): Promise<number> {
  let unwake!: () => void;
  const woken = new Promise<number>((r) => { unwake = whenWoken(() => r(WOKEN)); });
  return Promise.race([p, woken]).finally(() => unwake());
}
/** a blocking read into buf[off...]: its bytes, 0 at the end (a terminal's EOF too); a descriptor that
 *  does not block (inherited so) with nothing yet is tried again each ms */
async function readNow(fd: number, buf: Buffer, off: number): Promise<number> {
  for (;;) {
    try { return fs.readSync(fd, buf, off, CHUNK - off, null); } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') { await sleep(1); continue; }
      if (code === 'EOF') return 0;
      throw err;
    }
  }
}
/** a read made without blocking the thread: its bytes (0 at the end), or 0 once cancelled */
interface Aside { read: Promise<number>; cancel(): void }
/** One read without blocking the thread: fs.read in libuv's pool (a descriptor that does not block,
 *  inherited so, with nothing yet: tried again each ms); cancel() stops trying. */
function readAside(fd: number, buf: Buffer): Aside {
  let cancelled = false;
  const read = new Promise<number>((resolve, reject) => {
    const go = () => {
      if (cancelled) { resolve(0); return; }
      fs.read(fd, buf, 0, CHUNK, null, (err, n) => {
        if (!err) resolve(n);
        else if (err.code === 'EAGAIN') setTimeout(go, 1);
        else if (err.code === 'EOF') resolve(0);
        else reject(err);
      });
    };
    go();
  });
  return { read, cancel: () => { cancelled = true; } };
}
/**
 * The rest of a pipe `fd` as a stream that waits for data without a thread (epoll, as Node reads a
 * piped stdin) and can be given up: a net.Socket on a descriptor of its own, opened through /proc (its
 * own open file description, made non-blocking; the flags of the one inherited, shared with the
 * processes around, are left alone). null where there is none (not Linux).
 */
function pipeStream(fd: number): net.Socket | null {
  let nb: number;
  try { nb = fs.openSync(`/proc/self/fd/${fd}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK); } catch { return null; }
  try { return new net.Socket({ fd: nb, readable: true, writable: false }); } catch { fs.closeSync(nb); return null; }
}

/**
 * Read one input ('-' = stdin) to its end with blocking reads; gzip input is handed to the stream
 * path. Pauses while `waitDrain()` gives a promise and yields to the event loop every few chunks so
 * that an EPIPE on stdout is noticed.
 */
export async function readInput(file: string, needle: Buffer | undefined, sink: LineSink,
  waitDrain: () => Promise<void> | null, stopped: () => boolean): Promise<number> {
  const fd = file === '-' ? 0 : fs.openSync(file, 'r');
  const buf = chunkBuffer(CHUNK); // inside the SIMD walk's memory when free: lines are scanned in place
  const splitter = new Splitter(file, needle, sink);
  let bytes = 0, chunks = 0;
  let aside: Aside | null = null; // the next read, made without blocking (see loopWhileWaiting)
  let live = true, fifo = false, left: Promise<unknown> | null = null;
  try { const st = fs.fstatSync(fd); live = !st.isFile(); fifo = st.isFIFO(); } catch { /* the read says why */ }
  // (something needs the event loop from the start, a file written whole that a signal must be able to
  // stop: the first read too is made without blocking the thread, the rest as below)
  if (live && (loopWanted() || quietWanted())) aside = readAside(fd, buf);
  try {
    for (;;) {
      let n: number;
      if (stopped()) return bytes; // (a failure found while the event loop turned: a load's commit)
      if (aside !== null) {
        const a: Aside = aside; aside = null;
        n = await untilWoken(a.read);
        if (n === WOKEN) {
          // a failure (wakeReaders): the read is given up (one that blocks, on a socket or a terminal,
          // ends when data comes: the process ends then; a pipe's is a stream, below)
          if (stopped()) { a.cancel(); left = a.read.catch(() => undefined); return bytes; }
          aside = a; continue;
        }
      } else n = await readNow(fd, buf, 0);
      if (n === 0) break;
      while (chunks === 0 && n === 1 && buf[0] === 0x1f) { // (gzip's two-byte mark split over the first reads of a pipe)
        const m = await readNow(fd, buf, 1);
        if (m === 0) break;
        n += m;
      }
      if (chunks === 0 && n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
        const head = Buffer.from(buf.subarray(0, n));
        // (a pipe: a stream that waits for data without a thread, given up at once on a failure)
        const sock = fifo ? pipeStream(fd) : null;
        const rest: Readable = sock ?? fs.createReadStream('', { fd, highWaterMark: CHUNK, autoClose: false });
        const gunzip = gunzipMembers(head, rest, CHUNK);
        // given up or done: the pipe's stream too, at once (its own descriptor; the unzipping's end
        // waits for its read, which a quiet writer holds: a run that stopped itself, --strict, waited
        // for the writer's next bytes). A file's stream is left alone: its destroy() would close fd,
        // which is closed below.
        try {
          return await readLines(file, gunzip, needle, sink, waitDrain, stopped);
        } finally {
          if (sock !== null) sock.destroy();
        }
      }
      bytes += n;
      chunks++;
      splitter.chunk(buf.subarray(0, n), stopped);
      if (stopped()) return bytes;
      const wait = waitDrain();
      if (wait) await wait;
      if (turnDue() || turnWanted()) { await tick(); if (stopped()) return bytes; }
      // A pipe, socket or terminal may have nothing more for a long time: while something needs the
      // event loop (a full batch's commit queued, a --flush-after timer), the next read does not block
      // the thread (after any read: a burst may end on a full pipe's 64 KiB, a socket's read be larger).
      // A file always has its next bytes: read as fast as can be.
      if (live && n < 65536 && !loopWanted() && quietWanted()) aside = readAside(fd, buf); // (the input may go quiet now)
      else if (live && loopWanted()) {
        // a pipe: the rest read as a stream (the same splitter: the line begun and the numbering go
        // on), which waits for data without a thread and is given up at once on a failure
        const sock = fifo ? pipeStream(fd) : null;
        if (sock !== null) return bytes + await readLines(file, sock, needle, sink, waitDrain, stopped, splitter);
        aside = readAside(fd, buf);
      }
    }
    splitter.finish();
    return bytes;
  } finally {
    const close = () => {
      releaseChunk(buf);
      if (fd !== 0) fs.closeSync(fd);
    };
    if (left === null) close();
    else void left.then(close); // (a read given up may still write into buf: kept until it ends)
  }
}
