// Deterministic pseudo-random numbers for the sample-data generators (mulberry32): same seed, same bytes;
// the generators' shared option parsing and output files (every failure one line on stderr).
import fs from 'node:fs';
import path from 'node:path';
import { fileProblem } from '../core/options.js';
import { fileTarget, guardTarget } from '../core/files.js';
import type { FileTarget } from '../core/files.js';

export class Rng {
  private s: number;
  // (mulberry32: every 32-bit state is a good start, 0 too; 0 was mapped to 0x9e3779b9, so --seed 0 and
  // --seed 2654435769 gave the same bytes)
  constructor(seed: number) { this.s = seed >>> 0; }
  /** [0, 1) */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  pick<T>(a: readonly T[]): T { return a[Math.floor(this.next() * a.length)]; }
  /** pick by weights [[value, weight], ...] */
  weighted<T>(table: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of table) total += w;
    let x = this.next() * total;
    for (const [v, w] of table) { if ((x -= w) < 0) return v; }
    return table[table.length - 1][0];
  }
  hex(n: number): string { let s = ''; for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(this.next() * 16)]; return s; }
  uuid(): string { const h = this.hex(32); return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`; }
}

/** Batched writes to stdout or a file honouring backpressure. */
export class BatchWriter {
  private parts: string[] = [];
  private size = 0;
  /** `whole`: the file written is put into place (openOut's) */
  constructor(private readonly out: NodeJS.WritableStream, private readonly whole?: () => void) {}
  async line(s: string): Promise<void> {
    this.parts.push(s, '\n');
    this.size += s.length + 1;
    if (this.size >= 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (!this.parts.length) return;
    const ok = this.out.write(this.parts.join(''));
    this.parts = []; this.size = 0;
    if (!ok) await new Promise((r) => this.out.once('drain', r));
  }
  async end(): Promise<void> {
    await this.flush();
    if (this.out !== process.stdout) {
      await new Promise<void>((r) => this.out.end(() => r()));
      this.whole?.();
    }
  }
}

/** a generator's name, from the first line of its usage text (`usage: NAME ...`) */
const nameOf = (usage: string) => /^usage: (\S+)/.exec(usage)?.[1] ?? 'generate';

/** a one-line failure on stderr, `NAME: message`, then exit: 2 a usage error (with the hint), 1 any other */
export function die(name: string, message: string, code: 1 | 2): never {
  process.stderr.write(`${name}: ${message}${code === 2 ? ` (try '${name} --help')` : ''}\n`);
  process.exit(code);
}

/** a tiny --flag value parser for generator scripts: --help prints the usage text (exit 0); usage errors exit 2 */
export function genArgs(argv: string[], spec: Record<string, string | number>, usage: string): Record<string, string | number> {
  const name = nameOf(usage);
  const out: Record<string, string | number> = { ...spec };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') { process.stdout.write(usage + '\n'); process.exit(0); }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !(m[1] in spec)) die(name, m ? `unknown option --${m[1]}` : `unexpected argument '${a}'`, 2);
    const v = m[2] ?? argv[++i];
    if (v === undefined) die(name, `--${m[1]} needs a value`, 2);
    if (typeof spec[m[1]] === 'number') {
      // (every number a generator takes is a count or the seed: a whole number; the seed one of the
      // 2^32 the generator tells apart, which took 1.5, 1 and 4294967297 for the same)
      const n = Number(v);
      if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) die(name, `--${m[1]} takes a whole number, 0 or more (got '${v}')`, 2);
      if (m[1] === 'seed' && n > 0xffffffff) die(name, `--seed takes 0 to 4294967295 (got '${v}')`, 2);
      out[m[1]] = n;
    } else out[m[1]] = v;
  }
  return out;
}

/** a count that must be 1 or more (a world of no user or reel: events without them, or a crash) */
export function atLeastOne(name: string, o: Record<string, string | number>, option: string): void {
  if (Number(o[option]) < 1) die(name, `--${option} takes 1 or more (got ${o[option]})`, 2);
}

/** why a file cannot be opened, in one line; a missing folder is a usage error (2), the rest exit 1 */
function openError(name: string, file: string, err: NodeJS.ErrnoException): never {
  if (err.code === 'ENOENT') die(name, `no such folder: ${path.dirname(file)}`, 2);
  die(name, `cannot write ${file}: ${fileProblem(err, file, true)}`, 1);
}

/**
 * The output stream: stdout for '-' (a closed reader, `| head`, ends the run quietly; any other
 * failure, a full disk, is said, exit 1: it was exit 0, the file cut); else FILE, written whole as
 * save writes its file (core/files.ts fileTarget: a temporary file beside it, renamed when whole by
 * the writer's end(), removed on a failure or a signal; a device, or a file in a folder that takes no
 * other file, written in place; a link's target written). Opened now: a bad path fails at once.
 */
export function openOut(name: string, file: string): BatchWriter {
  if (file === '-') {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      die(name, `cannot write the output: ${fileProblem(err, 'the output', true)}`, 1);
    });
    return new BatchWriter(process.stdout);
  }
  let t: FileTarget;
  try { t = fileTarget(file); } catch (err) { die(name, (err as Error).message, 2); }
  let fd: number;
  try { fd = fs.openSync(t.write, 'w'); } catch (err) { openError(name, file, err as NodeJS.ErrnoException); }
  const guard = guardTarget(() => t.abort());
  const stream = fs.createWriteStream('', { fd });
  stream.on('error', (err) => { t.abort(); die(name, `cannot write ${file}: ${fileProblem(err, file, true)}`, 1); });
  return new BatchWriter(stream, () => {
    try { t.commit(); } catch (err) { t.abort(); die(name, `cannot write ${file}: ${fileProblem(err as NodeJS.ErrnoException, file, true)}`, 1); } finally { guard.release(); }
  });
}

/** write a whole file (created or replaced, as openOut's), failing in one line */
export function writeOut(name: string, file: string, text: string): void {
  let t: FileTarget;
  try { t = fileTarget(file); } catch (err) { die(name, (err as Error).message, 2); }
  try { fs.writeFileSync(t.write, text); t.commit(); } catch (err) { t.abort(); openError(name, file, err as NodeJS.ErrnoException); }
}

/** the records of an NDJSON file given with an option: unreadable is a usage error, a bad line exit 1 */
export function readRecords(name: string, option: string, file: string): any[] {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (err) { die(name, `cannot read ${option} ${file}: ${fileProblem(err as NodeJS.ErrnoException, file)}`, 2); }
  return text.split('\n').map((l, i) => {
    if (!l.trim()) return undefined;
    try { return JSON.parse(l); } catch (err) { die(name, `${file}:${i + 1}: not JSON (${(err as Error).message})`, 1); }
  }).filter((r) => r !== undefined);
}
