// AssemblyScript (compiled to dist/core/sort.wasm by `npm run build`, not by tsc): the sorting half of
// sortKeys() in src/core/keyed.ts, which reads each key's first twenty bytes into this module's memory
// as five big-endian words (zero-padded) with its length and number, and calls sortWords(). The same
// steps as the JavaScript sort there, compiled: an LSD radix sort by the first eight bytes moving
// those and the numbers; the next twelve bytes and the lengths gathered in that order; runs sharing
// eight bytes sorted by them (in place by insertion, a long run by an LSD radix sort of its
// positions). Keys sharing their first twenty bytes are ordered by length, which is byte order
// unless two of them are longer than twenty bytes: such groups are listed for the JavaScript side,
// which orders them by the rest of their bytes (this module does not see the keys' bytes).
// test/unit/keyed.test.mjs holds both sorts to byte order.

@inline function ld(p: usize, i: usize): u32 { return load<u32>(p + (i << 2)); }
@inline function st(p: usize, i: usize, v: u32): void { store<u32>(p + (i << 2), v); }

/** where the numbers end up in sorted order (an array of n u32), set by sortWords */
export let ORDER: usize = 0;

/**
 * One LSD pass over n entries by the `bits`-bit digit of key[i] >> shift: (s0, s1, sS) scattered to
 * (d0, d1, dS), stably. False (nothing moved) when every entry has the same digit.
 */
function pass(n: usize, key: usize, shift: u32, bits: u32, s0: usize, s1: usize, sS: usize, d0: usize, d1: usize, dS: usize, cnt: usize): bool {
  const m: u32 = (1 << bits) - 1, size: usize = <usize>m + 1;
  memory.fill(cnt, 0, (size + 1) << 2);
  for (let i: usize = 0; i < n; i++) { const v = <usize>((ld(key, i) >>> shift) & m) + 1; st(cnt, v, ld(cnt, v) + 1); }
  for (let v: usize = 0; v < size; v++) if (<usize>ld(cnt, v + 1) == n) return false;
  for (let v: usize = 0; v < size - 1; v++) st(cnt, v + 1, ld(cnt, v + 1) + ld(cnt, v));
  for (let i: usize = 0; i < n; i++) {
    const v = <usize>((ld(key, i) >>> shift) & m);
    const j = <usize>ld(cnt, v);
    st(cnt, v, <u32>j + 1);
    st(d0, j, ld(s0, i)); st(d1, j, ld(s1, i)); st(dS, j, ld(sS, i));
  }
  return true;
}

/**
 * Sort n keys: w0..w4 their first twenty bytes as words, ln their lengths, src their numbers (0..n-1);
 * t0, t1, t2 scratch arrays of n; cnt room for 65537 counters; dup n zeroed bytes. Afterwards ORDER
 * holds the numbers in key order (ties in input order), dup[k] = 1 where the k-th key equals the one
 * before (as far as twenty bytes and the length tell: see the groups), and the return value is the
 * number of groups (first, end) of positions in that order, at `w3`, whose keys share twenty bytes
 * and are longer: the JavaScript side orders each group by the rest and marks its repeats.
 */
export function sortWords(n: usize, w0: usize, w1: usize, w2: usize, w3: usize, w4: usize, ln: usize, src: usize, t0: usize, t1: usize, t2: usize, cnt: usize, dup: usize): i32 {
  // the first eight bytes, least significant digit first (16-bit digits from 64K keys on)
  let a0 = w0, a1 = w1, aS = src, b0 = t0, b1 = t1, bS = t2;
  const wide = n >= 65536, bits: u32 = wide ? 16 : 11;
  for (let word = 1; word >= 0; word--) {
    for (let shift: u32 = 0; shift < 32; shift += bits) {
      const bb: u32 = shift + bits > 32 ? 32 - shift : bits;
      if (pass(n, word == 1 ? a1 : a0, shift, bb, a0, a1, aS, b0, b1, bS, cnt)) {
        let t = a0; a0 = b0; b0 = t; t = a1; a1 = b1; b1 = t; t = aS; aS = bS; bS = t;
      }
    }
  }
  // the next twelve bytes and the lengths in that order: into the spare arrays and w2 (once read)
  const g2 = b0, g3 = b1, g4 = bS, gl = w2;
  for (let i: usize = 0; i < n; i++) { const x = <usize>ld(aS, i); st(g2, i, ld(w2, x)); st(g3, i, ld(w3, x)); st(g4, i, ld(w4, x)); }
  for (let i: usize = 0; i < n; i++) st(gl, i, ld(ln, <usize>ld(aS, i)));
  // free now: w3, w4, ln (scratch of the long runs)
  for (let i: usize = 0; i < n;) {
    const x0 = ld(a0, i), x1 = ld(a1, i);
    let j = i + 1;
    while (j < n && ld(a0, j) == x0 && ld(a1, j) == x1) j++;
    if (j - i > 256) longRun(i, j - i, g2, g3, g4, gl, aS, w3, w4, ln, cnt);
    else if (j - i > 1) {
      for (let k = i + 1; k < j; k++) {
        const y2 = ld(g2, k), y3 = ld(g3, k), y4 = ld(g4, k), yl = ld(gl, k), ys = ld(aS, k);
        let q = <isize>k - 1;
        for (; q >= <isize>i; q--) {
          const p = <usize>q;
          const c2 = ld(g2, p), c3 = ld(g3, p), c4 = ld(g4, p), cl = ld(gl, p);
          if (c2 < y2 || (c2 == y2 && (c3 < y3 || (c3 == y3 && (c4 < y4 || (c4 == y4 && cl <= yl)))))) break;
          st(g2, p + 1, c2); st(g3, p + 1, c3); st(g4, p + 1, c4); st(gl, p + 1, cl); st(aS, p + 1, ld(aS, p));
        }
        const p = <usize>(q + 1);
        st(g2, p, y2); st(g3, p, y3); st(g4, p, y4); st(gl, p, yl); st(aS, p, ys);
      }
    }
    i = j;
  }
  // repeats, and the groups sharing twenty bytes with two keys or more longer than that (they come
  // last in their group, by length)
  let groups: usize = 0;
  for (let k: usize = 0; k < n;) {
    let e = k + 1;
    while (e < n && ld(a0, e) == ld(a0, e - 1) && ld(a1, e) == ld(a1, e - 1) && ld(g2, e) == ld(g2, e - 1) && ld(g3, e) == ld(g3, e - 1) && ld(g4, e) == ld(g4, e - 1)) e++;
    for (let i = k + 1; i < e; i++) { const l = ld(gl, i); if (l == ld(gl, i - 1) && l <= 20) store<u8>(dup + i, 1); }
    let long = e; // the group's keys longer than twenty bytes: its last ones (it is sorted by length)
    while (long > k && ld(gl, long - 1) > 20) long--;
    if (e - long >= 2) { st(w3, groups * 2, <u32>long); st(w3, groups * 2 + 1, <u32>e); groups++; }
    k = e;
  }
  ORDER = aS;
  return <i32>groups;
}

/**
 * The run of `len` entries at `at` sharing eight bytes, by (g2, g3, g4, gl): an LSD radix sort of its
 * positions (16-bit digits; 8-bit under 64K entries; digits all of them share skipped), then the five
 * arrays permuted. p, q, tmp: scratch of `len` u32 each.
 */
function longRun(at: usize, len: usize, g2: usize, g3: usize, g4: usize, gl: usize, s: usize, p: usize, q: usize, tmp: usize, cnt: usize): void {
  for (let i: usize = 0; i < len; i++) st(p, i, <u32>i);
  const bits: u32 = len >= 65536 ? 16 : 8, m: u32 = (1 << bits) - 1, size: usize = <usize>m + 1;
  // least significant first: the length, then g4, g3, g2
  for (let w = 0; w < 4; w++) {
    const key = (w == 0 ? gl : w == 1 ? g4 : w == 2 ? g3 : g2) + (at << 2);
    for (let shift: u32 = 0; shift < 32; shift += bits) {
      memory.fill(cnt, 0, (size + 1) << 2);
      for (let i: usize = 0; i < len; i++) { const v = <usize>((ld(key, <usize>ld(p, i)) >>> shift) & m) + 1; st(cnt, v, ld(cnt, v) + 1); }
      let uniform = false;
      for (let v: usize = 0; v < size; v++) if (<usize>ld(cnt, v + 1) == len) { uniform = true; break; }
      if (uniform) continue;
      for (let v: usize = 0; v < size - 1; v++) st(cnt, v + 1, ld(cnt, v + 1) + ld(cnt, v));
      for (let i: usize = 0; i < len; i++) {
        const x = ld(p, i), v = <usize>((ld(key, <usize>x) >>> shift) & m);
        const j = <usize>ld(cnt, v);
        st(cnt, v, <u32>j + 1);
        st(q, j, x);
      }
      const t = p; p = q; q = t;
    }
  }
  permute(at, len, p, g2, tmp); permute(at, len, p, g3, tmp); permute(at, len, p, g4, tmp);
  permute(at, len, p, gl, tmp); permute(at, len, p, s, tmp);
}

/** a[at + i] = old a[at + p[i]] for i < len (tmp: scratch) */
function permute(at: usize, len: usize, p: usize, a: usize, tmp: usize): void {
  const b = a + (at << 2);
  for (let i: usize = 0; i < len; i++) st(tmp, i, ld(b, <usize>ld(p, i)));
  memory.copy(b, tmp, len << 2);
}
