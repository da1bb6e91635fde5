// The WebAssembly SIMD walk (src/wasm/scan.ts, built to dist/core/scan.wasm) seen from JavaScript: a
// fixed 3 MiB memory (it never grows, so views on it stay valid) that holds each reader's wanted keys,
// the input chunk (input.ts reads straight into it: no copy for most lines) and a scratch copy for
// lines that live elsewhere (lines spanning two chunks, gzip input, callers' own buffers). Without the
// .wasm file, or with EVENT_PIPES_SCAN=js, every read takes the JavaScript walk (same answers).
import fs from 'node:fs';

interface ScanExports {
  memory: WebAssembly.Memory;
  scan(s: number, e: number, keys: number, nkeys: number, results: number): number;
  scanTrusted(s: number, e: number, keys: number, nkeys: number, results: number): number;
  split(s: number, e: number, needle: number, nlen: number, i1: number, i2: number, out: number): number;
  FREE: WebAssembly.Global;
  MAX_LINE: WebAssembly.Global;
}

function load(): ScanExports | null {
  if (process.env.EVENT_PIPES_SCAN === 'js') return null;
  try {
    const bytes = fs.readFileSync(new URL('./scan.wasm', import.meta.url));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { abort() { throw new Error('scan.wasm aborted'); } } });
    return instance.exports as unknown as ScanExports;
  } catch {
    return null; // not built (tsc alone) or no SIMD: the JavaScript walk
  }
}

const wasm = load();
export const UNSURE = -3;
const SLACK = 64; // the walk reads up to 64 bytes past a line's end
const CHUNK = 1 << 17;
const CHUNK_SLACK = 256; // the splitter reads up to 64 + needle length bytes past a chunk's end
const MAX_NEEDLE = CHUNK_SLACK - 64 - 16;
const KEY_SPACE = 1 << 16;

let memory: Buffer | null = null, i32: Int32Array | null = null;
const NEEDLE_SPACE = 4096;
let keysBase = 0, scanAt = 0, generation = 0;
let keysAt = 0, keysEnd = 0, chunkAt = 0, endsAt = 0, lineAt = 0, maxLine = 0;
if (wasm) {
  memory = Buffer.from(wasm.memory.buffer);
  i32 = new Int32Array(wasm.memory.buffer);
  keysAt = keysBase = wasm.FREE.value;
  keysEnd = keysAt + KEY_SPACE;
  scanAt = keysAt + NEEDLE_SPACE;
  chunkAt = keysEnd;
  endsAt = chunkAt + CHUNK + CHUNK_SLACK; // one i32 per newline of a chunk
  lineAt = endsAt + 4 * CHUNK;
  maxLine = Math.min(wasm.MAX_LINE.value, memory.length - lineAt - SLACK);
  if (maxLine < 1 << 16) { memory = null; i32 = null; }
}

/** whether reads take the SIMD walk */
export const simdScan = memory !== null;

// the rest of the memory (past the line copy): scratch buffers for records assembled in process (a
// fork's record, which every branch reads; a chain link's edited record), scanned where they are
let scratchAt = memory === null ? 0 : lineAt + maxLine + SLACK;
/**
 * A scratch buffer of `size` bytes inside the walk's memory (a record assembled there is read by the
 * next stages' readers without being copied in first), or null when that memory is used up or not
 * there. Handed out for the process's lifetime (a chain's sinks take one each while they last).
 */
/** is b a view of the walk's memory (read there without a copy)? */
export function inScanMemory(b: Buffer): boolean { return memory !== null && b.buffer === memory.buffer; }

export function scanScratch(size: number): Buffer | null {
  if (memory === null) return null;
  const at = (scratchAt + 7) & ~7;
  if (at + size + SLACK > memory.length) return null;
  scratchAt = at + size + SLACK; // the walk reads up to 64 bytes past a line's end
  return memory.subarray(at, at + size);
}

let chunkInUse = false;
/**
 * A buffer for input chunks inside the walk's memory (lines read into it are scanned where they are),
 * or a plain one when that is taken or not there. Give it back with releaseChunk.
 */
export function chunkBuffer(size: number): Buffer {
  if (memory === null || chunkInUse || size > CHUNK) return Buffer.allocUnsafe(size);
  chunkInUse = true;
  return memory.subarray(chunkAt, chunkAt + size);
}
export function releaseChunk(b: Buffer): void { if (memory !== null && b.buffer === memory.buffer) chunkInUse = false; }

/** bump-allocate n bytes of the key space (8-aligned) for the splitters' needles (the first 4 KiB),
 *  or -1 when it is full */
function keySpace(n: number): number {
  const at = (keysAt + 7) & ~7;
  if (at + n > keysBase + NEEDLE_SPACE) return -1;
  keysAt = at + n;
  return at;
}
/** the readers' keys: the rest of the key space, handed out in turn; when it is full, everything is
 *  handed out anew (a new generation) and each reader places its keys again on its next scan, so a
 *  long-lived process creating reader after reader with ever-new keys never runs out */
function scanSpace(n: number): number {
  let at = (scanAt + 7) & ~7;
  if (at + n > keysEnd) {
    generation++; scans.clear();
    at = (keysBase + NEEDLE_SPACE + 7) & ~7;
    if (at + n > keysEnd) return -1;
  }
  scanAt = at + n;
  return at;
}

/**
 * The input reader's line splitter for chunks from chunkBuffer(): newlines, and which lines hold the
 * needle (or a backslash), found 64 bytes at a time. After split(), lineEnd(k) and candidate(k) give
 * the k-th newline (its index in the chunk) and whether the line before it is a candidate.
 */
export class LineSplit {
  private readonly at: number;
  private readonly n: number;
  private readonly i1: number;
  private readonly i2: number;
  private readonly ends: Int32Array;

  /** null when the SIMD walk is not there, or the needle is empty or too long for the chunk's slack;
   *  one per needle for the process (every input file of a run shares it) */
  static create(needle: Buffer | undefined, sample: Buffer): LineSplit | null {
    if (memory === null || (needle !== undefined && (needle.length > MAX_NEEDLE || needle.length === 0))) return null;
    const id = needle === undefined ? '' : '=' + needle.toString('latin1');
    if (!splitters.has(id)) splitters.set(id, LineSplit.place(needle, sample));
    return splitters.get(id)!;
  }

  private static place(needle: Buffer | undefined, sample: Buffer): LineSplit | null {
    const n = needle?.length ?? 0;
    const at = keySpace(Math.max(n, 1));
    if (at < 0) return null;
    if (needle) needle.copy(memory!, at);
    // tell needle candidates apart by its two rarest bytes in the sample
    const freq = new Uint32Array(256);
    for (let i = 0; i < Math.min(sample.length, 1 << 16); i++) freq[sample[i]]++;
    let i1 = 0, i2 = 0;
    for (let i = 1; i < n; i++) if (freq[needle![i]] < freq[needle![i1]]) i1 = i;
    i2 = i1 === 0 ? n - 1 : 0;
    for (let i = 0; i < n; i++) if (i !== i1 && freq[needle![i]] < freq[needle![i2]]) i2 = i;
    return new LineSplit(at, n, i1, Math.max(i2, 0));
  }

  private constructor(at: number, n: number, i1: number, i2: number) {
    this.at = at; this.n = n; this.i1 = i1; this.i2 = i2;
    this.ends = new Int32Array(memory!.buffer, endsAt, CHUNK);
  }

  /** can this buffer be split here? (a chunk from chunkBuffer) */
  accepts(b: Buffer): boolean { return b.buffer === memory!.buffer && b.byteOffset === chunkAt; }

  /** split b[from, b.length): the number of newlines */
  split(b: Buffer, from: number): number {
    return wasm!.split(chunkAt + from, chunkAt + b.length, this.at, this.n, this.i1, this.i2, endsAt);
  }

  /** index in the chunk of the k-th newline (relative to `from`'s chunk start) */
  lineEnd(k: number, from: number): number { return (this.ends[k] & 0x7fffffff) + from; }
  candidate(k: number): boolean { return this.ends[k] < 0; }
}

const splitters = new Map<string, LineSplit | null>();

const scans = new Map<string, TopScan>();

/** One reader's wanted top-level keys, placed in the walk's memory. */
export class TopScan {
  private at = 0;
  private results = 0;
  private gen = -1;
  private readonly n: number;

  /** null when the walk is not there. One placement per set of keys (readers with the same keys share
   *  it: results are copied out at once). */
  static create(keys: Buffer[]): TopScan | null {
    if (memory === null || keys.length > 64) return null;
    const id = keys.map((k) => k.toString('latin1')).join('\u0000') + '\u0000' + keys.length;
    let scan = scans.get(id);
    if (scan === undefined) {
      scan = new TopScan(keys.map((k) => Buffer.from(k)), id);
      if (!scan.place()) return null;
    }
    return scan;
  }

  private constructor(private readonly keys: Buffer[], private readonly id: string) { this.n = keys.length; }

  /** copy the keys into the walk's memory (again after the key space was handed out anew) */
  private place(): boolean {
    const keys = this.keys;
    const at = scanSpace(8 + keys.length * 8 + keys.length * 8 + keys.reduce((a, k) => a + k.length, 0));
    if (at < 0) return false;
    const mem = memory!, words = i32!;
    this.at = at;
    this.results = at + 8 + keys.length * 8;
    let lengths = 0n;
    let text = this.results + keys.length * 8;
    keys.forEach((k, j) => {
      lengths |= 1n << BigInt(k.length & 63);
      k.copy(mem, text);
      words[(at >> 2) + 2 + 2 * j] = text;
      words[(at >> 2) + 3 + 2 * j] = k.length;
      text += k.length;
    });
    mem.writeBigUInt64LE(lengths, at);
    this.gen = generation;
    scans.set(this.id, this);
    return true;
  }

  /**
   * The object at b[s, e): its end (e) with starts/ends filled as scanObject fills them, or UNSURE
   * (the caller walks it in JavaScript).
   */
  scan(b: Buffer, s: number, e: number, starts: Int32Array, ends: Int32Array, trusted = false): number {
    if (this.gen !== generation && !this.place()) return UNSURE;
    const mem = memory!, words = i32!;
    let from: number;
    if (b.buffer === mem.buffer) from = b.byteOffset + s;
    else {
      if (e - s > maxLine) return UNSURE;
      b.copy(mem, lineAt, s, e);
      from = lineAt;
    }
    const r = trusted ? wasm!.scanTrusted(from, from + (e - s), this.at, this.n, this.results) : wasm!.scan(from, from + (e - s), this.at, this.n, this.results);
    if (r < 0) return UNSURE;
    const shift = s - from, res = this.results >> 2;
    for (let k = 0; k < this.n; k++) {
      const vs = words[res + 2 * k];
      starts[k] = vs < 0 ? -1 : vs + shift;
      ends[k] = words[res + 2 * k + 1] + shift;
    }
    return e;
  }
}
