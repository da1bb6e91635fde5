// Compact keyed state: keys -> small integer slots (ByteKeys: key bytes in one arena), with per-slot
// numbers in typed arrays that grow by doubling. Millions of keys cost no object each.
import fs from 'node:fs';
/** memory for n bytes: a SharedArrayBuffer (other threads may read it) or not */
export function memory(n: number, shared: boolean): ArrayBuffer | SharedArrayBuffer { return shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n); }

/** the next size of a growing array of `len` elements: twice, four times from 1M on (fewer copies of the
 *  large arrays, and fewer fresh pages for copies; room not yet written takes no memory) */
export function grown(len: number): number { return len >= 1 << 20 ? 4 * len : 2 * len; }

export class GrowF64 {
  a: Float64Array;
  /** `shared`: the arrays are in shared memory */
  constructor(fill = 0, n = 1024, private readonly shared = false) { this.a = new Float64Array(memory(8 * n, shared)); if (fill !== 0) this.a.fill(fill); this.fill = fill; }
  private readonly fill: number;
  ensure(i: number): Float64Array {
    if (i >= this.a.length) {
      const b = new Float64Array(memory(8 * Math.max(i + 1, grown(this.a.length)), this.shared));
      if (this.fill !== 0) b.fill(this.fill, this.a.length); // (new memory is zeros)
      b.set(this.a);
      this.a = b;
    }
    return this.a;
  }
}

export class GrowU16 {
  a: Uint16Array;
  /** `shared`: the arrays are in shared memory */
  constructor(private readonly shared = false) { this.a = new Uint16Array(memory(2048, shared)); }
  ensure(i: number): Uint16Array {
    if (i >= this.a.length) { const b = new Uint16Array(memory(2 * Math.max(i + 1, grown(this.a.length)), this.shared)); b.set(this.a); this.a = b; }
    return this.a;
  }
}

/**
 * A hash table from key bytes to slot numbers, with the keys kept in byte blocks: no JS string or
 * object per key, so millions of keys cost ~(key length + 22..36) bytes each (9 a slot, 8 a bucket,
 * 1.7-3.3 buckets a key) and no GC work. A full block is kept and a new one started (half the bytes
 * held so far, at least 1 MiB): keys are never copied, and the room not yet used is at most a third.
 * Open addressing (linear probing) on a murmur3-style hash of four bytes a step.
 */
export class ByteKeys {
  private blocks: Buffer[];
  /** the block keys are added to, and its bytes used */
  private arena: Buffer;
  private used = 0;
  private held = 0;
  private blk: Uint8Array;
  private offs: Int32Array;
  private lens: Int32Array;
  /** bucket i: its slot (-1: empty) at 2i and the key's hash at 2i + 1, side by side, so that a probe
   *  past other keys reads no per-slot array (one cache line, where a separate hash array cost a random
   *  read per key passed) */
  private table: Int32Array;
  private mask: number;
  size = 0;

  /** the least size of the next block (1 MiB; a tiny table's doubles from its first block's up to it) */
  private nextBlock = 1 << 20;

  /** small: start with room for a few hundred keys (64 KiB), not a few thousand (1 MiB), for tables
   *  made by the hundred; they grow the same. See also tiny(). */
  constructor(small = false, tiny = false, room?: { slots: number; bytes: number }) {
    const slots = room ? room.slots : tiny ? 1 << 4 : small ? 1 << 8 : 1 << 12;
    this.blocks = [Buffer.allocUnsafe(room ? room.bytes : tiny ? 1 << 9 : small ? 1 << 16 : 1 << 20)];
    if (room) this.nextBlock = Math.min(1 << 20, 2 * room.bytes);
    else if (tiny) this.nextBlock = 1 << 10;
    this.arena = this.blocks[0];
    this.blk = new Uint8Array(slots); this.offs = new Int32Array(slots); this.lens = new Int32Array(slots);
    this.table = new Int32Array(4 * slots).fill(-1);
    this.mask = 2 * slots - 1;
  }

  /** a table for a few keys that may grow to many: room for 16 keys (512 bytes of keys; ~2.5 KiB with
   *  its arrays and objects), its blocks doubling up to 1 MiB; for tables made by the thousand (a set
   *  per group) */
  static tiny(): ByteKeys { return new ByteKeys(false, true); }

  /** a table with room for about `keys` keys of `bytes` bytes in all before it grows (from 16 keys
   *  and 512 bytes: tiny()'s): for a set whose size the sets made before it foretell (distinct's per
   *  group: a day's users, where tiny() grew seven times) */
  static sized(keys: number, bytes: number): ByteKeys {
    let slots = 1 << 4;
    while (slots * 1.2 < keys) slots *= 2;
    return new ByteKeys(false, false, { slots, bytes: Math.max(1 << 9, bytes) });
  }

  static hash(b: Uint8Array, s: number, e: number): number {
    let h = (e - s) ^ 0x811c9dc5, i = s;
    for (; i + 4 <= e; i += 4) {
      let k = Math.imul(b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24), 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h ^= k;
      h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
    }
    let k = 0;
    for (let q = 0; i < e; i++, q += 8) k |= b[i] << q;
    k = Math.imul(k, 0xcc9e2d51);
    h ^= Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
    return h;
  }

  /** the slot of the key b[s, e), or -1 when it has none (nothing is added) */
  find(b: Uint8Array, s: number, e: number): number {
    const h = ByteKeys.hash(b, s, e), n = e - s, t = this.table, mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const slot = t[2 * i];
      if (slot < 0) return -1;
      if (t[2 * i + 1] === h && this.lens[slot] === n && this.equals(slot, b, s, n)) return slot;
    }
  }

  /** the slot of the key b[s, e), created on first sight */
  slot(b: Uint8Array, s: number, e: number): number {
    const h = ByteKeys.hash(b, s, e), n = e - s, t = this.table, mask = this.mask;
    let i = h & mask;
    for (;;) {
      const slot = t[2 * i];
      if (slot < 0) break;
      if (t[2 * i + 1] === h && this.lens[slot] === n && this.equals(slot, b, s, n)) return slot;
      i = (i + 1) & mask;
    }
    const slot = this.size++;
    if (slot >= this.offs.length) this.growSlots();
    if (this.used + n > this.arena.length) {
      this.held += this.used;
      if (this.blocks.length === 255) throw new Error('ByteKeys: too many keys');
      this.arena = Buffer.allocUnsafe(Math.max(n, this.nextBlock, Math.floor(this.held / 2)));
      if (this.nextBlock < 1 << 20) this.nextBlock *= 2;
      this.blocks.push(this.arena);
      this.used = 0;
    }
    const a = this.arena, o = this.used;
    if (n <= 64) for (let k = 0; k < n; k++) a[o + k] = b[s + k];
    else a.set(b.subarray(s, e), o);
    this.blk[slot] = this.blocks.length - 1; this.offs[slot] = o; this.lens[slot] = n;
    this.used = o + n;
    t[2 * i] = slot; t[2 * i + 1] = h;
    if (this.size * 10 > (mask + 1) * 6) this.rehash();
    return slot;
  }

  private equals(slot: number, b: Uint8Array, s: number, n: number): boolean {
    const a = this.blocks[this.blk[slot]], o = this.offs[slot];
    let k = 0;
    while (k < n && a[o + k] === b[s + k]) k++;
    return k === n;
  }

  private growSlots(): void {
    const grow = (a: Int32Array) => { const b = new Int32Array(a.length * 2); b.set(a); return b; };
    this.offs = grow(this.offs); this.lens = grow(this.lens);
    const blk = new Uint8Array(this.blk.length * 2); blk.set(this.blk); this.blk = blk;
  }

  private rehash(): void {
    const old = this.table, cap = (this.mask + 1) * 2, mask = cap - 1, t = new Int32Array(2 * cap).fill(-1);
    for (let j = 0; j < old.length; j += 2) {
      if (old[j] < 0) continue;
      const h = old[j + 1];
      let i = h & mask;
      while (t[2 * i] >= 0) i = (i + 1) & mask;
      t[2 * i] = old[j]; t[2 * i + 1] = h;
    }
    this.table = t; this.mask = mask;
  }

  /** the key bytes of a slot as latin1 text (one char per byte) */
  text(slot: number): string { return this.blocks[this.blk[slot]].toString('latin1', this.offs[slot], this.offs[slot] + this.lens[slot]); }

  /** the bytes of a slot's key */
  bytes(slot: number): [Buffer, number, number] { return [this.blocks[this.blk[slot]], this.offs[slot], this.offs[slot] + this.lens[slot]]; }

  /** the bytes of a slot's key are keyArena(slot)[keyStart(slot), keyStart(slot) + keyLength(slot))
   *  (no array made per call) */
  keyArena(slot: number): Buffer { return this.blocks[this.blk[slot]]; }
  /** where the keys of `slots` lie, gathered in that order (a loop of independent reads: a writer then
   *  walks them in sequence instead of reading three arrays at random per key): key k is
   *  arenas[blk[k]][offs[k], offs[k] + lens[k]) */
  gather(slots: Uint32Array): { arenas: Buffer[]; blk: Uint8Array; offs: Int32Array; lens: Int32Array } {
    const n = slots.length, blk = new Uint8Array(n), offs = new Int32Array(n), lens = new Int32Array(n);
    const b = this.blk, o = this.offs, l = this.lens;
    for (let k = 0; k < n; k++) { const s = slots[k]; blk[k] = b[s]; offs[k] = o[s]; lens[k] = l[s]; }
    return { arenas: this.blocks, blk, offs, lens };
  }
  keyStart(slot: number): number { return this.offs[slot]; }
  keyLength(slot: number): number { return this.lens[slot]; }

  /** Slots ordered by key bytes (shorter first on a common prefix): see sortKeys() */
  sorted(): Uint32Array {
    return this.blocks.length === 1 ? sortKeys(this.arena, this.offs, this.lens, this.size) : sortKeys(this.arena, this.offs, this.lens, this.size, undefined, this.blk, this.blocks);
  }
}

/**
 * The numbers 0..n-1 of the keys a[offs[i], offs[i] + lens[i]) ordered by their bytes (shorter first on
 * a common prefix; equal keys in input order). With `dup` (n zeroed bytes), dup[k] is set to 1 where the
 * k-th key in order equals the one before it. With `from`, the keys lie in several arenas: key i in
 * arenas[from[i]] (`a` unused). From 2,048 keys on the sort runs compiled (src/wasm/sort.ts: the same
 * steps as jsSortKeys; final-action's 2.5M keys of a range ~0.58 -> ~0.43 s on a first sort, ~0.3 s warm), else, or without
 * dist/core/sort.wasm or with EVENT_PIPES_SORT=js, in JavaScript (jsSortKeys).
 */
export function sortKeys(a: Uint8Array, offs: Int32Array, lens: Int32Array, n: number, dup?: Uint8Array, from?: Uint8Array, arenas?: readonly Uint8Array[]): Uint32Array {
  return (n >= 2048 ? wasmSortKeys(a, offs, lens, n, dup, from, arenas) : null) ?? jsSortKeys(a, offs, lens, n, dup, from, arenas);
}

/**
 * The numbers 0..n-1 of the keys a[offs[i], offs[i] + lens[i]) ordered by their bytes (shorter first on
 * a common prefix; equal keys in input order). An LSD radix sort (11-bit digits, 16-bit from 64K keys on: four
 * passes instead of six, and keys sharing their first two bytes need three; passes over a digit all
 * keys share skipped) orders them by their first eight bytes, moving their first eight bytes (two
 * words) with the numbers so each pass reads sequentially; runs sharing eight bytes are then sorted by
 * the next twelve (as numbers, gathered in order with the lengths) and, for keys sharing twenty bytes,
 * by length or (both longer) the rest. Memory: 36 bytes a key while it sorts. With `dup` (n zeroed bytes), dup[k] is set to 1 where the k-th key in order
 * equals the one before it. With `from`, the keys lie in several arenas: key i in arenas[from[i]] (`a` unused).
 */
export function jsSortKeys(a: Uint8Array, offs: Int32Array, lens: Int32Array, n: number, dup?: Uint8Array, from?: Uint8Array, arenas?: readonly Uint8Array[]): Uint32Array {
  // the first twenty bytes of each key as five big-endian words (zero-padded); the first two are moved
  // with the numbers, the other three (and the lengths) gathered in order after
  let w0 = new Uint32Array(n), w1 = new Uint32Array(n), w2 = new Uint32Array(n), w3 = new Uint32Array(n), w4 = new Uint32Array(n), src = new Uint32Array(n);
  keyWords(a, offs, lens, n, from, arenas, w0, w1, w2, w3, w4);
  for (let s = 0; s < n; s++) src[s] = s;
  // an LSD radix sort by the first eight bytes, moving those (and the numbers) only; the next eight
  // are gathered after it
  let v0 = new Uint32Array(n), v1 = new Uint32Array(n), dst = new Uint32Array(n);
  const digits = n >= 1 << 16 ? RADIX_DIGITS_16 : RADIX_DIGITS, count = new Uint32Array(n >= 1 << 16 ? 65537 : 2049);
  for (const [word, shift, bits] of digits) { // least significant first: [word (0: bytes 4-7, 1: bytes 0-3), shift, bits]
    const m = (1 << bits) - 1;
    const key = word === 0 ? w1 : w0;
    count.fill(0);
    for (let i = 0; i < n; i++) count[((key[i] >>> shift) & m) + 1]++;
    let uniform = false;
    for (let v = 0; v <= m; v++) if (count[v + 1] === n) { uniform = true; break; }
    if (uniform) continue; // every key has the same digit here: the order stays
    for (let v = 0; v < m; v++) count[v + 1] += count[v];
    for (let i = 0; i < n; i++) {
      const j = count[(key[i] >>> shift) & m]++;
      v0[j] = w0[i]; v1[j] = w1[i]; dst[j] = src[i];
    }
    let t = w0; w0 = v0; v0 = t;
    t = w1; w1 = v1; v1 = t;
    t = src; src = dst; dst = t;
  }
  // bytes 8-19 and the lengths in sorted order (into the radix sort's spare arrays, and w2's once read)
  {
    const g2 = v0, g3 = v1, g4 = dst;
    for (let i = 0; i < n; i++) { const x = src[i]; g2[i] = w2[x]; g3[i] = w3[x]; g4[i] = w4[x]; }
    for (let i = 0; i < n; i++) w2[i] = lens[src[i]];
    v0 = w2; w2 = g2; w3 = g3; w4 = g4;
  }
  const ln = v0;
  // runs sharing the first eight bytes: by the next twelve (three numbers), then by the length when one
  // key ends within twenty bytes, else by the rest (tie(): the arena, seldom); an insertion sort in
  // place (bytes 8-19, the length and the number moved together, no indirection), or for a long run,
  // a sort of its positions. (On the final-action bench's ~20-byte keys, sixteen bytes left 2M ties of
  // 2.5M keys a thread to the arena, out of cache: the runs took 210-236 ms, now 93-131; runs of up to
  // 256 are still cheaper in place than by Array.prototype.sort there.)
  const run: number[] = [];
  let t2 = new Uint32Array(0), t3 = t2, t4 = t2, tl = t2, ts = t2;
  const cmp = (x: number, y: number) => w2[x] - w2[y] || w3[x] - w3[y] || w4[x] - w4[y] || tie(ln[x], ln[y], src[x], src[y]);
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && w0[j] === w0[i] && w1[j] === w1[i]) j++;
    if (j - i > 256) {
      const len = j - i;
      run.length = 0;
      for (let k = i; k < j; k++) run.push(k);
      run.sort(cmp);
      if (t2.length < len) { const c = 2 * len; t2 = new Uint32Array(c); t3 = new Uint32Array(c); t4 = new Uint32Array(c); tl = new Uint32Array(c); ts = new Uint32Array(c); }
      for (let k = 0; k < len; k++) { const x = run[k]; t2[k] = w2[x]; t3[k] = w3[x]; t4[k] = w4[x]; tl[k] = ln[x]; ts[k] = src[x]; }
      w2.set(t2.subarray(0, len), i); w3.set(t3.subarray(0, len), i); w4.set(t4.subarray(0, len), i); ln.set(tl.subarray(0, len), i); src.set(ts.subarray(0, len), i);
    } else if (j - i > 1) {
      for (let k = i + 1; k < j; k++) {
        const x2 = w2[k], x3 = w3[k], x4 = w4[k], xl = ln[k], xs = src[k];
        let q = k - 1;
        for (; q >= i; q--) {
          const d = w2[q] - x2 || w3[q] - x3 || w4[q] - x4;
          if (d < 0 || (d === 0 && tie(ln[q], xl, src[q], xs) <= 0)) break;
          w2[q + 1] = w2[q]; w3[q + 1] = w3[q]; w4[q + 1] = w4[q]; ln[q + 1] = ln[q]; src[q + 1] = src[q];
        }
        w2[q + 1] = x2; w3[q + 1] = x3; w4[q + 1] = x4; ln[q + 1] = xl; src[q + 1] = xs;
      }
    }
    if (j - i > 1) {
      if (dup) for (let k = i + 1; k < j; k++) if (w2[k] === w2[k - 1] && w3[k] === w3[k - 1] && w4[k] === w4[k - 1] && tie(ln[k - 1], ln[k], src[k - 1], src[k]) === 0) dup[k] = 1;
    }
    i = j;
  }
  return src;

  /** keys number sx and sy of lengths lx and ly sharing their first twenty bytes (zero-padded): by the
   *  rest, then by length (one that ends within the twenty bytes is a prefix of the other) */
  function tie(lx: number, ly: number, sx: number, sy: number): number {
    return lx <= 20 || ly <= 20 ? lx - ly : pastTwenty(a, offs, lens, from, arenas, sx, sy);
  }
}

/** keys number x and y, both longer than twenty bytes and sharing those, by their bytes from the
 *  twentieth on, then by length (as sortKeys takes keys) */
function pastTwenty(a: Uint8Array, offs: Int32Array, lens: Int32Array, from: Uint8Array | undefined, arenas: readonly Uint8Array[] | undefined, x: number, y: number): number {
  const ox = offs[x], oy = offs[y], lx = lens[x], ly = lens[y], l = Math.min(lx, ly);
  const ax = from === undefined ? a : arenas![from[x]], ay = from === undefined ? a : arenas![from[y]];
  for (let k = 20; k < l; k++) { const d = ax[ox + k] - ay[oy + k]; if (d) return d; }
  return lx - ly;
}

/** the first twenty bytes of each key (as sortKeys takes them) as five big-endian words, zero-padded:
 *  into w0..w4 (whole words read through a view of the key's arena) */
function keyWords(a: Uint8Array, offs: Int32Array, lens: Int32Array, n: number, from: Uint8Array | undefined, arenas: readonly Uint8Array[] | undefined,
  w0: Uint32Array, w1: Uint32Array, w2: Uint32Array, w3: Uint32Array, w4: Uint32Array): void {
  const views = (from === undefined ? [a] : arenas!).map((x) => new DataView(x.buffer, x.byteOffset, x.byteLength));
  let dv = views[0];
  for (let s = 0; s < n; s++) {
    const o = offs[s], l = lens[s];
    if (from !== undefined) { a = arenas![from[s]]; dv = views[from[s]]; }
    if (l >= 20) {
      w0[s] = dv.getUint32(o); w1[s] = dv.getUint32(o + 4); w2[s] = dv.getUint32(o + 8); w3[s] = dv.getUint32(o + 12); w4[s] = dv.getUint32(o + 16);
    } else if (o + 20 <= dv.byteLength) {
      // a shorter key: whole words all the same (the bytes past its end belong to what follows it in
      // the arena), those bytes masked off; a word wholly past its end is 0
      w0[s] = dv.getUint32(o) & tailMask(l); w1[s] = dv.getUint32(o + 4) & tailMask(l - 4); w2[s] = dv.getUint32(o + 8) & tailMask(l - 8);
      w3[s] = dv.getUint32(o + 12) & tailMask(l - 12); w4[s] = dv.getUint32(o + 16) & tailMask(l - 16);
    } else {
      w0[s] = wordOf(a, o, l, 0); w1[s] = wordOf(a, o, l, 1); w2[s] = wordOf(a, o, l, 2); w3[s] = wordOf(a, o, l, 3); w4[s] = wordOf(a, o, l, 4);
    }
  }
}

/** the mask of a big-endian word's first `left` bytes (all four from 4 on, none from 0 down) */
const tailMask = (left: number) => (left >= 4 ? 0xffffffff : left <= 0 ? 0 : (0xffffffff << (32 - 8 * left)) >>> 0);

/** bytes 4k .. 4k + 3 of the key b[o, o + l) as a big-endian word (0 .. 2^32 - 1), zero past its end */
function wordOf(b: Uint8Array, o: number, l: number, k: number): number {
  let x = 0;
  for (let j = 4 * k; j < 4 * k + 4; j++) x = (x << 8) | (j < l ? b[o + j] : 0);
  return x >>> 0;
}

const RADIX_DIGITS = [[0, 0, 11], [0, 11, 11], [0, 22, 10], [1, 0, 11], [1, 11, 11], [1, 22, 10]];
/** (many keys) wider digits: fewer passes; the 256 KiB of counters is small beside the keys (measured on
 *  the 5M-event bench's 2.5M keys of a range: 5 passes 185 ms -> 3 passes 125 ms) */
const RADIX_DIGITS_16 = [[0, 0, 16], [0, 16, 16], [1, 0, 16], [1, 16, 16]];

interface SortExports { memory: WebAssembly.Memory; ORDER: WebAssembly.Global; sortWords(...args: number[]): number }
let sorter: SortExports | null | undefined; // (undefined: not loaded yet; null: none, the JavaScript sort)
function wasmSorter(): SortExports | null {
  if (sorter === undefined) {
    sorter = null;
    if (process.env.EVENT_PIPES_SORT !== 'js') {
      try {
        const bytes = fs.readFileSync(new URL('./sort.wasm', import.meta.url));
        sorter = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { abort() { throw new Error('sort.wasm aborted'); } } }).exports as unknown as SortExports;
        warmUp(sorter);
      } catch { sorter = null; /* not built (tsc alone): the JavaScript sort */ }
    }
  }
  return sorter;
}

/**
 * A first sort of 32K made-up keys (~3 ms), so that V8 has compiled the module's code fully by the
 * real one: a call runs to its end in the code it began in, and a module's first calls run in its
 * baseline code (final-action's first sort of 2.5M keys: ~0.58 s cold, ~0.42 s after this).
 */
function warmUp(w: SortExports): void {
  const n = 1 << 15, BASE = 65536;
  w.memory.grow(Math.ceil((BASE + 41 * n + 4 * 65537 + 8) / 65536));
  const u = new Uint32Array(w.memory.buffer, BASE, 10 * n);
  let x = 7;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    // a quarter of the keys share their first eight bytes (a run past 256: its radix sort)
    u[i] = i & 3 ? x : 0x22553132; u[n + i] = i & 3 ? x >>> 3 : 0x33343536;
    u[2 * n + i] = x >>> 7; u[3 * n + i] = x & 0xff; u[4 * n + i] = 0; u[5 * n + i] = 16 + (x & 15); u[6 * n + i] = i;
  }
  const at = (k: number) => BASE + 4 * n * k;
  w.sortWords(n, at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8), at(9), at(10), at(10) + 4 * 65537);
}

/** where sortWords() left the order: ORDER is a usize (u32), which JavaScript reads as a signed i32,
 *  negative from 2 GiB on (from ~59.6M keys, the order in the last spare array) */
export function orderAddress(w: { ORDER: WebAssembly.Global }): number { return (w.ORDER.value as number) >>> 0; }

/** sortKeys() compiled (src/wasm/sort.ts): null without the module or past its memory (4 GiB) */
export function wasmSortKeys(a: Uint8Array, offs: Int32Array, lens: Int32Array, n: number, dup?: Uint8Array, from?: Uint8Array, arenas?: readonly Uint8Array[]): Uint32Array | null {
  const w = wasmSorter();
  if (w === null) return null;
  // ten arrays of n words (the keys' first twenty bytes as five words, lengths, numbers, three spare),
  // 65,537 counters, n bytes of repeats (41 bytes a key; the JavaScript sort takes 36)
  const BASE = 65536, bytes = BASE + 40 * n + 4 * 65537 + n + 8;
  if (bytes > 2 ** 32 - 65536) return null;
  const have = w.memory.buffer.byteLength;
  if (bytes > have) { try { w.memory.grow(Math.ceil((bytes - have) / 65536)); } catch { return null; } }
  const buf = w.memory.buffer, at = (k: number) => BASE + 4 * n * k;
  const view = (k: number) => new Uint32Array(buf, at(k), n);
  const w0 = view(0), w1 = view(1), w2 = view(2), w3 = view(3), w4 = view(4), ln = view(5), src = view(6);
  const cnt = at(10), dupAt = cnt + 4 * 65537, dups = new Uint8Array(buf, dupAt, n);
  dups.fill(0);
  keyWords(a, offs, lens, n, from, arenas, w0, w1, w2, w3, w4);
  ln.set(lens.subarray(0, n));
  for (let s = 0; s < n; s++) src[s] = s;
  const groups = w.sortWords(n, at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8), at(9), cnt, dupAt);
  const order = new Uint32Array(buf, orderAddress(w), n).slice();
  if (dup) dup.set(dups);
  // (a memory grown past 32 MiB is let go with its module, to be collected with the arrays the
  // JavaScript sort would have made: final-action's threads write their ranges after, a program using
  // the library may never sort again; a smaller one serves the next sort)
  if (buf.byteLength > 32 << 20) sorter = undefined;
  // groups sharing twenty bytes with keys longer than that: by the rest of their bytes (stable, as
  // the sort), then their repeats
  const pairs = new Uint32Array(buf, at(3), 2 * groups);
  const rest = (x: number, y: number) => pastTwenty(a, offs, lens, from, arenas, x, y);
  for (let g = 0; g < groups; g++) {
    const s = pairs[2 * g], e = pairs[2 * g + 1];
    const part = Array.from(order.subarray(s, e)).sort(rest);
    order.set(part, s);
    if (dup) for (let k = s + 1; k < e; k++) dup[k] = rest(order[k - 1], order[k]) === 0 ? 1 : 0;
  }
  return order;
}

/**
 * A set of (slot, value) pairs of 32-bit integers (e.g. a user and an active week), kept in typed
 * arrays: 8 bytes a pair plus the table, no object per pair. Open addressing on a mixed hash.
 */
export class PairSet {
  private a = new Int32Array(1 << 12);
  private b = new Int32Array(1 << 12);
  private table = new Int32Array(1 << 13).fill(-1);
  private mask = (1 << 13) - 1;
  size = 0;

  private static hash(x: number, y: number): number {
    let h = Math.imul(x, 0x9e3779b1) ^ Math.imul(y, 0x85ebca77);
    h ^= h >>> 15; h = Math.imul(h, 0x2c1b3c6d); h ^= h >>> 13;
    return h;
  }

  /** add the pair (x, y) (integers within 32 bits); false when it was there already */
  add(x: number, y: number): boolean {
    const a = this.a, b = this.b, t = this.table, mask = this.mask;
    let i = PairSet.hash(x, y) & mask;
    for (;;) {
      const p = t[i];
      if (p < 0) break;
      if (a[p] === x && b[p] === y) return false;
      i = (i + 1) & mask;
    }
    const p = this.size++;
    if (p >= a.length) { this.grow(); }
    this.a[p] = x; this.b[p] = y;
    this.table[i] = p;
    if (this.size * 10 > (mask + 1) * 6) this.rehash();
    return true;
  }

  private grow(): void {
    const a = new Int32Array(this.a.length * 2); a.set(this.a); this.a = a;
    const b = new Int32Array(this.b.length * 2); b.set(this.b); this.b = b;
  }

  private rehash(): void {
    const cap = (this.mask + 1) * 2;
    const t = new Int32Array(cap).fill(-1), mask = cap - 1;
    for (let p = 0; p < this.size; p++) {
      let i = PairSet.hash(this.a[p], this.b[p]) & mask;
      while (t[i] >= 0) i = (i + 1) & mask;
      t[i] = p;
    }
    this.table = t; this.mask = mask;
  }

  /** every pair, in the order first added */
  forEach(fn: (x: number, y: number) => void): void {
    for (let p = 0; p < this.size; p++) fn(this.a[p], this.b[p]);
  }
}

export class GrowU32 {
  a = new Uint32Array(1024);
  ensure(i: number): Uint32Array {
    if (i >= this.a.length) { const b = new Uint32Array(Math.max(i + 1, this.a.length * 2)); b.set(this.a); this.a = b; }
    return this.a;
  }
}

/**
 * Keys appended one per record into one byte arena (no hash table: appending touches no random
 * memory), ordered by sortKeys() when needed; a tool that keeps state per key sorts and folds the
 * records of each key now and then (see final-action) so memory follows the keys, not the records.
 */
export class KeyLog {
  arena: Buffer;
  used = 0;
  offs: Int32Array;
  lens: Int32Array;
  size = 0;

  /** `shared`: the arena and arrays are in shared memory (a worker's log that another thread reads
   *  its key range of: parallel.ts, a 'keyed' tool) */
  constructor(readonly shared = false) {
    this.arena = this.bytes(1 << 20);
    this.offs = new Int32Array(memory(4 << 12, shared));
    this.lens = new Int32Array(memory(4 << 12, shared));
  }

  private bytes(n: number): Buffer { return this.shared ? Buffer.from(new SharedArrayBuffer(n)) : Buffer.allocUnsafe(n); }
  private grow(): void {
    const o = new Int32Array(memory(4 * grown(this.offs.length), this.shared)); o.set(this.offs); this.offs = o;
    const l = new Int32Array(memory(4 * grown(this.lens.length), this.shared)); l.set(this.lens); this.lens = l;
  }

  /** room for `n` more bytes at arena[used...] (a key written there in place is then appended by commit()) */
  room(n: number): Buffer {
    if (this.used + n > this.arena.length) {
      const a = this.bytes(Math.max(grown(this.arena.length), this.used + n));
      this.arena.copy(a, 0, 0, this.used);
      this.arena = a;
    }
    return this.arena;
  }

  /** append the key written in place at arena[used, end); returns its number */
  commit(end: number): number {
    const i = this.size++;
    if (i >= this.offs.length) this.grow();
    this.offs[i] = this.used; this.lens[i] = end - this.used; this.used = end;
    return i;
  }

  /** append the key b[s, e); returns its number */
  add(b: Uint8Array, s: number, e: number): number {
    const n = e - s, i = this.size++;
    if (i >= this.offs.length) this.grow();
    if (this.used + n > this.arena.length) {
      const a = this.bytes(Math.max(grown(this.arena.length), this.used + n));
      this.arena.copy(a, 0, 0, this.used);
      this.arena = a;
    }
    const a = this.arena, o = this.used;
    for (let k = 0; k < n; k++) a[o + k] = b[s + k];
    this.offs[i] = o; this.lens[i] = n; this.used = o + n;
    return i;
  }

  /** the key numbers in key order; dup (when given, size bytes) marks a key equal to the one before */
  order(dup?: Uint8Array): Uint32Array { return sortKeys(this.arena, this.offs, this.lens, this.size, dup); }

  /** a new log holding the keys `keep` (numbers of this log), in that order */
  subset(keep: Uint32Array | number[], count = keep.length): KeyLog {
    const out = new KeyLog(this.shared);
    let bytes = 0;
    for (let k = 0; k < count; k++) bytes += this.lens[keep[k]];
    out.arena = out.bytes(Math.max(1 << 20, bytes + (bytes >> 1)));
    out.offs = new Int32Array(memory(4 * Math.max(1 << 12, count + (count >> 1)), this.shared));
    out.lens = new Int32Array(memory(4 * out.offs.length, this.shared));
    for (let k = 0; k < count; k++) out.add(this.arena, this.offs[keep[k]], this.offs[keep[k]] + this.lens[keep[k]]);
    return out;
  }
}

/** keys in one byte array (key i is keys[starts[i], starts[i + 1])), in shared memory: samples of the
 *  keys of threads and the keys that cut them into ranges (parallel.ts, a 'keyed' tool) */
export interface KeyList { n: number; keys: Uint8Array; starts: Int32Array }

function newKeyList(n: number, bytes: number): KeyList {
  return { n, keys: new Uint8Array(new SharedArrayBuffer(Math.max(1, bytes))), starts: new Int32Array(new SharedArrayBuffer(4 * (n + 1))) };
}

/**
 * A thread's log of keyed events in shared memory, read by the threads that merge its key ranges
 * (parallel.ts, a 'keyed' tool): event i has the key keys[offs[i], offs[i] + lens[i]), a number
 * nums[i], a 16-bit tags[i] (final-action: the time, and the kind with what the time's double lost) and its key range ranges[i];
 * counts[r] events are in range r (rangedLog()).
 */
export interface SharedKeyLog { n: number; keys: Uint8Array; offs: Int32Array; lens: Int32Array; nums: Float64Array; tags: Uint16Array; ranges: Uint8Array; counts: Int32Array }

/**
 * The log of events 0..n-1 (as in SharedKeyLog) with event i in key range ranges[i] of `parts`, for
 * the threads that merge the ranges: its arrays as they are when in shared memory already (a worker's
 * log: no copy, no fresh memory), else copies there; a merging thread takes a range's events from it
 * by their range bytes (gatherRange)
 */
export function rangedLog(n: number, keys: Uint8Array, offs: Int32Array, lens: Int32Array, nums: Float64Array, tags: Uint16Array, ranges: Uint8Array, parts: number): SharedKeyLog {
  const counts = new Int32Array(new SharedArrayBuffer(4 * parts));
  for (let i = 0; i < n; i++) counts[ranges[i]]++;
  return { n, keys: sharedCopy(keys, keys.length), offs: sharedCopy(offs, n), lens: sharedCopy(lens, n), nums: sharedCopy(nums, n), tags: sharedCopy(tags, n), ranges: sharedCopy(ranges, n), counts };
}

/** a typed array's first n elements in shared memory: itself when it is there already, else a copy */
export function sharedCopy<T extends Uint8Array | Uint16Array | Int32Array | Float64Array>(x: T, n: number): T {
  if (x.buffer instanceof SharedArrayBuffer) return x;
  const C = x.constructor as new (b: SharedArrayBuffer) => T, y = new C(new SharedArrayBuffer(Math.max(8, n * x.BYTES_PER_ELEMENT)));
  y.set(x.subarray(0, n) as any);
  return y;
}

/**
 * The events of key range `part` in every thread's log: event k is an event of logs[from[k]] in range
 * `part` (in the order logged), its key at offs[k] in the arena keys[from[k]], with lens, nums and
 * tags as in the log (the logs' arenas are not copied).
 */
export function gatherRange(logs: SharedKeyLog[], part: number): { n: number; keys: Uint8Array[]; from: Uint8Array; offs: Int32Array; lens: Int32Array; nums: Float64Array; tags: Uint16Array } {
  let n = 0;
  for (const l of logs) n += l.counts[part];
  const from = new Uint8Array(n), offs = new Int32Array(n), lens = new Int32Array(n), nums = new Float64Array(n), tags = new Uint16Array(n);
  let k = 0;
  for (let j = 0; j < logs.length; j++) {
    const l = logs[j], r = l.ranges, lo = l.offs, ll = l.lens, ln = l.nums, lt = l.tags, e = l.n, start = k;
    for (let i = 0; i < e; i++) {
      if (r[i] !== part) continue;
      offs[k] = lo[i]; lens[k] = ll[i]; nums[k] = ln[i]; tags[k] = lt[i]; k++;
    }
    from.fill(j, start, k);
  }
  return { n, keys: logs.map((l) => l.keys), from, offs, lens, nums, tags };
}

/** byte order of a[as, ae) and b[bs, be), shorter first on a common prefix (the order of sortKeys) */
export function compareKeys(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const la = ae - as, lb = be - bs, l = la < lb ? la : lb;
  for (let k = 0; k < l; k++) { const d = a[as + k] - b[bs + k]; if (d) return d; }
  return la - lb;
}

/** about `max` keys of the log, evenly spaced */
export function sampleKeys(log: KeyLog, max: number): KeyList {
  const step = Math.max(1, Math.ceil(log.size / max)), n = Math.ceil(log.size / step);
  let bytes = 0;
  for (let i = 0; i < log.size; i += step) bytes += log.lens[i];
  const out = newKeyList(n, bytes);
  let pos = 0, k = 0;
  for (let i = 0; i < log.size; i += step) {
    out.starts[k++] = pos;
    out.keys.set(log.arena.subarray(log.offs[i], log.offs[i] + log.lens[i]), pos);
    pos += log.lens[i];
  }
  out.starts[k] = pos;
  return out;
}

/** the keys that cut the samples' keys into `parts` ranges of about equal size (at most parts - 1,
 *  in order, each once: a key k is in range j when j split keys are <= k) */
export function splitKeys(samples: KeyList[], parts: number): KeyList {
  const all: [Uint8Array, number, number][] = [];
  for (const s of samples) for (let i = 0; i < s.n; i++) all.push([s.keys, s.starts[i], s.starts[i + 1]]);
  all.sort((x, y) => compareKeys(x[0], x[1], x[2], y[0], y[1], y[2]));
  const cuts: [Uint8Array, number, number][] = [];
  for (let j = 1; j < parts && all.length; j++) {
    const c = all[Math.floor((all.length * j) / parts)], last = cuts[cuts.length - 1];
    if (!last || compareKeys(last[0], last[1], last[2], c[0], c[1], c[2]) < 0) cuts.push(c);
  }
  const out = newKeyList(cuts.length, cuts.reduce((n, c) => n + c[2] - c[1], 0));
  let pos = 0;
  cuts.forEach((c, i) => { out.starts[i] = pos; out.keys.set(c[0].subarray(c[1], c[2]), pos); pos += c[2] - c[1]; });
  out.starts[cuts.length] = pos;
  return out;
}

/**
 * The key range (as rangeOf) of each key a[offs[i], offs[i] + lens[i]) of 0..n-1, into out[i]: first
 * by the keys' first eight bytes as two big-endian words (zero-padded; words that differ order the
 * keys as their bytes do), by all their bytes only where those tie
 */
export function rangesOf(splits: KeyList, a: Uint8Array, offs: Int32Array, lens: Int32Array, n: number, out: Uint8Array): void {
  const m = splits.n;
  if (m === 0) { out.fill(0, 0, n); return; }
  const s0 = new Float64Array(m), s1 = new Float64Array(m);
  for (let j = 0; j < m; j++) { const o = splits.starts[j], l = splits.starts[j + 1] - o; s0[j] = wordOf(splits.keys, o, l, 0); s1[j] = wordOf(splits.keys, o, l, 1); }
  const dv = new DataView(a.buffer, a.byteOffset, a.byteLength);
  for (let i = 0; i < n; i++) {
    const o = offs[i], l = lens[i];
    const k0 = l >= 8 ? dv.getUint32(o) : wordOf(a, o, l, 0), k1 = l >= 8 ? dv.getUint32(o + 4) : wordOf(a, o, l, 1);
    let lo = 0, hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const d = s0[mid] - k0 || s1[mid] - k1 || compareKeys(splits.keys, splits.starts[mid], splits.starts[mid + 1], a, o, o + l);
      if (d <= 0) lo = mid + 1; else hi = mid;
    }
    out[i] = lo;
  }
}

/** the key range of a[s, e) among those `splits` cut (the number of split keys <= it) */
export function rangeOf(splits: KeyList, a: Uint8Array, s: number, e: number): number {
  let lo = 0, hi = splits.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(splits.keys, splits.starts[mid], splits.starts[mid + 1], a, s, e) <= 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** what a stage needs of its key table: a ByteKeys, or a KeyView onto one shared with other stages */
export interface KeyTable {
  size: number;
  slot(b: Uint8Array, s: number, e: number): number;
  find(b: Uint8Array, s: number, e: number): number;
  keyArena(slot: number): Buffer;
  keyStart(slot: number): number;
  keyLength(slot: number): number;
  text(slot: number): string;
  bytes(slot: number): [Buffer, number, number];
  sorted(): Uint32Array;
  gather(slots: Uint32Array): { arenas: Buffer[]; blk: Uint8Array; offs: Int32Array; lens: Int32Array };
}

/**
 * A stage's own key table over a ByteKeys that other stages of the same run share (the branches of a
 * fork that key each record by the same field: count-by, retention, sessionize by a user id). The
 * shared table holds each key once; a record's key, looked up by the first stage given the record, is
 * in cache for the next (where each stage's own table was a cache miss a look-up, two or three for a
 * key seen before). Its slots are the stage's own, dense, in the order it first saw them (as a ByteKeys
 * of its own numbers them).
 */
export class KeyView implements KeyTable {
  /** shared slot -> own slot + 1 (0: not one of ours) */
  private own = new Int32Array(1 << 12);
  /** own slot -> shared slot */
  private toShared = new Int32Array(1 << 12);
  size = 0;
  constructor(private readonly shared: ByteKeys) {}
  slot(b: Uint8Array, s: number, e: number): number {
    const t = this.shared.slot(b, s, e);
    if (t >= this.own.length) { const o = new Int32Array(Math.max(2 * this.own.length, t + 1)); o.set(this.own); this.own = o; }
    const g = this.own[t] - 1;
    if (g >= 0) return g;
    const n = this.size++;
    if (n >= this.toShared.length) { const x = new Int32Array(2 * this.toShared.length); x.set(this.toShared); this.toShared = x; }
    this.toShared[n] = t; this.own[t] = n + 1;
    return n;
  }
  find(b: Uint8Array, s: number, e: number): number {
    const t = this.shared.find(b, s, e);
    return t < 0 || t >= this.own.length ? -1 : this.own[t] - 1;
  }
  keyArena(slot: number): Buffer { return this.shared.keyArena(this.toShared[slot]); }
  keyStart(slot: number): number { return this.shared.keyStart(this.toShared[slot]); }
  keyLength(slot: number): number { return this.shared.keyLength(this.toShared[slot]); }
  text(slot: number): string { return this.shared.text(this.toShared[slot]); }
  bytes(slot: number): [Buffer, number, number] { return this.shared.bytes(this.toShared[slot]); }
  gather(slots: Uint32Array): { arenas: Buffer[]; blk: Uint8Array; offs: Int32Array; lens: Int32Array } {
    const t = new Uint32Array(slots.length);
    for (let k = 0; k < slots.length; k++) t[k] = this.toShared[slots[k]];
    return this.shared.gather(t);
  }
  sorted(): Uint32Array {
    const n = this.size, all = new Uint32Array(n);
    for (let k = 0; k < n; k++) all[k] = k;
    const { arenas, blk, offs, lens } = this.gather(all);
    return sortKeys(arenas[0], offs, lens, n, undefined, blk, arenas);
  }
}

/**
 * The key tables the stages of one run share (runner.ts build: an in-process chain and its fork's
 * branches): one ByteKeys for each kind of key (`token:PATH`, a field's tokens) that two stages or
 * more key their records by (Tool.keysBy); a stage's table for it is a KeyView. Off with
 * EVENT_PIPES_SHARED_KEYS=0 (each stage its own table, as when its kind is its own).
 */
export class SharedKeyTables {
  private readonly tables = new Map<string, ByteKeys>();
  /** ids: each stage's kind of key (undefined: none) */
  constructor(ids: readonly (string | undefined)[]) {
    if (process.env.EVENT_PIPES_SHARED_KEYS === '0') return;
    const seen = new Set<string>();
    for (const id of ids) {
      if (id === undefined) continue;
      if (seen.has(id) && !this.tables.has(id)) this.tables.set(id, new ByteKeys());
      seen.add(id);
    }
  }
  /** a stage's table for keys of kind `id` */
  table(id: string | undefined): KeyTable {
    const t = id === undefined ? undefined : this.tables.get(id);
    return t === undefined ? new ByteKeys() : new KeyView(t);
  }
}
