// The WebAssembly SIMD walk (src/wasm/scan.ts, built to dist/core/scan.wasm) seen from JavaScript: a
// fixed 2 MiB memory (it never grows, so views on it stay valid) that holds each reader's wanted keys,
// the input chunk (input.ts reads straight into it: no copy for most lines) and a scratch copy for
// lines that live elsewhere (lines spanning two chunks, gzip input, callers' own buffers). Without the
// .wasm file, or with EVENT_PIPES_SCAN=js, every read takes the JavaScript walk (same answers).
import fs from 'node:fs';

interface ScanExports {
  memory: WebAssembly.Memory;
  scan(s: number, e: number, keys: number, nkeys: number, results: number): number;
  FREE: WebAssembly.Global;
  MAX_LINE: WebAssembly.Global;
  UNSURE: WebAssembly.Global;
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
const CHUNK_MAX = (1 << 17) + SLACK;
const KEY_SPACE = 1 << 16;

let memory: Buffer | null = null, i32: Int32Array | null = null;
let keysAt = 0, keysEnd = 0, chunkAt = 0, lineAt = 0, maxLine = 0;
if (wasm) {
  memory = Buffer.from(wasm.memory.buffer);
  i32 = new Int32Array(wasm.memory.buffer);
  keysAt = wasm.FREE.value;
  keysEnd = keysAt + KEY_SPACE;
  chunkAt = keysEnd;
  lineAt = chunkAt + CHUNK_MAX;
  maxLine = Math.min(wasm.MAX_LINE.value, memory.length - lineAt - SLACK);
  if (maxLine < 1 << 16) { memory = null; i32 = null; }
}

/** whether reads take the SIMD walk */
export const simdScan = memory !== null;

let chunkInUse = false;
/**
 * A buffer for input chunks inside the walk's memory (lines read into it are scanned where they are),
 * or a plain one when that is taken or not there. Give it back with releaseChunk.
 */
export function chunkBuffer(size: number): Buffer {
  if (memory === null || chunkInUse || size + SLACK > CHUNK_MAX) return Buffer.allocUnsafe(size);
  chunkInUse = true;
  return memory.subarray(chunkAt, chunkAt + size);
}
export function releaseChunk(b: Buffer): void { if (memory !== null && b.buffer === memory.buffer) chunkInUse = false; }

/** One reader's wanted top-level keys, placed in the walk's memory. */
export class TopScan {
  private readonly at: number;
  private readonly results: number;
  private readonly n: number;

  /** null when the walk is not there or its key space is full */
  static create(keys: Buffer[]): TopScan | null {
    if (memory === null || keys.length > 64) return null;
    const size = 8 + keys.length * 8 + keys.length * 8 + keys.reduce((a, k) => a + k.length, 0);
    const at = (keysAt + 7) & ~7;
    if (at + size > keysEnd) return null;
    keysAt = at + size;
    return new TopScan(keys, at);
  }

  private constructor(keys: Buffer[], at: number) {
    const mem = memory!, words = i32!;
    this.at = at;
    this.n = keys.length;
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
  }

  /**
   * The object at b[s, e): its end (e) with starts/ends filled as scanObject fills them, or UNSURE
   * (the caller walks it in JavaScript).
   */
  scan(b: Buffer, s: number, e: number, starts: Int32Array, ends: Int32Array): number {
    const mem = memory!, words = i32!;
    let from: number;
    if (b.buffer === mem.buffer) from = b.byteOffset + s;
    else {
      if (e - s > maxLine) return UNSURE;
      b.copy(mem, lineAt, s, e);
      from = lineAt;
    }
    const r = wasm!.scan(from, from + (e - s), this.at, this.n, this.results);
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
