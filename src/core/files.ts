// Files written whole: under a temporary name beside the target, renamed into place when complete, so
// a reader never sees half a file and a failed run leaves the previous one untouched. A target that
// exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) is written in place instead: a
// rename would replace the device or the pipe with a plain file. A symbolic link is followed (the file
// it points to is replaced, the link stays).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loopWhileQuiet } from './input.js';
import { UsageError } from './tool.js';

/** the descriptor that FILE names when it is standard output or standard error (/dev/stdout, /dev/fd/1,
 *  /proc/self/fd/1; the same for 2): 1 or 2, written to as it is; else -1. Opened again by name, it was a
 *  description of its own, with its own offset where the shell's `2> FILE` had no O_APPEND: the lines
 *  written through it (--rejects /dev/stderr) were written over by the next message, lost in silence. */
export function standardFd(file: string): number {
  const m = /^\/(?:dev\/(?:std(out|err)|fd\/([12]))|proc\/self\/fd\/([12]))$/.exec(file);
  if (m === null) return -1;
  return m[1] === 'out' ? 1 : m[1] === 'err' ? 2 : Number(m[2] ?? m[3]);
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));
/** all of `data` written to `fd`, waiting while it is full: a pipe set non-blocking (standard error once
 *  Node has written to it: --rejects /dev/stderr met EAGAIN when the reader lagged, and a line past the
 *  pipe's room was written in part) is waited on, a millisecond at a time, as a blocking write waits */
export function writeFully(fd: number, data: Uint8Array | string): void {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let off = 0; off < b.length;) {
    try { off += fs.writeSync(fd, b, off, b.length - off); } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(PAUSE, 0, 0, 1);
    }
  }
}

/**
 * FILE opened to append lines to (save --append, --rejects, --stats-file): when it is a regular file whose
 * last byte is no newline (written by something else), one is written first, so that the first line
 * appended does not run on from the file's last line (two records on one line, both lost to a reader).
 */
export function openAppend(file: string): number {
  const fd = fs.openSync(file, 'a');
  try {
    const st = fs.fstatSync(fd);
    if (st.isFile() && st.size > 0) {
      const last = Buffer.alloc(1);
      // ('a' opens write-only: the last byte is read through a second descriptor)
      const rd = fs.openSync(file, 'r');
      try { fs.readSync(rd, last, 0, 1, st.size - 1); } finally { fs.closeSync(rd); }
      if (last[0] !== 10) fs.writeSync(fd, '\n');
    }
  } catch (err) { fs.closeSync(fd); throw err; }
  return fd;
}

export interface FileTarget {
  /** the path to write to (the temporary file, or the target itself when written in place) */
  readonly write: string;
  /** written in place: no rename, nothing to remove on failure */
  readonly inPlace: boolean;
  /** the written file into place */
  commit(): void;
  /** the temporary file removed (a failed run) */
  abort(): void;
}

/** the files this process writes whole (resolved paths): two writers of one file in one run (a fork's
 *  two branches) are a usage error, not a race of their renames */
const targets = new Set<string>();
let made = 0;

/** `staged`: a writer that opens its file more than once (hyparquet-writer appends chunk by chunk)
 *  writes a target that is not a regular file through a temporary file, copied there at commit */
export function fileTarget(target: string, tag = `${process.pid}`, staged = false): FileTarget {
  tag += `.${made++}`; // (each writer its own temporary file)
  let st: fs.Stats | undefined;
  try { st = fs.statSync(target); } catch { st = undefined; }
  if (st?.isDirectory()) throw new UsageError(`${target} is a folder`);
  if (st && !st.isFile()) {
    if (!staged) return { write: target, inPlace: true, commit() {}, abort() {} };
    const tmp = path.join(os.tmpdir(), `event-pipes-${path.basename(target)}.${tag}.tmp`);
    return {
      write: tmp, inPlace: false,
      commit() { try { copyInto(tmp, target); } finally { fs.rmSync(tmp, { force: true }); } },
      abort() { try { fs.rmSync(tmp, { force: true }); } catch { /* nothing to remove */ } },
    };
  }
  let real = target;
  if (st) real = fs.realpathSync(target);
  else { try { if (fs.lstatSync(target).isSymbolicLink()) real = path.resolve(path.dirname(target), fs.readlinkSync(target)); } catch { /* no such file yet */ } }
  const whole = path.resolve(real);
  if (targets.has(whole)) throw new UsageError(`${target} is written twice in this run`);
  // (a file this process may write in a folder that takes no other file: written in place, as before
  // there were temporary files; not whole on a failure, but a run that worked is not refused)
  if (st) {
    let folder = true;
    try { fs.accessSync(path.dirname(real), fs.constants.W_OK); } catch { folder = false; }
    if (!folder) { try { fs.accessSync(real, fs.constants.W_OK); return { write: real, inPlace: true, commit() {}, abort() {} }; } catch { /* neither: the open says why */ } }
  }
  targets.add(whole);
  const tmp = path.join(path.dirname(real), `.${path.basename(real)}.${tag}.tmp`);
  return { // (done with it: the file may be written again, by a later run of the library API)
    write: tmp, inPlace: false,
    commit() {
      try {
        // (a file replaced keeps its mode, and its owner where this process may give it: a private
        // 0600 file became 0644, the temporary file's default)
        if (st) {
          fs.chmodSync(tmp, st.mode & 0o7777);
          try { if (st.uid !== process.getuid?.() || st.gid !== process.getgid?.()) fs.chownSync(tmp, st.uid, st.gid); } catch { /* not ours to give */ }
        }
        fs.renameSync(tmp, real);
      } finally { targets.delete(whole); }
    },
    abort() { targets.delete(whole); try { fs.rmSync(tmp, { force: true }); } catch { /* nothing to remove */ } },
  };
}

/** the bytes of file `from` written to `to` (a device or a FIFO: copyFile refuses those) */
function copyInto(from: string, to: string): void {
  const src = fs.openSync(from, 'r'), dst = fs.openSync(to, 'w'), buf = Buffer.allocUnsafe(1 << 16);
  try {
    for (let n; (n = fs.readSync(src, buf, 0, buf.length, null)) > 0;) {
      for (let off = 0; off < n;) off += fs.writeSync(dst, buf, off, n - off);
    }
  } finally { fs.closeSync(src); fs.closeSync(dst); }
}

/**
 * A file written whole must not be left half-made by a signal (SIGINT, SIGTERM, SIGHUP: Ctrl-C, cron's
 * `timeout`): on one, `abort` runs (the temporary file goes) and the signal is raised again, so the
 * status says it; at exit without release() (an error, --strict) `abort` runs too. Signals act between
 * records: while the file is open, live inputs (pipes, terminals, sockets) are read without blocking
 * the thread (input.ts loopWhileWaiting), and beforeCommit() lets one that came during the last
 * records act before the file goes into place.
 */
export function guardTarget(abort: () => void): { beforeCommit(): Promise<void>; release(): void } {
  let released = false;
  guarded.add(abort);
  if (guarded.size === 1) listen(true);
  const unloop = loopWhileQuiet(() => !released);
  return {
    // (two turns of the event loop: a signal that came before its first turn is not acted on in that
    // turn, Node 20, measured: a busy second then one setImmediate, the SIGTERM's listener not called)
    beforeCommit: () => new Promise<void>((r) => { setImmediate(() => setImmediate(r)); }),
    release() {
      if (released) return;
      released = true;
      unloop();
      guarded.delete(abort);
      if (guarded.size === 0) listen(false);
    },
  };
}
/** the aborts of the files open now (one set of process listeners for all of them: a fork of many
 *  saves adds no listener per file) */
const guarded = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const abortAll = () => { for (const a of [...guarded]) a(); guarded.clear(); };
const onSignal = (sig: NodeJS.Signals) => { abortAll(); listen(false); process.kill(process.pid, sig); };
function listen(on: boolean): void {
  if (on) { process.on('exit', abortAll); for (const s of SIGNALS) process.on(s, onSignal); }
  else { process.removeListener('exit', abortAll); for (const s of SIGNALS) process.removeListener(s, onSignal); }
}
