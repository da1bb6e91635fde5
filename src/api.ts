// The library API: every tool as a Node stream, with the command line's options and behaviour.
//
//   import { createStream } from 'event-pipes';
//   fs.createReadStream('events.ndjson')
//     .pipe(createStream('filter-engaged'))
//     .pipe(createStream('to-local-date', ['--tz', 'America/Chicago']))
//     .pipe(createStream('count-by', ['date', '-a', 'users=distinct(user_pseudo_id)']))
//     .pipe(process.stdout);
//
// A stream takes NDJSON bytes and gives NDJSON bytes (a Transform built on through2), one Stage of
// the same engine as the command line: the same option spec, the same reading by the grammar, the
// same output bytes. Bad records do not go to stderr: each is a 'reject' event ({tool, file, line,
// reason, detail, raw}; --rejects FILE works too), diagnostics are 'warning' events (the lines the
// command line writes on stderr, what stopped a run included), the closing figures a 'stats' event (at a stop too); --strict stops the stream with an error at the first bad record (the records before it pushed first), and a
// run the command line would end with status 1 (every record rejected, --max-reject-rate) ends the
// stream with an error. Backpressure is the stream's: a tool's output for a chunk is pushed before
// the next chunk is taken. objects() and fromObjects() convert between NDJSON bytes and records for
// programs that hold objects (numbers a double cannot hold come as BigNum and go back exactly).
import { PassThrough, Transform } from 'node:stream';
import through2 from 'through2';
import { registry, loadTool } from './tools/index.js';
import { parseOptions, plainText, stopMessage } from './core/runner.js';
import { CHUNK, Splitter, turnWanted, whenWoken } from './core/input.js';
import { gunzipMembers } from './core/gzip.js';
import type { Gunzipped } from './core/gzip.js';
import { BytesSink } from './core/output.js';
import { OpenFailed, Stage, StageError, StrictStop } from './core/stage.js';
import type { RejectInfo } from './core/stage.js';
import { FieldReader } from './core/fields.js';
import { BigNum, parseJson, stringify } from './core/json.js';
import { UsageError } from './core/tool.js';
import type { Line, Tool } from './core/tool.js';

export { BigNum, stringify, UsageError };
export type { RejectInfo, Tool };

/** a stream's 'stats' event: the closing figures the command line's --stats prints (records in, out,
 *  rejected, bytes read; rejects by reason, the tool's own counters) */
export interface Stats {
  tool: string; in: number; out: number; rejected: number; bytes: number;
  reasons: Record<string, number>; counters: Record<string, number>;
}

/** the names of the tools (each is also a command of its own) */
export const tools: readonly string[] = Object.keys(registry);

/** a tool by name (one checkCall let through) or the Tool itself */
function toolOf(tool: string | Tool): Promise<Tool> | Tool {
  return typeof tool === 'string' ? loadTool(tool) as Promise<Tool> : tool;
}

/** createStream's arguments as JavaScript may pass them: a tool that is no name and no Tool (undefined
 *  crashed the process from the stream's own error report) and args that are no array of strings (a
 *  string was spread into its characters, `count-by` grouping by d, a, t, e) thrown at once */
function checkCall(tool: unknown, args: unknown): void {
  const isTool = (t: unknown) => t !== null && typeof t === 'object' && typeof (t as Tool).name === 'string' && typeof (t as Tool).create === 'function';
  if (typeof tool !== 'string' && !isTool(tool)) throw new UsageError(`createStream: the tool is a tool's name (one of: ${tools.join(', ')}) or a Tool (got ${tool === null ? 'null' : typeof tool})`);
  if (typeof tool === 'string' && !registry[tool]) throw new UsageError(`unknown tool '${tool}' (one of: ${tools.join(', ')})`);
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) {
    throw new UsageError(`createStream: args is an array of strings, the command line's words (got ${Array.isArray(args) ? 'an array holding ' + typeof args.find((a) => typeof a !== 'string') : args === null ? 'null' : typeof args})`);
  }
}

/**
 * A Readable's reader, heard: wait() is a promise while the stream's buffer is full and no read came
 * since the last push, else null; pushed() after a push. (A read is answered by a push, or none comes
 * again: after one, bytes are read on until something is pushed, whatever the buffer holds.)
 */
function readerGate(stream: Transform): { wait(): Promise<void> | null; pushed(): void; release(): void } {
  let owed = false, waiters: (() => void)[] = [];
  const release = () => { const w = waiters; waiters = []; for (const f of w) f(); };
  const read = stream._read.bind(stream);
  stream._read = (n: number) => { owed = true; release(); read(n); };
  return {
    wait: () => (owed || stream.destroyed || stream.readableLength < stream.readableHighWaterMark ? null : new Promise<void>((r) => waiters.push(r))),
    pushed: () => { owed = false; },
    release,
  };
}

/**
 * The bytes of a stream handed to `each`, unzipped first when they begin with gzip's mark, as the
 * command line reads every input (core/gzip.ts: members one after another, what follows the data said
 * at the end, not decoded). Plain bytes go to `each` as they come; gzip bytes through a decompressor,
 * whose output `each` takes as it comes, each piece once `wait()` (the reader) lets it (an error `each`
 * throws there is the next write's, or the end's).
 */
class Feed {
  private gz: boolean | undefined;
  private held: Buffer | null = null; // a first chunk of one byte, gzip's first (a mark split over writes)
  private src: PassThrough | null = null;
  private z: Gunzipped | null = null;
  private pump: Promise<void> | null = null;
  private error: { e: unknown } | null = null;
  private waiting: ((e?: unknown) => void) | null = null;
  private over = false; // the decompressor is done (the input's end, an error): later bytes are not read
  private told = false; // the pump's error went to a write, to `early`, or to the end
  private ending = false;

  /** `early`: the gzip data failed (`failed`: damaged, so nothing after it is read) or `each` threw
   *  (`thrown`: a --strict stop) while no write waited and before the input's end: the caller ends the run
   *  then, as the command line's ends (without it, the failure is the next write's or the end's) */
  constructor(private readonly each: (b: Buffer) => void, private readonly wait: () => Promise<void> | null,
    private readonly early?: (failed: Error | undefined, thrown?: unknown) => void) {}

  /** take a chunk: resolves when the next may come; rejects with what handing bytes on threw */
  async write(b: Buffer): Promise<void> {
    if (this.error && !this.told) { this.told = true; throw this.error.e; }
    if (this.over) return; // (past damaged data: not read, as the command line reads nothing after it)
    if (b.length === 0) return; // (a program's empty write)
    if (this.gz === undefined) {
      if (this.held) { b = Buffer.concat([this.held, b]); this.held = null; }
      if (b.length === 1 && b[0] === 0x1f) { this.held = Buffer.from(b); return; }
      this.gz = b[0] === 0x1f && b[1] === 0x8b;
      if (this.gz) this.start();
    }
    if (!this.gz) { this.each(b); return; }
    if (this.src!.write(b)) return;
    await new Promise<void>((ok, no) => {
      this.waiting = (e) => (e === undefined ? ok() : no(e));
      this.src!.once('drain', () => { const w = this.waiting; this.waiting = null; w?.(); });
    });
  }

  private start(): void {
    const src = this.src = new PassThrough({ highWaterMark: CHUNK });
    const z = this.z = gunzipMembers(Buffer.alloc(0), src, CHUNK);
    this.pump = (async () => {
      try {
        // (a slice at a time: a member inflated at once is up to 8 MiB, a million short lines)
        for await (const c of z as AsyncIterable<Buffer>) {
          for (let at = 0; at < c.length;) {
            this.each(c.subarray(at, at = Math.min(c.length, at + SLICE)));
            const w = this.wait();
            if (w) await w;
          }
        }
      } catch (e) {
        this.error = { e };
        z.destroy();
      }
      // done: what the input still holds, and brings, is let through unread (a writer waiting for room
      // waited for ever after damaged data, which the reader stops at)
      this.over = true;
      src.resume();
      const w = this.waiting; this.waiting = null;
      if (this.error) {
        if (w) { this.told = true; w(this.error.e); } else if (!this.ending && this.early) { this.told = true; this.early(undefined, this.error.e); }
        return;
      }
      w?.();
      const failed = z.inputFailure();
      if (failed && !this.ending && this.early) { this.told = true; this.early(failed); }
    })();
  }

  /** the input ended: resolves once every byte went to `each`, with the gzip data's own failure (the
   *  caller says it, after the last line, as the command line does), if any; rejects with what `each`
   *  threw */
  async end(): Promise<Error | undefined> {
    this.ending = true;
    if (this.held) { const h = this.held; this.held = null; this.gz = false; this.each(h); }
    if (!this.gz) return undefined;
    this.src!.end();
    await this.pump;
    if (this.error && !this.told) { this.told = true; throw this.error.e; }
    return this.told ? undefined : this.z!.inputFailure();
  }

  /** stop (the stream destroyed) */
  destroy(): void { this.z?.destroy(); this.src?.destroy(); }
}

/**
 * A tool as a Node Transform stream: NDJSON bytes in (gzip too, as the command line reads it), NDJSON
 * bytes out; `args` are the command line's arguments (options and, for tools like count-by, positional
 * values), without input files. Throws a UsageError synchronously for an unknown tool or arguments that
 * are no array of strings; a bad option, or a set-up that fails (a file the tool cannot open, an unknown
 * time zone), is the stream's error at once.
 */
export function createStream(tool: string | Tool, args: readonly string[] = []): Transform {
  checkCall(tool, args);
  const sink = new BytesSink();
  const taken = () => { const t = sink.take(); return t && Buffer.from(t.buffer, t.byteOffset, t.byteLength); };
  let stage: Stage | null = null;
  let splitter: Splitter | null = null;
  let starting: Promise<void> | null = null;
  let failure: Error | null = null;

  // the options read and checked at once (the tool's checks too: a zone, a side file, a schema, a folder
  // to write in): a bad one is the stream's error now, not when the first chunk comes (a quiet source, a
  // socket, told nothing until then); the stage itself is made at the first chunk (or the end), so that a
  // stream made and never used opens, claims and listens to nothing
  const parsed = (async () => {
    const t = await toolOf(tool);
    if (t.noInput) throw new UsageError(`${t.name} reads no NDJSON stream (it reads its own input or none): run it as a command`);
    if (args.includes('--help') || args.includes('-h')) throw new UsageError('--help is for the command line');
    if (args.includes('--version')) throw new UsageError('--version is for the command line (the package\'s version is in its package.json)');
    const opts = await parseOptions(t, [...args]);
    if (opts.files.some((f: string) => f !== '-')) throw new UsageError('a stream reads no input files (pipe them into it)');
    // (save - wrote on the program's own standard output, behind the stream's back)
    if (t.appendsTo?.(opts) === '/dev/stdout') throw new UsageError('a stream writes no standard output of its own: its output is the stream (leave the tool out, or name a file)');
    return { t, opts };
  })();
  /** set the stream up once it is written to or ended; what fails here (a usage problem, a failed setup)
   *  is said as the command line says it, with the closing figures of what was read (a side file's bad
   *  lines), and is the stream's error */
  const start = async (stream: Transform): Promise<void> => {
    try { await setUp(stream); } catch (e) {
      sayStop(stream, e);
      if (stage?.transform !== undefined) close(stream);
      abort();
      throw e;
    }
    if (closed) abort(); // (destroyed while it was set up: a load opened meanwhile let go)
  };
  const setUp = async (stream: Transform): Promise<void> => {
    const { t, opts } = await parsed;
    try {
      stage = new Stage(t, opts, sink, {
        say: (message) => stream.emit('warning', `${t.name}: ${plainText(message)}`), // (as stderr has it: one line)
        onReject: (r) => stream.emit('reject', r),
      });
    } catch (e) { throw e instanceof OpenFailed ? new UsageError(e.bare) : e; } // (as the command line: a usage problem)
    try { stage.create(); } catch (e) { throw e instanceof RangeError ? new UsageError(e.message) : e; }
    await stage.init();
    splitter = new Splitter('-', stage.transform.needle, stage);
    if (stage.transform.failed && !flushing) unwake = whenWoken(() => failedBetween(stream));
  };
  /** the input's bytes (unzipped) to the stage's lines, and what that wrote to the stream (a gzip
   *  input's pieces as the reader takes them: nothing after the run stopped) */
  const feed = new Feed((b) => {
    if (failure !== null || ended) return;
    stage!.stats.bytes += b.length;
    splitter!.chunk(b, () => sink.closed || stream.destroyed); // (destroyed from a handler of its own events: no more)
    const out = taken();
    if (out) { stream.push(out); gate.pushed(); }
  }, () => gate.wait(), (failed, thrown) => {
    // a gzip input's failure between writes: the run ends now, as the command line's does (a --strict
    // stop, damaged data), not when the writer writes again or ends (a quiet source: perhaps never)
    if (failure !== null || closed || flushing || finishing) return;
    const fail = (err?: Error | null) => { stream.destroy(err ?? undefined); };
    if (thrown !== undefined) { stopped(stream, fail, thrown); return; }
    finishRun(stream, async () => failed).then((err) => { failure = err ?? new Error(`${stage!.name}: the run failed`); failWhenRead(stream, fail, failure); });
  });

  /** a failure found between chunks (a load's commit while nothing is written to the stream): the
   *  stream's error now, as the command line's run ends then, not at the next chunk or the end */
  let unwake = () => {};
  let flushing = false;
  const failedBetween = (s: Transform) => {
    const st = stage!;
    if (ended || closed || flushing || s.destroyed || !st.transform.failed!()) return;
    ended = true;
    unwake();
    const fail = (e: unknown) => { failure = asError(e); listening(() => sayStop(s, e)); listening(() => close(s)); s.destroy(failure); };
    st.end().then(() => fail(new Error(`${st.name}: the run failed`)), fail); // (end() throws the failure)
  };

  /** what stopped the run (or its set-up) said as the command line says it (a 'warning' before the
   *  closing figures), and the stage failed as there: no "every record read was rejected" on top */
  const sayStop = (stream: Transform, e: unknown) => {
    const s = e instanceof StrictStop || e instanceof StageError ? e.stage : stage;
    const name = s?.name ?? (typeof tool === 'string' ? tool : tool.name);
    stream.emit('warning', `${name}: ${plainText(stopMessage(e instanceof StageError ? e.cause : e, name))}`);
    if (s) s.failed = true;
  };

  /** the end of a run, stopped or not: what the tool wrote last goes out, then the closing figures
   *  (the summary as the command line prints it, a 'stats' event); whether the stage failed */
  const close = (stream: Transform): boolean => {
    const st = stage!;
    const out = taken();
    if (out) stream.push(out);
    const failed = st.finish([...args]);
    const s = st.stats, figures: Stats = { tool: st.name, in: s.in, out: s.out, rejected: s.rejected, bytes: s.bytes, reasons: Object.fromEntries(s.reasons), counters: Object.fromEntries(s.counters) };
    stream.emit('stats', figures);
    return failed;
  };

  /** the run ended before its end (stopped, failed, the stream destroyed, its set-up failed): the stage
   *  gives back what it holds (its --rejects descriptor; a load's transaction, a file being written) */
  let ended = false;
  const abort = () => {
    ended = true;
    if (!stage) return;
    stage.release();
    Promise.resolve(stage.transform?.abort?.()).catch(() => { /* what stopped the run is its error */ });
  };

  /** end the stream with `err` once what it pushed has been read and written on by the streams it is
   *  piped to: destroying it (what the error does; pipeline() destroys them too) throws away what their
   *  buffers hold, the records written before the stop. Waits while that goes down; a reader that
   *  takes none of it for a second (none at all, one that paused, one that reads more than is left)
   *  gets the error then. */
  const failWhenRead = (s: Transform, done: (err?: Error | null) => void, err: Error) => {
    const held = () => {
      let n = s.readableLength;
      const pipes = (s as unknown as { _readableState?: { pipes?: { writableLength?: number }[] } })._readableState?.pipes ?? [];
      for (const d of pipes) n += d.writableLength ?? 0;
      return n;
    };
    let last = held(), since = Date.now();
    const go = () => {
      const n = held();
      if (n < last) { last = n; since = Date.now(); }
      if (s.destroyed || n === 0 || Date.now() - since > 1000) done(err); else setTimeout(go, 5);
    };
    go();
  };

  /** the events of a stop emitted: a listener that throws there (one that makes every warning an error,
   *  throwing again) leaves the stream's error what stopped the run (it escaped as an uncaught exception
   *  from the stop's promise, the stream never ended, a pipeline() never settled) */
  const listening = (emit: () => void) => { try { emit(); } catch { /* the run's error stands */ } };

  /** an error of the run as the stream's error (a strict stop or a tool's failure) */
  const asError = (e: unknown): Error => {
    const err = e instanceof StageError ? e.cause : e;
    if (err instanceof StrictStop) return new Error(`${err.stage.name}: stopped at the first bad record (--strict): ${err.message}`);
    return err instanceof Error ? err : new Error(String(err));
  };

  /** the run stopped by `e` (a strict stop, a tool's error) while a chunk was read: as the command line,
   *  the records written before the stop go out, then the closing figures; what the stage holds is
   *  given back (a load's open transaction rolled back); `done` gets the error once they were read */
  const stopped = (s: Transform, done: (err?: Error | null) => void, e: unknown) => {
    failure = asError(e); listening(() => sayStop(s, e)); listening(() => close(s));
    abort();
    failWhenRead(s, done, failure);
  };

  /** the end of the input (`read`: the last bytes, and a gzip input's failure): the last line, the
   *  tool's end (aggregates emit here), the closing figures; the run's error, or null */
  let finishing = false;
  let inputFailure: Error | null = null;
  const finishRun = async (s: Transform, read: () => Promise<Error | undefined>): Promise<Error | null> => {
    finishing = true;
    const st = stage!;
    try {
      const failed = await read();
      splitter!.finish();
      // (a gzip input's failure, after its last line, as the command line says `-: message`; the
      // stream's error says it too: "an error" alone lost why the input was refused)
      if (failed) { st.ctx.failInput('-', failed.message); inputFailure = new Error(`${st.name}: -: ${failed.message}`); }
      await st.end();
    } catch (e) {
      // said as the command line says it (a 'warning' before the closing figures), and the stage
      // failed as there: no "every record read was rejected" on top of the failure that rejected them;
      // what the stage holds is given back (a stop at the last line skips end(): a load's transaction)
      failure = asError(e);
      listening(() => sayStop(s, e));
      abort();
    }
    const failed = close(s) || failure !== null;
    ended = true;
    if (!failed) return null;
    return failure ?? inputFailure ?? new Error(`${st.name}: the run failed (see the 'warning' events): ${st.tooManyRejected() ? 'too many records rejected' : 'an error'}`);
  };

  const stream: Transform = through2(
    function (this: Transform, chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void) {
      const go = () => {
        if (closed || this.destroyed) { abort(); return done(); } // (destroyed while it was set up: nothing is read)
        // (stopped: a chunk queued behind the one it stopped in is not read, as the command line reads
        // nothing after its stop; the stream's error comes from that stop)
        if (failure !== null) return done();
        // (a stage waiting on another thread's reply, load-postgres': the event loop turned before the next
        // chunk, as the command line's reader turns it, else a producer that writes at once, as
        // Readable.from does, queued all its input while the replies waited unread)
        feed.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk).then(() => { if (turnWanted()) setImmediate(done); else done(); }, (e) => {
          if (failure === null && !closed) stopped(this, done, e); else done();
        });
      };
      if (splitter) return go();
      starting ??= start(this);
      starting.then(go, (e) => { failure ??= asError(e); done(failure); });
    },
    function (this: Transform, done: (err?: Error | null) => void) {
      const finish = async () => {
        flushing = true;
        unwake();
        if (!splitter) { starting ??= start(this); await starting; }
        if (closed || this.destroyed) { abort(); return done(); } // (destroyed while it was set up)
        if (finishing) return; // (ended already, damaged gzip data: its error comes once what came before is read)
        const err = await finishRun(this, () => feed.end());
        if (err === null) return done(null);
        failWhenRead(this, done, err);
      };
      finish().catch((e) => done(asError(e)));
    },
  );
  // destroyed (by the program, or pipeline() after another stream failed): the stage stops at once,
  // before 'close' comes a tick later (a reject handler may destroy it in the middle of a chunk)
  let closed = false;
  const destroy = stream._destroy.bind(stream);
  stream._destroy = (err, cb) => { sink.closed = true; closed = true; unwake(); feed.destroy(); gate.release(); if (!ended) abort(); destroy(err, cb); };
  const gate = readerGate(stream);
  // (nothing written yet: a bad option says so and ends the stream with its error; once a chunk came,
  // the set-up's own report says it)
  parsed.catch((e) => { if (starting === null && !stream.destroyed) { failure = asError(e); sayStop(stream, e); stream.destroy(failure); } });
  return stream;
}

/**
 * NDJSON bytes to records (an object-mode Transform): each line read by the grammar like every tool's
 * input, decoded with numbers exact (BigNum where a double cannot hold them); a broken line is a
 * 'reject' event ({file: '-', line, reason, detail, raw}) and skipped.
 */
export function objects(): Transform {
  const reader = new FieldReader([]);
  // (raw: the line's reading with its CR before the LF, as createStream's rejects give it)
  const reject = (l: Line, reason: string, detail?: string) => stream.emit('reject',
    { tool: 'objects', file: '-', line: l.no, reason, detail: detail ?? null, raw: l.buf.toString('utf8', l.start, l.cr ? l.end + 1 : l.end) });
  const splitter = new Splitter('-', undefined, {
    line(l) {
      if (!reader.read(l.buf, l.start, l.end)) return reject(l, reader.reason, reader.error);
      stream.push(parseJson(l.buf.toString('utf8', reader.objStart, reader.objEnd)));
      gate.pushed();
    },
    skipped() { /* no needle */ },
    tooLong(l) { reject(l, 'line too long'); },
    invalid(l, why) { reject(l, 'malformed JSON', why); },
  });
  const feed = new Feed((b) => splitter.chunk(b, () => false), () => gate.wait());
  const stream: Transform = through2({ readableObjectMode: true },
    function (chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void) {
      // a chunk a slice at a time, each once the reader took what the last gave: a tool's output at its
      // end is one chunk (count-by's million groups: every record made at once, the reader's
      // backpressure unheard, the event loop held ~2 s)
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      (async () => {
        for (let at = 0; at < b.length && !stream.destroyed;) {
          const w = gate.wait();
          if (w) await w;
          await feed.write(b.subarray(at, at = Math.min(b.length, at + SLICE)));
        }
      })().then(() => done(), (e) => done(e as Error));
    },
    function (done: (err?: Error | null) => void) {
      // (a gzip input's failure, after its last record: the stream's error)
      feed.end().then((failed) => { splitter.finish(); done(failed ? new Error(`objects: -: ${failed.message}`) : null); }, (e) => done(e as Error));
    });
  const gate = readerGate(stream);
  const destroy = stream._destroy.bind(stream);
  stream._destroy = (err, cb) => { feed.destroy(); gate.release(); destroy(err, cb); };
  return stream;
}

/** the most of a chunk objects() turns into records before it looks whether the reader wants more */
const SLICE = 1 << 16;

/** records to NDJSON bytes (an object-mode Transform): one line per record, written by the one writer
 *  (BigNum and bigint as exact numbers; never NaN or Infinity) */
export function fromObjects(): Transform {
  return through2({ writableObjectMode: true }, function (rec: unknown, _enc: BufferEncoding, done: (err?: Error | null, data?: unknown) => void) {
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return done(new TypeError('fromObjects(): each record must be an object'));
    let text: string;
    try { text = stringify(rec); } catch (err) { return done(err as Error); } // a cycle: the stream's error, not a throw inside write()
    // (a toJSON may make it something else: a Date is its ISO text, a string line no tool reads)
    if (text.charCodeAt(0) !== 123) return done(new TypeError(`fromObjects(): each record must be an object (its toJSON gave ${text.length > 40 ? text.slice(0, 40) + '…' : text})`));
    done(null, text + '\n');
  });
}
