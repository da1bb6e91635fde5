// The shared runner every bin calls: options (yargs), --help, input reading, the error policy
// (report, count, skip; --strict; --rejects), --stats, buffered output, EPIPE and exit codes.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import tty from 'node:tty';
import { REORDERING } from './display.js';
import parser from 'yargs-parser';
import type { Options } from 'yargs';
import { CountSink, Output } from './output.js';
import type { BatchWalks, RecordSink } from './output.js';
import { FieldReader, walkObject } from './fields.js';
import type { Edit } from './fields.js';
import { INPUT_ERRORS, readInput } from './input.js';
import { SharedKeyTables } from './keyed.js';
import { Assembly, ChainSink, OpenFailed, Stage, StageError, StrictStop } from './stage.js';
import { PIECE, plan, runParallel } from './parallel.js';
import { KEYED_AUTO_PIECES, dropStarted, startedCount, workerRoom } from './prestart.js';
import { editedWalk, generatedWalk, inScanMemory, memoTaken, scanMark, scanScratch, walkMoved } from './simd-scan.js';
import { fileProblem } from './options.js';
import { UsageError } from './tool.js';
import type { Line, Tool } from './tool.js';

/** the options of tools that read records (input files and the bad-record policy) */
const INPUT_OPTIONS = new Set(['input', 'strict', 'rejects', 'rejects-format', 'max-reports', 'max-reject-rate']);

/** the options every tool shares, without the input ones for a tool that reads nothing */
export function sharedOptions(tool: Tool): Record<string, Options> {
  return tool.readsNothing ? Object.fromEntries(Object.entries(commonOptions).filter(([k]) => !INPUT_OPTIONS.has(k))) : commonOptions;
}

/** the package's version (package.json beside dist/) */
export function version(): string {
  try { return JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version; } catch { return 'unknown'; }
}

export const commonOptions: Record<string, Options> = {
  input: { alias: 'i', type: 'string', array: true, describe: 'input file (repeatable; .gz read transparently; - is stdin)', group: 'Input/output:' },
  strict: { type: 'boolean', default: false, describe: 'fail (exit 1) on the first bad record instead of skipping it', group: 'Bad records:' },
  rejects: { type: 'string', describe: 'append bad records to FILE (raw lines, or JSON with --rejects-format json)', group: 'Bad records:' },
  'rejects-format': { choices: ['raw', 'json'], default: 'raw', describe: 'json: {"file","line","reason","detail","raw"} per rejected record', group: 'Bad records:' },
  'max-reports': { type: 'number', default: 10, describe: 'report at most N bad records on stderr (all are counted)', group: 'Bad records:' },
  stats: { type: 'boolean', default: false, describe: 'print records in/out/rejected, elapsed time and rate on stderr', group: 'Input/output:' },
  'stats-file': { type: 'string', describe: 'append the same figures as one JSON line to FILE', group: 'Input/output:' },
  'line-buffered': { type: 'boolean', default: false, describe: 'flush every output record (default when stdout is a terminal)', group: 'Input/output:' },
  'max-reject-rate': { type: 'number', describe: 'exit 1 when more than this share of the records read (0..1) was rejected (always: when every one was)', group: 'Bad records:' },
};

/**
 * --help: the yargs renderer (loaded only here: importing yargs costs ~100 ms per process), then the
 * examples. Width: the terminal's, else $COLUMNS, else 100; at most 110. cliui cuts a word longer than
 * its column (wrap-ansi with hard: true), so the width is the nearest one (a few narrower first, then
 * wider) at which the wrapped text has exactly the words of the unwrapped one: lines break only
 * between words. Examples are printed one per line (not in yargs' half-width column) and, when too
 * long, continued with ` \` at spaces outside quotes, so each runs as pasted.
 */
async function printHelp(tool: Tool): Promise<void> {
  const { default: yargs } = await import('yargs');
  const render = (wrap: number | null): Promise<string> => yargs([])
    .scriptName(tool.name)
    .usage(`${tool.usage}\n\n${tool.summary}`)
    .options(Object.fromEntries(Object.entries(tool.options).map(([k, v]) => [k, { group: 'Options:', ...v }])))
    .options(sharedOptions(tool))
    .help(false).version('version', 'print the version and exit', version()).exitProcess(false)
    .wrap(wrap).getHelp() as Promise<string>;
  const words = (s: string) => s.split(/\s+/).filter(Boolean).sort().join(' ');
  const cols = (process.stdout.isTTY && process.stdout.columns) || Number(process.env.COLUMNS) || 100;
  const want = Math.max(20, Math.min(110, Math.floor(cols)));
  const whole = words(await render(null));
  // cliui also glues a description to its [type] column at some widths ("terminal)[boolean]"): the
  // same check avoids that; a few narrower widths first, then wider ones
  let width = want, text = await render(width);
  for (let w = want - 1; words(text) !== whole && w >= want - 8 && w >= 20; w--) text = await render(width = w);
  for (let w = want + 1; words(text) !== whole && w <= 400; w++) text = await render(width = w);
  if (words(text) !== whole) { width = want; text = await render(null); }
  // a line: words joined by spaces up to `max` columns (a longer word stands alone)
  const fill = (parts: string[], max: number): string[] => {
    const rows: string[] = [];
    for (const p of parts) {
      if (rows.length && rows[rows.length - 1].length + 1 + p.length <= max) rows[rows.length - 1] += ' ' + p;
      else rows.push(p);
    }
    return rows;
  };
  // a command's pieces between the spaces outside quotes (a break inside quotes would change the word)
  const pieces = (cmd: string): string[] => {
    const out: string[] = [];
    let cur = '', quote = '';
    for (let i = 0; i < cmd.length; i++) {
      const c = cmd[i];
      if (quote) { if (c === quote) quote = ''; else if (c === '\\' && quote === '"' && i + 1 < cmd.length) { cur += c + cmd[++i]; continue; } }
      else if (c === "'" || c === '"') quote = c;
      else if (c === '\\' && i + 1 < cmd.length) { cur += c + cmd[++i]; continue; }
      else if (c === ' ') { if (cur) out.push(cur); cur = ''; continue; }
      cur += c;
    }
    if (cur) out.push(cur);
    // an option and its value stay on one line when they fit on one
    for (let i = out.length - 2; i >= 0; i--) {
      if (/^-/.test(out[i]) && !/^(-|[|<>&;]|then$)/.test(out[i + 1]) && out[i].length + out[i + 1].length < width - 6) out.splice(i, 2, `${out[i]} ${out[i + 1]}`);
    }
    return out;
  };
  const ex: string[] = [];
  for (const [cmd, what] of tool.examples) {
    const rows = fill(pieces(cmd), width - 6);  // 2 of indent (4 when continued), 2 for ' \'
    rows.forEach((r, i) => ex.push(`${i ? '    ' : '  '}${r}${i < rows.length - 1 ? ' \\' : ''}`));
    for (const r of fill(what.split(/\s+/).filter(Boolean), width - 6)) ex.push(`      ${r}`);
  }
  writeText(tool.name, 'the help', text + '\n' + (ex.length ? `\nExamples:\n${ex.join('\n')}\n` : ''));
}

/** `text` on stdout at once (the help, the version, the list of tools): a closed reader (`| true`) ends
 *  it quietly; one that cannot take it (/dev/full) is one line on stderr and exit 1, not a stack trace */
export function writeText(name: string, what: string, text: string): void {
  const all = Buffer.from(text);
  let off = 0;
  try { while (off < all.length) off += fs.writeSync(1, all, off); } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') { // (a non-blocking stdout: the stream takes the rest, its failure said alike)
      process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'EPIPE') { process.stderr.write(`${name}: cannot write ${what}: ${e.message}\n`); process.exitCode = 1; } });
      process.stdout.write(all.subarray(off));
      return;
    }
    if (code === 'EPIPE') return;
    process.stderr.write(`${name}: cannot write ${what}: ${fileProblem(err as NodeJS.ErrnoException, '-', true)}\n`);
    process.exitCode = 1;
  }
}

const camel = (k: string) => k.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** the words that take the next word as their value for this tool (--name and -alias of its options
 *  that are not booleans): in a chain, a value spelt `then`, `[` or `]` (a file so named) is the
 *  option's, not the chain's */
export function valueFlags(tool: Tool): Set<string> {
  const flags = new Set<string>();
  for (const [name, o] of Object.entries({ ...tool.options, ...sharedOptions(tool) })) {
    if ((o.type ?? (o.choices ? 'string' : undefined)) === 'boolean') continue;
    flags.add(`--${name}`);
    const aliases = o.alias === undefined ? [] : Array.isArray(o.alias) ? o.alias : [o.alias];
    for (const a of aliases) flags.add(a.length === 1 ? `-${a}` : `--${a}`);
  }
  return flags;
}

/**
 * Parse argv for a tool with yargs' own parser (yargs-parser) and check it as yargs would: unknown
 * options, choices, required options, numbers. Returns null when --help was printed. Throws UsageError.
 */
export async function parseOptions(tool: Tool, argv: string[]): Promise<any | null> {
  // (the words after `--` are positional, whatever they look like: count-by -- --help groups by a
  // field named --help, to-csv -- -h reads a file named -h)
  const dashes = argv.indexOf('--'), opts0 = dashes < 0 ? argv : argv.slice(0, dashes);
  if (opts0.includes('--help') || opts0.includes('-h')) { await printHelp(tool); return null; }
  if (opts0.includes('--version')) { writeText(tool.name, 'the version', `${tool.name} ${version()} (event-pipes)\n`); return null; }
  const all: Record<string, Options> = { ...tool.options, ...sharedOptions(tool) };
  const cfg = { string: [] as string[], boolean: [] as string[], number: [] as string[], array: [] as string[], alias: {} as Record<string, string[]>, default: {} as Record<string, unknown> };
  const known = new Set<string>(['_', '--', '$0']);
  const valued = new Map<string, string>(); // the flags of options that take a value -> the option
  for (const [name, o] of Object.entries(all)) {
    const type = o.type ?? (o.choices ? 'string' : undefined);
    if (type === 'boolean') cfg.boolean.push(name);
    else if (type === 'number') cfg.number.push(name);
    else if (type === 'string' || type === undefined) cfg.string.push(name);
    if (o.array) cfg.array.push(name);
    const aliases = o.alias === undefined ? [] : Array.isArray(o.alias) ? o.alias : [o.alias];
    if (aliases.length) cfg.alias[name] = aliases;
    if (o.default !== undefined) cfg.default[name] = o.default;
    for (const n of [name, camel(name), ...aliases]) known.add(n);
    if (type === 'number' || type === 'string') for (const a of [name, ...aliases]) { valued.set(`--${a}`, name); if (a.length === 1) valued.set(`-${a}`, name); }
  }
  // `-i -` (stdin): the parser leaves a lone "-" after an array option as a positional (count-by took
  // it for a key, where for a condition), so it is handed over as `--input=-`
  if (all.input !== undefined) {
    const args: string[] = [];
    for (let j = 0; j < argv.length; j++) {
      if (argv[j] === '--') { args.push(...argv.slice(j)); break; }
      if ((argv[j] === '-i' || argv[j] === '--input') && argv[j + 1] === '-') { args.push('--input=-'); j++; } else args.push(argv[j]);
    }
    argv = args;
  }
  // an option that takes a value given without one (last, or before another option): the parser
  // leaves it unset (its default), so the run would go on without it; a value beginning with '-' is
  // written --name=-x (a negative number may follow as it is)
  for (let j = 0; j < argv.length && argv[j] !== '--'; j++) {
    const name = valued.get(argv[j]);
    if (name === undefined) continue;
    const next = argv[j + 1];
    if (next === '-') { argv.splice(j, 2, `--${name}=-`); continue; } // (a lone '-' is a value here, as in --delimiter -; the parser took it for stdin)
    if (next === undefined || (next.length > 1 && next[0] === '-' && !/^-([0-9]+(\.[0-9]+)?|\.[0-9]+)$/.test(next))) { // (the parser's negative number)
      throw new UsageError(`--${name} needs a value${next === undefined || next.startsWith('--') ? '' : ` (one beginning with '-': --${name}=${next})`}`);
    }
  }
  // a number given blank (--threshold '', --max-reject-rate=): the parser reads it as 0, so the run went
  // on with 0 (every reel interesting, a run failed by its first rejected record)
  for (let j = 0; j < argv.length && argv[j] !== '--'; j++) {
    const w = argv[j], eq = w.indexOf('=');
    const name = valued.get(eq > 0 && w.startsWith('--') ? w.slice(0, eq) : w);
    if (name === undefined || (all[name].type ?? undefined) !== 'number') continue;
    const value = eq > 0 && w.startsWith('--') ? w.slice(eq + 1) : argv[j + 1];
    if (value !== undefined && value.trim() === '') throw new UsageError(`--${name} takes a number (got '${value}')`);
  }
  const parsed = parser.detailed(argv, { ...cfg, configuration: { 'camel-case-expansion': true, 'greedy-arrays': false, 'populate--': true, 'strip-dashed': false } });
  if (parsed.error) throw new UsageError(parsed.error.message);
  const opts: any = parsed.argv;
  for (const key of Object.keys(opts)) {
    if (!known.has(key)) { // (as written: the parser reads --no-x as x = false)
      const negated = argv.some((a) => a === `--no-${key}` || a.startsWith(`--no-${key}=`));
      throw new UsageError(`unknown option ${negated ? '--no-' : key.length === 1 ? '-' : '--'}${key}`);
    }
  }
  for (const [name, o] of Object.entries(all)) {
    const v = opts[name];
    if (o.demandOption && (v === undefined || v === '')) throw new UsageError(`missing required option --${name}`);
    if (o.choices && v !== undefined) {
      for (const x of Array.isArray(v) ? v : [v]) if (!(o.choices as unknown[]).includes(x)) throw new UsageError(`--${name} takes one of ${(o.choices as unknown[]).join(', ')} (got '${x}')`);
    }
    if (o.type === 'number' && v !== undefined && (Array.isArray(v) ? v : [v]).some((x) => typeof x !== 'number' || Number.isNaN(x))) throw new UsageError(`--${name} takes a number`);
    if (!o.array && Array.isArray(v) && o.type !== 'array') {
      // an option of one value given again: the later one wins, as in ripgrep or curl (a script's
      // defaults before "$@" are overridden by the user's)
      opts[name] = v[v.length - 1]; opts[camel(name)] = opts[name];
    }
  }
  if (opts.maxRejectRate !== undefined && !(opts.maxRejectRate >= 0 && opts.maxRejectRate <= 1)) throw new UsageError(`--max-reject-rate takes a share of the records read, from 0 to 1 (got ${opts.maxRejectRate})`);
  if (opts.maxReports !== undefined && !(Number.isInteger(opts.maxReports) && opts.maxReports >= 0)) throw new UsageError(`--max-reports takes a whole number from 0 (got ${opts.maxReports})`);
  // a switch given a value other than true or false (--strict=maybe: the parser read it as false)
  for (const [name, o] of Object.entries(all)) {
    if (o.type !== 'boolean') continue;
    const given = argv.find((a) => a.startsWith(`--${name}=`) || a.startsWith(`--no-${name}=`));
    if (given !== undefined && !/=(true|false)$/.test(given)) throw new UsageError(`--${name} is a switch: give it alone, or =true or =false (got '${given}')`);
  }
  for (const name of ['rejects', 'stats-file']) {
    if (opts[name] === '') throw new UsageError(`--${name} needs a file name`);
    // (a folder that is not there, said with the options: a library stream said it at its first chunk)
    const dir = typeof opts[name] === 'string' ? path.dirname(path.resolve(opts[name])) : undefined;
    if (dir !== undefined && !fs.existsSync(dir)) throw new UsageError(`cannot open --${name} ${opts[name]}: no such folder: ${path.dirname(opts[name])}`);
  }
  const pos = [...(opts._ as (string | number)[]), ...((opts['--'] as string[] | undefined) ?? [])].map(String);
  if (tool.positional) {
    opts[tool.positional.name] = pos;
    opts.files = opts.input ?? [];
    if (tool.positional.demand && pos.length === 0) throw new UsageError(`missing ${tool.positional.name.toUpperCase()}: ${tool.positional.describe}`);
  } else {
    opts.files = [...pos, ...(opts.input ?? [])];
  }
  if (opts.files.length === 0) opts.files = ['-'];
  const problem = tool.check?.(opts);
  if (problem) throw new UsageError(problem);
  // (after the tool's own checks, which say more where they know more: --delimiter '')
  // an option the tool has a value for (a field's name: --time, --key, --user; a zone) given empty: a
  // usage error, as the optional ones are (blankName): `--time "$T"` with T unset rejected every record
  // as "missing " (exit 1), where --by '' or --field '' in other tools was exit 2
  for (const [name, o] of Object.entries(all)) {
    if (o.type === 'string' && typeof o.default === 'string' && o.default !== '' && opts[name] === '') { // (not blanks: --delimiter ' ' or a tab is one)
      throw new UsageError(`--${name} is empty: give a value, or leave the option out (its default: ${o.default})`);
    }
    // (a required option given again, empty, after its value: the later one counts, and it is empty;
    // `load-sqlite --db default.db "$@"` given --db "$DB" with DB unset loaded into SQLite's temporary
    // database of that name, gone at its end, exit 0)
    if (o.demandOption && opts[name] === '') throw new UsageError(`--${name} is empty: give a value (the last one given counts)`);
    // (a list the tool has a default for, given an empty value: the events to keep, --event '', kept
    // none, and final-action --off '' took no unlike as one: an answer of nothing, exit 0)
    const v = opts[name];
    if (Array.isArray(o.default) && o.default.length > 0 && Array.isArray(v) && v.some((x) => typeof x === 'string' && x.trim() === '')) {
      throw new UsageError(`--${name} is given an empty value: give a value, or leave the option out (its default: ${o.default.join(',')})`);
    }
  }
  return opts;
}

const debug = (err: unknown) => { if (process.env.EVENT_PIPES_DEBUG) process.stderr.write(String((err as Error).stack) + '\n'); };

/** a tool with its arguments, one stage of a chain */
export interface StageSpec { tool: Tool; argv: string[] }

/**
 * The stage that reads the input of a chain that starts with a fork (`event-pipes fork [ ... ] [ ... ]
 * < FILE`, or `fork -i FILE ...`): every record, checked once (a bad line is reported as the fork's and
 * skipped, not once per branch; the input options --strict, --rejects, --stats ... come before the
 * branches), handed on as it came to each branch. Not a tool of the registry.
 */
export const forkInput: Tool = {
  name: 'fork',
  summary: 'A chain that starts with a fork: the input (the files, else stdin), each line checked once (a bad line reported as the fork\'s and skipped), every record into each branch.',
  usage: 'event-pipes fork [-i FILE]... [--strict] [--rejects FILE] [--stats] [ TOOL ARGS ... ] [ TOOL ARGS ... ]',
  examples: [],
  options: {},
  create(_o, ctx) {
    const reader = new FieldReader([]);
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        ctx.emitLine(line);
      },
    };
  },
};
/** `fork [ CHAIN ] [ CHAIN ] ...`: every record to every branch (the end of a chain) */
export interface ForkSpec { fork: ChainSpec[] }
export type ChainSpec = (StageSpec | ForkSpec)[];

const isFork = (x: StageSpec | ForkSpec): x is ForkSpec => 'fork' in x;
/** a diagnostic's text with the control characters that input can carry into it (a line quoted in a
 *  parse error) written as \xNN: an ESC or BEL from the data must not retitle or recolour a terminal,
 *  a line break must not make one diagnostic two (the second one a line the data wrote: `tool: -:7: ...`) */
// (bidi controls and line separators too, display.ts' REORDERING: a diagnostic quoting data is not reordered on the terminal)
const DIAGNOSTIC_UNSAFE = new RegExp(`[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f${REORDERING}]`, 'g');
export const plainText = (m: string): string => m.replace(DIAGNOSTIC_UNSAFE,
  (c) => (c.charCodeAt(0) < 0x100 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16)}`));
/**
 * The threads of a run over threads (`keyed`: its ranges merged by workers only, N threads N workers;
 * else the main thread is one) that the address-space limit (`ulimit -v`) leaves room for: a worker
 * that does not fit aborted the process (status 133). The workers started ahead are in the space
 * taken; load-postgres' client is a thread of its own. Fewer than asked are said.
 */
function threadsThatFit(threads: number, keyed: boolean, chain: ChainSpec): number {
  const pg = chain.some((el) => !isFork(el) && el.tool?.name === 'load-postgres') ? 1 : 0;
  const fit = workerRoom() + startedCount() + (keyed ? 0 : 1) - pg;
  if (threads <= fit) return threads;
  const n = Math.max(1, fit), head = chain[0] as StageSpec;
  process.stderr.write(`${head.tool?.name ?? 'event-pipes'}: --threads ${threads}: the address-space limit (ulimit -v) leaves room for ${n} thread${n === 1 ? '' : 's'} (a worker takes ~0.6 GB of it): ${n} used\n`);
  return n;
}
/** a tool's diagnostics on stderr: `tool: message`, one line */
export const sayer = (name: string) => (m: string) => { process.stderr.write(`${name}: ${plainText(m)}\n`); };

/**
 * Every record to each branch's first stage, assembled once when edited. Its buffer lies in the SIMD
 * walk's memory when there is room (scanScratch): each branch's reader then reads the record where it
 * is instead of copying it in first (one copy per branch and record before); a record from elsewhere
 * is copied there once for all the branches.
 */
class ForkSink implements RecordSink {
  records = 0; closed = false;
  private readonly home: Buffer;
  private readonly walk: boolean;
  /** edited records, assembled in `home` (a longer one in a buffer of its own) */
  private readonly made: Assembly;
  constructor(private readonly branches: RecordSink[]) {
    const w = branches.length > 1 ? scanScratch(1 << 16) : null;
    this.walk = w !== null;
    const home = this.home = w ?? Buffer.allocUnsafe(1 << 16);
    this.made = new Assembly(() => home);
  }
  drained(): null { return null; }
  record(b: Buffer, s: number, e: number, since = scanMark()): void {
    if (this.walk && e - s <= this.home.length && !inScanMemory(b)) { // (the walk of b, if any, moves with it)
      b.copy(this.home, 0, s, e); walkMoved(b, s, e, this.home, 0); b = this.home; e -= s; s = 0;
    }
    this.records++;
    // a branch's walk of these bytes serves the next branch (simd-scan.ts)
    for (const x of this.branches) { if (x instanceof ChainSink) x.record(b, s, e, since); else x.record(b, s, e); }
  }
  edited(b: Buffer, s: number, e: number, edits: readonly Edit[]): void {
    const m = this.made;
    m.edited(b, s, e, edits);
    const since = scanMark();
    editedWalk(b, s, e, edits, m.buf, 0, m.n, walkObject, null); // the walk of b, moved to the edited record: the branches take it
    this.records++;
    for (const x of this.branches) { if (x instanceof ChainSink) x.record(m.buf, 0, m.n, since); else x.record(m.buf, 0, m.n); }
  }
  textRecord(t: string): void { const b = Buffer.from(t, 'utf8'); this.record(b, 0, b.length); }
  batch(b: Buffer, s: number, e: number, _n: number, walks?: BatchWalks): void {
    const m2 = walks === undefined ? 0 : 2 * walks.names.length;
    for (let at = 0; s < e; at += m2) {
      let nl = b.indexOf(10, s);
      if (nl < 0 || nl >= e) nl = e;
      // (members the writer placed: their spans are a walk the first branch's reader takes, and the next)
      const since = scanMark();
      if (walks !== undefined) generatedWalk(b, s, nl, walks.names, walks.spans, at, null);
      this.record(b, s, nl, since);
      s = nl + 1;
    }
  }
}

/** the kind of key each stage of the chain (and its fork's branches) looks its records up by (Tool.keysBy) */
function keyKinds(chain: ChainSpec, parsed: any[]): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  chain.forEach((el, k) => {
    if (isFork(el)) el.fork.forEach((br, i) => out.push(...keyKinds(br, parsed[k][i])));
    else out.push(el.tool.keysBy?.(parsed[k]));
  });
  return out;
}

/** a chain's stages built in order: Stage objects (depth first: a fork's branches after its trunk),
 *  the argv of each (for --stats-file) and the sink that feeds the first stage */
export interface Built { stages: Stage[]; argvs: string[][]; head: RecordSink }

/**
 * Build the stages of `chain` (options parsed in `parsed`, the same shape) writing into `terminal`;
 * `last` is the chain's real end (stdout: its closed state and drain are every link's).
 */
function build(chain: ChainSpec, parsed: any[], terminal: RecordSink, last: RecordSink, shared?: SharedKeyTables): Built {
  const tail = chain[chain.length - 1];
  const forked = tail !== undefined && isFork(tail);
  let sink = terminal;
  const branchStages: Stage[] = [], branchArgvs: string[][] = [], branchFirsts: Stage[] = [];
  if (forked) {
    const heads: RecordSink[] = [];
    (tail as ForkSpec).fork.forEach((branch, i) => {
      const b = build(branch, parsed[chain.length - 1][i], new CountSink(), new CountSink(), shared);
      heads.push(b.head); branchStages.push(...b.stages); branchArgvs.push(...b.argvs);
      if (b.stages.length) branchFirsts.push(b.stages[0]);
    });
    sink = new ForkSink(heads);
  }
  const trunk: Stage[] = [], trunkArgvs: string[][] = [];
  for (let k = (forked ? chain.length - 1 : chain.length) - 1; k >= 0; k--) {
    const spec = chain[k] as StageSpec;
    const stage = new Stage(spec.tool, parsed[k], sink, { say: sayer(spec.tool.name), shared });
    trunk.unshift(stage); trunkArgvs.unshift(spec.argv);
    sink = new ChainSink(stage, last);
  }
  // each stage sees whether the run fails before it (a sink keeps nothing then): its feeder's state
  for (let k = 1; k < trunk.length; k++) trunk[k].upstream = trunk[k - 1];
  if (trunk.length) for (const f of branchFirsts) f.upstream = trunk[trunk.length - 1];
  return { stages: [...trunk, ...branchStages], argvs: [...trunkArgvs, ...branchArgvs], head: sink };
}

/**
 * Parse every stage's options (a usage error anywhere runs nothing: exit 2 with the hint) and check
 * the chain's shape. Returns the parsed options in the chain's shape, or null (help printed or a
 * usage error reported).
 */
async function parseChain(chain: ChainSpec, top: boolean): Promise<any[] | null> {
  const parsed: any[] = [];
  for (const [k, el] of chain.entries()) {
    if (isFork(el)) {
      const say = (m: string) => sayer('event-pipes')(`${m} (try 'event-pipes --help')`);
      if (k === 0) { say(top ? 'a chain that starts with fork reads its input itself: event-pipes fork [-i FILE]... [ ... ] [ ... ]' : 'a fork branch cannot start with fork: put the fork after a tool of the branch'); process.exitCode = 2; return null; }
      if (k !== chain.length - 1) { say(`fork ends a chain: nothing can follow its branches (put it in a branch)`); process.exitCode = 2; return null; }
      const branches: any[] = [];
      for (const br of el.fork) {
        const end = br[br.length - 1];
        if (end === undefined) { say('a fork branch is empty'); process.exitCode = 2; return null; }
        if (!isFork(end) && !end.tool.sink) {
          say(`a fork branch must end with a tool that writes its records somewhere (save FILE, load-sqlite, to-parquet, ...), not ${end.tool.name}`);
          process.exitCode = 2; return null;
        }
        const p = await parseChain(br, false);
        if (p === null) return null;
        branches.push(p);
      }
      parsed.push(branches);
      continue;
    }
    const { tool, argv } = el, say = sayer(tool.name);
    // (a stage after one that writes its records to a file or table got none, silently)
    const prev = k > 0 ? chain[k - 1] : undefined;
    if (prev !== undefined && !isFork(prev) && prev.tool.sink) {
      sayer('event-pipes')(`${prev.tool.name} writes its records to its file or table and passes none on: nothing can follow it in a chain (end the chain with it, or put it in a fork branch) (try 'event-pipes --help')`);
      process.exitCode = 2; return null;
    }
    try {
      const opts = await parseOptions(tool, argv);
      if (opts === null) return null; // --help
      const first = top && k === 0;
      if (!first && tool.noInput) throw new UsageError(`${tool.name} reads its own input: it can only start a chain`);
      if (!first && (opts.input ?? []).length + (tool.positional ? 0 : opts.files.filter((f: string) => f !== '-').length) > 0) {
        throw new UsageError('only the first tool of a chain reads input files');
      }
      parsed.push(opts);
    } catch (err) {
      if (err instanceof UsageError) { say(`${err.message} (try '${tool === forkInput ? 'event-pipes fork' : tool.name} --help')`); process.exitCode = 2; return null; }
      throw err;
    }
  }
  return parsed;
}

/**
 * A file the run writes as it goes and also reads (an input, stdin redirected from it, a join's
 * --side): a --rejects file, or standard output appended to one. What was appended was read again
 * (and rejected or written again), so the run never ended and the file grew until the disk was full.
 * A usage message naming it, or undefined. Regular files only (a terminal or /dev/stderr as --rejects
 * is no input however stdin is connected).
 */
function readsOwnOutput(chain: ChainSpec, parsed: any[]): string | undefined {
  const stat = (f: string) => { try { const st = f === '-' ? fs.fstatSync(0) : fs.statSync(f); return st.isFile() ? st : undefined; } catch { return undefined; } };
  // each stage, `held` when it or a stage before it on its way writes nothing before its input ended
  const holds = (tool: Tool, o: any) => (typeof tool.holdsOutput === 'function' ? tool.holdsOutput(o) : tool.holdsOutput === true);
  const stages: { tool: Tool; o: any; held: boolean }[] = [];
  const walk = (c: ChainSpec, p: any[], held: boolean) => c.forEach((el, k) => {
    if (isFork(el)) el.fork.forEach((br, i) => walk(br, p[k][i], held));
    else { held ||= holds(el.tool, p[k]); stages.push({ tool: el.tool, o: p[k], held }); }
  });
  walk(chain, parsed, false);
  const first = stages[0];
  const files: string[] = first === undefined || first.tool.readsNothing ? [] : (first.o.files as string[] | undefined)?.length ? first.o.files : ['-'];
  const read = [...files, ...stages.flatMap(({ o }) => (typeof o.side === 'string' ? [o.side as string] : []))];
  const inputs = read.map((f) => [f, stat(f)] as const).filter(([, st]) => st !== undefined);
  // standard output appended to a file the run reads (where ... -i f >> f): the records written were
  // read again, without end (GNU cat refuses it: "input file is output file"); `> f` emptied f first,
  // so a file of no bytes read first is no loop (its end is met before anything is written; read after
  // another input, -i a -i f > f, it holds a's records by then). Not for a chain that writes no records
  // to stdout (save, loads), nor one with a stage that writes nothing before its input ended (count-by,
  // top: as sort f >> f, its input was read to its end first); a join's --side is read whole before
  // anything is written.
  // (the input that is file `w`, unless w is empty and read first, or undefined)
  const fileStats = files.map(stat);
  const readBack = (w: fs.Stats): string | undefined => {
    const at = fileStats.flatMap((st, i) => (st !== undefined && st.dev === w.dev && st.ino === w.ino ? [i] : []));
    return at.length === 0 || (w.size === 0 && at.length === 1 && at[0] === 0) ? undefined : files[at[0]];
  };
  const last = stages[stages.length - 1];
  let out: fs.Stats | undefined;
  try { out = fs.fstatSync(1); } catch { out = undefined; }
  if (last !== undefined && !last.tool.sink && !isFork(chain[chain.length - 1]) && !last.held && out?.isFile()) {
    const same = readBack(out);
    if (same !== undefined) return `${last.tool.name}: standard output is ${same === '-' ? 'standard input' : same}, which this run also reads: what it writes would be read again, without end (write to another file) (try '${last.tool.name} --help')`;
  }
  // a sink appending to such a file as it goes (save --append): the same loop
  for (const { tool, o, held } of stages) {
    const file = tool.appendsTo?.(o), st = file === undefined || held ? undefined : stat(file);
    const same = st === undefined ? undefined : readBack(st);
    if (same !== undefined) return `${tool.name}: ${file} is also read by this run${same === file ? '' : ` (${same === '-' ? 'standard input' : same})`}: what it appends would be read again, without end (write to another file) (try '${tool.name} --help')`;
  }
  // a sink that puts a file of another format in place of one the run reads (to-parquet f -i f: the
  // NDJSON replaced by its Parquet)
  for (const { tool, o } of stages) {
    const file = tool.replaces?.(o), st = file === undefined ? undefined : stat(file);
    const same = st === undefined ? undefined : inputs.find(([, s]) => s!.dev === st.dev && s!.ino === st.ino);
    if (same) return `${tool.name}: ${file} is also read by this run${same[0] === file ? '' : ` (${same[0] === '-' ? 'standard input' : same[0]})`}: it would be replaced by what is made of it (write another file, then rename it) (try '${tool.name} --help')`;
  }
  for (const { tool, o } of stages) {
    if (!o.rejects) continue;
    const r = o.rejects === '-' ? undefined : stat(o.rejects);
    if (r === undefined) continue;
    const same = inputs.find(([, st]) => st!.dev === r.dev && st!.ino === r.ino);
    if (same) return `${tool.name}: --rejects ${o.rejects} is also read by this run (${same[0] === '-' ? 'standard input' : same[0]}): its rejected lines would be read again, without end (try '${tool.name} --help')`;
  }
  // --stats-file or --rejects naming an input, a side file, a schema or a stage's database: its lines
  // were appended to it (a forgotten argument, `--stats-file day1.ndjson day2.ndjson`, added the figures
  // to day 1's events, exit 0; `--rejects a.db` wrote lines into the database's pages)
  const kept = stages.flatMap(({ o }) => [o.db, o.schema].filter((f): f is string => typeof f === 'string' && f !== '' && f !== ':memory:'))
    .map((f) => [f, stat(f)] as const).filter(([, st]) => st !== undefined);
  // (a file these options name is a path, '-' too: the tools write a file of that name, not stdin)
  const statPath = (f: string) => { try { const st = fs.statSync(f); return st.isFile() ? st : undefined; } catch { return undefined; } };
  for (const { tool, o } of stages) {
    for (const [option, file] of [['--stats-file', o.statsFile], ['--rejects', o.rejects]] as const) {
      const r = typeof file === 'string' ? statPath(file) : undefined;
      if (r === undefined) continue;
      const same = [...inputs, ...kept].find(([, st]) => st!.dev === r.dev && st!.ino === r.ino);
      if (same) return `${tool.name}: ${option} ${file} is ${same[0] === file ? 'also' : `${same[0] === '-' ? 'standard input' : same[0]},`} read or written by this run: its lines would be appended to it (name another file) (try '${tool.name} --help')`;
    }
  }
  return undefined;
}

/** a stage's --rejects or --stats-file that cannot be opened (exit 2, one line); anything else rethrown */
function openFailed(err: unknown): void {
  if (!(err instanceof OpenFailed)) throw err;
  process.stderr.write(`${plainText(err.message)}\n`);
  process.exitCode = 2;
}

/** create every stage's transform; false (exit status set) on a usage problem or a failed setup */
export function createAll(stages: Stage[]): boolean {
  for (const stage of stages) {
    try { stage.create(); } catch (err) {
      const say = sayer(stage.name);
      if (err instanceof UsageError || err instanceof RangeError) { say(`${err.message} (try '${stage.name} --help')`); process.exitCode = 2; return false; }
      // a runtime failure while setting up (a locked database, an unreadable side file): one line, status 1
      say(`error: ${(err as Error).message}`); debug(err);
      process.exitCode = 1;
      return false;
    }
  }
  return true;
}

/** report what stopped a run (a strict stop, a usage problem found late, an error); true for usage */
export function reportStop(e: unknown, fallback: Stage): boolean {
  const stage = e instanceof StrictStop || e instanceof StageError ? e.stage : fallback;
  const err = e instanceof StageError ? e.cause : e;
  sayer(stage.name)(stopMessage(err, stage.name));
  if (!(err instanceof StrictStop || err instanceof UsageError)) debug(err);
  stage.failed = true;
  return err instanceof UsageError;
}

/** what a stage says when `err` stopped the run (the library API's streams say the same) */
export function stopMessage(err: unknown, name: string): string {
  if (err instanceof StrictStop) return 'stopped at the first bad record (--strict)';
  if (err instanceof UsageError) return `${err.message} (try '${name} --help')`;
  return `error: ${(err as Error).message}`;
}

/**
 * Run tools as one process: the body of every bin/<tool> (one tool) and of `event-pipes A ... then B
 * ...` (a chain, Miller's `then`; `fork [ ... ] [ ... ]` at its end sends every record down several
 * branches): the first stage reads the inputs, each hands its records to the next in process, the
 * last writes stdout. Same output, rejects, stats and exit status as the shell pipeline of the same
 * tools (with pipefail; a fork as `tee` into process substitutions).
 */
export async function runChain(chain: ChainSpec, threads?: number | 'auto'): Promise<void> {
  const out = new Output(1, false);
  const parsed = await parseChain(chain, true);
  if (parsed === null) return;
  const readBack = readsOwnOutput(chain, parsed);
  if (readBack !== undefined) { process.stderr.write(`${plainText(readBack)}\n`); process.exitCode = 2; return; }
  const flat = (c: ChainSpec, p: any[]): any[] => c.flatMap((el, k) => (isFork(el) ? el.fork.flatMap((br, i) => flat(br, p[k][i])) : [p[k]]));
  if (flat(chain, parsed).some((o) => o.lineBuffered) || tty.isatty(1)) out.lineBuffered = true;
  // no `event-pipes --threads`: the first tool's own --threads, if it has one (final-action): auto is
  // two threads on a machine with two cores or more, for files of KEYED_AUTO_PIECES (64 MiB) or more;
  // `event-pipes --threads auto`: one a core, for files of two pieces or more
  let minBytes = 0;
  if (threads === 'auto') { threads = os.availableParallelism(); minBytes = 2 * PIECE; }
  else if (threads === undefined) {
    const own = (chain[0] as StageSpec).tool?.options?.threads ? parsed[0].threads : undefined;
    if (own === 'auto') { threads = Math.min(2, os.availableParallelism()); minBytes = KEYED_AUTO_PIECES * PIECE; }
    else threads = own === undefined ? 1 : Number(own);
  }
  if (threads > 1) {
    const linear = chain.findIndex(isFork);
    const specs = (linear < 0 ? chain : chain.slice(0, linear)) as StageSpec[];
    const p = plan(specs, parsed, minBytes);
    if (p) threads = threadsThatFit(threads, p.keyed, chain);
    if (p && threads > 1) {
      const from = p.local;
      const mainParsed = parsed.slice(from);
      if (p.partial) mainParsed[0] = { ...mainParsed[0], merge: true };
      let built: Built;
      try { built = build(chain.slice(from), mainParsed, out, out); } catch (err) { openFailed(err); return; }
      if (!createAll(built.stages)) return;
      try { process.exitCode = await runParallel(specs, parsed, threads, out, p, built); } catch (err) { openFailed(err); } // (the threaded stages' files are opened first thing there)
      return;
    }
  }
  dropStarted(); // (workers started ahead for --threads N: not used in one thread)
  let built: Built;
  try { built = build(chain, parsed, out, out, new SharedKeyTables(keyKinds(chain, parsed))); } catch (err) { openFailed(err); return; }
  const stages = built.stages;
  if (!createAll(stages)) return;
  let usage = false;
  try {
    for (const stage of stages) await stage.init();
    const first = stages[0];
    if (!first.tool.noInput) {
      // a stage failed between records (a load's commit): no more reading; its end() says why (asked
      // after every line: only the stages that can fail so, a chain without a load as before)
      const failing = stages.filter((s) => s.transform.failed !== undefined).map((s) => s.transform);
      const stop = failing.length === 0 ? () => out.closed : () => out.closed || failing.some((t) => t.failed!());
      for (const file of first.opts.files as string[]) {
        if (stop()) break;
        try {
          first.stats.bytes += await readInput(file, first.transform.needle, first, () => out.drained(), stop);
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          if (err instanceof StrictStop || !INPUT_ERRORS.has(e.code ?? '')) throw err;
          sayer(first.name)(`${file}: ${fileProblem(e, file)}`);
          first.failed = true;
        }
      }
    }
    for (const stage of stages) await stage.end(); // each end() may emit into the next stage
  } catch (e) {
    usage = reportStop(e, stages[0]);
  }
  await finishOutput(out, stages[stages.length - 1]);
  if (process.env.EVENT_PIPES_TRACE && stages.length > 1) sayer('event-pipes')(`walks of a line taken over by the next stage: ${memoTaken()}`);
  let failed = false;
  for (const [k, stage] of stages.entries()) if (stage.finish(built.argvs[k])) failed = true;
  if (usage) process.exitCode = 2;
  else if (failed) process.exitCode = 1;
}

/** the output's last bytes written; a stdout that cannot take them (a full disk) fails the stage that
 *  writes it, said in one line (as a write failing during the run is) */
export async function finishOutput(out: Output, last: Stage): Promise<void> {
  try { await out.finish(); } catch (err) {
    sayer(last.name)(`error: ${(err as Error).message}`);
    last.failed = true;
  }
}

/** Run one tool as a process: the body of every bin/<tool>. */
export async function run(tool: Tool, argv: string[] = process.argv.slice(2)): Promise<void> {
  await runChain([{ tool, argv }]);
}
