// `event-pipes --threads N A then B ...`: the chain over N threads, the main thread and N - 1 workers
// (worker.ts; N workers for a keyed stage), the main thread keeping everything a reader sees exactly
// as one thread gives it. The main thread runs its own copy of the workers' stages (pieces.ts) over a
// piece whenever the next result is not back yet: the first pieces while the workers start, then its
// share; each worker holds two pieces, so it goes on while the main thread is busy with one.
//
// The plan: the chain's first stages that are 'local' (each output record depends on its input
// record alone: filter-engaged, to-local-date, where, join, ...) run in every worker over pieces of
// the input files (~8 MiB, cut after a newline); when the next stage is 'partial' (count-by), the
// workers also aggregate their pieces with --partial and the main thread combines the states with
// --merge; when it is 'keyed' (final-action), the workers keep its state per key over their pieces,
// the main thread chooses key ranges (one per worker) from samples of their keys, each worker finds
// the range of each of its events (its log is in shared memory), and each range is gathered from every
// worker's log, sorted and folded into output records in a worker; the main thread writes the ranges in key order, so the records come out as one
// thread writes them; the rest of the chain runs in the main thread. The main thread takes the
// pieces' results in input order: it numbers their bad records as one thread would (lines before the
// piece + the line within it), reports, counts and keeps them (--rejects), stops at the first under
// --strict, and hands the records on in order. So the output, the rejects, --stats and the exit status are
// those of one thread; only the time differs. Inputs that cannot be cut into pieces (stdin, gzip)
// and chains without a local first stage run in one thread.
import fs from 'node:fs';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { CountSink, Output } from './output.js';
import type { RecordSink } from './output.js';
import { ChainSink, Stage, StageError, StrictStop } from './stage.js';
import { UsageError } from './tool.js';
import { createAll, finishOutput, reportStop, sayer } from './runner.js';
import type { Built } from './runner.js';
import type { Tool } from './tool.js';
import type { MergeTask, SplitTask } from './worker.js';
import { Pieces, PieceSetupError } from './pieces.js';
import type { PieceResult, PieceTask, PiecesEnd, StageCounts, WorkerReject, WorkerSpec, WorkerWarning } from './pieces.js';
import { splitKeys } from './keyed.js';
import { INPUT_ERRORS } from './input.js';
import { fileProblem } from './options.js';
import { dropStarted, startErrors, takeStarted } from './prestart.js';
import type { KeyList, SharedKeyLog } from './keyed.js';

/** bytes per piece (EVENT_PIPES_PIECE_BYTES overrides it: the tests cut small inputs into many pieces) */
export const PIECE = Number(process.env.EVENT_PIPES_PIECE_BYTES) || 8 << 20;

interface Spec { tool: Tool; argv: string[] }

export interface Plan {
  /** the first stages, 'local' */
  local: number;
  /** the stage after them aggregates in the workers too: 'partial' (count-by), or 'keyed' (final-action) */
  partial: boolean;
  keyed: boolean;
}

/** the worker part of the chain, or null when it cannot be spread over threads (or the input files
 *  hold fewer than `minBytes` bytes) */
export function plan(specs: Spec[], parsed: any[], minBytes = 0): Plan | null {
  const kind = (k: number) => { const p = specs[k].tool.parallel; return typeof p === 'function' ? p(parsed[k]) : p; };
  let local = 0;
  while (local < specs.length && kind(local) === 'local') local++;
  const after = local < specs.length ? kind(local) : undefined;
  const partial = after === 'partial' || after === 'keyed', keyed = after === 'keyed';
  if (local === 0 && !partial) return null;
  const files = parsed[0].files as string[];
  let bytes = 0;
  for (const f of files) {
    if (f === '-') return null;
    try {
      const st = fs.statSync(f);
      if (!st.isFile()) return null;
      bytes += st.size;
      const fd = fs.openSync(f, 'r'), head = Buffer.alloc(2);
      fs.readSync(fd, head, 0, 2, 0); fs.closeSync(fd);
      if (head[0] === 0x1f && head[1] === 0x8b) return null; // gzip: one stream
    } catch { return null; } // (a missing file: the one-thread path reports it)
  }
  if (bytes < minBytes) return null;
  return { local, partial, keyed };
}

/** the pieces of the files: [start, end) cut right after a newline */
function pieces(files: string[]): PieceTask[] {
  const out: PieceTask[] = [];
  const probe = Buffer.alloc(1 << 16);
  for (const [input, file] of files.entries()) {
    let fd: number;
    try { fd = fs.openSync(file, 'r'); } catch (err) {
      // (gone since the plan looked: one piece of nothing, which finds it gone when handed out, and says so)
      if (!INPUT_ERRORS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      out.push({ id: out.length, file, input, start: 0, end: 0, dev: -1, ino: -1 });
      continue;
    }
    // (the file each piece must find: a piece opens it by name, and a file replaced meanwhile, `mv new
    // old` as exports are published, mixed two files in one output)
    const st = fs.fstatSync(fd), size = st.size, dev = st.dev, ino = st.ino;
    let start = 0;
    while (start < size) {
      let end = Math.min(size, start + PIECE);
      while (end < size) { // to the end of the line that crosses the cut
        const n = fs.readSync(fd, probe, 0, probe.length, end);
        const nl = probe.subarray(0, n).indexOf(10);
        if (nl >= 0) { end += nl + 1; break; }
        end += n;
        if (n === 0) { end = size; break; }
      }
      out.push({ id: out.length, file, input, start, end: Math.min(end, size), dev, ino });
      start = end;
    }
    if (size === 0) out.push({ id: out.length, file, input, start: 0, end: 0, dev, ino });
    fs.closeSync(fd);
  }
  return out;
}

/**
 * Run the chain over `threads` workers (see above). `say(stage, message)` writes a diagnostic. Returns
 * the exit status.
 */
export async function runParallel(specs: Spec[], parsed: any[], threads: number, out: Output,
  p: Plan, built: Built): Promise<number> {
  const nWorker = p.local + (p.partial ? 1 : 0);
  const tasks = pieces(parsed[0].files as string[]);
  const nThreads = Math.min(threads, Math.max(1, tasks.length));
  // the main thread is one of the threads (it takes pieces while it waits: the first ones while the
  // workers start), except for a keyed stage, whose ranges are merged by workers only
  const here = !p.keyed && process.env.EVENT_PIPES_MAIN_PIECES !== '0';
  const nWorkers = here ? nThreads - 1 : nThreads;
  // the partial stage's copies: count-by --partial; final-action told the number of copies (each folds
  // its events a share of the one-thread size, so the events held stay about the same)
  // (appended: an option given again overrides the stage's own --threads)
  const partialArgv = (argv: string[]) => (p.keyed ? [...argv, `--threads=${nThreads}`] : [...argv, '--partial']);
  const workerSpecs: WorkerSpec[] = specs.slice(0, nWorker).map((s, k) => ({ tool: s.tool.name, argv: k === p.local ? partialArgv(s.argv) : s.argv }));
  // the main thread's stages: stand-ins for the workers' (they report and count), then the rest of the
  // chain, built by the caller (a partial stage there is count-by --merge, reported as the chain's one
  // count-by: its records in, its rejects, its groups out)
  // (what a stand-in says as it is made, a warning of its options, is said once with the copies' own)
  const warned = new Set<string>();
  // (by the stage, not its tool's name: a chain's second join says its own lines, the same text or not)
  const sayOnce = (k: number, w: string) => { const key = `${k}\u0000${w}`; if (!warned.has(key)) { warned.add(key); sayer(specs[k].tool.name)(w); } };
  const hooks = specs.slice(0, p.local).map((_s, k) => ({ say: (m: string) => sayOnce(k, m) }));
  const shadows = specs.slice(0, p.local).map((s, k) => new Stage(s.tool, parsed[k], new CountSink(), hooks[k]));
  const main = built.stages;
  // the threads' stages made here first, once: a bad invocation (an unknown --tz) is a usage error
  // said as one thread says it (exit 2), not a worker's failure
  if (!createAll(shadows)) { dropStarted(); return Number(process.exitCode ?? 1); }
  // made: what a stand-in says from now on is its own (the bad records of the pieces, its summary), each
  // line said (a file named twice has its line 2 rejected twice), not once
  hooks.forEach((h, k) => { h.say = (m) => sayer(specs[k].tool.name)(m); });
  // (each stage sees whether the run fails before it: the stand-ins stand for the threads' stages)
  for (let k = 1; k < shadows.length; k++) shadows[k].upstream = shadows[k - 1];
  if (shadows.length) for (const st of main) if (st.upstream === null) st.upstream = shadows[shadows.length - 1]; // (the heads: the first stage, or each branch's of a fork right after the threads' stages)
  const into: RecordSink = main.length ? built.head : out; // the records for the main thread's first stage (or stdout)
  const partialIn = { in: 0, bytes: 0 }; // what the workers' copies of the partial stage read
  let status = 0;
  try {
    for (const s of main) await s.init();
  } catch (err) {
    reportStop(err, main[0]);
    return 1;
  }

  if (process.env.EVENT_PIPES_TRACE) {
    process.stderr.write(`event-pipes: ${nThreads} thread${nThreads === 1 ? '' : 's'} over ${tasks.length} piece${tasks.length === 1 ? '' : 's'}: ${specs.slice(0, p.local).map((s) => s.tool.name).join(', ')}` +
      `${p.partial ? ` (+ ${specs[p.local].tool.name} ${p.keyed ? 'per key, key ranges merged in threads' : '--partial, merged here'})` : ''} in threads` +
      `${here ? ' (this one and ' + nWorkers + ' workers)' : ''}; ${main.map((s) => s.name).join(', ') || 'nothing'} here\n`);
  }
  const trace = (what: string) => { if (process.env.EVENT_PIPES_TRACE) process.stderr.write(`event-pipes: ${what} at ${(performance.now() / 1000).toFixed(3)} s\n`); };
  const workers: Worker[] = [];
  const results = new Map<number, PieceResult>();
  const finals: PiecesEnd[] = [];
  // the merged output of each key range, in batches as the workers send them, until done
  const merged: { out: Uint8Array[]; records: number[]; done: boolean; error?: string }[] = [];
  // (keyed) each worker's answer: its log (in shared memory), each event's key range found
  const cuts = new Map<Worker, { log?: SharedKeyLog; error?: string }>();
  let nextTask = 0, nextResult = 0, fatal: string | null = null;
  let wake: (() => void) | null = null;
  const notify = () => { const w = wake; wake = null; w?.(); };
  const linesBefore = new Map<number, number>(); // (per input as named: a file named twice is read twice, each from line 1)
  const recsBefore = new Array<number>(nWorker).fill(0);
  let stopped: StrictStop | StageError | null = null;
  // a stage of the threads' copies that could not be set up: the run's stop, said as one thread says it
  // (under that stage's name; exit 2 for a usage error), not "a worker thread failed"
  let setupError: StageError | null = null;
  let setupFound: { rejects: WorkerReject[]; warnings: WorkerWarning[] } | null = null; // (the first copy's: all find the same)
  const setupFailed = (k: number, message: string, usage: boolean, rejects: WorkerReject[] = [], warnings: WorkerWarning[] = []) => {
    if (setupError === null) setupFound = { rejects, warnings };
    setupError ??= new StageError(usage ? new UsageError(message) : new Error(message), k < shadows.length ? shadows[k] : main[0]);
    fatal = message;
  };

  // pieces handed out ahead of the one taken next: two per worker when their records come back with
  // them (to be held until their turn); more when they come back small (a partial or keyed stage keeps
  // them: only rejects come back), so a slow piece does not leave the other workers idle
  const ahead = (p.partial ? 16 : 2) * threads;
  // each file opened as its first piece is handed out, closed once its last piece is read (its pieces
  // are read at positions from that descriptor: a file removed meanwhile is read to its end, as one
  // thread reads the file it opened; no more files open at once than pieces in flight); one that
  // cannot be opened then is said when its turn comes, its pieces read nothing, and the run goes on
  // (exit 1), as one thread says it
  const fds = new Map<number, number>(), gone = new Map<number, string>(), unread = new Map<number, number>();
  const take = (): PieceTask => {
    const t = tasks[nextTask++];
    unread.set(t.input, (unread.get(t.input) ?? 0) + 1);
    if (!fds.has(t.input) && !gone.has(t.input)) {
      try { fds.set(t.input, fs.openSync(t.file, 'r')); } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (!INPUT_ERRORS.has(e.code ?? '')) throw err;
        gone.set(t.input, fileProblem(e, t.file));
      }
    }
    const fd = fds.get(t.input);
    return fd !== undefined ? { ...t, fd } : { ...t, gone: gone.get(t.input) };
  };
  /** piece `id` read: its file closed when it was the file's last (every piece of it handed out and read) */
  const read = (id: number) => {
    const input = tasks[id].input, left = unread.get(input)! - 1;
    unread.set(input, left);
    if (left > 0 || (nextTask < tasks.length && tasks[nextTask].input === input)) return;
    unread.delete(input);
    const fd = fds.get(input);
    if (fd !== undefined) { fds.delete(input); fs.closeSync(fd); }
  };
  const dispatch = (w: Worker) => {
    if (nextTask < tasks.length && nextTask - nextResult < ahead) w.postMessage(take());
    else idle.push(w);
  };
  const idle: Worker[] = []; // a worker's free places: each holds up to IN_FLIGHT pieces, so that it
  // starts its next piece at once, not after the main thread (busy with a piece of its own) answered
  const workerFile = new URL('./worker.js', import.meta.url);
  const started = takeStarted(); // (started as the process began: the chain is their first message)
  for (const w of started.splice(nWorkers)) void w.terminate();
  trace(`starting workers (${started.length} started ahead)`);
  for (let i = 0; i < nWorkers; i++) {
    const early = started[i];
    // (stdout and stderr: true, not piped to this process's: a worker says everything in messages, and
    // piping either one opens process.stdout (Readable.pipe compares its destination with it), whose
    // pipe handle makes a pipe on fd 1 non-blocking: the direct writes of the merged batches then met
    // EAGAIN and went through the stream, each batch copied, final-action's 280 MB into a pipe)
    const w = early ?? new Worker(workerFile, { workerData: { specs: workerSpecs, keyed: p.keyed }, stdout: true, stderr: true });
    if (early) {
      w.ref();
      const e = startErrors.get(w);
      if (e) fatal = e.message;
      w.postMessage({ specs: workerSpecs, keyed: p.keyed });
    }
    workers.push(w);
    w.on('message', (m: any) => {
      if (m.fatal) { if (m.setup) setupFailed(m.setup.stage, m.fatal, m.setup.usage, m.setup.rejects, m.setup.warnings); else fatal = m.fatal; notify(); return; }
      if (m.ready) { trace('a worker ready'); return; }
      if (m.end) { finals.push(m); notify(); return; }
      if (m.cut) { cuts.set(w, m); notify(); return; }
      if (m.merged) {
        const part = merged[m.part] ??= { out: [], records: [], done: false };
        if (m.out) { part.out.push(m.out); part.records.push(m.records); }
        // (a range merged: its worker is ended now, not with the others at the end, so its memory (the
        // sort's, its heap) goes while the other ranges are merged and written; the logs it shared
        // stay for the workers that read them)
        if (m.done) { part.done = true; part.error = m.error; void w.terminate(); }
        notify();
        return;
      }
      results.set(m.id, m); read(m.id);
      dispatch(w);
      notify();
    });
    w.on('error', (e) => { fatal = e.message; notify(); });
    // its first pieces now: they wait in its port until it has started, so it begins them as soon as it
    // can (when they were sent on its 'ready', that waited for the main thread's own cold first piece:
    // the worker idled ~0.1 s)
    for (let k = 0; k < IN_FLIGHT; k++) dispatch(w);
  }

  let mine: Pieces | null = null, piecesHere = 0; // the main thread's copy of the stages, the pieces it took
  if (here) {
    try { mine = await Pieces.create(workerSpecs, false); } catch (err) {
      if (err instanceof PieceSetupError) setupFailed(err.stage, err.message, err.usage, err.rejects, err.warnings); else fatal = (err as Error).message;
    }
  }

  /** a worker's bad records, numbered as one thread would, through the stand-in stages (`absolute`:
   *  lines of a stage's own files, found as it started, numbered already: a join's side file, never
   *  lines of the input, so they are passed on as side rejects) */
  const report = (rejects: WorkerReject[], input: number | null, absolute = false) => {
    for (const r of rejects) {
      const before = absolute ? 0 : r.stage === 0 && input !== null ? linesBefore.get(input) ?? 0 : recsBefore[r.stage];
      (r.stage < p.local ? shadows[r.stage] : main[0]).ctx.rejectAt(r.file, before + r.line, r.bytes ?? r.raw, r.reason, r.detail ?? undefined, absolute);
    }
  };
  // (each copy of a stage says the same things: once each, under the stage's name)
  /** warnings[from, ...) said while their place is at or before the `upTo`th bad record of their list;
   *  returns where it stopped */
  const sayWarnings = (warnings: WorkerWarning[] | undefined, from: number, upTo: number): number => {
    let i = from;
    for (; warnings !== undefined && i < warnings.length && (warnings[i][2] ?? 0) <= upTo; i++) sayOnce(warnings[i][0], warnings[i][1]);
    return i;
  };
  /** what a copy's stages found while they were set up (a join's side file's bad lines), reported as one
   *  thread reports them, each warning in its place among them (a --strict stop: a StrictStop thrown) */
  const sayFound = (rejects: WorkerReject[], warnings: WorkerWarning[] | undefined) => {
    let iw = 0;
    for (const [i, r] of rejects.entries()) { iw = sayWarnings(warnings, iw, i); report([r], null, true); }
    sayWarnings(warnings, iw, Infinity);
  };
  /** warnings said, each copy's once */
  const warn = (warnings: WorkerWarning[]) => { sayWarnings(warnings, 0, Infinity); };

  // (a partial stage's states: the workers are told to end as soon as every piece is handed out, so
  // that they give their states while the main thread still works on its last pieces; a worker takes
  // its messages in order and runs each piece without waiting, so the end comes after its last piece)
  // the counts of the threads' stages over the pieces taken so far, so that a --strict stop leaves the
  // figures of one thread stopped there (the copies' own totals went on past it)
  const upTo = Array.from({ length: nWorker }, () => ({ in: 0, out: 0, bytes: 0, counters: new Map<string, number>() }));
  const counted = (counts: StageCounts[]) => counts.forEach((c, k) => {
    const t = upTo[k];
    t.in += c.in; t.out += c.out; t.bytes += c.bytes;
    for (const [name, n] of c.counters) t.counters.set(name, (t.counters.get(name) ?? 0) + n);
  });
  // (`input`: the input stopped in; the first stage read the ones before it to their ends, which one
  // thread counts as its bytes, a file as it ends)
  const stopCounts = (input: number) => upTo.forEach((t, k) => {
    if (k === p.local) { // the partial or keyed stage: the records it read (its counters, keyed)
      main[0].stats.in = t.in; main[0].stats.bytes = t.bytes;
      if (p.keyed) for (const [name, n] of t.counters) main[0].stats.counters.set(name, (main[0].stats.counters.get(name) ?? 0) + n);
      return;
    }
    shadows[k].stats.in = t.in;
    if (k > 0) shadows[k].stats.bytes = t.bytes;
    else shadows[0].stats.bytes = tasks.reduce((n, x) => (x.input < input ? n + x.end - x.start : n), 0);
    (shadows[k].sink as CountSink).records = t.out;
    for (const [name, n] of t.counters) shadows[k].stats.counters.set(name, (shadows[k].stats.counters.get(name) ?? 0) + n);
  });

  /** a copy failed: what its set-up found reported as one thread reports it (a --strict stop at the first
   *  of them), then its failure, or the worker's */
  const setupStop = (): never => {
    if (setupFound !== null) { const { rejects, warnings } = setupFound; setupFound = null; sayFound(rejects, warnings); }
    throw setupError ?? new Error(`a worker thread failed: ${fatal}`);
  };

  let finishing = false;
  const finish = () => { if (!finishing) { finishing = true; for (const w of workers) w.postMessage({ finish: true }); } };
  try {
    while (nextResult < tasks.length) {
      if (fatal) setupStop();
      if (p.partial && !p.keyed && nextTask === tasks.length) finish();
      const res = results.get(nextResult);
      if (!res) {
        // a piece here, then the workers' messages; unless, its records coming back with it, that would
        // hold more than MAIN_AHEAD pieces' results until a worker's comes (a worker is up ~0.1 s after
        // the main thread: the main thread would go through the input meanwhile, and on after `| head`)
        if (mine && nextTask < tasks.length && (p.partial || nextTask - nextResult < MAIN_AHEAD)) {
          const task = take();
          results.set(task.id, mine.piece(task)); read(task.id);
          piecesHere++;
          await new Promise<void>((r) => { setImmediate(r); });
        } else await new Promise<void>((r) => { wake = r; });
        continue;
      }
      results.delete(nextResult);
      const task = tasks[nextResult++];
      if (res.error) throw new Error(res.error);
      const notOpened = gone.get(task.input);
      if (notOpened !== undefined && task.start === 0) {
        const first = shadows.length ? shadows[0] : main[0];
        sayer(first.name)(`${task.file}: ${notOpened}`);
        first.failed = true;
      }
      // (the same: a join's side keys counted once; `upTo`: the stages set up before a --strict stop in
      // a later stage's set-up, whose figures one thread has too)
      const initCounted = (upTo: number) => res.initCounters?.forEach((cs, k) => {
        const st = k >= upTo ? null : k < p.local ? shadows[k].stats : p.keyed ? main[0].stats : null;
        if (st) for (const [name, n] of cs) st.counters.set(name, (st.counters.get(name) ?? 0) + n);
      });
      if (task.id === 0 && res.initRejects) { // (one copy's: all find the same)
        try { sayFound(res.initRejects, res.initWarnings); } catch (err) {
          if (err instanceof StrictStop) initCounted(shadows.indexOf(err.stage as Stage));
          throw err;
        }
      } else if (res.initWarnings) sayWarnings(res.initWarnings, 0, Infinity); // (another copy's: the same, said once)
      if (task.id === 0) initCounted(Infinity);
      // each bad record reported after the piece's records before it are written: --strict stops
      // there with them written, as in one thread
      const piece = res.out && !p.partial ? Buffer.from(res.out.buffer, res.out.byteOffset, res.out.byteLength) : null;
      let written = 0, writtenRecords = 0;
      const writeTo = (at: number, records: number) => {
        if (piece === null || at <= written) return;
        into.batch(piece, written, at, records - writtenRecords);
        written = at; writtenRecords = records;
      };
      const handedBefore = (into as { records?: number }).records ?? 0;
      let stopCounted = false, pw = 0; // (the piece's warnings said, each among the bad records before and after it)
      try {
        for (const [i, r] of res.rejects.entries()) {
          writeTo(r.at ?? 0, r.atRecords ?? 0);
          // (the reader went away, | head: what came after in the piece is not read, as one thread
          // reads nothing past the write that failed: no reject said, no --strict stop)
          if (out.closed) break;
          pw = sayWarnings(res.warnings, pw, i);
          try { report([r], task.input); } catch (err) {
            // a --strict stop: the figures and warnings of the threads' stages are those up to this record
            if (err instanceof StrictStop && r.counts) { counted(r.counts); warn(res.warnings.slice(pw, r.warned)); stopCounts(task.input); stopCounted = true; }
            throw err;
          }
        }
        writeTo(piece?.length ?? 0, res.records);
      } catch (err) {
        // a stage of this thread stopped (--strict) at a record of this piece: the threads' stages'
        // figures and warnings up to the record it stopped at, from the piece again in a fresh copy
        if (err instanceof StrictStop && !stopCounted && shadows.length && !p.partial && main.includes(err.stage)) {
          try {
            const again = await Pieces.create(workerSpecs, false);
            const { counts, warnings } = again.countsUpTo({ ...task, fd: fds.get(task.input), gone: gone.get(task.input) }, ((into as { records?: number }).records ?? 0) - handedBefore);
            counted(counts); warn(warnings); stopCounts(task.input);
          } catch { /* (the figures as they are) */ }
        }
        throw err;
      }
      if (res.counts) counted(res.counts);
      if (!out.closed) sayWarnings(res.warnings, pw, Infinity);
      linesBefore.set(task.input, (linesBefore.get(task.input) ?? 0) + res.lines);
      for (let k = 1; k < nWorker; k++) recsBefore[k] += res.ins[k];
      while (idle.length && nextTask < tasks.length && nextTask - nextResult < ahead) dispatch(idle.shift()!);
      if (out.closed) break;
    }
    trace('pieces read');
    // the counters of the threads' stages in the order they first came in the input, as one thread
    // lists them (each copy's totals list them in the order that copy met them)
    upTo.forEach((t, k) => {
      if (k < p.local) for (const name of t.counters.keys()) if (!shadows[k].stats.counters.has(name)) shadows[k].stats.counters.set(name, 0);
    });
    // the end: each worker's stages end (a partial stage writes its states), then the main thread's
    finish();
    if (mine) finals.push(await mine.finish(p.partial && !p.keyed && main[0].transform.takeOver !== undefined));
    trace('this thread finished');
    if (process.env.EVENT_PIPES_TRACE) process.stderr.write(`event-pipes: pieces taken by this thread: ${piecesHere} of ${tasks.length}\n`);
    while (finals.length < workers.length + (mine ? 1 : 0)) {
      if (fatal) setupStop();
      await new Promise<void>((r) => { wake = r; });
    }
    trace('finals here');
    // this thread's own copy's groups first: taken over as they are (no copy, no fold: the states of
    // ~half the input), the workers' folded into them
    const own = finals.find((f) => f.live !== undefined);
    if (own && !own.error) {
      if (!main[0].transform.takeOver!(own.live)) throw main[0].tag(new Error("this thread's groups could not be taken over"));
      trace("this thread's groups taken over");
    }
    for (const f of finals) {
      if (f.error) throw new Error(f.error);
      report(f.rejects, null);
      warn(f.warnings);
      f.counts.forEach((c, k) => {
        if (k === p.local) {
          partialIn.in += c.in; partialIn.bytes += c.bytes;
          // a keyed stage's counters are the stage's own (count-by --merge counts its own)
          if (p.keyed) for (const [name, n] of c.counters) main[0].stats.counters.set(name, (main[0].stats.counters.get(name) ?? 0) + n);
          return;
        }
        const st = shadows[k].stats;
        st.in += c.in; st.bytes += c.bytes;
        (shadows[k].sink as CountSink).records += c.out;
        for (const [name, n] of c.counters) st.counters.set(name, (st.counters.get(name) ?? 0) + n);
      });
      if (f.states) { // (count-by's groups and states as values: folded as they are, no records)
        const merge = main[0];
        try { merge.transform.mergeStates!(f.states); } catch (err) { throw merge.tag(err); }
        trace('states folded');
      }
      if (f.out) into.batch(Buffer.from(f.out.buffer, f.out.byteOffset, f.out.byteLength), 0, f.out.byteLength, 0);
    }
    if (p.partial) { main[0].stats.in = partialIn.in; main[0].stats.bytes = partialIn.bytes; }
    if (p.keyed) {
      // the keyed stage's end: one key range per worker, merged there, written here in range order
      trace('ended, samples in');
      const splits = splitKeys(finals.map((f) => f.sample!), workers.length);
      const answers = async <T extends { error?: string }>(from: Map<Worker, T>): Promise<T[]> => {
        while (from.size < workers.length) {
          if (fatal) setupStop();
          await new Promise<void>((r) => { wake = r; });
        }
        const all = workers.map((w) => from.get(w)!);
        for (const a of all) if (a.error) throw main[0].tag(new Error(a.error));
        return all;
      };
      for (const w of workers) w.postMessage({ split: splits } satisfies SplitTask);
      const logs = (await answers(cuts)).map((c) => c.log!);
      trace('cut');
      const nParts = splits.n + 1;
      // each merging worker gets the batches written here back to reuse (fresh memory costs page faults)
      const spares: MessagePort[] = [];
      for (let j = 0; j < nParts; j++) {
        const ch = new MessageChannel();
        spares.push(ch.port1);
        workers[j].postMessage({ merge: true, part: j, logs, spares: ch.port2 } satisfies MergeTask, [ch.port2]);
      }
      let turn = 0;
      const giveBack = (b: Uint8Array) => { // to the next worker still merging
        for (let k = 0; k < nParts; k++) {
          const j = (turn + k) % nParts;
          if (!merged[j]?.done && b.byteOffset === 0 && b.buffer.byteLength >= 1 << 20) { turn = j + 1; spares[j].postMessage(b.buffer, [b.buffer as ArrayBuffer]); return; }
        }
      };
      const stage = main[0];
      let records = 0;
      for (let j = 0; j < nParts; j++) {
        for (let k = 0; ; k++) {
          const part = merged[j];
          if (fatal) setupStop();
          if (part?.error) throw stage.tag(new Error(part.error));
          if (part && k < part.out.length) {
            const b = part.out[k], n = part.records[k];
            part.out[k] = EMPTY; // (written: let it go)
            if (!out.closed) stage.ctx.emitBatch(Buffer.from(b.buffer, b.byteOffset, b.byteLength), 0, b.byteLength, n);
            records += n;
            giveBack(b);
            continue;
          }
          if (part?.done) { trace(`range ${j} written`); break; }
          k--;
          await new Promise<void>((r) => { wake = r; });
        }
      }
      for (const s of spares) s.close();
      trace('merged and written');
      stage.ctx.count('keys', records);
    }
    trace('finals in');
    for (const s of p.keyed ? main.slice(1) : main) await s.end();
    trace('ended');
  } catch (err) {
    if (err instanceof StrictStop || err instanceof StageError) stopped = err;
    else {
      // (stdout that cannot take the records, /dev/full: said by the stage that writes it, as in one thread)
      const writes = (err as NodeJS.ErrnoException).syscall === 'write' ? (main.length ? main[main.length - 1] : shadows[shadows.length - 1]) : undefined;
      sayer(writes?.name ?? specs[0].tool.name)(`error: ${(err as Error).message}`); status = 1;
      // (failed, as one thread marks it: its end says nothing more, not "no event was reel_liked" of a
      // merge the failed write stopped)
      if (writes !== undefined) writes.failed = true;
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    for (const fd of fds.values()) fs.closeSync(fd);
  }
  if (stopped) {
    const stage = stopped.stage, cause = stopped instanceof StageError ? stopped.cause : stopped;
    if (cause instanceof StrictStop) sayer(cause.stage.name)('stopped at the first bad record (--strict)');
    else if (cause instanceof UsageError) { sayer(stage.name)(`${cause.message} (try '${stage.name} --help')`); status = 2; }
    else sayer(stage.name)(`error: ${(cause as Error).message}`);
    (cause instanceof StrictStop ? cause.stage : stage).failed = true;
  }
  await finishOutput(out, main.length ? main[main.length - 1] : shadows[shadows.length - 1]);
  let failed = false;
  shadows.forEach((s, k) => { if (s.finish(specs[k].argv)) failed = true; });
  main.forEach((s, k) => { if (s.finish(built.argvs[k])) failed = true; });
  return status || (failed ? 1 : 0);
}

const EMPTY = new Uint8Array(0);
const IN_FLIGHT = 2;
/** pieces the main thread may go past the next result it waits for, when results carry records */
const MAIN_AHEAD = 16;
