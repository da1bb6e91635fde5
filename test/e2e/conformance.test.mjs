// JSON conformance of every tool that reads NDJSON lines, from RFC 8259's grammar (not from the
// project's reader): random valid documents (test/helpers/json-grammar.mjs), broken ones built from
// them by mutation, and hand-written y_/n_/i_ cases are wrapped into records each tool keeps and run
// through the real bins, one process per tool per file. A reference checker written from the grammar
// decides which lines are valid. For every tool:
//   - every valid record is processed (not rejected: tools have no reason to drop these records),
//     a valid line that only a mutation made is never rejected as malformed;
//   - every invalid line (and every valid non-object line) is rejected as `malformed JSON` / `not a
//     JSON object` at its own line number, once, with its raw text kept;
//   - blank and whitespace-only lines are skipped, not counted as bad;
//   - the run ends normally (exit 0, no `error:`), all lines read (--stats-file);
//   - every stdout line is valid JSON by the reference checker (bytes: UTF-8 too) and by JSON.parse;
//     filters emit the input lines byte for byte, splicing tools add exactly one member;
//     values that come out (count-by keys, sessionize ids, merged records...) equal the input's by value;
//   - the SIMD walk and the JavaScript walk (EVENT_PIPES_SCAN=js) give the same stdout and rejects.
// Then the issue's regressions one by one (deep nesting, invalid JSON passing, a bad nested value
// aborting the run, Infinity / broken strings written, escaped keys, BOM and blank lines).
//
// Deterministic: CONFORMANCE_SEED (default below) and CONFORMANCE_LINES choose the corpus; a failure
// prints the seed, the tool, grouped problems and the failing lines (bytes >= 0x80 and controls as \xNN).
// CONFORMANCE_SUMMARY=FILE appends one JSON line per tool with the problem counts by group.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parquetReadObjects } from 'hyparquet';
import { root, tmpdir } from '../helpers/sh.mjs';
import {
  Generator, Mutator, rng, parse, check, isUtf8, Num, valueEqual, canon, fromJs, anyLoneSurrogate,
  VALUE_CASES, LINE_CASES, BAD_UTF8, MAX_DEPTH,
} from '../helpers/json-grammar.mjs';

const require = createRequire(import.meta.url);
const SEED = Number(process.env.CONFORMANCE_SEED ?? 20261201);
const LINES = Number(process.env.CONFORMANCE_LINES ?? 2400);
const SUMMARY = process.env.CONFORMANCE_SUMMARY;
const dir = tmpdir('ep-conform-');
const MALFORMED = new Set(['malformed JSON', 'not a JSON object']);
const TS = 1577600000; // 2019-12-29T06:13:20Z
const CR = 0x0d;

// ---------------------------------------------------------------------------------------------------
// running bins, reading results

function runBin(args, { env = {}, input } = {}) {
  const r = spawnSync(path.join(root, 'bin', args[0]), args.slice(1), {
    cwd: dir, input, encoding: 'buffer', maxBuffer: 1 << 30,
    env: { ...process.env, PATH: `${root}/bin:${process.env.PATH}`, ...env },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** stdout split into lines (Buffers), the last newline dropped */
function outLines(buf) {
  const lines = [];
  let s = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 0x0a) { lines.push(buf.subarray(s, i)); s = i + 1; }
  if (s < buf.length) lines.push(buf.subarray(s));
  return lines;
}

const stripCR = (b) => (b.length && b[b.length - 1] === CR ? b.subarray(0, b.length - 1) : b);
/** a line for a message: printable ASCII as is, other bytes as \xNN, long lines shortened */
function show(b, max = 160) {
  if (typeof b === 'string') b = Buffer.from(b, 'utf8');
  let s = '';
  for (const c of b.subarray(0, max)) s += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : c === 0x5c ? '\\\\' : `\\x${c.toString(16).padStart(2, '0')}`;
  return s + (b.length > max ? `... (${b.length} bytes)` : '');
}

/** problems grouped by kind, with the first examples of each */
class Problems {
  constructor(title) { this.title = title; this.groups = new Map(); }
  add(group, example = '') {
    let g = this.groups.get(group);
    if (!g) this.groups.set(group, (g = { n: 0, ex: [] }));
    g.n++;
    if (g.ex.length < 3) g.ex.push(example);
  }
  get total() { let n = 0; for (const g of this.groups.values()) n += g.n; return n; }
  text(maxGroups = 25) {
    // how a run ended first, then the biggest groups
    const first = (k) => (/^exit status|stopped with an error|^stats |^no --stats-file/.test(k) ? 0 : 1);
    const gs = [...this.groups].sort((a, b) => first(a[0]) - first(b[0]) || b[1].n - a[1].n);
    return gs.slice(0, maxGroups).map(([k, g]) => `  ${g.n} x ${k}\n${g.ex.map((e) => `      e.g. ${e}`).join('\n')}`).join('\n')
      + (gs.length > maxGroups ? `\n  ... and ${gs.length - maxGroups} more groups` : '');
  }
  done() {
    if (SUMMARY) fs.appendFileSync(SUMMARY, JSON.stringify({ tool: this.title, problems: this.total, groups: Object.fromEntries([...this.groups].map(([k, g]) => [k, g.n])) }) + '\n');
    if (this.groups.size) assert.unreachable(`${this.title} (seed ${SEED}, CONFORMANCE_SEED=${SEED} to replay): ${this.total} problem(s)\n${this.text()}`);
  }
}

/** parse bytes with the reference parser, undefined when invalid */
function ref(b) { try { return parse(b); } catch { return undefined; } }

/** check every stdout line: valid JSON by the reference (bytes) and by JSON.parse */
function checkOutputJson(p, lines, label = 'stdout') {
  const values = [];
  for (const [k, l] of lines.entries()) {
    let c;
    try { c = check(l, { maxDepth: Infinity }); } catch { c = { ok: true }; } // deeper than this checker's stack: JSON.parse judges

    let jsOk = true;
    try { JSON.parse(l.toString('utf8')); } catch { jsOk = false; }
    if (!c.ok || !jsOk) {
      const why = !jsOk ? 'JSON.parse refuses it' : c.error.replace(/ at byte \d+/, '');
      const special = /NaN|Infinity/.test(l.toString('latin1')) ? ' (NaN/Infinity written)' : '';
      p.add(`${label} line is not valid JSON: ${why}${special}`, `${label} line ${k + 1}: ${show(l)}`);
      values.push(undefined);
    } else values.push(ref(l));
  }
  return values;
}

// ---------------------------------------------------------------------------------------------------
// the corpus: items shared by every tool (documents, mutants, hand-written cases), wrapped per tool

const gen = new Generator(SEED);
const mutator = new Mutator(SEED + 1);
const pick = rng(SEED + 2);

/** item: {type: 'doc', doc, origin, docValid} | {type: 'line-mutant', doc, kind} | {type: 'line-case', buf, caseKind, origin} */
function buildItems(n) {
  const items = [];
  const cases = VALUE_CASES.map(([name, bytes, valid]) => ({ type: 'doc', doc: bytes, origin: `case ${name}`, docValid: valid }));
  const lineCases = LINE_CASES.map(([name, bytes, kind]) => ({ type: 'line-case', buf: bytes, caseKind: kind, origin: `case ${name}` }));
  const special = [...cases, ...lineCases];
  const every = Math.max(2, Math.floor(n / (special.length + 1)));
  for (let i = 0; items.length < n || special.length; i++) {
    if (special.length && i % every === every - 1) { items.push(special.shift()); continue; }
    const r = pick();
    const doc = Buffer.from(r < 0.02 ? gen.deep(20 + pick.int(200)) : gen.value(0, 5), 'utf8');
    if (r < 0.5) items.push({ type: 'doc', doc, origin: 'generated', docValid: true });
    else if (r < 0.8) {
      const m = mutator.mutate(doc);
      const kind = m.kind === 'invalid UTF-8' ? `invalid UTF-8: ${mutator.lastUtf8Class}` : m.kind;
      items.push({ type: 'doc', doc: m.buf, origin: `mutation ${kind}`, docValid: check(m.buf).ok });
    } else if (r < 0.97) items.push({ type: 'line-mutant', doc, kind: null });
    else items.push({ type: 'line-case', buf: Buffer.from(pick.pick(['', ' ', '  \t', '\r', ' \r'])), caseKind: 'blank', origin: 'blank line' });
  }
  return items;
}
const ITEMS = buildItems(LINES);

/** a JSON object text from [key, valueText] members, with insignificant whitespace on some lines */
function obj(members, r) {
  const spaced = r.chance(0.2);
  const ws = () => (spaced ? r.pick(['', ' ', '\t', '\r', ' \t ', '  ']) : '');
  return Buffer.concat([Buffer.from(`{${ws()}`), ...members.flatMap(([k, v], j) => [
    Buffer.from(`${j ? `,${ws()}` : ''}"${k}"${ws()}:${ws()}`), Buffer.isBuffer(v) ? v : Buffer.from(String(v)), Buffer.from(ws()),
  ]), Buffer.from('}')]);
}
const id = (i) => `"i${String(i).padStart(6, '0')}"`;

/** the record most tools keep: {id, event_timestamp, date, k, v, x} */
function baseRecord(i, doc, r) {
  const k = r.chance(0.1) ? '"\\u0061"' : r.chance(0.1) ? '"b"' : '"a"'; // "\u0061" is "a"
  return obj([['id', id(i)], ['event_timestamp', TS + i], ['date', `"2020-01-${String(6 + (i % 20)).padStart(2, '0')}"`], ['k', k], ['v', doc], ['x', 1 + (i % 9)]], r);
}

/**
 * The lines of one tool's file: [{buf, cat, origin, no}] with cat G (a valid record made to be kept),
 * V (a valid object made by a mutation: any tool-specific outcome but malformed), N (valid JSON, not
 * an object), X (invalid), B (blank). Decided by the reference checker, not by how the line was made.
 */
function buildLines(wrap, seed) {
  const r = rng(seed), m = new Mutator(seed + 7);
  const lines = [];
  ITEMS.forEach((it, i) => {
    let buf, origin, intended;
    if (it.type === 'doc') { buf = wrap(i, it.doc, r); origin = it.origin; intended = it.docValid; }
    else if (it.type === 'line-mutant') {
      const mm = m.mutate(wrap(i, it.doc, r));
      buf = mm.buf; origin = `line mutation ${mm.kind === 'invalid UTF-8' ? `invalid UTF-8: ${m.lastUtf8Class}` : mm.kind}`; intended = false;
    } else { buf = it.buf; origin = it.origin; intended = it.caseKind === 'object'; }
    let cat;
    if (/^[ \t\r]*$/.test(buf.toString('latin1'))) cat = 'B';
    else {
      const v = ref(buf);
      cat = v === undefined ? 'X' : !(v instanceof Map) ? 'N' : intended && it.type === 'doc' ? 'G' : 'V';
      if (cat === 'G' && r.chance(0.08)) buf = Buffer.concat([buf, Buffer.from('\r')]); // a CRLF line
    }
    lines.push({ buf, cat, origin, no: i + 1, value: cat === 'G' || cat === 'V' ? ref(buf) : undefined });
  });
  return lines;
}

function writeLines(file, lines) {
  fs.writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l.buf, Buffer.from('\n')])));
  return file;
}

const field = (l, k) => (l.value instanceof Map ? l.value.get(k) : undefined);
const str = (v) => (typeof v === 'string' ? v : undefined);

// ---------------------------------------------------------------------------------------------------
// one tool run: the checks every tool shares

const fileNo = { n: 0 };
function runTool(t, lines, { env = {}, extraArgs = [] } = {}) {
  const tag = `${t.name.replace(/\W+/g, '_')}-${fileNo.n++}`;
  const rejects = path.join(dir, `${tag}.rejects`), stats = path.join(dir, `${tag}.stats`);
  const file = t.file;
  t.lastArgs = t.args(file);
  t.otherRejects = [];
  const r = runBin([...t.lastArgs, ...extraArgs, '--rejects', rejects, '--rejects-format', 'json', '--stats-file', stats], { env });
  const rej = fs.existsSync(rejects) ? fs.readFileSync(rejects, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const st = fs.existsSync(stats) ? JSON.parse(fs.readFileSync(stats, 'utf8').trim().split('\n').pop()) : null;
  return { ...r, rejects: rej, stats: st, out: outLines(r.stdout) };
}

/** the shared checks: exit, stderr, stats, rejects line by line, stdout valid JSON; returns
 *  {values: stdout parsed, byNo: rejects by line number, skippedByNeedle} */
function commonChecks(p, t, lines, res) {
  if (res.signal || res.status !== (t.status ?? 0)) p.add(`exit status ${res.status}${res.signal ? ` (signal ${res.signal})` : ''} instead of ${t.status ?? 0}`, show(res.stderr.split('\n').filter((l) => /error|Error/.test(l))[0] ?? res.stderr.split('\n')[0] ?? ''));
  for (const l of res.stderr.split('\n')) if (/: error: |at .*\.js:\d+|RangeError|Maximum call stack/.test(l)) { p.add('the run stopped with an error', show(l)); break; }
  const nonBlank = lines.filter((l) => l.cat !== 'B').length;
  if (!res.stats) p.add('no --stats-file written');
  else {
    if (!(res.stats.in >= nonBlank && res.stats.in <= lines.length) && !t.extraInputs) p.add(`stats in=${res.stats.in}: lines not read (the file has ${nonBlank} non-blank lines)`);
    if (res.stats.rejected !== res.rejects.length) p.add(`stats rejected=${res.stats.rejected} but ${res.rejects.length} lines in --rejects`);
  }
  const byNo = new Map();
  for (const r of res.rejects) {
    if (r.file !== t.file) { t.otherRejects?.push(r); continue; }
    (byNo.get(r.line) ?? byNo.set(r.line, []).get(r.line)).push(r);
  }
  for (const no of byNo.keys()) if (!(no >= 1 && no <= lines.length)) p.add('rejected a line number that is not in the file', `line ${no}`);
  const skippedByNeedle = [];
  for (const l of lines) {
    const rs = byNo.get(l.no) ?? [];
    const ex = () => `line ${l.no} (${l.origin}): ${show(l.buf)}${rs.length ? ` -> ${rs[0].reason}${rs[0].detail ? `: ${rs[0].detail}` : ''}` : ''}`;
    if (rs.length > 1) p.add('a line rejected more than once', ex());
    const r = rs[0];
    if (r) {
      const want = l.buf.toString('utf8'), wantNoCR = stripCR(l.buf).toString('utf8');
      if (r.raw !== want && r.raw !== wantNoCR) p.add('--rejects raw is not the line', `${ex()} raw=${show(String(r.raw))}`);
      if (r.reason === undefined || r.reason === '') p.add('rejected without a reason', ex());
    }
    switch (l.cat) {
      case 'X': case 'N':
        if (!r) {
          if (t.needleSkips?.(l)) { skippedByNeedle.push(l); break; }
          const what = l.cat === 'N' ? 'valid JSON that is not an object not rejected' : 'invalid line not rejected';
          p.add(`${what} [${l.origin}]`, ex());
        } else if (!MALFORMED.has(r.reason)) p.add(`${l.cat === 'N' ? 'non-object' : 'invalid'} line rejected with another reason: ${r.reason}`, ex());
        break;
      case 'G':
        if (r && !t.allowOwn?.(l, r)) p.add(`valid record rejected: ${r.reason}${MALFORMED.has(r.reason) ? ` [${l.origin}]` : ''}`, ex());
        break;
      case 'V':
        if (r && MALFORMED.has(r.reason)) p.add(`valid line (made by ${l.origin.replace(/^line mutation |^mutation /, '')}) rejected as ${r.reason}`, ex());
        break;
      case 'B':
        if (r) p.add('blank or whitespace-only line rejected', ex());
        break;
    }
  }
  const values = checkOutputJson(p, res.out);
  res.values = values;
  return { values, byNo, skippedByNeedle };
}

/** filters: stdout is the kept input lines (or the lines with one member added / a value replaced),
 *  in input order; `keep(line)` says true/false/undefined (unknown: either) */
function checkOrdered(p, lines, res, byNo, relation, keep) {
  const cands = lines.filter((l) => (l.cat === 'G' || l.cat === 'V') && !byNo.has(l.no));
  const byId = new Map();
  for (const l of lines) { const m = /"i\d{6}"/.exec(l.buf.toString('latin1')); if (m && !byId.has(m[0])) byId.set(m[0], l); }
  let j = 0;
  for (const [k, out] of res.out.entries()) {
    let m = -1;
    for (let q = j; q < cands.length; q++) if (relation(cands[q], out)) { m = q; break; }
    if (m < 0) {
      // which input line was it? (every record carries a unique "iNNNNNN" id)
      const idm = /"i\d{6}"/.exec(out.toString('latin1'));
      // an id mangled by a mutation: one of the broken lines, byte for byte or with the tool's change
      const src = (idm && byId.get(idm[0])) || lines.find((l) => (l.cat === 'X' || l.cat === 'N') && (sameBytes(l, out) || addedMember(/"[a-z_]+":("[^"]*"|-?\d+|null)/g)(l, out)));
      const broken = src && (src.cat === 'X' || src.cat === 'N');
      const what = !src ? 'an output line that is no input line'
        : broken ? (sameBytes(src, out) ? 'a broken input line passed to the output' : 'a broken input line passed to the output (changed)')
          : byNo.has(src.no) ? 'an output line for a record that was also rejected' : 'a valid record came out changed (not byte for byte)';
      p.add(what, `stdout line ${k + 1}: ${show(out)}${src && !broken ? `\n           input line ${src.no}: ${show(src.buf)}` : ''}`);
      continue;
    }
    for (; j < m; j++) if (keep(cands[j]) === true) p.add('a record that must be kept is missing (or changed) in the output', `line ${cands[j].no} (${cands[j].origin}): ${show(cands[j].buf)}`);
    const hit = cands[m];
    j = m + 1;
    if (keep(hit) === false) p.add('a record that must be dropped was kept', `line ${hit.no}: ${show(hit.buf)}`);
  }
  for (; j < cands.length; j++) if (keep(cands[j]) === true) p.add('a record that must be kept is missing (or changed) in the output', `line ${cands[j].no} (${cands[j].origin}): ${show(cands[j].buf)}`);
}

const sameBytes = (c, out) => stripCR(c.buf).equals(stripCR(out));
/** out = the input line with one member added (matching `member`, a global regex over latin1 text) */
function addedMember(member) {
  return (c, out) => {
    const a = stripCR(c.buf).toString('latin1'), b = stripCR(out).toString('latin1');
    if (b.length <= a.length || b.length - a.length > 48) return false;
    for (const m of b.matchAll(member)) {
      const s = m.index, e = s + m[0].length;
      if (b[s - 1] === ',' && b.slice(0, s - 1) + b.slice(e) === a) return true;
      if (b[e] === ',' && b.slice(0, s) + b.slice(e + 1) === a) return true;
      if (b.slice(0, s) + b.slice(e) === a) return true;
    }
    return false;
  };
}

/** the SIMD and JavaScript walks agree */
function checkSimdJs(p, a, b) {
  if (!a.stdout.equals(b.stdout)) {
    const la = a.out, lb = b.out;
    let k = 0;
    while (k < la.length && k < lb.length && la[k].equals(lb[k])) k++;
    p.add('stdout differs between the SIMD walk and EVENT_PIPES_SCAN=js', `first at stdout line ${k + 1}: simd=${show(la[k] ?? Buffer.from('(none)'))} js=${show(lb[k] ?? Buffer.from('(none)'))}`);
  }
  const ra = a.rejects.map((r) => `${r.line}:${r.reason}`).join('\n'), rb = b.rejects.map((r) => `${r.line}:${r.reason}`).join('\n');
  if (ra !== rb) {
    const sa = new Set(a.rejects.map((r) => `${r.line}:${r.reason}`)), sb = new Set(b.rejects.map((r) => `${r.line}:${r.reason}`));
    const onlyA = [...sa].filter((x) => !sb.has(x)), onlyB = [...sb].filter((x) => !sa.has(x));
    p.add('rejects differ between the SIMD walk and EVENT_PIPES_SCAN=js', `only simd: ${onlyA.slice(0, 3).join(', ')}; only js: ${onlyB.slice(0, 3).join(', ')}`);
  }
  if (a.status !== b.status) p.add('exit status differs between the SIMD walk and EVENT_PIPES_SCAN=js', `${a.status} vs ${b.status}`);
}

/** group count of valid input values equal (by value) to an output value */
function findEqual(index, v) {
  const exact = index.get(canon(v));
  if (exact) return exact;
  for (const [, e] of index) if (valueEqual(e.value, v)) return e;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// the tools, their records, and what their output must be

const sideFile = path.join(dir, 'side.ndjson');
fs.writeFileSync(sideFile, '{"k":"a","country":"ES"}\n{"k":"zzz","country":"FR"}\n');
const mergeSide = path.join(dir, 'merge-side.ndjson');
fs.writeFileSync(mergeSide, '{"id":"i000003","extra":true}\n{"id":"i000004","extra":[1,2]}\n{"id":"zz","extra":null}\n');
const schemaFile = path.join(dir, 'schema.sql');
fs.writeFileSync(schemaFile, 'CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY NOT NULL, event_timestamp, date, k, v, x);\n');

const kIs = (want) => (l) => { const k = field(l, 'k'); return k === undefined ? undefined : k === want; };
const valid = (l) => l.cat === 'G' || l.cat === 'V';
const accepted = (lines, byNo) => lines.filter((l) => valid(l) && !byNo.has(l.no));

const TOOLS = [
  {
    name: 'where k=a', wrap: baseRecord, args: (f) => ['where', 'k=a', '-i', f],
    check: (p, lines, res, byNo) => checkOrdered(p, lines, res, byNo, sameBytes, (l) => { const k = field(l, 'k'); return typeof k === 'string' ? k === 'a' : undefined; }),
  },
  {
    name: 'where k!=zzz', wrap: baseRecord, args: (f) => ['where', 'k!=zzz', '-i', f],
    check: (p, lines, res, byNo) => checkOrdered(p, lines, res, byNo, sameBytes, (l) => { const k = field(l, 'k'); return typeof k === 'string' ? k !== 'zzz' : undefined; }),
  },
  {
    name: 'dedupe --key id', wrap: baseRecord, args: (f) => ['dedupe', '--key', 'id', '-i', f],
    check: (p, lines, res, byNo) => {
      const seen = new Set();
      const first = new Set();
      for (const l of lines) if (valid(l)) { const v = field(l, 'id'); if (v === undefined) continue; const c = canon(v); if (!seen.has(c)) { seen.add(c); first.add(l.no); } }
      checkOrdered(p, lines, res, byNo, sameBytes, (l) => (field(l, 'id') === undefined ? undefined : first.has(l.no)));
    },
  },
  {
    name: 'validate --require k', wrap: baseRecord, args: (f) => ['validate', '--require', 'k', '-i', f],
    check: (p, lines, res, byNo) => checkOrdered(p, lines, res, byNo, sameBytes, (l) => { const k = field(l, 'k'); return k !== undefined && k !== null; }),
  },
  {
    name: 'clip --field x --max 0',
    wrap: (i, doc, r) => obj([['id', id(i)], ['k', '"a"'], ['v', doc], ['x', r.pick(['1', '0', '-1', '2.5', '0.0', '-0', '1e2', '-1E-2', '7', '12345678901234567890', '1E400', '-1E400'])]], r),
    args: (f) => ['clip', '--field', 'x', '--max', '0', '-i', f],
    check: (p, lines, res, byNo) => {
      const positive = (x) => x instanceof Num && !x.neg && !x.zero;
      const relation = (c, out) => {
        const x = field(c, 'x');
        if (sameBytes(c, out)) {
          if (positive(x)) p.add('clip: a value above --max passed unclipped', `line ${c.no}: ${show(c.buf)}`);
          return true;
        }
        if (!positive(x)) return false;
        const a = stripCR(c.buf), b = stripCR(out);
        const [s, e] = parse(a, { spans: true }).spans.get('x');
        if (!b.subarray(0, s).equals(a.subarray(0, s)) || !b.subarray(b.length - (a.length - e)).equals(a.subarray(e))) return false;
        const mid = ref(b.subarray(s, b.length - (a.length - e)));
        return mid instanceof Num && mid.zero;
      };
      checkOrdered(p, lines, res, byNo, relation, (l) => (field(l, 'x') instanceof Num ? true : undefined));
    },
  },
  {
    name: 'to-local-date --tz UTC', wrap: baseRecord, args: (f) => ['to-local-date', '--tz', 'UTC', '--as', 'local_date', '-i', f],
    check: (p, lines, res, byNo) => checkOrdered(p, lines, res, byNo, addedMember(/"local_date":"\d{4}-\d\d-\d\d"/g), (l) => (l.cat === 'G' ? true : undefined)),
  },
  {
    name: 'join --side', wrap: baseRecord, args: (f) => ['join', '--side', sideFile, '--on', 'k', '--fields', 'country', '-i', f],
    check: (p, lines, res, byNo) => {
      checkOrdered(p, lines, res, byNo, addedMember(/"country":("ES"|"FR"|null)/g), (l) => (l.cat === 'G' ? true : undefined));
      // "\u0061" is "a": it must find the side record of "a"
      const want = new Map(lines.filter((l) => l.cat === 'G' && !byNo.has(l.no)).map((l) => [canon(field(l, 'id')), field(l, 'k') === 'a' ? 'ES' : null]));
      for (const v of res.values) {
        const w = v instanceof Map ? want.get(canon(v.get('id'))) : undefined;
        if (w !== undefined && v.get('country') !== w) p.add('join: the side record not found by the key\'s value (escaped key value?)', `id ${v.get('id')}: country=${JSON.stringify(v.get('country'))}, want ${JSON.stringify(w)}`);
      }
    },
  },
  {
    name: 'subscription-status',
    wrap: (i, doc, r) => obj([['id', id(i)], ['occurred_at', '"2020-01-05T00:00:00Z"'], ['registration_at', '"2020-01-01T00:00:00Z"'], ['v', doc]], r),
    args: (f) => ['subscription-status', '-i', f],
    check: (p, lines, res, byNo) => checkOrdered(p, lines, res, byNo, addedMember(/"subscription_status":("free"|"trial"|"subscribed"|"lapsed"|null)/g), (l) => (l.cat === 'G' ? true : undefined)),
  },
  {
    name: 'top --by x', wrap: baseRecord, args: (f) => ['top', '--by', 'x', '-n', '1000000', '--key', 'id', '-i', f],
    check: (p, lines, res, byNo) => {
      const rel = addedMember(/"rank":\d+/g);
      const pool = accepted(lines, byNo);
      const used = new Set();
      for (const [k, out] of res.out.entries()) {
        const hit = pool.find((c) => !used.has(c.no) && rel(c, out));
        if (!hit) p.add('top: an output line that is no input line plus its rank', `stdout line ${k + 1}: ${show(out)}`);
        else used.add(hit.no);
      }
      for (const c of pool) if (c.cat === 'G' && !used.has(c.no)) p.add('top: a record is missing from the output', `line ${c.no}: ${show(c.buf)}`);
    },
  },
  {
    name: 'filter-engaged',
    wrap: (i, doc, r) => {
      const m = i % 3;
      if (m === 0) return obj([['id', id(i)], ['event_name', '"user_engagement"'], ['event_timestamp', TS + i], ['engagement_time_msec', r.pick(['5000', '3000', '12345678'])], ['v', doc]], r);
      if (m === 1) return obj([['id', id(i)], ['event_date', '"20191229"'], ['event_timestamp', TS + i], ['event_name', '"user_engagement"'],
        ['event_params', Buffer.concat([Buffer.from('[{"key":"ga_session_id","value":{"int_value":"1577"}},{"key":"extra","value":'), doc,
          Buffer.from('},{"key":"engagement_time_msec","value":{"int_value":"5000"}}]')])]], r);
      return obj([['id', id(i)], ['event_name', '"page_view"'], ['event_timestamp', TS + i], ['v', doc]], r);
    },
    args: (f) => ['filter-engaged', '-i', f],
    // a needle tool may skip lines that cannot match without reporting them: no "user_engagement" and
    // no backslash (which could spell it with escapes)
    needleSkips: (l) => !l.buf.includes('"user_engagement"') && !l.buf.includes('\\'),
    check: (p, lines, res, byNo, extra) => {
      checkOrdered(p, lines, res, byNo, sameBytes, (l) => (l.cat === 'G' ? field(l, 'event_name') === 'user_engagement' : undefined));
      if (extra.skippedByNeedle.length) console.log(`  filter-engaged: ${extra.skippedByNeedle.length} broken line(s) that cannot match skipped without a report (allowed: needle)`);
    },
  },
  {
    name: 'filter-engaged --check-all',
    wrap: (i, doc, r) => {
      const m = i % 3;
      if (m === 0) return obj([['id', id(i)], ['event_name', '"user_engagement"'], ['event_timestamp', TS + i], ['engagement_time_msec', r.pick(['5000', '3000', '12345678'])], ['v', doc]], r);
      if (m === 1) return obj([['id', id(i)], ['event_date', '"20191229"'], ['event_timestamp', TS + i], ['event_name', '"user_engagement"'],
        ['event_params', Buffer.concat([Buffer.from('[{"key":"ga_session_id","value":{"int_value":"1577"}},{"key":"extra","value":'), doc,
          Buffer.from('},{"key":"engagement_time_msec","value":{"int_value":"5000"}}]')])]], r);
      return obj([['id', id(i)], ['event_name', '"page_view"'], ['event_timestamp', TS + i], ['v', doc]], r);
    },
    args: (f) => ['filter-engaged', '--check-all', '-i', f],
    // --check-all: every line read by the grammar, the broken ones reported like any tool's
    check: (p, lines, res, byNo, extra) => {
      checkOrdered(p, lines, res, byNo, sameBytes, (l) => (l.cat === 'G' ? field(l, 'event_name') === 'user_engagement' : undefined));
    },
  },
  {
    name: 'count-by k', wrap: baseRecord, args: (f) => ['count-by', 'k', '-i', f],
    check: (p, lines, res, byNo) => {
      const acc = accepted(lines, byNo);
      let sum = 0;
      const keys = new Set();
      for (const v of res.values) {
        if (!(v instanceof Map)) continue;
        const c = v.get('count');
        sum += c instanceof Num ? Number(c.raw) : NaN;
        const ck = canon(v.get('k') ?? null);
        if (keys.has(ck)) p.add('count-by: two groups for one key value (escaped spelling of a key value counted apart?)', `k=${show(ck)}`);
        keys.add(ck);
      }
      if (sum !== acc.length) p.add('count-by: the counts do not add up to the valid records', `sum of counts ${sum}, valid records ${acc.length}`);
    },
  },
  {
    name: 'count-by v (nested values as keys)', wrap: baseRecord, args: (f) => ['count-by', 'v', '-i', f],
    check: (p, lines, res, byNo) => {
      const acc = accepted(lines, byNo);
      const index = new Map();
      for (const l of acc) { const v = field(l, 'v') ?? null; const c = canon(v); if (!index.has(c)) index.set(c, { value: v, line: l }); }
      let sum = 0;
      const outs = [];
      for (const [k, v] of res.values.entries()) {
        if (!(v instanceof Map)) continue;
        const c = v.get('count');
        sum += c instanceof Num ? Number(c.raw) : NaN;
        const key = v.has('v') ? v.get('v') : null;
        outs.push(key);
        if (!findEqual(index, key)) p.add('count-by: a key that is no input value (changed value)', `stdout line ${k + 1}: ${show(res.out[k])}`);
      }
      if (sum !== acc.length) p.add('count-by: the counts do not add up to the valid records', `sum ${sum}, valid records ${acc.length}`);
      const outIndex = new Map(outs.map((v) => [canon(v), { value: v }]));
      for (const [, e] of index) if (!findEqual(outIndex, e.value)) p.add('count-by: an input value has no group (its key came out changed)', `line ${e.line.no}: v=${show(e.line.buf.subarray(0, 200))}`);
    },
  },
  {
    name: 'count-by --partial', wrap: baseRecord, args: (f) => ['count-by', 'k', '--partial', '-a', 'n=count()', '-a', 'd=distinct(v)', '-a', 'lo=min(x)', '-a', 'hi=max(x)', '-i', f],
  },
  {
    name: 'sessionize --key k', wrap: baseRecord, args: (f) => ['sessionize', '--key', 'k', '--time', 'event_timestamp', '-i', f],
    check: (p, lines, res, byNo) => {
      const acc = accepted(lines, byNo);
      let pings = 0;
      for (const v of res.values) if (v instanceof Map) pings += Number(v.get('pings')?.raw);
      if (pings !== acc.length) p.add('sessionize: pings do not add up to the valid records', `pings ${pings}, valid records ${acc.length}`);
      const users = res.values.filter((v) => v instanceof Map).map((v) => canon(v.get('user_id')));
      const byUser = new Set(users);
      if (byUser.size > 2 + acc.filter((l) => l.cat === 'V').length) p.add('sessionize: more users than key values (escaped "\\u0061" apart from "a"?)', [...byUser].slice(0, 5).join(' '));
    },
  },
  {
    name: 'sessionize --key v (nested values as ids)', wrap: baseRecord, args: (f) => ['sessionize', '--key', 'v', '--time', 'event_timestamp', '--gap', '100000', '-i', f],
    allowOwn: (l, r) => field(l, 'v') === null && /missing/.test(r.reason),
    check: (p, lines, res, byNo) => {
      const acc = accepted(lines, byNo);
      const index = new Map();
      for (const l of acc) { const v = field(l, 'v') ?? null; const c = canon(v); if (!index.has(c)) index.set(c, { value: v, line: l }); }
      let pings = 0;
      for (const [k, v] of res.values.entries()) {
        if (!(v instanceof Map)) continue;
        pings += Number(v.get('pings')?.raw);
        if (!findEqual(index, v.get('user_id') ?? null)) p.add('sessionize: a user_id that is no input value (changed value)', `stdout line ${k + 1}: ${show(res.out[k])}`);
      }
      if (pings !== acc.length) p.add('sessionize: pings do not add up to the valid records', `pings ${pings}, valid records ${acc.length}`);
    },
  },
  {
    name: 'final-action',
    wrap: (i, doc, r) => obj([['user_uid', `"u${i % 13}"`], ['reel_uid', `"r${i % 7}"`], ['timestamp', TS + i], ['event_name', (i * 7) % 3 ? '"reel_liked"' : '"reel_unliked"'], ['v', doc]], r),
    args: (f) => ['final-action', '-i', f],
    check: (p, lines, res, byNo) => {
      const groups = new Map();
      for (const l of lines) if (valid(l) && !byNo.has(l.no)) {
        const key = canon([field(l, 'user_uid') ?? null, field(l, 'reel_uid') ?? null]);
        (groups.get(key) ?? groups.set(key, []).get(key)).push(l);
      }
      const outs = new Map();
      for (const v of res.values) if (v instanceof Map) outs.set(canon([v.get('user_uid') ?? null, v.get('reel_uid') ?? null]), v);
      for (const [key, ls] of groups) {
        if (!ls.every((l) => l.cat === 'G')) continue;
        const o = outs.get(key);
        if (!o) { p.add('final-action: a pair is missing', key); continue; }
        const last = ls.reduce((a, b) => (Number(field(b, 'timestamp').raw) >= Number(field(a, 'timestamp').raw) ? b : a));
        const liked = field(last, 'event_name') === 'reel_liked';
        if (o.get('liked') !== liked) p.add('final-action: wrong final state (not every record counted?)', `${key}: liked=${o.get('liked')}, want ${liked}`);
      }
    },
  },
  {
    name: 'watch-ratio',
    wrap: (i, doc, r) => obj([['event_name', '"reel_watched"'], ['user_uid', `"u${i % 5}"`], ['reel_uid', `"r${i % 3}"`], ['origin_platform', '"ios"'], ['reel_watch_duration', i % 10], ['reel_duration', 10], ['v', doc]], r),
    args: (f) => ['watch-ratio', '-i', f],
    check: (p, lines, res, byNo) => {
      const acc = accepted(lines, byNo);
      let events = 0;
      for (const v of res.values) if (v instanceof Map) events += Number(v.get('watch_events')?.raw);
      const other = res.stats?.counters?.['other events'] ?? 0;
      if (events + other !== acc.length) p.add('watch-ratio: watch events do not add up to the valid records', `events ${events} + other ${other}, valid ${acc.length}`);
    },
  },
  { name: 'retention', wrap: baseRecord, args: (f) => ['retention', '--user', 'k', '--date', 'date', '-i', f] },
  {
    name: 'anomalies --all', wrap: baseRecord, args: (f) => ['anomalies', '--value', 'x', '--order', 'date', '--all', '-i', f],
    check: (p, lines, res, byNo) => checkValuesById(p, lines, res, byNo, 'anomalies', true),
  },
  {
    name: 'merge-keys', wrap: baseRecord, args: (f) => ['merge-keys', '--key', 'id', '-i', f, '-i', mergeSide], extraInputs: true,
    check: (p, lines, res, byNo) => checkValuesById(p, lines, res, byNo, 'merge-keys', true),
  },
  {
    name: 'reel-interest --key id,v', wrap: baseRecord, args: (f) => ['reel-interest', '--key', 'id,v', '-i', f],
    allowOwn: (l, r) => field(l, 'v') === null && /missing/.test(r.reason),
    check: (p, lines, res, byNo) => checkValuesById(p, lines, res, byNo, 'reel-interest', true),
  },
  {
    name: 'match-points',
    wrap: (i, doc, r) => {
      const m = `"m${String(i >> 1).padStart(6, '0')}"`;
      const data = [['match_id', m], ['home_user_id', `"p${i >> 1}"`], ['away_user_id', `"q${i >> 1}"`], ['v', doc]];
      if (i % 2) data.push(['home_goals_scored', i % 4], ['away_goals_scored', i % 3]);
      return obj([['event_type', '"match"'], ['event_timestamp', TS + i], ['event_data', obj(data, r)]], r);
    },
    args: (f) => ['match-points', '-i', f],
    allowOwn: (l, r) => /^match|player/.test(r.reason),
    check: (p, lines, res, byNo) => {
      const groups = new Map();
      for (const l of lines) if (valid(l)) {
        const d = field(l, 'event_data');
        const mid = d instanceof Map ? d.get('match_id') : undefined;
        if (typeof mid === 'string') (groups.get(mid) ?? groups.set(mid, []).get(mid)).push(l);
      }
      const outs = new Map();
      for (const v of res.values) if (v instanceof Map) { const mid = v.get('match_id'); outs.set(mid, (outs.get(mid) ?? 0) + 1); }
      for (const [mid, ls] of groups) {
        if (ls.length !== 2 || !ls.every((l) => l.cat === 'G') || (ls[0].no >> 0) + 1 !== ls[1].no || ls[0].no % 2 !== 1) continue;
        if (outs.get(mid) !== 2) p.add('match-points: a complete match did not give two player records', `${mid}: ${outs.get(mid) ?? 0} records; lines ${ls.map((l) => l.no).join(',')}`);
      }
    },
  },
  {
    name: 'load-sqlite', wrap: baseRecord,
    args: (f) => ['load-sqlite', '--db', path.join(dir, `load-${fileNo.n}.db`), '--table', 't', '--key', 'id', '--schema', schemaFile, '-i', f],
    // a string holding an escaped lone surrogate ("\uD800": valid JSON) has no UTF-8 form to store:
    // rejected with that reason, never stored altered
    allowOwn: (l, r) => r.reason === 'bad string' && anyLoneSurrogate(l.value),
    check: (p, lines, res, byNo, extra, t) => checkSqlite(p, lines, byNo, t.lastArgs[2]),
  },
  {
    name: 'to-parquet', wrap: baseRecord,
    args: (f) => ['to-parquet', path.join(dir, `out-${fileNo.n}.parquet`), '--types', 'v=json', '-i', f],
    allowOwn: (l, r) => r.reason === 'bad string' && anyLoneSurrogate(l.value),
  },
];

/** where two values differ: "path: want X, got Y" (or '' when equal) */
function diffPath(want, got, at = 'v') {
  const txt = (v) => (v instanceof Num ? v.raw : v instanceof Map ? `{${v.size} members}` : Array.isArray(v) ? `[${v.length} items]` : JSON.stringify(v));
  if (want instanceof Map && got instanceof Map) {
    for (const [k, v] of want) { if (!got.has(k)) return `${at}.${JSON.stringify(k)} missing (keys out: ${[...got.keys()].map((x) => JSON.stringify(x)).join(',').slice(0, 80)})`; const d = diffPath(v, got.get(k), `${at}.${JSON.stringify(k)}`); if (d) return d; }
    for (const k of got.keys()) if (!want.has(k)) return `${at}.${JSON.stringify(k)} added`;
    return '';
  }
  if (Array.isArray(want) && Array.isArray(got) && want.length === got.length) {
    for (let k = 0; k < want.length; k++) { const d = diffPath(want[k], got[k], `${at}[${k}]`); if (d) return d; }
    return '';
  }
  return valueEqual(want, got) ? '' : `${at}: in ${txt(want)}, out ${txt(got)}`;
}

/** tools that re-serialize the record: the record of each id comes out with v equal by value */
function checkValuesById(p, lines, res, byNo, name, all) {
  const byId = new Map();
  const dup = new Set();
  for (const l of lines) if (valid(l)) { const i = str(field(l, 'id')); if (i === undefined) continue; if (byId.has(i)) dup.add(i); byId.set(i, l); }
  const seen = new Set();
  for (const [k, v] of res.values.entries()) {
    if (!(v instanceof Map)) continue;
    const i = str(v.get('id'));
    const l = byId.get(i);
    if (!l || dup.has(i) || l.cat !== 'G') continue;
    seen.add(i);
    const want = field(l, 'v') ?? null, got = v.has('v') ? v.get('v') : null;
    if (!valueEqual(want, got)) p.add(`${name}: a value came out changed`, `line ${l.no}: ${show(diffPath(want, got), 300)}`);
  }
  if (all) for (const [i, l] of byId) if (l.cat === 'G' && !dup.has(i) && !byNo.has(l.no) && !seen.has(i)) p.add(`${name}: a record is missing from the output`, `line ${l.no}: ${show(l.buf)}`);
}

/** load-sqlite: read the table back; each valid record's v is stored faithfully */
function checkSqlite(p, lines, byNo, db) {
  if (!fs.existsSync(db)) { p.add('load-sqlite: no database'); return; }
  const Database = require('better-sqlite3');
  const d = new Database(db, { readonly: true });
  d.defaultSafeIntegers(true);
  const rows = new Map(d.prepare('SELECT id, v, typeof(v) AS ty FROM t').all().map((r) => [r.id, r]));
  d.close();
  let surrogates = 0;
  for (const l of lines) {
    if (l.cat !== 'G' || byNo.has(l.no)) continue;
    const i = str(field(l, 'id'));
    const row = rows.get(i);
    if (!row) { p.add('load-sqlite: a valid record is not in the table', `line ${l.no}: ${show(l.buf)}`); continue; }
    const want = field(l, 'v') ?? null, got = row.v;
    const bad = (why, d) => p.add(`load-sqlite: ${why}`, `line ${l.no}: ${d ? show(d, 300) : `v=${show(String(l.buf.toString('latin1').match(/"v":(.{0,60})/s)?.[1]))} stored ${row.ty} ${show(String(got).slice(0, 80))}`}`);
    if (anyLoneSurrogate(want)) { surrogates++; continue; } // an escaped lone surrogate cannot be stored as UTF-8 text
    if (want === null) { if (got !== null) bad('null stored as a value'); continue; }
    if (want === true || want === false) { if (!(got === BigInt(want ? 1 : 0) || got === (want ? 1 : 0) || got === String(want))) bad('a boolean changed'); continue; }
    if (typeof want === 'string') { if (got !== want) bad('a string changed'); continue; }
    if (want instanceof Num) {
      let n;
      if (typeof got === 'bigint') n = new Num(String(got));
      else if (typeof got === 'number') n = Number.isFinite(got) ? fromJs(got) : null;
      else if (typeof got === 'string') { const v = ref(Buffer.from(got)); n = v instanceof Num ? v : null; }
      if (!n) { bad(typeof got === 'number' ? 'a number stored as Infinity/NaN' : 'a number not stored as a number'); continue; }
      if (!valueEqual(want, n)) bad(typeof got === 'number' ? 'a number lost precision (REAL)' : 'a number changed');
      continue;
    }
    const v = typeof got === 'string' ? ref(Buffer.from(got, 'utf8')) : undefined;
    if (v === undefined) bad('an object/array not stored as JSON text');
    else if (!valueEqual(want, v)) bad('an object/array changed', diffPath(want, v));
  }
  // and as a user reads it back: query-sqlite writes every row as valid JSON (no Infinity/NaN)
  const q = runBin(['query-sqlite', '--db', db, 'SELECT * FROM t ORDER BY id']);
  if (q.status !== 0) p.add(`query-sqlite: exit ${q.status}`, show(q.stderr.trim().split('\n').pop() ?? ''));
  checkOutputJson(p, outLines(q.stdout), 'query-sqlite');
  if (surrogates) console.log(`  load-sqlite: ${surrogates} value(s) with escaped lone surrogates not compared (not storable as UTF-8 text)`);
}

// build each tool's file
for (const [k, t] of TOOLS.entries()) {
  t.lines = buildLines(t.wrap, SEED + 100 + k);
  t.file = writeLines(path.join(dir, `${t.name.replace(/\W+/g, '_')}.ndjson`), t.lines);
}

// ---------------------------------------------------------------------------------------------------
// the reference itself

/** the reference's value against JSON.parse's (numbers as the nearest double) */
function sameAsJs(mine, js) {
  if (mine instanceof Num) return typeof js === 'number' && Object.is(Number(mine.raw), js);
  if (Array.isArray(mine)) return Array.isArray(js) && mine.length === js.length && mine.every((x, k) => sameAsJs(x, js[k]));
  if (mine instanceof Map) {
    if (!js || typeof js !== 'object' || Array.isArray(js) || Object.keys(js).length !== mine.size) return false;
    for (const [k, v] of mine) if (!Object.prototype.hasOwnProperty.call(js, k) || !sameAsJs(v, js[k])) return false;
    return true;
  }
  return mine === js;
}

test('reference checker: agrees with JSON.parse wherever JSON.parse can judge (valid UTF-8), and with the hand-written cases', () => {
  const p = new Problems('reference checker');
  let judged = 0, invalid = 0;
  const kinds = new Map();
  const all = TOOLS.flatMap((t) => t.lines);
  for (const l of all) {
    const b = l.buf;
    const decoded = b.toString('utf8');
    const nodeUtf8 = Buffer.from(decoded, 'utf8').equals(b);
    if (isUtf8(b) !== nodeUtf8) p.add('UTF-8 check disagrees with Node\'s decoder', show(b));
    if (!nodeUtf8 || l.cat === 'B') continue;
    let js = true;
    try { JSON.parse(decoded); } catch { js = false; }
    const mine = check(b, { maxDepth: 1e9 }).ok; // JSON.parse has no depth limit
    judged++;
    if (js !== mine) p.add(`reference ${mine ? 'accepts' : 'rejects'} what JSON.parse ${js ? 'accepts' : 'rejects'}`, show(b));
  }
  for (const l of all) if (l.cat === 'X') { invalid++; kinds.set(l.origin, (kinds.get(l.origin) ?? 0) + 1); }
  // every mutation kind and every invalid UTF-8 class made at least one invalid line
  for (const k of Mutator.KINDS.filter((k) => k !== 'invalid UTF-8')) if (![...kinds.keys()].some((o) => o.endsWith(` ${k}`))) p.add(`no invalid line made by mutation "${k}"`);
  for (const cls of Object.keys(BAD_UTF8)) if (![...kinds.keys()].some((o) => o.endsWith(`invalid UTF-8: ${cls}`))) p.add(`no invalid line with UTF-8 class "${cls}"`);
  // hand-written cases: the declared verdict is the reference's
  for (const [name, bytes, ok] of VALUE_CASES) {
    if (check(bytes).ok !== ok) p.add(`value case ${name}: reference says ${!ok}`, show(bytes));
    if (isUtf8(bytes) && !name.startsWith('n_deep')) { let js = true; try { JSON.parse(bytes.toString('utf8')); } catch { js = false; } if (js !== ok) p.add(`value case ${name}: JSON.parse says ${js}`, show(bytes)); }
  }
  for (const [name, bytes, kind] of LINE_CASES) {
    const v = ref(bytes);
    const got = /^[ \t\r]*$/.test(bytes.toString('latin1')) ? 'blank' : v === undefined ? 'invalid' : v instanceof Map ? 'object' : 'non-object';
    if (got !== kind) p.add(`line case ${name}: reference says ${got}`, show(bytes));
  }
  // generated documents: the reference's values are JSON.parse's
  const g = new Generator(SEED + 9);
  for (let k = 0; k < 2000; k++) {
    const text = g.value(0, 6);
    const mine = ref(Buffer.from(text, 'utf8'));
    if (mine === undefined) { p.add('a generated document is invalid', show(text)); continue; }
    if (!sameAsJs(mine, JSON.parse(text))) p.add('reference value differs from JSON.parse', show(text));
  }
  assert.ok(judged > 10000, `judged ${judged}`);
  assert.ok(invalid > 5000, `invalid lines ${invalid}`);
  console.log(`  conformance corpus (seed ${SEED}): ${TOOLS.length} files of ${LINES}+ lines; per file ~${Math.round(all.filter((l) => l.cat === 'G').length / TOOLS.length)} valid records, ~${Math.round(invalid / TOOLS.length)} invalid lines, ~${Math.round(all.filter((l) => l.cat === 'V').length / TOOLS.length)} valid mutants, ~${Math.round(all.filter((l) => l.cat === 'N').length / TOOLS.length)} non-objects`);
  p.done();
});

// ---------------------------------------------------------------------------------------------------
// every tool over its file, SIMD walk and JavaScript walk

for (const t of TOOLS) {
  test(`conformance: ${t.name} (every valid line kept, every broken one rejected, valid output; SIMD = JS)`, async () => {
    const p = new Problems(t.name);
    const a = runTool(t, t.lines);
    const extra = commonChecks(p, t, t.lines, a);
    t.check?.(p, t.lines, a, extra.byNo, extra, t);
    if (t.name === 'to-parquet') await checkParquet(p, t, extra.byNo);
    if (t.name === 'count-by --partial') checkPartialMerge(p, t, a);
    if (t.name === 'merge-keys') for (const r of t.otherRejects ?? []) p.add('merge-keys: a line of the second input rejected', JSON.stringify(r));
    const b = runTool(t, t.lines, { env: { EVENT_PIPES_SCAN: 'js' } });
    checkSimdJs(p, a, b);
    p.done();
  });
}

async function checkParquet(p, t, byNo) {
  const file = t.lastArgs[1];
  if (!fs.existsSync(file)) { p.add('to-parquet: no file written'); return; }
  const buf = fs.readFileSync(file);
  const rows = await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length), parsers: { jsonFromBytes: (b) => (b ? Buffer.from(b) : b) } });
  const acc = accepted(t.lines, byNo);
  if (rows.length !== acc.length) p.add('to-parquet: rows written differ from the valid records', `${rows.length} rows, ${acc.length} valid records`);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const l of acc) {
    if (l.cat !== 'G') continue;
    const row = byId.get(str(field(l, 'id')));
    if (!row) { p.add('to-parquet: a valid record has no row', `line ${l.no}`); continue; }
    const want = field(l, 'v') ?? null;
    const got = row.v == null ? null : ref(row.v);
    if (got === undefined) p.add('to-parquet: a JSON column value is not valid JSON', `line ${l.no}: ${show(row.v)}`);
    else if (!valueEqual(want, got)) p.add('to-parquet: a value came out changed', `line ${l.no}: ${show(diffPath(want, got), 300)}`);
  }
}

/** count-by --partial states are valid JSON and merge to the one-pass answer; --merge reads its own
 *  input by the grammar too (mutated states rejected, the rest merged) */
function checkPartialMerge(p, t, partial) {
  const aggs = ['-a', 'n=count()', '-a', 'd=distinct(v)', '-a', 'lo=min(x)', '-a', 'hi=max(x)'];
  const direct = runBin(['count-by', 'k', ...aggs, '-i', t.file]);
  checkOutputJson(p, outLines(direct.stdout), 'one-pass stdout');
  const pf = path.join(dir, 'partial.ndjson');
  fs.writeFileSync(pf, partial.stdout);
  const merged = runBin(['count-by', 'k', '--merge', ...aggs, '-i', pf]);
  if (merged.status !== 0) p.add(`count-by --merge exit ${merged.status}`, show(merged.stderr));
  if (!merged.stdout.equals(direct.stdout)) p.add('count-by --partial | --merge differs from one pass', `merge ${show(merged.stdout.subarray(0, 200))} / one pass ${show(direct.stdout.subarray(0, 200))}`);
  // --merge over mutated states
  const m = new Mutator(SEED + 55);
  const states = outLines(partial.stdout).filter((l) => ref(l) instanceof Map);
  if (!states.length) return;
  const lines = [];
  for (let k = 0; k < 60; k++) { // state lines are big (the distinct sets): a few dozen mutants
    const s = states[k % states.length];
    const buf = k % 3 ? m.mutate(s).buf : s;
    const v = ref(buf);
    lines.push({ buf, no: k + 1, origin: k % 3 ? 'mutated state' : 'state', cat: v === undefined ? 'X' : !(v instanceof Map) ? 'N' : k % 3 ? 'V' : 'G', value: v });
  }
  const mt = { name: 'count-by --merge', file: writeLines(path.join(dir, 'merge-input.ndjson'), lines), args: (f) => ['count-by', 'k', '--merge', ...aggs, '-i', f] };
  const res = runTool(mt, lines);
  const sub = new Problems('count-by --merge over mutated states');
  commonChecks(sub, mt, lines, res);
  for (const [g, e] of sub.groups) for (let k = 0; k < e.n; k++) p.add(`--merge: ${g}`, e.ex[Math.min(k, e.ex.length - 1)]);
}

test('needle on/off: filter-engaged keeps the same records when no line can be skipped by its needle (a leading escaped member makes every line a candidate)', () => {
  const p = new Problems('filter-engaged needle on/off');
  const t = TOOLS.find((x) => x.name === 'filter-engaged');
  const member = Buffer.from('"_n":"\\/"');
  const candidate = (b) => {
    if (b[0] !== 0x7b) return b; // lines that do not start with '{' stay as they are
    let i = 1;
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0d)) i++;
    return Buffer.concat([Buffer.from('{'), member, Buffer.from(b[i] === 0x7d ? '' : ','), b.subarray(1)]);
  };
  const lines = t.lines.map((l) => ({ ...l, buf: candidate(l.buf) }));
  const file = writeLines(path.join(dir, 'needle-off.ndjson'), lines);
  const needleOn = runTool(t, t.lines);
  const needleOff = runTool({ ...t, file }, lines);
  const want = needleOn.out.map((b) => candidate(b).toString('latin1'));
  const got = needleOff.out.map((b) => b.toString('latin1'));
  if (want.join('\n') !== got.join('\n')) {
    const a = new Set(want), b = new Set(got);
    const onlyOn = want.filter((x) => !b.has(x)), onlyOff = got.filter((x) => !a.has(x));
    p.add('kept records differ with the needle on and off', `only with the needle: ${onlyOn.length} (e.g. ${show(Buffer.from(onlyOn[0] ?? '', 'latin1'))}); only without: ${onlyOff.length} (e.g. ${show(Buffer.from(onlyOff[0] ?? '', 'latin1'))})`);
  }
  const on = new Map(needleOn.rejects.map((r) => [r.line, r.reason])), off = new Map(needleOff.rejects.map((r) => [r.line, r.reason]));
  for (const [no, reason] of on) if (off.get(no) !== reason) p.add('a line rejected with the needle is not rejected the same without it', `line ${no}: ${reason} / ${off.get(no) ?? 'accepted'}`);
  for (const [no, reason] of off) {
    if (on.has(no)) continue;
    const l = t.lines[no - 1];
    if (!(l.cat === 'X' || l.cat === 'N') || !t.needleSkips(l)) p.add('a line rejected only without the needle, and not one the needle may skip', `line ${no} (${l.cat}, ${l.origin}): ${reason}`);
  }
  p.done();
});

// ---------------------------------------------------------------------------------------------------
// the issue's regressions, one by one

/** run `args` over `text` (Buffer; written to a file) and return the run with its rejects */
function runText(name, args, text, { env = {}, stdin = false } = {}) {
  const file = path.join(dir, `${name.replace(/\W+/g, '_')}-${fileNo.n++}.ndjson`);
  fs.writeFileSync(file, text);
  const rejects = `${file}.rejects`;
  const r = stdin
    ? runBin([...args, '--rejects', rejects, '--rejects-format', 'json'], { env, input: text })
    : runBin([...args, '-i', file, '--rejects', rejects, '--rejects-format', 'json'], { env });
  const rej = fs.existsSync(rejects) ? fs.readFileSync(rejects, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  return { ...r, file, rejects: rej, out: outLines(r.stdout) };
}
const lineBuf = (ls) => Buffer.concat(ls.flatMap((l) => [Buffer.isBuffer(l) ? l : Buffer.from(l, 'utf8'), Buffer.from('\n')]));

const rec = (v, extra = '') => Buffer.concat([Buffer.from(`{"id":"r${fileNo.n++}","event_timestamp":${TS},"k":"a","v":`), Buffer.isBuffer(v) ? v : Buffer.from(v, 'latin1'), Buffer.from(`,"x":1${extra}}`)]);
const FILTERS = [['where', 'k=a'], ['where', 'k!=zzz'], ['dedupe', '--key', 'id'], ['clip', '--field', 'x', '--max', '5'], ['validate', '--require', 'k']];
const PASS = [...FILTERS, ['to-local-date', '--tz', 'UTC', '--as', 'local_date'], ['count-by', 'k']];

test('#7 invalid JSON never passes: where, dedupe, clip, to-local-date, count-by (and validate) reject each malformed document, SIMD and JS', () => {
  const p = new Problems('#7 invalid JSON passes through');
  const bad = [
    rec('[1 true]'), rec('[,1]'), Buffer.from(`{"id":"q1","k":"a","event_timestamp":${TS},"x" "y"}`), rec('[1:2]'), Buffer.from('0123'), rec('0123'),
    rec('"a\tb"'), rec('"a\x00b"'), rec('"\\x"'), rec(Buffer.from([0x22, 0xc3, 0x28, 0x22])), rec(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])),
    rec(Buffer.from([0x22, 0xc0, 0xaf, 0x22])), rec(Buffer.from([0x22, 0xf4, 0x90, 0x80, 0x80, 0x22])), rec(Buffer.from([0x22, 0xff, 0x22])),
    rec('{"a":1,}'), rec('[1,]'), rec('tru'), rec('-01'), rec('1.'), rec('"\\u12G4"'), rec('NaN'), Buffer.from(`{"id":"q2","k":"a\x01","event_timestamp":${TS},"x":1}`, 'latin1'),
  ];
  const good = () => rec('[1,true,{"a":"\\u00e9"}]');
  const lines = [good()];
  for (const b of bad) lines.push(b, good());
  const text = lineBuf(lines);
  for (const args of PASS) {
    for (const env of [{}, { EVENT_PIPES_SCAN: 'js' }]) {
      const label = `${args.join(' ')}${env.EVENT_PIPES_SCAN ? ' (js)' : ''}`;
      const r = runText('r7', args, text, { env });
      if (r.status !== 0) p.add(`${label}: exit ${r.status}`, show(r.stderr.split('\n')[0]));
      const rejected = new Map(r.rejects.map((x) => [x.line, x.reason]));
      lines.forEach((l, k) => {
        const no = k + 1;
        if (k % 2 === 1 && !MALFORMED.has(rejected.get(no))) p.add(`${label}: a malformed line not rejected as malformed`, `line ${no}: ${show(l)} -> ${rejected.get(no) ?? 'accepted'}`);
        if (k % 2 === 0 && rejected.has(no)) p.add(`${label}: a valid line rejected`, `line ${no}: ${rejected.get(no)}`);
      });
      if (args[0] === 'count-by') {
        const total = r.out.map(ref).reduce((s, v) => s + (v instanceof Map ? Number(v.get('count')?.raw) : 0), 0);
        if (total !== bad.length + 1) p.add(`${label}: counted ${total} records, want ${bad.length + 1}`);
      } else if (r.out.length !== bad.length + 1) p.add(`${label}: ${r.out.length} records out, want the ${bad.length + 1} valid ones`);
    }
  }
  p.done();
});

test('#8 a bad nested value does not abort the run: count-by k / where k!=zzz with k = [1 true]', () => {
  const p = new Problems('#8 a bad nested value aborts the run');
  const text = lineBuf(['{"k":"a","n":1}', '{"k":[1 true],"n":2}', '{"k":"b","n":3}', '{"k":{"x":[1 true]},"n":4}', '{"k":"a","n":5}']);
  for (const args of [['count-by', 'k'], ['where', 'k!=zzz'], ['where', 'k=a'], ['count-by', 'n', '-a', 'd=distinct(k)']]) {
    for (const env of [{}, { EVENT_PIPES_SCAN: 'js' }]) {
      const label = `${args.join(' ')}${env.EVENT_PIPES_SCAN ? ' (js)' : ''}`;
      const r = runText('r8', args, text, { env });
      if (r.status !== 0) p.add(`${label}: exit ${r.status}`, show(r.stderr.trim().split('\n').pop()));
      if (/Expected ',' or ']'/.test(r.stderr) && r.status !== 0) p.add(`${label}: stopped with "Expected ',' or ']'"`);
      const rejected = r.rejects.map((x) => `${x.line}:${x.reason}`).sort().join(' ');
      if (rejected !== '2:malformed JSON 4:malformed JSON') p.add(`${label}: rejects ${rejected || '(none)'}, want lines 2 and 4 as malformed JSON`);
      const outs = r.out.map(ref);
      if (outs.some((v) => v === undefined)) p.add(`${label}: invalid output`, show(r.stdout));
      if (args[1] === 'k') {
        const counts = Object.fromEntries(outs.map((v) => [v.get('k'), Number(v.get('count').raw)]));
        if (counts.a !== 2 || counts.b !== 1 || Object.keys(counts).length !== 2) p.add(`${label}: counts ${JSON.stringify(counts)}, want a=2 b=1`);
      }
      if (args[0] === 'where' && r.out.length !== (args[1] === 'k=a' ? 2 : 3)) p.add(`${label}: ${r.out.length} lines out`);
    }
  }
  p.done();
});

test('#9 no NaN, Infinity or broken strings written: big numbers stay exact tokens in count-by keys, aggregates and sessionize ids', () => {
  const p = new Problems('#9 non-JSON tokens written');
  const keys = ['1E400', '-1E400', '1e-400', '123456789012345678901234567890', '-0', '0.1e1', '"\\u0001"', '"\\ud800"', '"a\\"b"', '"\\u0000x"', '[1E400]', '{"a":1e-400}'];
  const text = lineBuf(keys.flatMap((k, j) => [`{"k":${k},"n":${k.startsWith('"') || k.startsWith('[') || k.startsWith('{') ? j : k},"event_timestamp":${TS + j}}`, `{"k":${k},"n":1,"event_timestamp":${TS + j + 5}}`]));
  const runs = [['count-by', 'k'], ['count-by', 'k', '-a', 'hi=max(n)', '-a', 'lo=min(n)'], ['count-by', 'k', '-a', 's=sum(n)', '-a', 'a=avg(n)', '-a', 'q=p50(n)'],
    ['count-by', 'k', '--partial', '-a', 'd=distinct(n)', '-a', 'hi=max(n)'], ['count-by', 'n', '-a', 'ks=distinct(k)'], ['sessionize', '--key', 'k', '--time', 'event_timestamp'],
    ['merge-keys', '--key', 'k'], ['top', '--by', 'n', '-n', '100', '--key', 'k'],
    ['anomalies', '--value', 'n', '--order', 'event_timestamp', '--all', '--by', 'k']];
  for (const args of runs) {
    const r = runText('r9', args, text);
    const label = args.join(' ');
    if (r.status !== 0) p.add(`${label}: exit ${r.status}`, show(r.stderr.trim().split('\n').pop()));
    const values = checkOutputJson(p, r.out, label);
    const keyName = args[0] === 'sessionize' ? 'user_id' : args[1] === 'n' ? null : 'k';
    if (!keyName || args.includes('--partial')) continue;
    if (args[0] === 'count-by' || args[0] === 'sessionize') {
      for (const k of keys) {
        if (args[0] === 'sessionize' && /^[[{]/.test(k)) continue;
        const want = parse(Buffer.from(k));
        if (!values.some((v) => v instanceof Map && valueEqual(want, v.get(keyName) ?? null))) p.add(`${label}: key ${k} does not come out with its value`, show(r.stdout.subarray(0, 300)));
      }
    }
    if (args.includes('hi=max(n)')) {
      const row = values.find((v) => v instanceof Map && valueEqual(parse(Buffer.from('1E400')), v.get('k')));
      if (!row || !valueEqual(parse(Buffer.from('1E400')), row.get('hi') ?? null)) p.add(`${label}: max of 1E400 is not the original value`, row ? show(stringifyRef(row)) : '(no row)');
    }
  }
  // a raw control character in a key (name or value) is no JSON: rejected, never written
  const raw = lineBuf([Buffer.from('{"k":"a\x01b","n":1}', 'latin1'), Buffer.from('{"k\x01":"a","k":"c"}', 'latin1'), '{"k":"ok","n":2}']);
  for (const args of [['count-by', 'k'], ['sessionize', '--key', 'k', '--time', 'n'], ['count-by', 'k', '-a', 'd=distinct(n)']]) {
    const r = runText('r9raw', args, raw);
    checkOutputJson(p, r.out, args.join(' '));
    const lines = r.rejects.map((x) => `${x.line}:${x.reason}`).sort().join(' ');
    if (lines !== '1:malformed JSON 2:malformed JSON') p.add(`${args.join(' ')}: a raw \\x01 in a key: rejects ${lines || '(none)'}, want lines 1 and 2 malformed`);
  }
  p.done();
});
const stringifyRef = (m) => JSON.stringify(Object.fromEntries([...m].map(([k, v]) => [k, v instanceof Num ? v.raw : v])));

test('#11 escaped keys: lines pass byte for byte through filters, and the key is read by its value', () => {
  const p = new Problems('#11 escaped keys');
  const lines = [
    `{"id":"e1","k":"a","k\\u0041":1,"event_timestamp":${TS},"x":1}`,
    `{"id":"e2","\\u006b":"a","event_timestamp":${TS},"x":1}`,
    `{"\\u0069d":"e3","k":"\\u0061","event_timestamp":${TS},"\\u0078":1}`,
    `{"id":"e4","k":"a","event_timestamp":${TS},"x":1,"s":"\\ud83d\\ude00\\/\\"\\\\"}`,
  ];
  const text = lineBuf(lines);
  for (const env of [{}, { EVENT_PIPES_SCAN: 'js' }]) {
    const js = env.EVENT_PIPES_SCAN ? ' (js)' : '';
    for (const args of [['where', 'k!=zzz'], ['where', 'k=a'], ['dedupe', '--key', 'id'], ['clip', '--field', 'x', '--max', '5'], ['validate', '--require', 'k,id,x']]) {
      const r = runText('r11', args, text, { env });
      const label = args.join(' ') + js;
      if (r.rejects.length) p.add(`${label}: rejected ${r.rejects.map((x) => `${x.line}:${x.reason}`).join(' ')}`);
      if (r.stdout.toString('latin1') !== text.toString('latin1')) p.add(`${label}: output is not the input byte for byte`, show(r.stdout));
    }
    const kA = runText('r11', ['where', 'kA=1'], text, { env });
    if (kA.out.length !== 1 || !kA.out[0].equals(Buffer.from(lines[0]))) p.add(`where kA=1${js}: the key spelled "k\\u0041" is kA`, show(kA.stdout));
    const d = runText('r11', ['to-local-date', '--tz', 'UTC', '--as', 'day'], text, { env });
    const rel = addedMember(/"day":"2019-12-29"/g);
    lines.forEach((l, k) => { if (!d.out[k] || !rel({ buf: Buffer.from(l) }, d.out[k])) p.add(`to-local-date${js}: line ${k + 1} not passed with one member added`, show(d.out[k] ?? '(none)')); });
    const fe = runText('r11', ['filter-engaged'], lineBuf([`{"event_name":"user_\\u0065ngagement","engagement_time_msec":5000,"k\\u0041":1}`, `{"event_name":"user_engagement","engagement_time_msec":5000,"\\u006b":"\\u0041"}`]), { env });
    if (fe.out.length !== 2 || fe.rejects.length) p.add(`filter-engaged${js}: escaped names and keys must pass byte for byte`, `${show(fe.stdout)} rejects ${fe.rejects.length}`);
    const cb = runText('r11', ['count-by', 'k'], text, { env });
    const groups = cb.out.map(ref).filter((v) => v instanceof Map).map((v) => `${v.get('k')}=${v.get('count')?.raw}`).join(' ');
    if (groups !== 'a=4') p.add(`count-by k${js}: groups ${groups}, want a=4 ("\\u006b" is k, "\\u0061" is a)`);
  }
  p.done();
});

test('#15 a UTF-8 BOM at the start of an input is skipped; blank and whitespace-only lines are skipped, not malformed; CRLF lines are fine', () => {
  const p = new Problems('#15 BOM and blank lines');
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const l1 = `{"id":"b1","k":"a","event_timestamp":${TS},"x":1}`, l2 = `{"id":"b2","k":"a","event_timestamp":${TS},"x":2}`;
  const text = Buffer.concat([bom, lineBuf([l1, '   ', '', '\t', ' \t \r', l2])]);
  const crlf = Buffer.from(`${l1}\r\n\r\n${l2}\r\n`);
  for (const args of PASS) {
    const label = args.join(' ');
    for (const [what, input, stdin] of [['file', text, false], ['stdin', text, true], ['CRLF', crlf, false]]) {
      const r = runText('r15', args, input, { stdin });
      if (r.status !== 0) p.add(`${label} (${what}): exit ${r.status}`, show(r.stderr.split('\n')[0]));
      if (r.rejects.length) p.add(`${label} (${what}): rejected ${r.rejects.map((x) => `${x.line}:${x.reason}`).join(' ')}`, show(input.subarray(0, 80)));
      if (args[0] === 'count-by') {
        const v = ref(r.out[0] ?? Buffer.alloc(0));
        if (!(v instanceof Map) || v.get('count')?.raw !== '2') p.add(`${label} (${what}): ${show(r.stdout)}, want count 2`);
      } else if (FILTERS.some((f) => f[0] === args[0]) && args[0] !== 'clip') {
        const out = r.out.map((b) => stripCR(b).toString('utf8'));
        if (out.join('\n') !== `${l1}\n${l2}`) p.add(`${label} (${what}): output ${show(r.stdout)}, want the two records without the BOM`);
      } else if (r.out.length !== 2) p.add(`${label} (${what}): ${r.out.length} records out, want 2`);
    }
    // a BOM at the start of each input file; a BOM anywhere else is no whitespace
    const a = path.join(dir, 'bom-a.ndjson'), b = path.join(dir, 'bom-b.ndjson');
    fs.writeFileSync(a, Buffer.concat([bom, Buffer.from(`${l1}\n`)]));
    fs.writeFileSync(b, Buffer.concat([bom, Buffer.from(`${l2}\n`), bom, Buffer.from(`${l1}\n`)]));
    const rej = path.join(dir, `bom-${fileNo.n++}.rejects`);
    const r = runBin([...args, '-i', a, '-i', b, '--rejects', rej, '--rejects-format', 'json']);
    const rs = fs.existsSync(rej) ? fs.readFileSync(rej, 'utf8').split('\n').filter(Boolean).map((x) => JSON.parse(x)) : [];
    const got = rs.map((x) => `${path.basename(x.file)}:${x.line}:${x.reason}`).join(' ');
    if (got !== 'bom-b.ndjson:2:malformed JSON') p.add(`${label} (two inputs with a BOM each, one mid-file): rejects ${got || '(none)'}, want only bom-b.ndjson:2 malformed`);
  }
  p.done();
});

test('#6 deep nesting: 1000 levels are accepted, deeper than 1024 is one rejected record, never a crash (every tool)', () => {
  const p = new Problems('#6 deep nesting');
  const deep = (n, o, c) => Buffer.from(o.repeat(n) + '1' + c.repeat(n));
  const lines = [
    rec('1'),
    rec(deep(999, '[', ']')), // 1000 levels with the record
    rec(deep(1100, '[', ']')),
    rec(deep(5000, '[', ']')),
    rec(deep(20000, '[', ']')),
    rec(Buffer.from('{"a":'.repeat(20000) + '1' + '}'.repeat(20000))),
    rec(Buffer.from('['.repeat(20000))),
    rec(Buffer.from('{"a":'.repeat(20000))),
    rec('2'),
  ];
  const text = lineBuf(lines);
  const want = '3:malformed JSON 4:malformed JSON 5:malformed JSON 6:malformed JSON 7:malformed JSON 8:malformed JSON';
  const tools = [...PASS, ['filter-engaged'], ['count-by', 'v'], ['sessionize', '--key', 'k'], ['anomalies', '--value', 'x', '--order', 'id', '--all'], ['merge-keys', '--key', 'id'],
    ['reel-interest', '--key', 'id'], ['top', '--by', 'x', '-n', '10', '--key', 'id'], ['join', '--side', sideFile, '--on', 'k', '--fields', 'country'],
    ['load-sqlite', '--db', path.join(dir, 'deep.db'), '--table', 't', '--key', 'id'], ['to-parquet', path.join(dir, 'deep.parquet')], ['retention', '--user', 'k', '--date', 'id'],
    ['final-action', '--key', 'k', '--time', 'event_timestamp'], ['match-points'], ['watch-ratio', '--event', 'x']];
  for (const args of tools) {
    for (const env of [{}, { EVENT_PIPES_SCAN: 'js' }]) {
      const label = `${args[0]}${env.EVENT_PIPES_SCAN ? ' (js)' : ''}`;
      const r = runText('r6', args, text, { env });
      // exit 0, or 1 with the documented reason when the tool's own rules rejected every record
      const allRejected = r.status === 1 && /every record read was rejected/.test(r.stderr);
      if ((r.status !== 0 && !allRejected) || r.signal) p.add(`${label}: exit ${r.status}${r.signal ? ` signal ${r.signal}` : ''}`, show(r.stderr.trim().split('\n').pop() ?? ''));
      if (/RangeError|Maximum call stack|error:/.test(r.stderr)) p.add(`${label}: crashed`, show(r.stderr.trim().split('\n').find((l) => /RangeError|stack|error:/.test(l))));
      const malformed = r.rejects.filter((x) => MALFORMED.has(x.reason)).map((x) => `${x.line}:malformed JSON`).sort().join(' ');
      if (args[0] === 'filter-engaged') {
        if (r.rejects.some((x) => x.line <= 2 || x.line === 9)) p.add(`${label}: a valid line rejected`);
      } else if (malformed !== want) p.add(`${label}: malformed rejects [${malformed}], want lines 3-8`);
      if (r.rejects.some((x) => x.line === 2 && MALFORMED.has(x.reason))) p.add(`${label}: 1000 levels (within the limit of ${MAX_DEPTH}) rejected`);
      checkOutputJson(p, r.out, label);
    }
  }
  p.done();
});

test('join: the side file is read by the grammar too (broken side lines reported with their line numbers, the rest used)', () => {
  const p = new Problems('join side file');
  const side = path.join(dir, 'side-bad.ndjson');
  fs.writeFileSync(side, lineBuf(['{"k":"a","country":"ES"}', '{"k":"b","country":[1 true]}', Buffer.from('{"k":"c","country":"\xff"}', 'latin1'), '{"k":"d","country":"\\x"}', '', '  ', '{"k":"e","country":"PT"}']));
  const r = runText('join-side', ['join', '--side', side, '--on', 'k', '--fields', 'country'], lineBuf(['{"k":"a"}', '{"k":"b"}', '{"k":"e"}']));
  if (r.status !== 0) p.add(`exit ${r.status}`, show(r.stderr.trim().split('\n').pop() ?? ''));
  const sideRejects = r.rejects.filter((x) => x.file === side).map((x) => x.line).join(',');
  const reported = [2, 3, 4].filter((n) => new RegExp(`side-bad\\.ndjson:${n}\\b`).test(r.stderr) || sideRejects.split(',').includes(String(n)));
  if (reported.length !== 3) p.add(`broken side lines reported: ${reported.join(',') || 'none'}, want 2,3,4`, show(r.stderr.slice(0, 300)));
  const out = r.out.map(ref);
  checkOutputJson(p, r.out);
  const countries = out.map((v) => (v instanceof Map ? v.get('country') : undefined));
  if (countries[0] !== 'ES' || countries[1] !== null || countries[2] !== 'PT') p.add(`joined countries ${JSON.stringify(countries)}, want ["ES",null,"PT"]`);
  p.done();
});

test.run();
