// One tool at work: its transform, its context (the ToolContext every tool is written against), its
// bad-record policy (report, count, skip; --strict; --rejects), its stats and whether it failed. The
// command line (runner.ts), an in-process chain (`event-pipes A then B`, runner.ts) and the library
// stream (api.ts) all drive stages; only where the records come from and go to differs.
import fs from 'node:fs';
import { clipChars, parseJson } from './json.js';
import { FieldReader, FROM_JSON, walkObject } from './fields.js';
import type { Edit } from './fields.js';
import { tick, turnWanted } from './input.js';
import { openAppend, standardFd, writeFully } from './files.js';
import { fileProblem } from './options.js';
import { disarm, editedWalk, enterLine, generatedWalk, leaveLine, passOn, scanScratch } from './simd-scan.js';
import type { LineSink } from './input.js';
import { copyBytes } from './output.js';
import { ByteKeys } from './keyed.js';
import type { SharedKeyTables } from './keyed.js';
import type { BatchWalks, RecordSink } from './output.js';
import type { Line, Tool, ToolContext, Transform } from './tool.js';

/** a file a stage appends to (--rejects, --stats-file) cannot be opened: a usage error, said in the
 *  message (`bare`: the message without the tool's name and the hint, as a UsageError words it) */
export class OpenFailed extends Error {
  constructor(message: string, readonly bare: string) { super(message); }
}

/** thrown through the record calls by --strict at the first bad record */
export class StrictStop extends Error {
  constructor(message: string, readonly stage: Stage) { super(message); }
}

/** an error thrown by a stage's tool, tagged with the stage (for the one-line report) */
export class StageError extends Error {
  constructor(override readonly cause: unknown, readonly stage: Stage) { super((cause as Error)?.message ?? String(cause)); }
}

const NEWLINE = Buffer.from('\n');

/** a rejected record, as --rejects-format json writes it; `bytes`: the raw line's bytes where it was
 *  a line of the input (`raw` is their UTF-8 reading: invalid bytes as U+FFFD), which --rejects keeps */
export interface RejectInfo { tool: string; file: string; line: number; reason: string; detail: string | null; raw: string; bytes?: Uint8Array }

export interface StageHooks {
  /** a diagnostic line for stderr, without the `tool: ` prefix */
  say(message: string): void;
  /** every rejected record (the library's 'reject' events) */
  onReject?(r: RejectInfo): void;
  /** the key tables the run's stages share (an in-process chain), if any */
  shared?: SharedKeyTables;
}

export interface Stats {
  in: number; out: number; rejected: number; bytes: number;
  reasons: Map<string, number>; counters: Map<string, number>;
}

/** One tool with its options, writing to `sink`. Feed it lines (LineSink), then end(), then finish(). */
export class Stage implements LineSink {
  readonly name: string;
  readonly stats: Stats = { in: 0, out: 0, rejected: 0, bytes: 0, reasons: new Map(), counters: new Map() };
  readonly ctx: ToolContext;
  transform!: Transform;
  /** the run failed (exit 1): an input could not be read, --strict stopped it, an error */
  failed = false;
  private reported = 0;
  private jsonHint = 0; // rejected lines that looked like lines of a JSON array or of pretty JSON
  private inputRejected = 0; // rejected records of the inputs (not of a side file)
  private rejectsFd = -1;
  private rejectsBroken = false; // a write to --rejects failed (the summary does not send the reader there)
  private readonly inputs: Set<string>;
  private readonly checker = new FieldReader([]); // ctx.parse's grammar check
  private readonly t0 = process.hrtime.bigint();

  constructor(readonly tool: Tool, readonly opts: any, readonly sink: RecordSink, private readonly hooks: StageHooks) {
    this.name = tool.name;
    this.inputs = new Set<string>(opts.files as string[]);
    // the files a stage appends to, opened now: one that cannot be is a usage error before any input is
    // read (the caller reports it), not a crash at the end (the stats file is appended to at the end)
    // (standard output or error named: its descriptor, as it is, never closed here; standardFd says why)
    const open = (option: string, file: string): number => {
      const std = standardFd(file);
      if (std >= 0) return std;
      try { return openAppend(file); } catch (err) {
        const bare = `cannot open ${option} ${file}: ${fileProblem(err as NodeJS.ErrnoException, file, true)}`;
        throw new OpenFailed(`${this.name}: ${bare} (try '${this.name} --help')`, bare);
      }
    };
    if (opts.rejects) this.rejectsFd = open('--rejects', opts.rejects);
    if (opts.statsFile) { const fd = open('--stats-file', opts.statsFile); if (fd > 2) fs.closeSync(fd); }
    const stage = this, stats = this.stats, out = sink;
    const ctx: ToolContext = {
      name: this.name,
      emit(record) { if (typeof record === 'string') out.textRecord(record); else out.record(record, 0, record.length); },
      emitBatch(bytes, start, end, records, walks) { out.batch(bytes, start, end, records, walks); },
      emitLine(line) { out.record(line.buf, line.start, line.end); },
      emitSplice(line, from, to, text) { out.edited(line.buf, line.start, line.end, [{ from, to, text }]); },
      emitEdit(line, ed) { one[0] = ed; out.edited(line.buf, line.start, line.end, one); },
      emitEdits(line, edits) { out.edited(line.buf, line.start, line.end, edits); },
      // (the line's bytes as read: its CR before the LF too, which the splitter left out)
      reject(line, reason, detail) { stage.reject(line.file, line.no, () => line.buf.subarray(line.start, line.cr ? line.end + 1 : line.end), reason, detail); },
      rejectAt(file, no, raw, reason, detail, side) { stage.reject(file, no, () => raw, reason, detail, side); },
      parse(line) {
        const c = stage.checker;
        if (!c.read(line.buf, line.start, line.end, line.trusted)) { ctx.reject(line, c.reason, c.error); return undefined; }
        return parseJson(line.buf.toString('utf8', c.objStart, c.objEnd));
      },
      warn(message) { hooks.say(message); },
      count(counter, n = 1) { stats.counters.set(counter, (stats.counters.get(counter) ?? 0) + n); },
      countIn(n = 1, bytes = 0) { stats.in += n; stats.bytes += bytes; },
      inputFailed() { return stage.failed || (stage.upstream?.inputsFailed() ?? false); },
      rejected() { return stage.stats.rejected; },
      failInput(file, message) { hooks.say(`${file}: ${message}`); stage.failed = true; },
      willFail() { return stage.fails() || (stage.upstream?.runFails() ?? false); },
      upstreamFails() { return stage.upstream?.runFails() ?? false; },
      rejectsFail() { return stage.tooManyRejected(); },
      waitDrain() { return out.drained() ?? (turnWanted() ? tick() : null); },
      stopped() { return out.closed; },
      keyTable(id) { return hooks.shared?.table(id) ?? new ByteKeys(); },
    };
    const one: Edit[] = [{ from: 0, to: 0, text: '' }];
    this.ctx = ctx;
  }

  /** create the transform (UsageError or RangeError: a usage problem; other errors: a failed setup) */
  create(): void {
    this.transform = this.tool.create(this.opts, this.ctx);
    const take = this.transform.batch;
    if (take !== undefined) {
      this.batch = (split, from, start, k0, n) => {
        let j: number;
        try { j = take(split, from, start, k0, n); } catch (err) { throw this.tag(err); }
        this.stats.in += j - k0;
        return j;
      };
    }
  }
  /** (LineSink) many lines a call, when the transform reads them so (Transform.batch) */
  batch?: NonNullable<LineSink['batch']>;

  // LineSink: the lines of the input
  line(l: Line): void {
    this.stats.in++;
    const before = enterLine(this);
    try { this.transform.record(l); } catch (err) { throw this.tag(err); } finally { leaveLine(before); }
  }
  /** the number of the line this stage holds (simd-scan.ts: which walks are of its line) */
  lineNo = 0;

  /** an error leaving this stage, tagged with it (a strict stop or a downstream error as it is) */
  tag(err: unknown): unknown { return err instanceof StrictStop || err instanceof StageError ? err : new StageError(err, this); }
  /** a line the needle passed over: only its frame was looked at; one that is not `{...}` is walked (a
   *  bad line: rare) for its reason as every tool gives it (`[1]` is not a JSON object, not malformed) */
  skipped(l: Line, ok: boolean): void {
    this.stats.in++;
    if (ok) return;
    const c = this.checker;
    if (!c.read(l.buf, l.start, l.end, false)) this.ctx.reject(l, c.reason, c.error);
    else this.ctx.reject(l, 'malformed JSON', 'not one JSON object');
  }
  tooLong(l: Line): void { this.stats.in++; this.ctx.reject(l, 'line too long'); }
  invalid(l: Line, why: string): void { this.stats.in++; this.ctx.reject(l, 'malformed JSON', why); }

  private reject(file: string, no: number, raw: () => string | Uint8Array, reason: string, detail?: string, side = false): void {
    if (this.transform?.holdReject?.(file, no, raw(), reason, detail)) return; // (reported by it, in line order)
    const stats = this.stats, opts = this.opts;
    stats.rejected++;
    if (!side && this.inputs.has(file)) this.inputRejected++;
    stats.reasons.set(reason, (stats.reasons.get(reason) ?? 0) + 1);
    if (detail?.endsWith(FROM_JSON)) this.jsonHint++;
    // (a detail quoting a value of megabytes made a line of megabytes on stderr: cut to 300 characters,
    // the whole of it in --rejects-format json)
    const msg = detail ? `${reason}: ${detail.length > 300 ? `${clipChars(detail.slice(0, 1200), 300)} (${detail.length} characters)` : detail}` : reason;
    if (this.reported < opts.maxReports || opts.strict) { this.hooks.say(`${file}:${no}: ${msg}`); this.reported++; }
    if (this.rejectsFd >= 0 || this.hooks.onReject) {
      const r = raw();
      const textOf = () => (typeof r === 'string' ? r : Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('utf8'));
      if (this.rejectsFd >= 0) {
        try {
          // (whole, however the descriptor takes it: see writeFully)
          if (opts.rejectsFormat === 'json') writeFully(this.rejectsFd, JSON.stringify({ file, line: no, reason, detail: detail ?? null, raw: textOf() }) + '\n');
          else if (typeof r !== 'string') writeFully(this.rejectsFd, Buffer.concat([r, NEWLINE])); // the line as read, byte for byte
          else writeFully(this.rejectsFd, r + '\n');
        } catch (err) { // (a full disk: the run fails, and says which file it could not write)
          this.rejectsBroken = true;
          throw new Error(`cannot write to --rejects ${opts.rejects}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
      }
      if (this.hooks.onReject) {
        const info: RejectInfo = { tool: this.name, file, line: no, reason, detail: detail ?? null, raw: textOf() };
        // (bytes copied into a buffer of their own: a view would carry its whole chunk to another thread)
        if (typeof r !== 'string') info.bytes = new Uint8Array(r);
        this.hooks.onReject(info);
      }
    }
    if (opts.strict) throw new StrictStop(msg, this);
  }

  /** the stage that feeds this one in a chain (a fork's branches: the stage before the fork), or null */
  upstream: Stage | null = null;
  /** this stage will make the run exit 1 as things stand */
  private fails(): boolean { return this.failed || this.tooManyRejected(); }
  /** this stage or one before it will make the run exit 1 (a sink after them keeps nothing) */
  runFails(): boolean { return this.fails() || (this.upstream?.runFails() ?? false); }
  /** this stage or one before it failed (an input that could not be read, a stop) */
  inputsFailed(): boolean { return this.failed || (this.upstream?.inputsFailed() ?? false); }

  /** the run kept nothing of what it read (every record rejected), or more than --max-reject-rate */
  tooManyRejected(): boolean {
    const n = this.stats.in, r = this.inputRejected, rate = this.opts.maxRejectRate;
    return n > 0 && r > 0 && ((r >= n && !this.partOfRun()) || (rate !== undefined && r / n > rate));
  }
  // (a stage after one that is part of a run, in its chain, is part of that run too: from-csv --shard K/N
  // then to-local-date that rejects every record of this shard is one shard's outcome, not the run's)
  private partOfRun(): boolean { return this.tool.partOfRun?.(this.opts) === true || (this.upstream?.partOfRun() ?? false); }

  /** after the last line: the tool's end() (aggregates emit here), unless the consumer went away */
  async end(): Promise<void> {
    try { if (!this.sink.closed) await this.transform.end?.(); } catch (err) { throw this.tag(err); }
  }

  async init(): Promise<void> {
    try { await this.transform.init?.(); } catch (err) { throw this.tag(err); }
  }

  /**
   * The closing report (bad-record summary, --stats, --stats-file) and the verdict: true when the run
   * failed. `argv` goes to --stats-file.
   */
  /** the descriptor of --rejects closed (at the end; a library stream destroyed or whose set-up failed
   *  gives it back here: each one left open was a descriptor lost) */
  release(): void { if (this.rejectsFd > 2) fs.closeSync(this.rejectsFd); this.rejectsFd = -1; }

  finish(argv: string[]): boolean {
    const stats = this.stats, opts = this.opts, say = this.hooks.say;
    this.release();
    stats.out = this.sink.records;
    const secs = Number(process.hrtime.bigint() - this.t0) / 1e9;
    const reasons = [...stats.reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r}: ${n}`).join(', ');
    if (stats.rejected > 0 && !opts.strict) {
      const shown = this.reported < stats.rejected ? `; ${this.reported} shown` : '';
      // (a recipe gathering its steps' rejects in its run's folder names the file they go to at its end:
      // EVENT_PIPES_REJECTS_AS, not a temporary file gone when it is read; set and empty: none is kept,
      // the recipe says so itself, and no file is named)
      const as = process.env.EVENT_PIPES_REJECTS_AS, kept = as === undefined ? opts.rejects : as;
      say(`${stats.rejected} bad record${stats.rejected === 1 ? '' : 's'} skipped (${reasons}${shown})${opts.rejects && kept && !this.rejectsBroken ? `; ${opts.rejectsFormat === 'json' ? 'JSON records' : 'raw lines'} in ${kept}` : ''}`
        + (this.jsonHint * 2 > stats.rejected ? `; the input looks like a JSON array or pretty-printed JSON: from-json reads it (from-json FILE | ${this.name === 'fork' ? 'event-pipes fork' : this.name} ...)` : ''));
    }
    if (opts.stats) {
      const extra = [...stats.counters].map(([k, v]) => ` ${k}=${v}`).join('');
      say(`stats: in=${stats.in} out=${stats.out} rejected=${stats.rejected}${extra} elapsed=${secs.toFixed(3)}s ` +
        `rate=${Math.round(stats.in / Math.max(secs, 1e-9))} rec/s (${(stats.bytes / 1e6 / Math.max(secs, 1e-9)).toFixed(1)} MB/s)`);
    }
    if (opts.statsFile) {
      try {
        const std = standardFd(opts.statsFile), line = JSON.stringify({
          tool: this.name, in: stats.in, out: stats.out, rejected: stats.rejected,
          reasons: Object.fromEntries(stats.reasons), counters: Object.fromEntries(stats.counters),
          bytes_in: stats.bytes, elapsed_s: Number(secs.toFixed(3)), argv,
        }) + '\n';
        if (std >= 0) writeFully(std, line); // (the stream as it is, as --rejects writes it)
        else fs.appendFileSync(opts.statsFile, line);
      } catch (err) { // (removed or made unwritable during the run)
        say(`cannot append to --stats-file ${opts.statsFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        this.failed = true;
      }
    }
    if (!this.failed && this.partOfRun() && stats.in > 0 && this.inputRejected >= stats.in && !this.tooManyRejected()) {
      say(`every record of this part was rejected (${this.inputRejected} of ${stats.in}): nothing kept here (one part of a run: the parts together decide)`);
    }
    if (!this.failed && this.tooManyRejected()) {
      const r = this.inputRejected, n = stats.in;
      say(r >= n ? `every record read was rejected (${r} of ${n}): nothing kept`
        : `${r} of ${n} records rejected: more than --max-reject-rate ${opts.maxRejectRate}`);
      this.failed = true;
    }
    const nothing = this.failed ? undefined : this.tool.keptNothing?.(opts, stats.counters);
    if (nothing !== undefined) say(nothing);
    const doubt = this.failed ? undefined : this.tool.doubt?.(opts, stats.counters, stats.out);
    if (doubt !== undefined) say(doubt);
    return this.failed;
  }
}

/**
 * The output of one stage as the input of the next, in process: each record is handed to the next
 * stage as a Line (numbered from 1, input '-', as behind a pipe) without a copy when it is a line of
 * the input passed on whole; edited and generated records are assembled in one reused buffer.
 */
const EMPTY: Buffer = Buffer.alloc(0);

/**
 * A record assembled in process (an edited line, a record given as text), in one reused buffer: `home`,
 * taken at the first record (`take`: a buffer of the SIMD walk's memory when there is room, where the
 * next readers read it without copying it in first), or a buffer of its own for a longer record. The
 * record is buf[0, n). (A chain's link and a fork each assemble theirs so.)
 */
export class Assembly {
  buf: Buffer = EMPTY;
  n = 0;
  private home: Buffer | null = null;
  constructor(private readonly take: () => Buffer) {}

  /** b[s, e) with the edits applied (sorted, not overlapping) */
  edited(b: Buffer, s: number, e: number, edits: readonly Edit[]): void {
    this.start();
    let at = s;
    for (let j = 0; j < edits.length; j++) {
      const ed = edits[j];
      this.put(b, at, ed.from);
      if (ed.bytes !== undefined) this.put(ed.bytes, 0, ed.bytes.length); else this.text(ed.text);
      at = ed.to;
    }
    this.put(b, at, e);
  }
  /** a record given as text */
  textRecord(t: string): void { this.start(); this.text(t); }

  private start(): void { this.n = 0; this.buf = this.home ??= this.take(); }
  private room(need: number): void {
    if (this.n + need <= this.buf.length) return;
    const x = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + need));
    this.buf.copy(x, 0, 0, this.n);
    this.buf = x;
  }
  private put(b: Buffer, s: number, e: number): void { this.room(e - s); this.n = copyBytes(b, s, e, this.buf, this.n); }
  private text(t: string): void { this.room(t.length * 3); this.n += this.buf.write(t, this.n, 'utf8'); }
}

export class ChainSink implements RecordSink {
  records = 0;
  // the records of a stage are valid JSON (read by the grammar, or written by the one writer)
  private readonly view: Line = { buf: Buffer.alloc(0), start: 0, end: 0, file: '-', no: 0, trusted: process.env.EVENT_PIPES_TRUST !== '0' };
  // edited and generated records (their buffer taken at the first: a link that only hands lines on
  // takes none)
  private readonly made = new Assembly(() => scanScratch(1 << 16) ?? Buffer.allocUnsafe(1 << 16));

  /** `last`: the sink at the end of the chain (its closed state and drain promise are the chain's) */
  constructor(private readonly next: Stage, private readonly last: RecordSink) {}

  get closed(): boolean { return this.last.closed; }
  /** number the records handed on from 1 again (a new piece of the input, parallel.ts) */
  renumber(): void { this.view.no = 0; }
  drained(): Promise<void> | null { return this.last.drained(); }

  /** b[s, e) handed on whole (the walk of those bytes may serve the next stage: simd-scan.ts); `since`:
   *  a fork's mark (scanMark) */
  record(b: Buffer, s: number, e: number, since = -1): void {
    passOn(b, s, e, this.next, since);
    this.deliver(b, s, e);
  }

  private deliver(b: Buffer, s: number, e: number): void {
    this.records++;
    const v = this.view;
    v.buf = b; v.start = s; v.end = e; v.no++;
    this.next.stats.bytes += e - s + 1;
    this.next.line(v);
  }

  edited(b: Buffer, s: number, e: number, edits: readonly Edit[]): void {
    const m = this.made;
    m.edited(b, s, e, edits);
    editedWalk(b, s, e, edits, m.buf, 0, m.n, walkObject, this.next); // the walk of b, moved to the edited record
    this.deliver(m.buf, 0, m.n);
  }

  textRecord(t: string): void {
    const m = this.made;
    m.textRecord(t);
    disarm();
    this.deliver(m.buf, 0, m.n);
  }

  batch(b: Buffer, s: number, e: number, _n: number, walks?: BatchWalks): void {
    const m2 = walks === undefined ? 0 : 2 * walks.names.length;
    for (let at = 0; s < e; at += m2) {
      let nl = b.indexOf(10, s);
      if (nl < 0 || nl >= e) nl = e;
      // (members the writer placed: their spans are the walk the next reader takes)
      if (walks === undefined) disarm(); else generatedWalk(b, s, nl, walks.names, walks.spans, at, this.next);
      this.deliver(b, s, nl);
      s = nl + 1;
    }
  }
}
