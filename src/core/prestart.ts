// Worker threads started ahead: `event-pipes --threads N ...` (and a tool with its own --threads, such
// as final-action) starts its workers (worker.ts) as its very first step, before it loads the rest of
// its code and reads its arguments, so that their start (a Node environment and the modules, ~70-90
// ms each) overlaps the main thread's; the chain comes to them in their first message (parallel.ts).
// Only where threads will be used: the words of the command line that are files hold two pieces or
// more (16 MiB; a guess made before the arguments are read: a wrong one costs the start of workers
// that are then ended, never the output), and no more workers than those files have pieces. A worker
// that cannot be made (a limit on threads or memory) is left to the run, which says so as before.
// They do not keep the process alive (unref) and are ended when the chain runs in one thread after all.
import { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import os from 'node:os';

const started: Worker[] = [];

/** the address space a worker thread takes (V8 reserves its heap and code ranges: ~600 MB measured a worker,
 *  the first ~860 MB), with room to work */
const WORKER_SPACE = 640 << 20;

/**
 * How many worker threads (of `space` each, `spare` kept for the rest of the process: a worker that
 * reads pieces needs room for its heap to grow) the process's address-space limit (`ulimit -v`) leaves room for: Infinity
 * without one. A worker that does not fit is no error V8 lets a program see: it aborts the whole
 * process (`Fatal process OOM ... CodeRange`, status 133), where one thread works.
 */
export function workerRoom(space = WORKER_SPACE, spare = 256 << 20): number {
  try {
    const m = /^Max address space\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (!m || m[1] === 'unlimited') return Infinity;
    const vm = /^VmSize:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (!vm) return Infinity;
    return Math.max(0, Math.floor((Number(m[1]) - Number(vm[1]) * 1024 - spare) / space));
  } catch { return Infinity; } // (no /proc: no limit read)
}
/** a started worker's failure before it was taken (said when it is taken) */
export const startErrors = new WeakMap<Worker, Error>();

/** a keyed tool's own --threads auto (final-action) takes a second thread from this many pieces (64 MiB):
 *  reading its events a batch at a time, one thread does 60 MB in ~0.5 s, as two do with a worker's
 *  start and the merge (20 MB: 0.27 against 0.37-0.46 s; 150 MB: 1.06-1.12 against 0.82-0.91 s) */
export const KEYED_AUTO_PIECES = 8;

/** bytes of a piece, as parallel.ts cuts them */
const PIECE_BYTES = Number(process.env.EVENT_PIPES_PIECE_BYTES) || 8 << 20;

/** the pieces of the words of ARGV that are regular files (0 when they hold under `least` pieces' bytes:
 *  what auto keeps in one thread) */
function piecesOf(argv: string[], least = 2): number {
  let bytes = 0, pieces = 0;
  for (const w of argv) {
    if (w.startsWith('-') && w.length > 1) continue;
    try { const st = fs.statSync(w); if (st.isFile() && st.size > 0) { bytes += st.size; pieces += Math.ceil(st.size / PIECE_BYTES); } } catch { /* not a file */ }
  }
  return bytes >= least * PIECE_BYTES ? pieces : 0;
}

/** (stdout and stderr: true: see parallel.ts, where the workers are made otherwise) */
function start(n: number, argv: string[]): void {
  // (the run says so when it takes fewer threads; a chain that loads into PostgreSQL keeps room for
  // its client's thread)
  n = Math.min(n, workerRoom() - (argv.includes('load-postgres') ? 1 : 0));
  for (let i = 0; i < n; i++) {
    let w: Worker;
    try { w = new Worker(new URL('./worker.js', import.meta.url), { workerData: { argv }, stdout: true, stderr: true }); } catch { return; }
    w.unref();
    w.on('error', (e) => { startErrors.set(w, e); });
    started.push(w);
  }
}

/** the value of --threads in ARGV (the first one), or undefined */
function threadsOf(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return undefined;
    if (a === '--threads') return argv[i + 1];
    if (a.startsWith('--threads=')) return a.slice(10);
  }
  return undefined;
}

/** `event-pipes ARGV`: its N - 1 workers when ARGV begins with --threads N (N >= 2) or auto (the main
 *  thread is one of the N; a keyed stage's one more is made when the chain is read) */
export function prestart(argv: string[]): void {
  const a = argv[0];
  if (a !== '--threads' && !a?.startsWith('--threads=')) return;
  const v = threadsOf(argv);
  const n = v === 'auto' ? os.availableParallelism() : Number(v);
  if (!(Number.isInteger(n) && n >= 2 && n <= 256)) return;
  const pieces = piecesOf(argv);
  if (pieces >= 2) start(Math.min(n, pieces) - 1, argv);
}

/** a keyed tool with its own --threads (final-action: N workers, the main thread takes no pieces), run
 *  as its own command: its workers when --threads says N >= 2, or auto (the default: 2 on a machine of
 *  two cores or more, for files of KEYED_AUTO_PIECES pieces or more) */
export function prestartKeyed(argv: string[]): void {
  const v = threadsOf(argv) ?? 'auto';
  const n = v === 'auto' ? Math.min(2, os.availableParallelism()) : Number(v);
  if (!(Number.isInteger(n) && n >= 2 && n <= 256)) return;
  const pieces = piecesOf(argv, v === 'auto' ? KEYED_AUTO_PIECES : 2);
  if (pieces >= 2) start(Math.min(n, pieces), argv);
}

/** the workers started ahead, taken (each still unref'd: the taker refs it) */
export function takeStarted(): Worker[] { return started.splice(0); }
/** the workers started ahead, not yet taken */
export const startedCount = (): number => started.length;

/** end the workers started ahead that no one took (the chain runs in one thread) */
export function dropStarted(): void {
  if (started.length && process.env.EVENT_PIPES_TRACE) process.stderr.write(`event-pipes: ${started.length} workers started ahead, ended unused\n`);
  for (const w of started.splice(0)) void w.terminate();
}
