// AssemblyScript (compiled to dist/core/scan.wasm by `npm run build`, not by tsc): the walk of one
// JSON object line with WebAssembly SIMD, 16 bytes per instruction instead of one. It answers only
// when it can prove that the JavaScript walk (walkObject in src/core/fields.ts) gives the same answer:
// the line is valid by JSON's grammar, with its end and the value span of every wanted top-level key.
// Anything else (a backslash or a control byte anywhere, any grammar error, nesting past 256) is
// UNSURE and the JavaScript walk decides (and says why a line is broken). test/unit/scan-wasm.test.mjs
// holds the two walks to that on real, generated and mutated lines.
//
// How the grammar is checked without walking every token: outside strings, every non-blank byte is a
// structural byte or part of a literal run, so a line is valid JSON exactly when (1) brackets match,
// (2) each literal run is exactly one literal, and (3) every token's next token is one the grammar
// allows after it: after '{' a key or '}'; after '[' a value or ']'; after ':' a value; after ',' a
// key (in an object) or a value (in an array); after a key ':' (and every ':' follows a key); after a
// value ',' or a closing bracket. A key is a string right after '{' or an object's ','.
// (3) is bit arithmetic per 64-byte block: the position of the next non-blank byte after each token
// of a kind is one addition (a bit at a blank run's start carries through the run to its end), and
// the string of an opening quote is followed to its closing quote the same way. Only brackets are
// walked one by one (a stack, 256 deep, and the kind of container each comma is in).
//
// Stage 1, per block: bit masks of quotes, blanks, brackets and separators; the in-string mask is the
// running XOR of the quote mask (no escapes: a backslash or control byte makes the line UNSURE); the
// bracket walk; the rules. Stage 2 reads the spans of wanted keys' values at the top level.

/** scratch: bracket stack (256), carries (64 bytes), then the keys found per block (one u64 per
 *  64-byte block) and the spans of depth-1 nested values (an i32 pair each) */
const STACK: usize = 65536;
const MASKS: usize = STACK + 512; // six u64 masks per block of a segment
const SEG_BLOCKS: usize = 64;
const EVT: usize = STACK + 4096;
const MAX_BLOCKS: usize = 16384;
const PAIRS: usize = EVT + MAX_BLOCKS * 16;
const MAX_PAIRS: usize = MAX_BLOCKS / 2;
/** memory from here on belongs to the JavaScript side (keys, results, the input chunk, a line copy) */
export const FREE: usize = PAIRS + MAX_PAIRS * 8;
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
    if (j == d0 || (load<u8>(d0) == 48 && j - d0 > 1)) return -1; // no digits, or a leading zero
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

/** record member (ks, ke) -> (vs, ve) for every wanted key it equals (the last occurrence wins). The
 *  keys of one length mod 64 are chained (writeKeys in core/simd-scan.ts): only those are compared */
function record(keys: usize, nkeys: i32, results: usize, ks: usize, ke: usize, vs: usize, ve: usize): void {
  const n = ke - ks;
  const chains = keys + 8 + (<usize>nkeys << 4);
  let k = <usize>load<u16>(chains + ((n & 63) << 1));
  while (k != 0) {
    k--;
    const at = keys + 8 + (k << 3);
    if (<usize>load<i32>(at, 4) == n) {
      const key = <usize>load<i32>(at);
      let i: usize = 0;
      while (i + 8 <= n && load<u64>(key + i) == load<u64>(ks + i)) i += 8; // eight bytes a compare
      if (i + 8 > n) {
        while (i < n && load<u8>(key + i) == load<u8>(ks + i)) i++;
        if (i == n) { store<i32>(results + (k << 3), <i32>vs); store<i32>(results + (k << 3), <i32>ve, 4); }
      }
    }
    k = <usize>load<u16>(chains + 128 + (k << 1));
  }
}

/** bits a..b-1 of a block (0 <= a <= b <= 64) */
@inline function span(a: u64, b: u64): u64 {
  const hi: u64 = b >= 64 ? ~(<u64>0) : ((<u64>1) << b) - 1;
  return hi & ~(((<u64>1) << a) - 1);
}

// the kinds of token a token's successor is checked against (see (3) below)
const NONE: u32 = 0, AFTER_OBJECT_OPEN: u32 = 1, AFTER_ARRAY_OPEN: u32 = 2, AFTER_OBJECT_COMMA: u32 = 3,
  AFTER_VALUE_SEP: u32 = 4, AFTER_KEY: u32 = 5, AFTER_VALUE: u32 = 6;

/**
 * The object at [s, e) (its first byte '{', its last '}'), wanted keys at `keys` (a u64 mask of their
 * lengths mod 64, an (offset, length) i32 pair per key, the results' room, then the keys chained by
 * length: see writeKeys in core/simd-scan.ts): e with `results` holding a (start, end)
 * i32 pair per key (-1 when absent), or UNSURE. Reads up to 64 bytes past e (they are masked off).
 */
export function scan(s: usize, e: usize, keys: usize, nkeys: i32, results: usize): i32 {
  for (let k: usize = 0; k < <usize>nkeys; k++) store<i32>(results + (k << 3), -1);
  if (e <= s || e - s > MAX_LINE) return UNSURE;
  const nblocks = (e - s + 63) >> 6;
  let carry: u64 = 0; // the in-string state after the previous block
  let litCarry: u64 = 0; // a literal run reaching the previous block's last byte
  let keyCarry: u64 = 0; // a key string running on into this block
  let pending: u32 = NONE; // the kind of the last token of the blocks so far, when its successor is still to come
  let depth: usize = 0, top: u32 = 0, pairs: usize = 0;
  for (let seg: usize = 0; seg < nblocks; seg += SEG_BLOCKS) {
    const segEnd = seg + SEG_BLOCKS < nblocks ? seg + SEG_BLOCKS : nblocks;
    // pass 1 (SIMD): the byte classes of each block as bit masks
    const QT = i8x16.splat(34), BS = i8x16.splat(92), SP = i8x16.splat(32), HI3 = i8x16.splat(<i8>0xe0), Z = i8x16.splat(0);
    const OB = i8x16.splat(123), CB = i8x16.splat(125), CM = i8x16.splat(44), CL = i8x16.splat(58);
    let bad: u64 = 0, odd = i8x16.splat(0);
    for (let b = seg; b < segEnd; b++) {
      const p = s + (b << 6), m = MASKS + ((b - seg) * 48);
      const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
      // '[' | 32 == '{' and ']' | 32 == '}'
      const y0 = v128.or(x0, SP), y1 = v128.or(x1, SP), y2 = v128.or(x2, SP), y3 = v128.or(x3, SP);
      store<u64>(m, bits(i8x16.eq(x0, QT)) | bits(i8x16.eq(x1, QT)) << 16 | bits(i8x16.eq(x2, QT)) << 32 | bits(i8x16.eq(x3, QT)) << 48);
      store<u64>(m, bits(i8x16.eq(x0, SP)) | bits(i8x16.eq(x1, SP)) << 16 | bits(i8x16.eq(x2, SP)) << 32 | bits(i8x16.eq(x3, SP)) << 48, 8);
      store<u64>(m, bits(i8x16.eq(y0, OB)) | bits(i8x16.eq(y1, OB)) << 16 | bits(i8x16.eq(y2, OB)) << 32 | bits(i8x16.eq(y3, OB)) << 48, 16);
      store<u64>(m, bits(i8x16.eq(y0, CB)) | bits(i8x16.eq(y1, CB)) << 16 | bits(i8x16.eq(y2, CB)) << 32 | bits(i8x16.eq(y3, CB)) << 48, 24);
      store<u64>(m, bits(i8x16.eq(x0, CM)) | bits(i8x16.eq(x1, CM)) << 16 | bits(i8x16.eq(x2, CM)) << 32 | bits(i8x16.eq(x3, CM)) << 48, 32);
      store<u64>(m, bits(i8x16.eq(x0, CL)) | bits(i8x16.eq(x1, CL)) << 16 | bits(i8x16.eq(x2, CL)) << 32 | bits(i8x16.eq(x3, CL)) << 48, 40);
      // a backslash or a control byte (top three bits clear)
      const o0 = v128.or(i8x16.eq(x0, BS), i8x16.eq(v128.and(x0, HI3), Z)), o1 = v128.or(i8x16.eq(x1, BS), i8x16.eq(v128.and(x1, HI3), Z));
      const o2 = v128.or(i8x16.eq(x2, BS), i8x16.eq(v128.and(x2, HI3), Z)), o3 = v128.or(i8x16.eq(x3, BS), i8x16.eq(v128.and(x3, HI3), Z));
      if (b == nblocks - 1) {
        const r = (e - s) & 63;
        bad |= (bits(o0) | bits(o1) << 16 | bits(o2) << 32 | bits(o3) << 48) & (r != 0 ? ((<u64>1) << <u64>r) - 1 : ~(<u64>0));
      } else odd = v128.or(odd, v128.or(v128.or(o0, o1), v128.or(o2, o3)));
    }
    if (bad != 0 || v128.any_true(odd)) return UNSURE;
    // pass 2: strings, the bracket walk and the grammar's rules over the masks
    for (let b = seg; b < segEnd; b++) {
      const p = s + (b << 6), m = MASKS + ((b - seg) * 48);
      const q = load<u64>(m);
      let inside = q;
      inside ^= inside << 1; inside ^= inside << 2; inside ^= inside << 4;
      inside ^= inside << 8; inside ^= inside << 16; inside ^= inside << 32;
      inside ^= carry;
      carry = <u64>(<i64>inside >> 63);
      let valid: u64 = ~(<u64>0); // bytes of the line in this block
      if (b == nblocks - 1) {
        const r = (e - s) & 63;
        if (r != 0) valid = ((<u64>1) << <u64>r) - 1;
        if (((inside >> <u64>((e - s - 1) & 63)) & 1) != 0) return UNSURE; // a string still open at the end
      }
      const outside = ~(inside | q) & valid;
      const ws = load<u64>(m, 8) & outside, ox = load<u64>(m, 16) & outside, cx = load<u64>(m, 24) & outside;
      const cm = load<u64>(m, 32) & outside, cl = load<u64>(m, 40) & outside;
      const opens = q & inside & valid; // opening quotes
      const closes = q & ~inside & valid; // closing quotes
      const lit = outside & ~ws & ~(ox | cx | cm | cl);
      const litStart = lit & ~((lit << 1) | litCarry);
      const litLast = lit & ~(lit >> 1); // each literal run's last byte (at bit 63 maybe not: see pending)
      if (litCarry != 0 && (lit & 1) != 0) pending = NONE; // the literal at the previous block's end goes on
      litCarry = lit >> 63;

      // the bracket walk: matching, depth, the kind of container of each comma, the top level's
      // bytes, and the spans of the top level's nested values
      let brs = ox | cx;
      let from: u64 = 0, objCommas: u64 = 0, level1: u64 = 0, ob: u64 = 0;
      while (brs != 0) {
        const i = <u64>ctz(brs);
        brs &= brs - 1;
        const sg = span(from, i);
        if (top == 123) objCommas |= cm & sg;
        if (depth == 1) level1 |= sg;
        from = i + 1;
        const at = p + <usize>i;
        const c = <u32>load<u8>(at);
        if ((c | 32) == 123) {
          if (depth == 256) return UNSURE;
          if (c == 123) ob |= (<u64>1) << i;
          if (depth == 1) { if (pairs == MAX_PAIRS) return UNSURE; store<i32>(PAIRS + (pairs << 3), <i32>at); }
          store<u8>(STACK + depth, <u8>c); depth++; top = c;
        } else {
          if (depth == 0 || <u32>load<u8>(STACK + depth - 1) != c - 2) return UNSURE; // '}' - 2 == '{', ']' - 2 == '['
          depth--;
          if (depth == 0) { if (at + 1 != e) return UNSURE; top = 0; }
          else {
            top = <u32>load<u8>(STACK + depth - 1);
            if (depth == 1) { store<i32>(PAIRS + (pairs << 3), <i32>at + 1, 4); pairs++; }
          }
        }
      }
      if (from < 64) {
        const sg = span(from, 64);
        if (top == 123) objCommas |= cm & sg;
        if (depth == 1) level1 |= sg;
      }
      const ok = ox & ~ob, arrCommas = cm & ~objCommas;
      const values = opens | litStart | ox;

      // (3) the next token after each token. Within a block: the byte after each token (X << 1), or
      // with blanks the next non-blank byte (ws + X: the carry runs through a blank run and lands
      // after it). Across blocks: `pending`. The keys' closing quotes: by carrying through the string
      // (inside + the opening quote). A ']' after '{' or a '}' after '[' fails the bracket walk.
      // Two kinds of "after": A (after '{' or an object's ','): a key, or '}' right after '{'; B (after
      // '[', an array's ',' or ':'): a value, or ']' right after '['. No closing bracket right after a
      // ',' or ':' (C). The strings right after A are the keys.
      const openA = ob | objCommas, openB = ok | arrCommas | cl, seps = cm | cl;
      let afterA: u64, afterB: u64, afterSep: u64, afterKey: u64, afterValue: u64, keyOpens: u64, keyCloses: u64;
      let first: u64 = ~ws & valid; first &= ~first + 1; // the block's first non-blank byte
      if (ws == 0) {
        afterA = openA << 1; afterB = openB << 1; afterSep = seps << 1;
      } else {
        afterA = (ws + (openA << 1)) & ~ws; afterB = (ws + (openB << 1)) & ~ws; afterSep = (ws + (seps << 1)) & ~ws;
      }
      keyOpens = afterA & opens;
      if (pending == AFTER_OBJECT_OPEN || pending == AFTER_OBJECT_COMMA) keyOpens |= first & opens;
      const t = inside + keyOpens, u = t + keyCarry;
      keyCarry = <u64>(t < inside) | <u64>(u < t);
      keyCloses = u & ~inside & closes;
      const ends = (closes & ~keyCloses) | cx | litLast; // a value's last byte
      if (ws == 0) { afterKey = keyCloses << 1; afterValue = ends << 1; }
      else { afterKey = (ws + (keyCloses << 1)) & ~ws; afterValue = (ws + (ends << 1)) & ~ws; }
      if ((((afterA & ~(opens | cx)) | (afterB & ~(values | cx)) | (afterSep & cx)) & valid) != 0) return UNSURE;
      // after a key ':' (and every ':' follows a key); after a value ',' or a closing bracket
      if ((((afterKey & valid) ^ cl) & ~first) != 0 || (afterValue & valid & ~(cm | cx)) != 0) return UNSURE;
      // the first non-blank byte after the previous blocks' last token
      if (pending != NONE && first != 0) {
        const ok1 = pending == AFTER_OBJECT_OPEN ? (first & (opens | cx)) != 0
          : pending == AFTER_ARRAY_OPEN ? (first & (values | cx)) != 0
          : pending == AFTER_OBJECT_COMMA ? (first & opens) != 0
          : pending == AFTER_VALUE_SEP ? (first & values) != 0
          : pending == AFTER_KEY ? (first & cl) != 0
          : (first & (cm | cx)) != 0;
        if (!ok1) return UNSURE;
        pending = NONE;
      } else if (first != 0 && (first & cl) != 0) return UNSURE; // a ':' first in a block needs a key just before
      // a token whose successor lies in a later block: the last token, when blanks (or nothing) follow it
      const tokens = (outside & ~ws) | closes;
      if (tokens != 0 && (inside >> 63) == 0) {
        const bit: u64 = (<u64>1) << (63 - clz(tokens));
        pending = (ob & bit) != 0 ? AFTER_OBJECT_OPEN : (ok & bit) != 0 ? AFTER_ARRAY_OPEN
          : (objCommas & bit) != 0 ? AFTER_OBJECT_COMMA : ((arrCommas | cl) & bit) != 0 ? AFTER_VALUE_SEP
          : (keyCloses & bit) != 0 ? AFTER_KEY : AFTER_VALUE; // (a literal that goes on: cleared above, next block)
      }

      // (2) each literal run is exactly one literal
      let lits = litStart;
      while (lits != 0) {
        const at = p + <usize>ctz(lits);
        lits &= lits - 1;
        if (load<u32>(at) == 0x6c6c756e && at + 4 <= e && !litByte(<u32>load<u8>(at + 4))) continue; // null
        if (literal(at, e) < 0) return UNSURE;
      }
      // the top-level object's keys and closing quotes, for stage 2
      store<u64>(EVT + (b << 4), keyOpens & level1);
      store<u64>(EVT + (b << 4), closes & level1, 8);
    }
  }
  if (depth != 0) return UNSURE; // brackets left open
  if (nkeys == 0) return <i32>e;

  // Stage 2: the wanted members of the top-level object
  const lengths = load<u64>(keys);
  let pair: usize = 0;
  for (let b: usize = 0; b < nblocks; b++) {
    let k1 = load<u64>(EVT + (b << 4));
    while (k1 != 0) {
      const i = <usize>ctz(k1);
      k1 &= k1 - 1;
      const ks = s + (b << 6) + i + 1;
      const ke = closeAfter(s, b, i);
      if (((lengths >> <u64>((ke - ks) & 63)) & 1) == 0) continue;
      let vs = ke + 1;
      while (load<u8>(vs) == 32) vs++;
      vs++; // ':'
      while (load<u8>(vs) == 32) vs++;
      const c = <u32>load<u8>(vs);
      let ve: usize;
      if (c == 34) ve = closeAfter(s, (vs - s) >> 6, (vs - s) & 63) + 1;
      else if ((c | 32) == 123) {
        while (<usize>load<i32>(PAIRS + (pair << 3)) < vs) pair++; // the top level's nested values in order
        ve = <usize>load<i32>(PAIRS + (pair << 3), 4);
      } else ve = <usize>literal(vs, e);
      record(keys, nkeys, results, ks, ke, vs, ve);
    }
  }
  return <i32>e;
}

/** the top level's first closing quote after bit i of block b */
function closeAfter(s: usize, b: usize, i: usize): usize {
  let c = load<u64>(EVT + (b << 4), 8) & ~(((<u64>2) << <u64>i) - 1);
  while (c == 0) c = load<u64>(EVT + (++b << 4), 8);
  return s + (b << 6) + <usize>ctz(c);
}

/**
 * A line known to be valid JSON (an earlier stage of an in-process chain read it by the grammar, or
 * made it with the one writer): only the spans of the wanted top-level keys are wanted, no grammar
 * check. Per block: the quote, bracket and separator masks and the in-string mask; the brackets walked
 * for the depth (the top level's nested values noted); then the top level's quotes and separators in
 * order. A backslash anywhere (an escape could hide a quote) is UNSURE: the caller reads the line the
 * full way. Returns e with `results` filled as scan() fills them.
 */
export function scanTrusted(s: usize, e: usize, keys: usize, nkeys: i32, results: usize): i32 {
  for (let k: usize = 0; k < <usize>nkeys; k++) store<i32>(results + (k << 3), -1);
  if (e <= s || e - s > MAX_LINE) return UNSURE;
  const QT = i8x16.splat(34), BS = i8x16.splat(92), SP = i8x16.splat(32);
  const OB = i8x16.splat(123), CB = i8x16.splat(125), CM = i8x16.splat(44), CL = i8x16.splat(58);
  const nblocks = (e - s + 63) >> 6;
  let carry: u64 = 0, bs = i8x16.splat(0);
  let depth: usize = 0, pairs: usize = 0;
  for (let b: usize = 0; b < nblocks; b++) {
    const p = s + (b << 6);
    const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
    const y0 = v128.or(x0, SP), y1 = v128.or(x1, SP), y2 = v128.or(x2, SP), y3 = v128.or(x3, SP);
    let valid: u64 = ~(<u64>0);
    if (b == nblocks - 1) { const r = (e - s) & 63; if (r != 0) valid = ((<u64>1) << <u64>r) - 1; }
    const q = (bits(i8x16.eq(x0, QT)) | bits(i8x16.eq(x1, QT)) << 16 | bits(i8x16.eq(x2, QT)) << 32 | bits(i8x16.eq(x3, QT)) << 48) & valid;
    const ox = bits(i8x16.eq(y0, OB)) | bits(i8x16.eq(y1, OB)) << 16 | bits(i8x16.eq(y2, OB)) << 32 | bits(i8x16.eq(y3, OB)) << 48;
    const cx = bits(i8x16.eq(y0, CB)) | bits(i8x16.eq(y1, CB)) << 16 | bits(i8x16.eq(y2, CB)) << 32 | bits(i8x16.eq(y3, CB)) << 48;
    const sep = bits(v128.or(i8x16.eq(x0, CM), i8x16.eq(x0, CL))) | bits(v128.or(i8x16.eq(x1, CM), i8x16.eq(x1, CL))) << 16
      | bits(v128.or(i8x16.eq(x2, CM), i8x16.eq(x2, CL))) << 32 | bits(v128.or(i8x16.eq(x3, CM), i8x16.eq(x3, CL))) << 48;
    if (b == nblocks - 1) {
      const r = (e - s) & 63;
      const bsm = (bits(i8x16.eq(x0, BS)) | bits(i8x16.eq(x1, BS)) << 16 | bits(i8x16.eq(x2, BS)) << 32 | bits(i8x16.eq(x3, BS)) << 48)
        & (r != 0 ? ((<u64>1) << <u64>r) - 1 : ~(<u64>0));
      if (bsm != 0) return UNSURE;
    } else bs = v128.or(bs, v128.or(v128.or(i8x16.eq(x0, BS), i8x16.eq(x1, BS)), v128.or(i8x16.eq(x2, BS), i8x16.eq(x3, BS))));
    let inside = q;
    inside ^= inside << 1; inside ^= inside << 2; inside ^= inside << 4;
    inside ^= inside << 8; inside ^= inside << 16; inside ^= inside << 32;
    inside ^= carry;
    carry = <u64>(<i64>inside >> 63);
    const outside = ~(inside | q) & valid;
    let brs = (ox | cx) & outside;
    let from: u64 = 0, level1: u64 = 0;
    while (brs != 0) {
      const i = <u64>ctz(brs);
      brs &= brs - 1;
      if (depth == 1) level1 |= span(from, i);
      from = i + 1;
      const at = p + <usize>i;
      if ((load<u8>(at) & 2) != 0) { // an opening bracket
        if (depth == 1) { if (pairs == MAX_PAIRS) return UNSURE; store<i32>(PAIRS + (pairs << 3), <i32>at); }
        depth++;
      } else {
        if (depth == 0) return UNSURE;
        depth--;
        if (depth == 1) { store<i32>(PAIRS + (pairs << 3), <i32>at + 1, 4); pairs++; }
      }
    }
    if (depth == 1 && from < 64) level1 |= span(from, 64);
    // the top level's opening quotes and separators, for stage 2
    store<u64>(EVT + (b << 4), level1 & ((q & inside) | (sep & outside)));
  }
  if (v128.any_true(bs) || depth != 0) return UNSURE;
  if (nkeys == 0) return <i32>e;
  // Stage 2: the members in order: a quote after '{' or ',' opens a key, one after ':' a string value
  // (a key whose length no wanted key has is skipped at its ':', its value not read)
  const lengths = load<u64>(keys);
  let pair: usize = 0, keyNext = true;
  let ks: usize = 0, ke: usize = 0;
  for (let b: usize = 0; b < nblocks; b++) {
    let ev = load<u64>(EVT + (b << 4));
    while (ev != 0) {
      const at = s + (b << 6) + <usize>ctz(ev);
      ev &= ev - 1;
      const c = <u32>load<u8>(at);
      if (c == 44) { keyNext = true; continue; }
      if (c == 34) {
        if (!keyNext) continue; // a string value (read at its ':')
        ks = at + 1; ke = ks;
        while (load<u8>(ke) != 34) ke++;
        keyNext = false;
        continue;
      }
      // ':' : the value of the key just read
      if (((lengths >> <u64>((ke - ks) & 63)) & 1) == 0) continue;
      let vs = at + 1;
      while (load<u8>(vs) == 32 || load<u8>(vs) == 9 || load<u8>(vs) == 13 || load<u8>(vs) == 10) vs++;
      const v = <u32>load<u8>(vs);
      let ve: usize;
      if (v == 34) { ve = vs + 1; while (load<u8>(ve) != 34) ve++; ve++; }
      else if ((v | 32) == 123) {
        while (<usize>load<i32>(PAIRS + (pair << 3)) < vs) pair++;
        ve = <usize>load<i32>(PAIRS + (pair << 3), 4);
      } else {
        ve = vs;
        while (ve < e) { const d = <u32>load<u8>(ve); if (d == 44 || d == 125 || d == 93 || d == 32 || d == 9 || d == 13 || d == 10) break; ve++; }
      }
      record(keys, nkeys, results, ks, ke, vs, ve);
    }
  }
  return <i32>e;
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

/** (events()) the bytes of keys it appended (the caller copies them out), the lines it read whose
 *  action is another string (no event: the caller counts them), and whether it stopped for room */
export let KEYS_USED: usize = 0;
export let OTHERS: i32 = 0;
export let FULL: i32 = 0;

/**
 * The events of a keyed log (final-action) read from lines k0..n-1 of a chunk split by split() (newline
 * k at base + (ends[k] & 0x7fffffff); line k0 begins at `first`, each next one after the newline
 * before it; a CR before a newline is not part of its line), each line as scan() reads it with the
 * wanted keys at `keys`: key nk + 1 (an action) is one of the tokens at `acts` (an i32 count, then
 * (offset, length, kind) i32 triples): its kind at kinds (u8 each), or another string (counted in
 * OTHERS, nothing more read); keys 0..nk-1 (each a string: its token, quotes included) joined by byte
 * 1, appended at keysOut (KEYS_USED bytes in all) with their length at lens (i32 each); key nk (a time)
 * as a whole number of 1 to 15 digits, bare or in quotes (no sign, no leading zero) at times (f64
 * each). It stops at the first line not read so (a line not framed by '{' and '}', one scan() is
 * unsure of, a value of any other form: the JavaScript side reads it, rejects it or counts it), and
 * (FULL) before a line that might not fit the room left (keyCap bytes, maxEvents events) once it read
 * one: returns the number of the line it stopped at (n when it read every line). `res`: scratch for
 * scan()'s results.
 */
export function events(base: usize, first: usize, ends: usize, k0: i32, n: i32, keys: usize, nk: i32, acts: usize, res: usize,
  keysOut: usize, keyCap: usize, lens: usize, times: usize, kinds: usize, maxEvents: i32): i32 {
  let s = first, used: usize = 0, ev: usize = 0, others: i32 = 0, k = k0;
  const nacts = <usize>load<i32>(acts);
  FULL = 0;
  for (; k < n; k++) {
    const nl = base + <usize>(load<i32>(ends + (<usize>k << 2)) & 0x7fffffff);
    let e = nl;
    if (e > s && load<u8>(e - 1) == 13) e--;
    if (<i32>ev >= maxEvents || used + (e - s) + <usize>nk > keyCap) { if (ev + <usize>others > 0) FULL = 1; break; }
    if (e - s < 2 || load<u8>(s) != 123 || load<u8>(e - 1) != 125 || scan(s, e, keys, nk + 2, res) < 0) break;
    // the action: one of the tokens, or another string
    const as = <usize>load<i32>(res + (<usize>(nk + 1) << 3)), ae = <usize>load<i32>(res + (<usize>(nk + 1) << 3), 4);
    if (<isize>as < 0 || load<u8>(as) != 34) break;
    let kind: i32 = 0;
    for (let j: usize = 0; j < nacts && kind == 0; j++) {
      const t = acts + 4 + j * 12, len = <usize>load<i32>(t, 4);
      if (len != ae - as) continue;
      const at = <usize>load<i32>(t);
      let i: usize = 0;
      while (i < len && load<u8>(at + i) == load<u8>(as + i)) i++;
      if (i == len) kind = load<i32>(t, 8);
    }
    if (kind == 0) { others++; s = nl + 1; continue; }
    // the time: plain digits
    let ts = <usize>load<i32>(res + (<usize>nk << 3)), te = <usize>load<i32>(res + (<usize>nk << 3), 4);
    if (<isize>ts < 0) break;
    if (load<u8>(ts) == 34) { ts++; te--; }
    if (te <= ts || te - ts > 15 || (load<u8>(ts) == 48 && te - ts > 1)) break;
    let v: i64 = 0, i = ts;
    for (; i < te; i++) {
      const d = <u32>load<u8>(i) - 48;
      if (d > 9) break;
      v = v * 10 + <i64>d;
    }
    if (i < te) break;
    // the keys: strings (no backslash in the line, or scan() was unsure: their tokens as they are)
    let o = keysOut + used, j: usize = 0;
    const o0 = o;
    for (; j < <usize>nk; j++) {
      const vs = <usize>load<i32>(res + (j << 3)), ve = <usize>load<i32>(res + (j << 3), 4);
      if (<isize>vs < 0 || load<u8>(vs) != 34) break;
      if (j > 0) { store<u8>(o, 1); o++; }
      memory.copy(o, vs, ve - vs);
      o += ve - vs;
    }
    if (j < <usize>nk) break;
    store<i32>(lens + (ev << 2), <i32>(o - o0));
    store<f64>(times + (ev << 3), <f64>v);
    store<u8>(kinds + ev, <u8>kind);
    ev++;
    used = o - keysOut;
    s = nl + 1;
  }
  KEYS_USED = used;
  OTHERS = others;
  return k;
}
