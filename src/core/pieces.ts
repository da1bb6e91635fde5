// The chain's first stages over pieces of the input files (parallel.ts): one copy of them per worker
// thread (worker.ts) and, beside the workers, one in the main thread, which takes pieces while it has
// nothing else to do (the first ones while the workers start, then whenever the next result is not
// back yet). A piece is read from its file with the same splitter as one thread reads the whole file;
// its result carries the records the last stage here wrote, the lines read, the bad records numbered
// within the piece (the main thread knows the lines before it), the warnings; `finish` ends the
// stages (a 'partial' last stage writes its state then) and gives their counts.
import fs from 'node:fs';
import { loadTool } from '../tools/index.js';
import { parseOptions } from './runner.js';
import { Splitter } from './input.js';
import { chunkBuffer, releaseChunk } from './simd-scan.js';
import { ChainSink, Stage, StageError } from './stage.js';
import { UsageError } from './tool.js';
import type { RejectInfo } from './stage.js';
import { BytesSink } from './output.js';
import type { RecordSink } from './output.js';
import type { Edit } from './fields.js';
import type { KeyList } from './keyed.js';
import type { PartialStates, Tool } from './tool.js';

export interface WorkerSpec { tool: string; argv: string[] }
/** stage `stage` of a thread's copy of the chain could not be set up (its message; a usage error or not) */
export class PieceSetupError extends Error {
  /** `rejects`, `warnings`: what the copy's stages found while they were set up, before it failed (a
   *  join's side file's bad lines: one thread reports them before the failure, keeps them in --rejects) */
  constructor(readonly stage: number, message: string, readonly usage: boolean,
    readonly rejects: WorkerReject[] = [], readonly warnings: WorkerWarning[] = []) { super(message); }
}

/** `dev`, `ino`: the file the pieces were cut from (a piece of another file, or a file shorter than its
 *  end, fails the run: one thread reads the file it opened) */
export interface PieceTask {
  id: number; file: string; input: number; start: number; end: number; dev: number; ino: number;
  /** the file, opened by the main thread when its first piece was handed out (as one thread opens a
   *  file when it comes to it, and reads it to its end though it is removed meanwhile); `gone`: why it
   *  could not be opened then (no such file: said once, its pieces read nothing, the run goes on) */
  fd?: number; gone?: string;
}
/** `at`, `atRecords`: the bytes and records of the piece's output written before it (--strict writes
 *  them, as one thread does, and stops there); under --strict, `counts` and `warned`: each stage's
 *  counts in the piece and the piece's warnings said before it (the figures of a run stopped there) */
export interface WorkerReject extends RejectInfo { stage: number; at?: number; atRecords?: number; counts?: StageCounts[]; warned?: number }
/** a warning of stage `stage` (the main thread says it once, under that stage's name) */
/** `at`: the bad records of its list (the piece's, or the set-up's) said before it: the main thread
 *  says it there, among them, as one thread does */
export type WorkerWarning = [stage: number, text: string, at?: number];
export interface PieceResult {
  id: number; out: Uint8Array | null; records: number; lines: number; bytes: number;
  /** records each stage read in this piece (its rejects are numbered within them) */
  ins: number[];
  /** each stage's counts in this piece: the figures of a run stopped after it (--strict), and the order
   *  its counters first came in */
  counts?: StageCounts[];
  rejects: WorkerReject[]; warnings: WorkerWarning[]; error?: string;
  /** (a copy's first piece) the bad lines its stages found while they started (a join's side file),
   *  numbered in their own files: every copy finds the same, the main thread reports those of piece 0 */
  initRejects?: WorkerReject[];
  /** (a copy's first piece) the warnings its stages gave while they started, placed among initRejects */
  initWarnings?: WorkerWarning[];
  /** (a copy's first piece) the counters its stages counted while they started (a join's side keys):
   *  every copy counts the same, the main thread takes those of piece 0 */
  initCounters?: [string, number][][];
}
export interface StageCounts { in: number; out: number; bytes: number; counters: [string, number][] }
/** the end of a copy of the stages: what its last stage wrote at the end, their counts, a keyed
 *  stage's sample of keys */
export interface PiecesEnd {
  out: Uint8Array | null; records: number; counts: StageCounts[]; rejects: WorkerReject[]; warnings: WorkerWarning[];
  error?: string; sample?: KeyList;
  /** a partial last stage's groups and states as values (count-by: PartialStates), instead of records */
  states?: PartialStates;
  /** (the main thread's copy, finish(true)) the partial last stage's groups and states as they are
   *  (handOver), for the main thread's count-by --merge to take over */
  live?: unknown;
}

/** the records of a piece, up to a limit (countsUpTo): past it, the piece stops */
class LimitSink extends BytesSink {
  limit = Infinity;
  private check(): void { if (this.records >= this.limit) throw new Error('(the record the main thread stopped at)'); }
  override record(b: Buffer, s: number, e: number): void { super.record(b, s, e); this.check(); }
  override edited(b: Buffer, s: number, e: number, edits: readonly Edit[]): void { super.edited(b, s, e, edits); this.check(); }
  override textRecord(t: string): void { super.textRecord(t); this.check(); }
  override batch(b: Buffer, s: number, e: number, n: number): void { super.batch(b, s, e, n); this.check(); }
}

/** keys a 'keyed' stage samples to choose the key ranges */
const SAMPLE = 4096;

/** one copy of the chain's first stages, run piece by piece */
export class Pieces {
  readonly stages: Stage[] = [];
  readonly toolsOpts: { tool: Tool; opts: any }[] = [];
  private readonly links: ChainSink[] = [];
  private readonly sink = new LimitSink();
  private rejects: WorkerReject[] = [];
  private initRejects: WorkerReject[] | null = null;
  private initWarnings: WorkerWarning[] | null = null;
  private initCounters: [string, number][][] = [];
  private initSent = false;
  private warnings: WorkerWarning[] = [];
  private buf: Buffer | null = null;
  /** the sink's records when the piece began */
  private recordsBefore = 0;
  /** a stage stops at its first bad record (--strict): the counts of each piece, and of each bad record
   *  within it, go back (the main thread's figures of a run stopped there); and those when it began */
  private strict = false;
  private base: StageCounts[] = [];
  private counts(): StageCounts[] {
    return this.stages.map((s, k) => {
      const b = this.base[k], counters = new Map(s.stats.counters);
      if (b) for (const [name, n] of b.counters) counters.set(name, counters.get(name)! - n);
      return { in: s.stats.in - (b?.in ?? 0), out: s.sink.records - (b?.out ?? 0), bytes: s.stats.bytes - (b?.bytes ?? 0), counters: [...counters].filter(([, n]) => n !== 0) };
    });
  }

  private constructor(private readonly keyed: boolean) {}

  static async create(specs: WorkerSpec[], keyed: boolean): Promise<Pieces> {
    const p = new Pieces(keyed);
    let next: RecordSink = p.sink;
    for (let k = specs.length - 1; k >= 0; k--) {
      const tool = (await loadTool(specs[k].tool))!;
      const opts = await parseOptions(tool, specs[k].argv);
      if (opts.strict) p.strict = true;
      // the main thread reports, counts, keeps --rejects and decides --strict, in input order
      opts.maxReports = 0; opts.rejects = undefined; opts.strict = false; opts.stats = false; opts.statsFile = undefined; opts.maxRejectRate = undefined;
      opts.files = ['-'];
      p.toolsOpts.unshift({ tool, opts });
      const stage: Stage = new Stage(tool, opts, next, {
        say: (m) => { p.warnings.push([k, m, p.rejects.length]); },
        onReject: (r) => {
          const w: WorkerReject = { ...r, stage: k, at: p.sink.length, atRecords: p.sink.records - p.recordsBefore };
          if (p.strict) { w.counts = p.counts(); w.warned = p.warnings.length; }
          p.rejects.push(w);
        },
      });
      p.stages.unshift(stage);
      if (k > 0) { const link = new ChainSink(stage, p.sink); p.links.push(link); next = link; }
    }
    // (a stage that cannot be set up, a join's side file that cannot be read: said by the main thread as
    // one thread says it, under that stage's name, a usage error where it is one)
    for (const [k, s] of p.stages.entries()) {
      try { s.create(); await s.init(); } catch (err) {
        const cause = err instanceof StageError ? err.cause : err;
        throw new PieceSetupError(k, (cause as Error)?.message ?? String(cause), cause instanceof UsageError || cause instanceof RangeError, p.rejects, p.warnings);
      }
    }
    // (a --partial last stage: the main thread's --merge copy of it said its set-up's warnings already)
    const last = specs.length - 1;
    if (p.toolsOpts[last]?.opts.partial === true) p.warnings = p.warnings.filter(([k]) => k !== last);
    p.initRejects = p.rejects; p.rejects = [];
    p.initWarnings = p.warnings; p.warnings = [];
    p.initCounters = p.stages.map((s) => [...s.stats.counters]);
    return p;
  }

  /** one piece through the stages */
  piece(task: PieceTask): PieceResult {
    const { stages, sink } = this, first = stages[0];
    const res: PieceResult = { id: task.id, out: null, records: 0, lines: 0, bytes: 0, ins: [], rejects: [], warnings: [] };
    if (this.initRejects !== null) { res.initRejects = this.initRejects; this.initRejects = null; }
    if (this.initWarnings !== null) { res.initWarnings = this.initWarnings; this.initWarnings = null; }
    if (!this.initSent) { res.initCounters = this.initCounters; this.initSent = true; }
    const before = this.recordsBefore = sink.records;
    const insBefore = stages.map((s) => s.stats.in);
    this.base = []; this.base = this.counts();
    for (const link of this.links) link.renumber(); // records numbered within the piece
    const splitter = new Splitter(task.file, first.transform.needle, first);
    if (task.start > 0) splitter.notAtStart();
    const buf = this.buf ??= chunkBuffer(1 << 17);
    try {
      // (the main thread's descriptor, read at positions; one of its own where there is none)
      const fd = task.gone !== undefined ? -1 : task.fd ?? fs.openSync(task.file, 'r');
      try {
        if (fd >= 0) {
          const st = fs.fstatSync(fd);
          if (st.dev !== task.dev || st.ino !== task.ino) throw new Error(`${task.file} was replaced while it was read (another file by that name): read it again`);
          for (let at = task.start; at < task.end;) {
            const n = fs.readSync(fd, buf, 0, Math.min(buf.length, task.end - at), at);
            if (n === 0) throw new Error(`${task.file} shrank while it was read (${at} bytes of the ${task.end} it had): read it again`);
            splitter.chunk(n === buf.length ? buf : buf.subarray(0, n), () => false);
            at += n;
            res.bytes += n;
          }
        }
        splitter.finish();
      } finally { if (fd >= 0 && task.fd === undefined) fs.closeSync(fd); }
    } catch (err) { res.error = (err as Error).message; }
    res.lines = splitter.line.no;
    res.ins = stages.map((s, k) => s.stats.in - insBefore[k]);
    res.counts = this.counts();
    first.stats.bytes += res.bytes;
    res.out = sink.take();
    res.records = sink.records - before;
    res.rejects = this.rejects; this.rejects = [];
    res.warnings = this.warnings; this.warnings = [];
    return res;
  }

  /** (a fresh copy) each stage's counts in piece `task` until it wrote its `m`th record, and the
   *  warnings given by then: the figures of a run a stage of the main thread stopped at that record */
  countsUpTo(task: PieceTask, m: number): { counts: StageCounts[]; warnings: WorkerWarning[] } {
    this.sink.limit = this.sink.records + m;
    const res = this.piece(task);
    return { counts: res.counts!, warnings: res.warnings };
  }

  /** the end of the stages (a keyed last stage keeps its state: it gives a sample of its keys);
   *  `live`: a partial last stage hands its groups over as they are (this thread's copy) */
  async finish(live = false): Promise<PiecesEnd> {
    const { stages, sink, keyed } = this, last = stages[stages.length - 1];
    let error: string | undefined, sample: KeyList | undefined, states: PartialStates | undefined;
    let handed: unknown;
    try {
      // (a partial last stage that can give its states as values gives them instead of its records)
      const byValue = !keyed && last.transform.states !== undefined;
      for (const s of keyed || byValue ? stages.slice(0, -1) : stages) await s.end();
      if (keyed) { try { sample = last.transform.sample!(SAMPLE); } catch (err) { throw last.tag(err); } }
      if (byValue) {
        const t = last.transform;
        if (live && t.handOver) handed = t.handOver() ?? undefined;
        if (handed === undefined) {
          try { states = t.states!() ?? undefined; } catch (err) { throw last.tag(err); }
          if (states === undefined) await last.end();
        }
      }
    } catch (err) { error = (err as Error).message; }
    // (the counters of the start left out: the main thread counts one copy's)
    const counts: StageCounts[] = stages.map((s, k) => {
      const counters = new Map(s.stats.counters);
      for (const [name, n] of this.initCounters[k]) counters.set(name, counters.get(name)! - n);
      return { in: s.stats.in, out: s.sink.records, bytes: s.stats.bytes, counters: [...counters].filter(([, n]) => n !== 0) };
    });
    const out = sink.take();
    const rejects = this.rejects, warnings = this.warnings;
    this.rejects = []; this.warnings = [];
    // (the read buffer, in the SIMD walk's memory: given back, for the main thread's later readers,
    // a library program's streams; a later piece takes one again)
    if (this.buf !== null) { releaseChunk(this.buf); this.buf = null; }
    return { out, records: sink.records, counts, rejects, warnings, error, sample, states, live: handed };
  }
}
