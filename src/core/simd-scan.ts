// The WebAssembly SIMD walk (src/wasm/scan.ts, built to dist/core/scan.wasm) seen from JavaScript: a
// fixed 3 MiB memory (it never grows, so views on it stay valid) that holds each reader's wanted keys,
// the input chunk (input.ts reads straight into it: no copy for most lines) and a scratch copy for
// lines that live elsewhere (lines spanning two chunks, gzip input, callers' own buffers). Without the
// .wasm file, or with EVENT_PIPES_SCAN=js, every read takes the JavaScript walk (same answers).
import fs from 'node:fs';
import type { Edit } from './fields.js';

interface ScanExports {
  memory: WebAssembly.Memory;
  scan(s: number, e: number, keys: number, nkeys: number, results: number): number;
  scanTrusted(s: number, e: number, keys: number, nkeys: number, results: number): number;
  split(s: number, e: number, needle: number, nlen: number, i1: number, i2: number, out: number): number;
  events(base: number, first: number, ends: number, k0: number, n: number, keys: number, nk: number, acts: number, res: number,
    keysOut: number, keyCap: number, lens: number, times: number, kinds: number, maxEvents: number): number;
  KEYS_USED: WebAssembly.Global;
  OTHERS: WebAssembly.Global;
  FULL: WebAssembly.Global;
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

const memoryBuffer = memory?.buffer ?? null; // (the memory never grows: its buffer stays)
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

  /** the events of lines k0..n - 1 (split from `from`; line k0 begins at chunk index `start`) that
   *  `scan` reads, up to the first it does not (see EventScan): that line's number */
  events(scan: EventScan, from: number, start: number, k0: number, n: number): number { return scan.run(chunkAt + from, chunkAt + start, endsAt, k0, n); }
}

const splitters = new Map<string, LineSplit | null>();

const scans = new Map<string, TopScan>();

// ---------------------------------------------------------------- one walk per line in a chain
// Every scan walks for the union of all readers' wanted top-level keys (up to 64), so that when a
// stage hands the line it was given on whole to the next stage of an in-process chain (ChainSink),
// the next stage's reader takes the spans from that walk instead of walking the line again. The walk
// is only taken over when it is known to be of the very bytes handed on: it was made (or taken over)
// by the stage handing them on, while it held the line it hands on (enterLine numbers each line a
// stage gets), and the next reader asks for the same span first. EVENT_PIPES_SCAN_MEMO=0 turns it off.
const MEMO = process.env.EVENT_PIPES_SCAN_MEMO !== '0';
const union: Buffer[] = [];
const unionIndex = new Map<string, number>();
let unionAt = 0, unionResults = 0, unionGen = -1, unionPlaced = 0; // placed in the walk's memory: the first unionPlaced keys
/** who holds the line being read (a stage of a chain), and the number of its current line */
export interface LineHolder { lineNo: number }
let holder: LineHolder | null = null, counter = 0;
// the last walk for the union: of b[s, e) (scanned at `from` in the walk's memory), by whom, when
let memoBuf: Buffer | null = null, memoS = 0, memoE = 0, memoFrom = 0, memoN = 0, memoGen = -1, memoBy: LineHolder | null = null, memoAt = 0;
// the next reader of b[s, e) may take the memo (set by passOn for `armedFor`'s line)
let armed = false, armedFor: LineHolder | null = null;
let taken = 0; // walks taken over (for the tests: memoTaken())
/** how many times a reader took another stage's walk instead of walking the line */
export function memoTaken(): number { return taken; }

/** a stage starts on a line (returns who held one before: give it to leaveLine) */
export function enterLine(h: LineHolder): LineHolder | null {
  const before = holder;
  if (armedFor !== h) armed = false;
  armedFor = null;
  holder = h; h.lineNo = ++counter;
  if (armed) { memoBy = h; memoAt = ++counter; } // the walk handed on is of h's line: h holds it (and may hand it on)
  return before;
}
export function leaveLine(before: LineHolder | null): void { holder = before; }
/** the current stage hands b[s, e) on whole to `next`: its walk of those bytes, if it made one while it
 *  held this line, may serve next's reader; so may any walk of them since `since` (a fork hands the
 *  same bytes to each branch in turn: a walk by an earlier branch's reader serves the next one) */
export function passOn(b: Buffer, s: number, e: number, next: LineHolder, since = -1): void {
  // (the walk is of the object without the blanks around it: the next reader trims them alike)
  armed = MEMO && memoBuf === b && memoS >= s && memoE <= e && memoGen === generation &&
    ((holder !== null && memoBy === holder && memoAt > holder.lineNo) || (since >= 0 && memoAt > since));
  armedFor = armed ? next : null;
}
/** a number that walks made from now on are after (for passOn's `since`) */
export function scanMark(): number { return ++counter; }
/** b[s, e) was copied to to[ts, ...): a walk of them is one of the copy */
export function walkMoved(b: Buffer, s: number, e: number, to: Buffer, ts: number): void {
  if (memoBuf === b && memoS >= s && memoE <= e) { memoBuf = to; memoS += ts - s; memoE += ts - s; } // (the spans are taken relative to memoS)
}
/** new bytes are handed on (an edited or generated record): no walk serves them */
export function disarm(): void { armed = false; armedFor = null; }

/** a walk of a member list text (`{` + text + `}`): the union's keys' spans in it, or a negative end */
export type MemberWalk = (b: Buffer, s: number, e: number, keys: Buffer[], starts: Int32Array, ends: Int32Array) => number;
let oldSpans = new Int32Array(128), textSpans = new Int32Array(64), textEnds = new Int32Array(64);
let textBuf = Buffer.allocUnsafe(256);
let fresh = new Int32Array(128), edFrom = new Int32Array(16), edTo = new Int32Array(16), edLen = new Int32Array(16), edComma = new Uint8Array(16);
let unionSlice: Buffer[] = [];

/**
 * The current stage edits the line b[s, e) it holds into out[os, oe) (the edits applied in order):
 * when the walk of b[s, e) is its own (made or taken while it holds this line), the spans of the
 * edited record are worked out from it, and that walk serves `next` (or, with `next` null, whoever
 * passOn arms). A wanted member untouched by every edit moves by the edits before it; a value replaced
 * whole is the edit's text; members written at the object's start or end (a member list) are walked
 * for the wanted keys (the last occurrence of a key wins, as in a walk of the whole record); an edit
 * elsewhere holding no member (a value written over a value, or within one that is not wanted) moves
 * what follows. Anything else (an edit cutting into a wanted member, members written inside a value)
 * drops the walk. Returns whether the walk was kept.
 */
export function editedWalk(b: Buffer, s: number, e: number, edits: readonly Edit[],
  out: Buffer, os: number, oe: number, walk: MemberWalk, next: LineHolder | null): boolean {
  armed = false; armedFor = null;
  const mine = MEMO && holder !== null && memoBy === holder && memoAt > holder.lineNo && memoBuf === b && memoS === s && memoE === e && memoGen === generation;
  memoBuf = null;
  if (!mine) return false;
  const n = memoN, words = i32!, res = unionResults >> 2, shift = s - memoFrom, last = e - s - 1; // (last: the closing brace)
  if (oldSpans.length < 3 * n) { oldSpans = new Int32Array(3 * n); fresh = new Int32Array(2 * n); }
  const ne_ = edits.length;
  if (edFrom.length < ne_) { edFrom = new Int32Array(2 * ne_); edTo = new Int32Array(2 * ne_); edLen = new Int32Array(2 * ne_); edComma = new Uint8Array(2 * ne_); }
  for (let j = 0; j < ne_; j++) {
    const ed = edits[j], t = ed.text;
    edFrom[j] = ed.from - s; edTo[j] = ed.to - s;
    if (ed.bytes !== undefined) edLen[j] = ed.bytes.length;
    else if (ed.spans !== undefined && ed.spans.length > 0) edLen[j] = ed.spans[ed.spans.length - 1]; // (the last value ends the text)
    else {
      let ascii = true; // (the byte length: the text's length unless it holds other than ASCII)
      for (let i = 0; i < t.length && ascii; i++) if (t.charCodeAt(i) > 0x7f) ascii = false;
      edLen[j] = ascii ? t.length : Buffer.byteLength(t, 'utf8');
    }
    let i = 0; // nothing, or members after a comma? (from the bytes when the edit has them)
    if (ed.bytes !== undefined) {
      const tb = ed.bytes;
      while (i < tb.length && isBlankByte(tb[i])) i++;
      edComma[j] = tb.length === 0 || tb[i] === 0x2c ? 1 : 0;
    } else {
      while (i < t.length && isBlankByte(t.charCodeAt(i))) i++;
      edComma[j] = t.length === 0 || t.charCodeAt(i) === 0x2c ? 1 : 0;
    }
    if (edFrom[j] > edTo[j] || (j > 0 && edFrom[j] < edTo[j - 1])) return false; // edits out of order or overlapping
  }

  for (let u = 0; u < n; u++) { // each wanted member: its key's start, its value's span, relative to the line
    const r = words[res + 2 * u];
    if (r < 0) { oldSpans[3 * u] = -1; fresh[2 * u] = -1; continue; }
    const vs = r + shift - s, ve = words[res + 2 * u + 1] + shift - s;
    if (ne_ === 0 || after(0, ve)) { oldSpans[3 * u] = vs; oldSpans[3 * u + 1] = vs; oldSpans[3 * u + 2] = ve; fresh[2 * u] = vs; fresh[2 * u + 1] = ve; continue; } // every edit after it
    let k = s + vs - 1; // back over blanks, the colon, blanks, the key (no backslash in a walked line)
    while (isBlankByte(b[k])) k--;
    if (b[k] !== 0x3a) return false;
    k--;
    while (isBlankByte(b[k])) k--;
    if (b[k] !== 0x22) return false;
    k--;
    while (k > s && b[k] !== 0x22) { if (b[k] === 0x5c) return false; k--; } // (an escape in the key: not followed)
    if (b[k - 1] === 0x5c) return false;
    const ks = k - s;
    oldSpans[3 * u] = ks; oldSpans[3 * u + 1] = vs; oldSpans[3 * u + 2] = ve;
    let delta = 0, ns = -1, ne = -1;
    for (let j = 0; j < ne_; j++) {
      const from = edFrom[j], to = edTo[j], len = edLen[j];
      if (to <= ks) { delta += len - (to - from); continue; } // before the member
      if (after(j, ve)) break; // after it
      if (from === vs && to === ve && from < to) { ns = vs + delta; ne = ns + len; delta += len - (to - from); continue; }
      return false; // an edit cutting into the member
    }
    if (ns < 0) { ns = vs + delta; ne = ve + delta; }
    fresh[2 * u] = ns; fresh[2 * u + 1] = ne;
  }
  // what the edits write: members at the object's start or end, or values
  let delta = 0;
  if (unionSlice.length !== n) unionSlice = union.slice(0, n);
  for (let j = 0; j < ne_; j++) {
    const ed = edits[j], from = edFrom[j], to = edTo[j], len = edLen[j];
    const at = from + delta; // where the text starts in the record
    delta += len - (to - from);
    let wanted = false;
    for (let u = 0; u < n && !wanted; u++) if (oldSpans[3 * u] >= 0 && oldSpans[3 * u + 1] === from && oldSpans[3 * u + 2] === to) wanted = true;
    if (wanted || len === 0) continue;
    // members written at the object's start or end whose names and value spans the stage gave: the
    // wanted ones placed from them, no walk of the text
    if (from === to && (from === last || from === 1) && ed.names !== undefined && ed.spans !== undefined) {
      const idx = namesWanted(ed.names, n), sp = ed.spans;
      for (let i = 0; idx !== null && i < idx.length; i++) {
        const u = idx[i];
        if (u < 0) continue;
        const ns = at + sp[2 * i];
        if (ns > fresh[2 * u]) { fresh[2 * u] = ns; fresh[2 * u + 1] = at + sp[2 * i + 1]; } // the last occurrence wins
      }
      continue;
    }
    if (textBuf.length < len + 2) textBuf = Buffer.allocUnsafe(2 * len + 2);
    if (ed.bytes !== undefined) ed.bytes.copy(textBuf, 1); else textBuf.write(ed.text, 1, 'utf8');
    let ts = 1, te = 1 + len;
    if (textBuf[ts] === 0x2c) ts++; // a leading comma
    if (te > ts && textBuf[te - 1] === 0x2c) te--; // a trailing one
    if (te === ts) continue;
    textBuf[ts - 1] = 0x7b; textBuf[te] = 0x7d; // {members}
    if (textSpans.length < n) { textSpans = new Int32Array(2 * n); textEnds = new Int32Array(2 * n); }
    if (walk(textBuf, ts - 1, te + 1, unionSlice, textSpans, textEnds) === te + 1) {
      // members: known to be the object's own only at its start or end
      if (!(from === to && (from === last || from === 1))) return false;
      for (let u = 0; u < n; u++) {
        if (textSpans[u] < 0) continue;
        const ns = at + (textSpans[u] - ts) + (ts - 1); // (textBuf[1] is the text's first byte)
        if (ns > fresh[2 * u]) { fresh[2 * u] = ns; fresh[2 * u + 1] = ns + (textEnds[u] - textSpans[u]); } // the last occurrence wins
      }
    } else if (from === to || !valueOver(b, s + from, s + to, ed.text)) return false; // not a value written over a value
  }
  for (let u = 0; u < n; u++) {
    const f = fresh[2 * u];
    if (f < 0) { words[res + 2 * u] = -1; words[res + 2 * u + 1] = 0; } else { words[res + 2 * u] = os + f; words[res + 2 * u + 1] = os + fresh[2 * u + 1]; }
  }
  memoBuf = out; memoS = os; memoE = oe; memoFrom = os; memoBy = holder; memoAt = ++counter;
  if (next !== null) { armed = true; armedFor = next; }
  return true;
}
/**
 * The current stage wrote the record b[s, e) whole, and knows its top-level members: `names` in order
 * (plain names: the JSON text of each is the name in quotes), member j's value at [s + spans[at + 2j],
 * s + spans[at + 2j + 1]). Those spans become the walk of the union's keys (a wanted key that is no
 * member: absent; a name given twice: its last value, as a walk finds), which serves `next` (or, with
 * `next` null, whoever passOn arms) instead of a walk of the record: from-csv's rows, sessionize's
 * sessions. Returns whether there is such a walk (not without the SIMD walk's memory, or with no key
 * wanted).
 */
export function generatedWalk(b: Buffer, s: number, e: number, names: readonly string[], spans: Int32Array, at: number, next: LineHolder | null): boolean {
  armed = false; armedFor = null; memoBuf = null;
  if (!MEMO || memory === null || union.length === 0 || !placeUnion()) return false;
  const n = unionPlaced, words = i32!, res = unionResults >> 2, idx = namesWanted(names, n);
  for (let u = 0; u < n; u++) words[res + 2 * u] = -1;
  if (idx !== null) {
    for (let j = 0; j < idx.length; j++) {
      const u = idx[j];
      if (u >= 0) { words[res + 2 * u] = s + spans[at + 2 * j]; words[res + 2 * u + 1] = s + spans[at + 2 * j + 1]; }
    }
  }
  // (the spans are of b itself: the walk is "made" at s)
  memoBuf = b; memoS = s; memoE = e; memoFrom = s; memoN = n; memoGen = generation; memoBy = holder; memoAt = ++counter;
  if (next !== null) { armed = true; armedFor = next; }
  return true;
}
const wantedNames = new WeakMap<readonly string[], { n: number; idx: Int32Array | null }>();
// the last two lists asked for (a chain's splicing stages each give theirs, the same list every record:
// a WeakMap look-up a call was a quarter of editedWalk's time)
let wantedA: readonly string[] | null = null, wantedB: readonly string[] | null = null;
let wantedAw: { n: number; idx: Int32Array | null } | null = null, wantedBw: { n: number; idx: Int32Array | null } | null = null;
/** each member name's index among the union's first n keys, or -1 (null: none is; remembered per list) */
function namesWanted(names: readonly string[], n: number): Int32Array | null {
  if (names === wantedA && wantedAw!.n === n) return wantedAw!.idx;
  if (names === wantedB && wantedBw!.n === n) return wantedBw!.idx;
  let w = wantedNames.get(names);
  if (w === undefined || w.n !== n) {
    // (the union only grows: a key's index never changes)
    const idx = Int32Array.from(names, (k) => { const u = unionIndex.get(Buffer.from(k, 'utf8').toString('latin1')) ?? -1; return u < n ? u : -1; });
    w = { n, idx: idx.some((u) => u >= 0) ? idx : null };
    wantedNames.set(names, w);
  }
  wantedB = wantedA; wantedBw = wantedAw; wantedA = names; wantedAw = w;
  return w.idx;
}
/** where the walk reads b[s, e): in place when it is in the walk's memory, else copied in (-1: too long) */
function lineIn(b: Buffer, s: number, e: number): number {
  if (b.buffer === memoryBuffer) return b.byteOffset + s;
  if (e - s > maxLine) return -1;
  b.copy(memory!, lineAt, s, e);
  return lineAt;
}
/** the text is one JSON value written over b[from, to), a span standing where a value stands (after a
 *  colon, a comma or a bracket, before a comma or a closing bracket) */
function valueOver(b: Buffer, from: number, to: number, text: string): boolean {
  let i = from - 1, j = to;
  while (i >= 0 && isBlankByte(b[i])) i--;
  while (j < b.length && isBlankByte(b[j])) j++;
  if (i < 0 || (b[i] !== 0x3a && b[i] !== 0x2c && b[i] !== 0x5b) || (b[j] !== 0x2c && b[j] !== 0x7d && b[j] !== 0x5d)) return false;
  try { JSON.parse(text); return true; } catch { return false; }
}
const isBlankByte = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
/** edit j is after the value [vs, ve): it starts past it, or right at its end with nothing or members */
const after = (j: number, ve: number) => edFrom[j] > ve || (edFrom[j] === ve && edTo[j] === ve && edComma[j] === 1);

/** the union placed in the walk's memory (again when keys joined it or the key space was handed out anew) */
function placeUnion(): boolean {
  if (unionGen === generation && unionPlaced === union.length) return true;
  const at = union.length < MAX_KEYS ? scanSpace(keysBytes(union)) : -1;
  if (at < 0) return false;
  writeKeys(at, union);
  unionAt = at; unionResults = at + 8 + union.length * 8; unionGen = generation; unionPlaced = union.length;
  memoBuf = null;
  return true;
}

/** the most keys a walk takes (writeKeys chains them by 16-bit numbers; more: the JavaScript walk) */
const MAX_KEYS = 0xffff;
/** bytes of the keys' space for `keys` (writeKeys) */
const keysBytes = (keys: Buffer[]) => 8 + keys.length * 16 + 128 + keys.length * 2 + keys.reduce((a, k) => a + k.length, 0);

/** keys at `at`: a u64 mask of their lengths mod 64, an (offset, length) i32 pair per key, room for
 *  an i32 (start, end) result per key, the keys chained by length mod 64 (u16: 1 + the first key of
 *  each length, 0 for none; then 1 + the next key of the same length, per key: the walk compares a
 *  member's name with those keys only), then the key bytes */
function writeKeys(at: number, keys: Buffer[]): void {
  const mem = memory!, words = i32!, n = keys.length; // (n < MAX_KEYS)
  let lengths = 0n;
  const chains = at + 8 + n * 16;
  let text = chains + 128 + n * 2;
  mem.fill(0, chains, text);
  keys.forEach((k, j) => {
    lengths |= 1n << BigInt(k.length & 63);
    k.copy(mem, text);
    words[(at >> 2) + 2 + 2 * j] = text;
    words[(at >> 2) + 3 + 2 * j] = k.length;
    text += k.length;
    // (onto the front of its length's chain)
    const head = chains + 2 * (k.length & 63);
    mem.writeUInt16LE(mem.readUInt16LE(head), chains + 128 + 2 * j);
    mem.writeUInt16LE(j + 1, head);
  });
  mem.writeBigUInt64LE(lengths, at);
}

/** One reader's wanted top-level keys, placed in the walk's memory. */
export class TopScan {
  private at = 0;
  private results = 0;
  private gen = -1;
  private readonly n: number;

  /** null when the walk is not there. One placement per set of keys (readers with the same keys share
   *  it: results are copied out at once). */
  static create(keys: Buffer[], nested = false): TopScan | null {
    if (memory === null || keys.length > 64) return null;
    const id = keys.map((k) => k.toString('latin1')).join('\u0000') + '\u0000' + keys.length + (nested ? '\u0000nested' : '');
    let scan = scans.get(id);
    if (scan === undefined) {
      scan = new TopScan(keys.map((k) => Buffer.from(k)), id, nested);
      if (!scan.place()) return null;
    }
    return scan;
  }

  /** each key's index in the union, or null when the union has no room for them */
  private readonly inUnion: Int32Array | null = null;
  private readonly unionNeeded: number = 0; // the union's keys up to the last of these

  /** nested: for objects inside a line (scanNested), whose keys stay out of the union */
  private constructor(private readonly keys: Buffer[], private readonly id: string, nested: boolean) {
    this.n = keys.length;
    if (!MEMO || nested) return;
    const fresh = keys.filter((k) => !unionIndex.has(k.toString('latin1')));
    if (union.length + new Set(fresh.map((k) => k.toString('latin1'))).size > 64) return;
    for (const k of fresh) {
      const t = k.toString('latin1');
      if (!unionIndex.has(t)) { unionIndex.set(t, union.length); union.push(Buffer.from(k)); }
    }
    this.inUnion = Int32Array.from(keys, (k) => unionIndex.get(k.toString('latin1'))!);
    this.unionNeeded = Math.max(0, ...this.inUnion) + 1;
  }

  /** copy the keys into the walk's memory (again after the key space was handed out anew) */
  private place(): boolean {
    const keys = this.keys;
    const at = scanSpace(keysBytes(keys));
    if (at < 0) return false;
    this.at = at;
    this.results = at + 8 + keys.length * 8;
    writeKeys(at, keys);
    this.gen = generation;
    scans.set(this.id, this);
    return true;
  }

  /**
   * The object at b[s, e): its end (e) with starts/ends filled as scanObject fills them, or UNSURE
   * (the caller walks it in JavaScript).
   */
  scan(b: Buffer, s: number, e: number, starts: Int32Array, ends: Int32Array, trusted = false): number {
    const inUnion = this.inUnion, words = i32!;
    if (armed) {
      armed = false;
      // (only for a reader that trusts the line: one that checks every line by the grammar walks it)
      if (trusted && inUnion !== null && memoBuf === b && memoS === s && memoE === e && memoGen === generation && this.unionNeeded <= memoN) {
        const shift = s - memoFrom, res = unionResults >> 2;
        for (let k = 0; k < this.n; k++) {
          const u = inUnion[k], vs = words[res + 2 * u];
          starts[k] = vs < 0 ? -1 : vs + shift;
          ends[k] = words[res + 2 * u + 1] + shift;
        }
        memoBy = holder; memoAt = ++counter; taken++;
        return e;
      }
    }
    if (inUnion !== null && ((unionGen === generation && unionPlaced === union.length) || placeUnion())) return this.unionScan(b, s, e, starts, ends, trusted, inUnion);
    return this.own(b, s, e, starts, ends, trusted);
  }

  /**
   * A member's object b[s, e) inside a line already read by the grammar (FieldReader.read): starts and
   * ends filled as memberSpans fills them, or UNSURE (an escape: the caller walks it in JavaScript).
   * Neither takes nor makes the memo (which is of whole lines).
   */
  scanNested(b: Buffer, s: number, e: number, starts: Int32Array, ends: Int32Array): number {
    return this.own(b, s, e, starts, ends, true);
  }

  /** the walk for these keys alone (placed in the walk's memory, again after a new generation) */
  private own(b: Buffer, s: number, e: number, starts: Int32Array, ends: Int32Array, trusted: boolean): number {
    if (this.gen !== generation && !this.place()) return UNSURE;
    const from = lineIn(b, s, e);
    if (from < 0) return UNSURE;
    const r = trusted ? wasm!.scanTrusted(from, from + (e - s), this.at, this.n, this.results) : wasm!.scan(from, from + (e - s), this.at, this.n, this.results);
    if (r < 0) return UNSURE;
    const words = i32!, shift = s - from, res = this.results >> 2;
    for (let k = 0; k < this.n; k++) {
      const vs = words[res + 2 * k];
      starts[k] = vs < 0 ? -1 : vs + shift;
      ends[k] = words[res + 2 * k + 1] + shift;
    }
    return e;
  }

  /** the walk for the union's keys, remembered (the memo) */
  private unionScan(b: Buffer, s: number, e: number, starts: Int32Array, ends: Int32Array, trusted: boolean, inUnion: Int32Array): number {
    const words = i32!;
    const from = lineIn(b, s, e);
    if (from < 0) return UNSURE;
    memoBuf = null;
    const n = unionPlaced;
    const r = trusted ? wasm!.scanTrusted(from, from + (e - s), unionAt, n, unionResults) : wasm!.scan(from, from + (e - s), unionAt, n, unionResults);
    if (r < 0) return UNSURE;
    const shift = s - from, res = unionResults >> 2;
    for (let k = 0; k < this.n; k++) {
      const u = inUnion[k], vs = words[res + 2 * u];
      starts[k] = vs < 0 ? -1 : vs + shift;
      ends[k] = words[res + 2 * u + 1] + shift;
    }
    memoBuf = b; memoS = s; memoE = e; memoFrom = from; memoN = n; memoGen = generation; memoBy = holder; memoAt = ++counter;
    return e;
  }
}

/** where every EventScan's events are written (one place for the process, taken on first use) */
let eventsOut = -1;

/**
 * The compiled reading of a keyed event log's lines (final-action; src/wasm/scan.ts events()): per line
 * of a chunk, the key fields' string tokens joined by byte 1, a time of 1-15 plain digits and an action
 * among given tokens, read by the same walk as FieldReader.read (the same grammar check, the same
 * spans), many lines a call; a line whose action is another string is counted (`others`). A line
 * that needs more (an escape, a key that is not a string, a missing field, a time with a fraction or a
 * sign or of 16 digits, a malformed line) stops it: that line goes the JavaScript way. After run(), the
 * events are `count` entries of lens, times and kinds, their keys' bytes keys[0, used); `full`: it
 * stopped for room, not at a line (run it again from there).
 */
export class EventScan {
  private at = 0;
  private gen = -1;
  private res = 0;
  private acts = 0;
  keys!: Buffer;
  lens!: Int32Array;
  times!: Float64Array;
  kinds!: Uint8Array;
  used = 0;
  count = 0;
  others = 0;
  full = false;
  private static readonly EVENTS = 1024;
  private static readonly KEY_CAP = 1 << 15;

  /** null without the SIMD walk or room in its memory. (One place for the events of every EventScan
   *  of the process: run() is synchronous and its caller takes the events out before the next one.) */
  static create(keys: Buffer[], actions: { token: Buffer; kind: number }[]): EventScan | null {
    if (memory === null || keys.length > 64) return null; // (the walk finds up to 64 fields: the keys, the time and the action)
    const n = EventScan.EVENTS;
    if (eventsOut < 0) eventsOut = scanScratch(EventScan.KEY_CAP + 13 * n)?.byteOffset ?? -1;
    const e = new EventScan(keys, actions);
    if (eventsOut < 0 || !e.place()) return null;
    const o = eventsOut;
    e.keys = memory.subarray(o, o + EventScan.KEY_CAP);
    e.times = new Float64Array(memory.buffer, o + EventScan.KEY_CAP, n);
    e.lens = new Int32Array(memory.buffer, o + EventScan.KEY_CAP + 8 * n, n);
    e.kinds = new Uint8Array(memory.buffer, o + EventScan.KEY_CAP + 12 * n, n);
    return e;
  }

  private constructor(private readonly fields: Buffer[], private readonly actions: { token: Buffer; kind: number }[]) {}

  /** the fields and action tokens placed in the walk's memory (again after a new generation) */
  private place(): boolean {
    const keys = this.fields, acts = this.actions;
    const keyBytes = keysBytes(keys);
    const at = scanSpace(keyBytes + 3 + 4 + 12 * acts.length + acts.reduce((a, t) => a + t.token.length, 0));
    if (at < 0) return false;
    writeKeys(at, keys);
    this.at = at; this.res = at + 8 + keys.length * 8;
    const a = (at + keyBytes + 3) & ~3;
    this.acts = a;
    const words = i32!;
    words[a >> 2] = acts.length;
    let text = a + 4 + 12 * acts.length;
    acts.forEach((t, j) => {
      t.token.copy(memory!, text);
      words[(a >> 2) + 1 + 3 * j] = text; words[(a >> 2) + 2 + 3 * j] = t.token.length; words[(a >> 2) + 3 + 3 * j] = t.kind;
      text += t.token.length;
    });
    this.gen = generation;
    return true;
  }

  /** (LineSplit.events) the lines from k0: the number of the first one not read */
  run(base: number, first: number, ends: number, k0: number, n: number): number {
    this.count = 0; this.used = 0; this.others = 0; this.full = false;
    if (this.gen !== generation && !this.place()) return k0;
    memoBuf = null;
    const o = eventsOut, cap = EventScan.KEY_CAP, n0 = EventScan.EVENTS, w = wasm!;
    const k = w.events(base, first, ends, k0, n, this.at, this.fields.length - 2, this.acts, this.res, o, cap, o + cap + 8 * n0, o + cap, o + cap + 12 * n0, n0);
    this.used = w.KEYS_USED.value as number;
    this.others = w.OTHERS.value as number;
    this.full = w.FULL.value !== 0;
    this.count = k - k0 - this.others;
    return k;
  }
}
