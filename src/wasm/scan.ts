// AssemblyScript (compiled to dist/core/scan.wasm by `npm run build`, not by tsc): the top-level walk of
// one JSON object line with WebAssembly SIMD, 16 bytes per instruction instead of one. It answers only
// when it can prove that the JavaScript walk (scanObject in src/core/fields.ts) gives the same answer:
// the line's end and the value span of every wanted top-level key. Anything else (a backslash or a
// control byte anywhere, unbalanced quotes, a bracket mismatch, a literal that is not exactly one JSON
// literal, any grammar surprise) is UNSURE and the JavaScript walk decides. test/unit/scan-wasm.test.mjs
// holds the two walks to that on real, generated and mutated lines.
//
// Stage 1, per 64-byte block: bit masks of quotes, blanks, brackets and separators; the in-string mask
// is the running XOR of the quote mask (no escapes: a backslash makes the line UNSURE); from those, the
// events the grammar needs: EVT (every quote, structural byte and literal start outside strings) and
// EVN (only brackets and literal starts: what a nested value needs). Stage 2 walks the top-level
// members over EVT and each nested value over EVN with a bracket stack.

/** scratch: bracket stack (256), then the two event arrays (one u64 per 64-byte block) */
const STACK: usize = 65536;
const EVT: usize = STACK + 4096;
const MAX_BLOCKS: usize = 16384;
const EVN: usize = EVT + MAX_BLOCKS * 8;
/** memory from here on belongs to the JavaScript side (keys, results, the input chunk, a line copy) */
export const FREE: usize = EVN + MAX_BLOCKS * 8;
/** longest line scanned here (the event arrays' size) */
export const MAX_LINE: usize = MAX_BLOCKS * 64;
export const UNSURE: i32 = -3;

@inline function bits(v: v128): u64 { return <u64>(<u32>i8x16.bitmask(v)); }

/** may this byte continue a literal run? (not a blank, quote, separator, bracket or control byte) */
@inline function litByte(c: u32): bool {
  return c > 32 && c != 34 && c != 44 && c != 58 && (c | 32) != 123 && (c | 32) != 125;
}

/** the exact JSON literal at p filling its whole run of literal bytes: its end, or -1 */
function literal(p: usize, e: usize): isize {
  const c = <u32>load<u8>(p);
  let j: usize;
  if (c == 110) { if (load<u32>(p) != 0x6c6c756e) return -1; j = p + 4; } // null
  else if (c == 116) { if (load<u32>(p) != 0x65757274) return -1; j = p + 4; } // true
  else if (c == 102) { if (load<u32>(p + 1) != 0x65736c61) return -1; j = p + 5; } // f alse
  else {
    j = p;
    if (load<u8>(j) == 45) j++;
    const d0 = j;
    while (j < e && <u32>load<u8>(j) - 48 < 10) j++;
    if (j == d0) return -1;
    if (j < e && load<u8>(j) == 46) { j++; const f0 = j; while (j < e && <u32>load<u8>(j) - 48 < 10) j++; if (j == f0) return -1; }
    if (j < e && (load<u8>(j) | 32) == 101) {
      j++;
      if (j < e && (load<u8>(j) == 43 || load<u8>(j) == 45)) j++;
      const e0 = j;
      while (j < e && <u32>load<u8>(j) - 48 < 10) j++;
      if (j == e0) return -1;
    }
  }
  if (j > e || (j < e && litByte(<u32>load<u8>(j)))) return -1;
  return <isize>j;
}

// the event iterator: the current block's remaining bits
let cur: u64 = 0;
let blk: usize = 0;
let nblocks: usize = 0;
let base: usize = 0;

@inline function next(events: usize): isize {
  while (cur == 0) {
    if (++blk >= nblocks) return -1;
    cur = load<u64>(events + (blk << 3));
  }
  const p = base + (blk << 6) + <usize>ctz(cur);
  cur &= cur - 1;
  return <isize>p;
}

/** continue `events` after position p */
@inline function seek(events: usize, p: usize): void {
  blk = (p - base) >> 6;
  cur = load<u64>(events + (blk << 3)) & ~(((<u64>2) << <u64>((p - base) & 63)) - 1);
}

/** the nested value at vs ('{' or '['): the index after its closing bracket, or -1 */
function nested(vs: usize, e: usize): isize {
  let depth: usize = 1;
  store<u8>(STACK, load<u8>(vs));
  seek(EVN, vs);
  for (;;) {
    const p = next(EVN);
    if (p < 0) return -1;
    const d = <u32>load<u8>(p);
    if ((d | 32) == 123) {
      if (depth == 256) return -1;
      store<u8>(STACK + depth, <u8>d); depth++;
    } else if ((d | 32) == 125) {
      if (<u32>load<u8>(STACK + depth - 1) != d - 2) return -1; // '}' - 2 == '{', ']' - 2 == '['
      if (--depth == 0) return p + 1;
    } else if (!(d == 110 && load<u32>(p) == 0x6c6c756e && <usize>p + 4 <= e && !litByte(<u32>load<u8>(p + 4))) && literal(<usize>p, e) < 0) {
      return -1;
    }
  }
  return -1;
}

/** record member (ks, ke) -> (vs, ve) for every wanted key it equals (the last occurrence wins) */
function record(keys: usize, nkeys: i32, results: usize, ks: usize, ke: usize, vs: usize, ve: usize): void {
  const n = ke - ks;
  for (let k: usize = 0; k < <usize>nkeys; k++) {
    const at = keys + 8 + (k << 3);
    if (<usize>load<i32>(at, 4) != n) continue;
    const key = <usize>load<i32>(at);
    let i: usize = 0;
    while (i < n && load<u8>(key + i) == load<u8>(ks + i)) i++;
    if (i == n) { store<i32>(results + (k << 3), <i32>vs); store<i32>(results + (k << 3), <i32>ve, 4); }
  }
}

/**
 * The object at [s, e) (its first byte '{', its last '}'), wanted keys at `keys` (a u64 mask of their
 * lengths mod 64, then an (offset, length) i32 pair per key): e with `results` holding a (start, end)
 * i32 pair per key (-1 when absent), or UNSURE. Reads up to 64 bytes past e (they are masked off).
 */
export function scan(s: usize, e: usize, keys: usize, nkeys: i32, results: usize): i32 {
  for (let k: usize = 0; k < <usize>nkeys; k++) store<i32>(results + (k << 3), -1);
  if (e <= s || e - s > MAX_LINE) return UNSURE;
  const QT = i8x16.splat(34), BS = i8x16.splat(92), SP = i8x16.splat(32);
  const OB = i8x16.splat(123), CB = i8x16.splat(125), CM = i8x16.splat(44), CL = i8x16.splat(58);
  base = s;
  nblocks = (e - s + 63) >> 6;
  let inside: u64 = 0, carry: u64 = 0, litCarry: u64 = 0, bad: u64 = 0;
  for (let b: usize = 0; b < nblocks; b++) {
    const p = s + (b << 6);
    const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
    // '[' | 32 == '{' and ']' | 32 == '}'
    const y0 = v128.or(x0, SP), y1 = v128.or(x1, SP), y2 = v128.or(x2, SP), y3 = v128.or(x3, SP);
    const q = bits(i8x16.eq(x0, QT)) | bits(i8x16.eq(x1, QT)) << 16 | bits(i8x16.eq(x2, QT)) << 32 | bits(i8x16.eq(x3, QT)) << 48;
    const ws = bits(i8x16.eq(x0, SP)) | bits(i8x16.eq(x1, SP)) << 16 | bits(i8x16.eq(x2, SP)) << 32 | bits(i8x16.eq(x3, SP)) << 48;
    const br = bits(v128.or(i8x16.eq(y0, OB), i8x16.eq(y0, CB))) | bits(v128.or(i8x16.eq(y1, OB), i8x16.eq(y1, CB))) << 16
      | bits(v128.or(i8x16.eq(y2, OB), i8x16.eq(y2, CB))) << 32 | bits(v128.or(i8x16.eq(y3, OB), i8x16.eq(y3, CB))) << 48;
    const sep = bits(v128.or(i8x16.eq(x0, CM), i8x16.eq(x0, CL))) | bits(v128.or(i8x16.eq(x1, CM), i8x16.eq(x1, CL))) << 16
      | bits(v128.or(i8x16.eq(x2, CM), i8x16.eq(x2, CL))) << 32 | bits(v128.or(i8x16.eq(x3, CM), i8x16.eq(x3, CL))) << 48;
    let odd = bits(v128.or(i8x16.eq(x0, BS), i8x16.lt_u(x0, SP))) | bits(v128.or(i8x16.eq(x1, BS), i8x16.lt_u(x1, SP))) << 16
      | bits(v128.or(i8x16.eq(x2, BS), i8x16.lt_u(x2, SP))) << 32 | bits(v128.or(i8x16.eq(x3, BS), i8x16.lt_u(x3, SP))) << 48;
    inside = q;
    inside ^= inside << 1; inside ^= inside << 2; inside ^= inside << 4;
    inside ^= inside << 8; inside ^= inside << 16; inside ^= inside << 32;
    inside ^= carry;
    carry = <u64>(<i64>inside >> 63);
    const outside = ~(inside | q);
    const st = br | sep;
    const lit = outside & ~ws & ~st;
    const starts = lit & ~((lit << 1) | litCarry);
    litCarry = lit >> 63;
    let evt = q | (st & outside) | starts;
    let evn = (br & outside) | starts;
    if (b == nblocks - 1) {
      const r = (e - s) & 63;
      if (r != 0) { const m = ((<u64>1) << <u64>r) - 1; evt &= m; evn &= m; odd &= m; }
    }
    bad |= odd;
    store<u64>(EVT + (b << 3), evt);
    store<u64>(EVN + (b << 3), evn);
  }
  // a backslash or control byte anywhere, or a string still open at the last byte
  if (bad != 0 || ((inside >> <u64>((e - s - 1) & 63)) & 1) != 0) return UNSURE;

  const lengths = load<u64>(keys);
  blk = 0;
  cur = load<u64>(EVT) & ~(<u64>1); // past the '{'
  let pos = next(EVT);
  if (pos < 0) return UNSURE;
  if (load<u8>(pos) == 125) return <usize>pos + 1 == e ? <i32>e : UNSURE; // {}
  for (;;) {
    if (load<u8>(pos) != 34) return UNSURE;
    const ks = <usize>pos + 1;
    const ke = next(EVT); // the key's closing quote
    const colon = next(EVT);
    if (ke < 0 || colon < 0 || load<u8>(colon) != 58) return UNSURE;
    const vs = next(EVT);
    if (vs < 0) return UNSURE;
    const c = <u32>load<u8>(vs);
    let ve: isize;
    if (c == 34) {
      ve = next(EVT);
      if (ve < 0) return UNSURE;
      ve++;
    } else if (c == 123 || c == 91) {
      ve = nested(<usize>vs, e);
      if (ve < 0) return UNSURE;
      seek(EVT, <usize>ve - 1);
    } else {
      ve = literal(<usize>vs, e);
      if (ve < 0) return UNSURE;
    }
    if ((lengths >> <u64>((<usize>ke - ks) & 63)) & 1) record(keys, nkeys, results, ks, <usize>ke, <usize>vs, <usize>ve);
    pos = next(EVT);
    if (pos < 0) return UNSURE;
    const d = load<u8>(pos);
    if (d == 125) return <usize>pos + 1 == e ? <i32>e : UNSURE;
    if (d != 44) return UNSURE;
    pos = next(EVT);
    if (pos < 0) return UNSURE;
  }
  return UNSURE;
}

/**
 * Split [s, e) at newlines for the input reader: for each newline, its index from s into `out` (i32),
 * with bit 31 set when the line before it holds the needle (nlen bytes at `needle`, told apart first
 * by its bytes at i1 and i2) or a backslash (an escape could spell the needle). Returns the number of
 * newlines. Reads up to 64 + nlen bytes past e.
 */
export function split(s: usize, e: usize, needle: usize, nlen: usize, i1: usize, i2: usize, out: usize): i32 {
  const NL = i8x16.splat(10), BS = i8x16.splat(92);
  const B1 = i8x16.splat(nlen > 0 ? load<i8>(needle + i1) : 0), B2 = i8x16.splat(nlen > 0 ? load<i8>(needle + i2) : 0);
  let count: usize = 0, held: u64 = 0;
  for (let p = s; p < e; p += 64) {
    const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
    const n0 = i8x16.eq(x0, NL), n1 = i8x16.eq(x1, NL), n2 = i8x16.eq(x2, NL), n3 = i8x16.eq(x3, NL);
    const b0 = i8x16.eq(x0, BS), b1 = i8x16.eq(x1, BS), b2 = i8x16.eq(x2, BS), b3 = i8x16.eq(x3, BS);
    let c0 = n0, c1 = n0, c2 = n0, c3 = n0; // needle candidates by its two rarest bytes (when there is a needle)
    let any = v128.or(v128.or(v128.or(n0, n1), v128.or(n2, n3)), v128.or(v128.or(b0, b1), v128.or(b2, b3)));
    if (nlen > 0) {
      const a = p + i1, b = p + i2;
      c0 = v128.and(i8x16.eq(v128.load(a), B1), i8x16.eq(v128.load(b), B2));
      c1 = v128.and(i8x16.eq(v128.load(a, 16), B1), i8x16.eq(v128.load(b, 16), B2));
      c2 = v128.and(i8x16.eq(v128.load(a, 32), B1), i8x16.eq(v128.load(b, 32), B2));
      c3 = v128.and(i8x16.eq(v128.load(a, 48), B1), i8x16.eq(v128.load(b, 48), B2));
      any = v128.or(any, v128.or(v128.or(c0, c1), v128.or(c2, c3)));
    }
    if (!v128.any_true(any)) continue; // most blocks: no newline, no backslash, no needle
    let nl = bits(n0) | bits(n1) << 16 | bits(n2) << 32 | bits(n3) << 48;
    let hits = bits(b0) | bits(b1) << 16 | bits(b2) << 32 | bits(b3) << 48;
    if (nlen > 0) {
      let maybe = bits(c0) | bits(c1) << 16 | bits(c2) << 32 | bits(c3) << 48;
      while (maybe != 0) {
        const at = p + <usize>ctz(maybe);
        const bit = maybe & (~maybe + 1);
        maybe &= maybe - 1;
        if (at + nlen > e) continue;
        let i: usize = 0;
        while (i < nlen && load<u8>(at + i) == load<u8>(needle + i)) i++;
        if (i == nlen) hits |= bit;
      }
    }
    if (e - p < 64) { const m = ((<u64>1) << <u64>(e - p)) - 1; nl &= m; hits &= m; }
    while (nl != 0) {
      const q = <u64>ctz(nl);
      const upto = q == 63 ? ~(<u64>0) : ((<u64>1) << (q + 1)) - 1;
      const flag: u32 = (held | (hits & upto)) != 0 ? 0x80000000 : 0;
      hits &= ~upto;
      held = 0;
      store<u32>(out + (count << 2), <u32>(p - s + <usize>q) | flag);
      count++;
      nl &= nl - 1;
    }
    if (hits != 0) held = 1;
  }
  return <i32>count;
}
