// Deterministic pseudo-random numbers for the sample-data generators (mulberry32): same seed, same bytes.
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 0x9e3779b9; }
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
  constructor(private readonly out: NodeJS.WritableStream) {}
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
    if (this.out !== process.stdout) await new Promise<void>((r) => this.out.end(() => r()));
  }
}

/** a tiny --flag value parser for generator scripts: usage errors exit 2 */
export function genArgs(argv: string[], spec: Record<string, string | number>, usage: string): Record<string, string | number> {
  const out: Record<string, string | number> = { ...spec };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') { process.stdout.write(usage + '\n'); process.exit(0); }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !(m[1] in spec)) { process.stderr.write(`${usage.split('\n')[0]}\nunknown argument: ${a}\n`); process.exit(2); }
    const v = m[2] ?? argv[++i];
    if (v === undefined) { process.stderr.write(`--${m[1]} needs a value\n`); process.exit(2); }
    if (typeof spec[m[1]] === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) { process.stderr.write(`--${m[1]} takes a non-negative number\n`); process.exit(2); }
      out[m[1]] = n;
    } else out[m[1]] = v;
  }
  return out;
}
