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

  /** slot numbers ordered by key (code unit order of the joined key text) */
  sorted(): Uint32Array {
    const order = new Uint32Array(this.keys.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const k = this.keys;
    return order.sort((a, b) => (k[a] < k[b] ? -1 : k[a] > k[b] ? 1 : 0));
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
