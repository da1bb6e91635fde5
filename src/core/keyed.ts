// Compact keyed state: composite string keys -> small integer slots, with per-slot numbers in typed
// arrays that grow by doubling. Millions of keys cost a Map entry each, not an object each.
export class Slots {
  private readonly index = new Map<string, number>();
  readonly keys: string[] = [];

  get size(): number { return this.keys.length; }

  /** the slot of a key, created on first sight */
  slot(key: string): number {
    let s = this.index.get(key);
    if (s === undefined) { s = this.keys.length; this.index.set(key, s); this.keys.push(key); }
    return s;
  }

  /** slot numbers ordered by key (code unit order of the joined key text; V8's native string sort,
   *  then one lookup per key: much faster than a comparator sort of millions of slots) */
  sorted(): Uint32Array {
    const keys = this.keys.slice().sort();
    const order = new Uint32Array(keys.length);
    for (let i = 0; i < keys.length; i++) order[i] = this.index.get(keys[i])!;
    return order;
  }
}

export class GrowF64 {
  a: Float64Array;
  constructor(fill = 0, n = 1024) { this.a = new Float64Array(n).fill(fill); this.fill = fill; }
  private readonly fill: number;
  ensure(i: number): Float64Array {
    if (i >= this.a.length) {
      const b = new Float64Array(Math.max(i + 1, this.a.length * 2)).fill(this.fill);
      b.set(this.a);
      this.a = b;
    }
    return this.a;
  }
}

export class GrowU8 {
  a = new Uint8Array(1024);
  ensure(i: number): Uint8Array {
    if (i >= this.a.length) { const b = new Uint8Array(Math.max(i + 1, this.a.length * 2)); b.set(this.a); this.a = b; }
    return this.a;
  }
}

/**
 * A hash table from key bytes to slot numbers, with the keys kept in one growing byte arena: no JS
 * string or object per key, so millions of keys cost ~(key length + 20) bytes each and no GC work.
 * Open addressing (linear probing) on FNV-1a hashes.
 */
export class ByteKeys {
  private arena = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private offs = new Int32Array(1 << 12);
  private lens = new Int32Array(1 << 12);
  private hashes = new Int32Array(1 << 12);
  private table = new Int32Array(1 << 13).fill(-1);
  private mask = (1 << 13) - 1;
  size = 0;

  static hash(b: Buffer, s: number, e: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
    return h;
  }

  /** the slot of the key b[s, e), created on first sight */
  slot(b: Buffer, s: number, e: number): number {
    const h = ByteKeys.hash(b, s, e), n = e - s;
    let i = h & this.mask;
    for (;;) {
      const slot = this.table[i];
      if (slot < 0) break;
      if (this.hashes[slot] === h && this.lens[slot] === n) {
        const o = this.offs[slot];
        let k = 0;
        while (k < n && this.arena[o + k] === b[s + k]) k++;
        if (k === n) return slot;
      }
      i = (i + 1) & this.mask;
    }
    const slot = this.size++;
    if (slot >= this.offs.length) this.growSlots();
    if (this.used + n > this.arena.length) {
      const a = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + n));
      this.arena.copy(a, 0, 0, this.used);
      this.arena = a;
    }
    const a = this.arena;
    for (let k = 0, o = this.used; k < n; k++) a[o + k] = b[s + k];
    this.offs[slot] = this.used; this.lens[slot] = n; this.hashes[slot] = h;
    this.used += n;
    this.table[i] = slot;
    if (this.size * 10 > (this.mask + 1) * 6) this.rehash();
    return slot;
  }

  private growSlots(): void {
    const grow = (a: Int32Array) => { const b = new Int32Array(a.length * 2); b.set(a); return b; };
    this.offs = grow(this.offs); this.lens = grow(this.lens); this.hashes = grow(this.hashes);
  }

  private rehash(): void {
    const cap = (this.mask + 1) * 2;
    this.table = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    for (let slot = 0; slot < this.size; slot++) {
      let i = this.hashes[slot] & this.mask;
      while (this.table[i] >= 0) i = (i + 1) & this.mask;
      this.table[i] = slot;
    }
  }

  /** the key bytes of a slot as latin1 text (one char per byte) */
  text(slot: number): string { return this.arena.toString('latin1', this.offs[slot], this.offs[slot] + this.lens[slot]); }

  /** the bytes of a slot's key */
  bytes(slot: number): [Buffer, number, number] { return [this.arena, this.offs[slot], this.offs[slot] + this.lens[slot]]; }

  /**
   * Slots ordered by key bytes (shorter first on a common prefix). An LSD radix sort on the first six
   * bytes (three 16-bit digits) orders millions of keys in linear time; runs sharing those six bytes
   * are then sorted by comparing the rest.
   */
  sorted(): Uint32Array {
    const n = this.size, a = this.arena, offs = this.offs, lens = this.lens;
    const digit = (slot: number, d: number) => {
      const o = offs[slot], l = lens[slot], i = d * 2;
      return ((i < l ? a[o + i] : 0) << 8) | (i + 1 < l ? a[o + i + 1] : 0);
    };
    let src = new Uint32Array(n), dst = new Uint32Array(n);
    for (let i = 0; i < n; i++) src[i] = i;
    const count = new Uint32Array(65537);
    for (let d = 2; d >= 0; d--) {
      count.fill(0);
      for (let i = 0; i < n; i++) count[digit(src[i], d) + 1]++;
      for (let v = 0; v < 65536; v++) count[v + 1] += count[v];
      for (let i = 0; i < n; i++) { const slot = src[i]; dst[count[digit(slot, d)]++] = slot; }
      const t = src; src = dst; dst = t;
    }
    const cmpTail = (x: number, y: number) => {
      const ox = offs[x], oy = offs[y], lx = lens[x], ly = lens[y], l = Math.min(lx, ly);
      for (let k = 6; k < l; k++) { const d = a[ox + k] - a[oy + k]; if (d) return d; }
      return lx - ly;
    };
    const samePrefix = (x: number, y: number) => digit(x, 0) === digit(y, 0) && digit(x, 1) === digit(y, 1) && digit(x, 2) === digit(y, 2);
    for (let i = 0; i < n;) {
      let j = i + 1;
      while (j < n && samePrefix(src[i], src[j])) j++;
      if (j - i > 1) src.subarray(i, j).sort(cmpTail);
      i = j;
    }
    return src;
  }
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
