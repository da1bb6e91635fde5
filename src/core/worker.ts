// A worker thread of `event-pipes --threads N` (parallel.ts): copies of the chain's first stages run
// over pieces of the input files that the main thread hands out. Per piece it answers with the
// records the last stage here wrote (in piece order the main thread passes them on), the lines it
// read, the bad records (numbered within the piece: the main thread knows the lines before it and
// reports them), its warnings, and at the end the stages' counts; a 'partial' last stage (count-by
// --partial) keeps its state across pieces and writes it once, at the end; a 'keyed' last stage
// (final-action) keeps its state across pieces, hands a sample of its keys at the end, then finds the
// key range of each of its events among those the main thread chose and hands its log (in shared
// memory), and merges the range it is given (every worker's events of it, read in their logs) into
// output records.
import fs from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { loadTool } from '../tools/index.js';
import { parseOptions } from './runner.js';
import { Splitter } from './input.js';
import { chunkBuffer } from './simd-scan.js';
import { ChainSink, Stage } from './stage.js';
import type { RejectInfo } from './stage.js';
import type { RecordSink } from './output.js';
import type { Edit } from './fields.js';
import type { KeyList, SharedKeyLog } from './keyed.js';

export interface WorkerSpec { tool: string; argv: string[] }
/** (a 'keyed' last stage) find the key range of each event among those of `splits`: answered with the
 *  stage's log */
export interface SplitTask { split: KeyList }
/** (then) merge key range `part` (every worker's events of it, in their logs) into its output records */
export interface MergeTask { merge: true; part: number; logs: SharedKeyLog[]; spares: MessagePort }
export interface PieceTask { id: number; file: string; start: number; end: number }
export interface WorkerReject extends RejectInfo { stage: number }
export interface PieceResult {
  id: number; out: Uint8Array | null; records: number; lines: number; bytes: number;
  /** records each stage read in this piece (its rejects are numbered within them) */
  ins: number[];
  rejects: WorkerReject[]; warnings: string[]; error?: string;
}
export interface StageCounts { in: number; out: number; bytes: number; counters: [string, number][] }

/** records collected as NDJSON bytes, taken per piece */
class Collect implements RecordSink {
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
  private nl(): void { this.room(1); this.buf[this.pos++] = 10; this.records++; }
  record(b: Buffer, s: number, e: number): void { this.put(b, s, e); this.nl(); }
  edited(b: Buffer, s: number, e: number, edits: readonly Edit[]): void {
    let at = s;
    for (const ed of edits) { this.put(b, at, ed.from); this.room(ed.text.length * 3); this.pos += this.buf.write(ed.text, this.pos, 'utf8'); at = ed.to; }
    this.put(b, at, e); this.nl();
  }
  textRecord(t: string): void { this.room(t.length * 3); this.pos += this.buf.write(t, this.pos, 'utf8'); this.nl(); }
  batch(b: Buffer, s: number, e: number, n: number): void { this.put(b, s, e); this.records += n; }
  take(): Uint8Array | null {
    if (this.pos === 0) return null;
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}

/** keys a 'keyed' stage samples to choose the key ranges */
const SAMPLE = 4096;

async function main(): Promise<void> {
  const { specs, keyed } = workerData as { specs: WorkerSpec[]; keyed: boolean };
  const port = parentPort!;
  const sink = new Collect();
  let rejects: WorkerReject[] = [];
  let warnings: string[] = [];
  const stages: Stage[] = [];
  const toolsOpts: { tool: Awaited<ReturnType<typeof loadTool>>; opts: any }[] = [];
  const links: ChainSink[] = [];
  let next: RecordSink = sink;
  for (let k = specs.length - 1; k >= 0; k--) {
    const tool = (await loadTool(specs[k].tool))!;
    const opts = await parseOptions(tool, specs[k].argv);
    // the main thread reports, counts, keeps --rejects and decides --strict, in input order
    opts.maxReports = 0; opts.rejects = undefined; opts.strict = false; opts.stats = false; opts.statsFile = undefined; opts.maxRejectRate = undefined;
    opts.files = ['-'];
    toolsOpts.unshift({ tool, opts });
    const stage: Stage = new Stage(tool, opts, next, {
      say: (m) => { warnings.push(m); },
      onReject: (r) => { rejects.push({ ...r, stage: k }); },
    });
    stages.unshift(stage);
    if (k > 0) { const link = new ChainSink(stage, sink); links.push(link); next = link; }
  }
  for (const s of stages) s.create();
  for (const s of stages) await s.init();
  const first = stages[0];
  const buf = chunkBuffer(1 << 17);

  port.on('message', (m: PieceTask | SplitTask | MergeTask | { finish: true }) => { handle(m).catch((err) => port.postMessage({ fatal: (err as Error).stack ?? String(err) })); });
  const handle = async (m: PieceTask | SplitTask | MergeTask | { finish: true }): Promise<void> => {
    const last = stages[stages.length - 1];
    if ('finish' in m) {
      let error: string | undefined, sample: KeyList | undefined;
      try {
        for (const s of keyed ? stages.slice(0, -1) : stages) await s.end();
        if (keyed) { try { sample = last.transform.sample!(SAMPLE); } catch (err) { throw last.tag(err); } }
      } catch (err) { error = (err as Error).message; }
      const counts: StageCounts[] = stages.map((s) => ({ in: s.stats.in, out: s.sink.records, bytes: s.stats.bytes, counters: [...s.stats.counters] }));
      const out = sink.take();
      port.postMessage({ end: true, out, records: sink.records, counts, rejects, warnings, error, sample }, out ? [out.buffer as ArrayBuffer] : []);
      return;
    }
    if ('split' in m) {
      let log: SharedKeyLog | undefined, error: string | undefined;
      try { log = last.transform.cut!(m.split); } catch (err) { error = (err as Error).message; }
      port.postMessage({ cut: true, log, error });
      return;
    }
    if ('merge' in m) {
      const { tool, opts } = toolsOpts[toolsOpts.length - 1];
      let error: string | undefined;
      const emit = (b: Buffer, end: number, records: number) => {
        const out = new Uint8Array(b.buffer, b.byteOffset, end);
        port.postMessage({ merged: true, part: m.part, out, records }, b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? [b.buffer as ArrayBuffer] : []);
        const back = receiveMessageOnPort(m.spares); // a batch the main thread has written, to reuse
        return back ? Buffer.from(back.message as ArrayBuffer) : undefined;
      };
      try { tool!.mergeRange!(opts, m.logs, m.part, emit); } catch (err) { error = (err as Error).message; }
      m.spares.close();
      port.postMessage({ merged: true, part: m.part, out: null, records: 0, done: true, error });
      return;
    }
    const msg = m as PieceTask;
    const res: PieceResult = { id: msg.id, out: null, records: 0, lines: 0, bytes: 0, ins: [], rejects: [], warnings: [] };
    const before = sink.records;
    const insBefore = stages.map((s) => s.stats.in);
    for (const link of links) link.renumber(); // records numbered within the piece
    const splitter = new Splitter(msg.file, first.transform.needle, first);
    if (msg.start > 0) splitter.notAtStart();
    try {
      const fd = fs.openSync(msg.file, 'r');
      try {
        for (let at = msg.start; at < msg.end;) {
          const n = fs.readSync(fd, buf, 0, Math.min(buf.length, msg.end - at), at);
          if (n === 0) break;
          splitter.chunk(n === buf.length ? buf : buf.subarray(0, n), () => false);
          at += n;
          res.bytes += n;
        }
        splitter.finish();
      } finally { fs.closeSync(fd); }
    } catch (err) { res.error = (err as Error).message; }
    res.lines = splitter.line.no;
    res.ins = stages.map((s, k) => s.stats.in - insBefore[k]);
    first.stats.bytes += res.bytes;
    res.out = sink.take();
    res.records = sink.records - before;
    res.rejects = rejects; rejects = [];
    res.warnings = warnings; warnings = [];
    port.postMessage(res, res.out ? [res.out.buffer as ArrayBuffer] : []);
  };
  port.postMessage({ ready: true });
}

main().catch((err) => parentPort!.postMessage({ fatal: (err as Error).message }));
