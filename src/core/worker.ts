// A worker thread of `event-pipes --threads N` (parallel.ts): a copy of the chain's first stages (pieces.ts) runs
// over pieces of the input files that the main thread hands out. Per piece it answers with the
// records the last stage here wrote (in piece order the main thread passes them on), the lines it
// read, the bad records (numbered within the piece: the main thread knows the lines before it and
// reports them), its warnings, and at the end the stages' counts; a 'partial' last stage (count-by
// --partial) keeps its state across pieces and writes it once, at the end; a 'keyed' last stage
// (final-action) keeps its state across pieces, hands a sample of its keys at the end, then finds the
// key range of each of its events among those the main thread chose and hands its log (in shared
// memory), and merges the range it is given (every worker's events of it, read in their logs) into
// output records.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { Pieces, PieceSetupError } from './pieces.js';
import { loadTool, registry } from '../tools/index.js';
import type { PieceTask, WorkerSpec } from './pieces.js';
import type { KeyList, SharedKeyLog } from './keyed.js';

export type { PieceResult, PieceTask, StageCounts, WorkerReject, WorkerSpec } from './pieces.js';
/** (a 'keyed' last stage) find the key range of each event among those of `splits`: answered with the
 *  stage's log */
export interface SplitTask { split: KeyList }
/** (then) merge key range `part` (every worker's events of it, in their logs) into its output records */
export interface MergeTask { merge: true; part: number; logs: SharedKeyLog[]; spares: MessagePort }

type Message = PieceTask | SplitTask | MergeTask | { finish: true };

async function main(): Promise<void> {
  const port = parentPort!;
  // messages that come before the stages are ready wait here, in order
  const early: unknown[] = [];
  let take: ((m: unknown) => void) | null = null;
  port.on('message', (m: unknown) => { if (take) take(m); else early.push(m); });
  let { specs, keyed } = workerData as { specs?: WorkerSpec[]; keyed?: boolean; argv?: string[] };
  if (specs === undefined) {
    // started ahead (prestart.ts): the chain is the first message; the tools its command line names
    // load meanwhile
    const argv = (workerData as { argv: string[] }).argv;
    const loading = Promise.all(argv.filter((w) => Object.hasOwn(registry, w)).map((w) => loadTool(w).catch(() => undefined)));
    const first = (early.length ? early.shift() : await new Promise<unknown>((resolve) => { take = (m) => { take = null; resolve(m); }; })) as { specs: WorkerSpec[]; keyed: boolean };
    ({ specs, keyed } = first);
    await loading;
  }
  const pieces = await Pieces.create(specs!, keyed!);
  const { stages, toolsOpts } = pieces;

  const handle = async (m: Message): Promise<void> => {
    const last = stages[stages.length - 1];
    if ('finish' in m) {
      const end = await pieces.finish();
      const transfer = end.out ? [end.out.buffer as ArrayBuffer] : [];
      if (end.states) { // (moved, not copied: made for this message)
        const move = (x: unknown) => { if (ArrayBuffer.isView(x) && !transfer.includes(x.buffer as ArrayBuffer)) transfer.push(x.buffer as ArrayBuffer); };
        move(end.states.keys); move(end.states.lens);
        for (const c of end.states.cols) { move(c); if (c !== null && typeof c === 'object' && !ArrayBuffer.isView(c)) Object.values(c).forEach(move); }
      }
      port.postMessage({ end: true, ...end }, transfer);
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
    const res = pieces.piece(m as PieceTask);
    port.postMessage(res, res.out ? [res.out.buffer as ArrayBuffer] : []);
  };
  take = (m) => { handle(m as Message).catch((err) => port.postMessage({ fatal: (err as Error).stack ?? String(err) })); };
  for (const m of early.splice(0)) take(m);
  port.postMessage({ ready: true });
}

main().catch((err) => parentPort!.postMessage(err instanceof PieceSetupError ? { fatal: err.message, setup: { stage: err.stage, usage: err.usage, rejects: err.rejects, warnings: err.warnings } } : { fatal: (err as Error).message }));
