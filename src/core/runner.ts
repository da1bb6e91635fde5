// The shared runner every bin calls: options (yargs), --help, input reading, the error policy
// (report, count, skip; --strict; --rejects), --stats, buffered output, EPIPE and exit codes.
import fs from 'node:fs';
import tty from 'node:tty';
import parser from 'yargs-parser';
import type { Options } from 'yargs';
import { Output } from './output.js';
import { readInput } from './input.js';
import { parseJson } from './json.js';
import { FieldReader } from './fields.js';
import { UsageError } from './tool.js';
import type { Line, Tool, ToolContext, Transform } from './tool.js';

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

class StrictStop extends Error {}

/** --help: the full yargs renderer (loaded only here: importing yargs costs ~100 ms per process). */
async function printHelp(tool: Tool): Promise<void> {
  const { default: yargs } = await import('yargs');
  const y = yargs([])
    .scriptName(tool.name)
    .usage(`${tool.usage}\n\n${tool.summary}`)
    .options(Object.fromEntries(Object.entries(tool.options).map(([k, v]) => [k, { group: 'Options:', ...v }])))
    .options(commonOptions)
    .help(false).version(false).exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns || 100));
  for (const [cmd, what] of tool.examples) y.example(cmd, what);
  process.stdout.write((await y.getHelp()) + '\n');
}

const camel = (k: string) => k.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * Parse argv for a tool with yargs' own parser (yargs-parser) and check it as yargs would: unknown
 * options, choices, required options, numbers. Returns null when --help was printed. Throws UsageError.
 */
export async function parseOptions(tool: Tool, argv: string[]): Promise<any | null> {
  if (argv.includes('--help') || argv.includes('-h')) { await printHelp(tool); return null; }
  const all: Record<string, Options> = { ...tool.options, ...commonOptions };
  const cfg = { string: [] as string[], boolean: [] as string[], number: [] as string[], array: [] as string[], alias: {} as Record<string, string[]>, default: {} as Record<string, unknown> };
  const known = new Set<string>(['_', '--', '$0']);
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
  }
  const parsed = parser.detailed(argv, { ...cfg, configuration: { 'camel-case-expansion': true, 'greedy-arrays': false, 'populate--': true, 'strip-dashed': false } });
  if (parsed.error) throw new UsageError(parsed.error.message);
  const opts: any = parsed.argv;
  for (const key of Object.keys(opts)) {
    if (!known.has(key)) throw new UsageError(`unknown option ${key.length === 1 ? '-' : '--'}${key}`);
  }
  for (const [name, o] of Object.entries(all)) {
    const v = opts[name];
    if (o.demandOption && (v === undefined || v === '')) throw new UsageError(`missing required option --${name}`);
    if (o.choices && v !== undefined) {
      for (const x of Array.isArray(v) ? v : [v]) if (!(o.choices as unknown[]).includes(x)) throw new UsageError(`--${name} takes one of ${(o.choices as unknown[]).join(', ')} (got '${x}')`);
    }
    if (o.type === 'number' && v !== undefined && (Array.isArray(v) ? v : [v]).some((x) => typeof x !== 'number' || Number.isNaN(x))) throw new UsageError(`--${name} takes a number`);
    if (!o.array && Array.isArray(v) && o.type !== 'array') { opts[name] = v[v.length - 1]; opts[camel(name)] = opts[name]; }
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
  return opts;
}

interface Stats { in: number; out: number; rejected: number; reasons: Map<string, number>; counters: Map<string, number>; bytes: number; }

/** Run a tool as a process: the body of every bin/<tool>. */
export async function run(tool: Tool, argv: string[] = process.argv.slice(2)): Promise<void> {
  const name = tool.name;
  const say = (msg: string) => process.stderr.write(`${name}: ${msg}\n`);
  let opts: any;
  try {
    opts = await parseOptions(tool, argv);
    if (opts === null) return;
  } catch (err) {
    if (err instanceof UsageError) { say(`${err.message} (try '${name} --help')`); process.exitCode = 2; return; }
    throw err;
  }
  const t0 = process.hrtime.bigint();
  const out = new Output(1, opts.lineBuffered || tty.isatty(1));
  const stats: Stats = { in: 0, out: 0, rejected: 0, reasons: new Map(), counters: new Map(), bytes: 0 };
  let rejectsFd = -1;
  if (opts.rejects) {
    try { rejectsFd = fs.openSync(opts.rejects, 'a'); } catch (err) { say(`cannot open --rejects file: ${(err as Error).message}`); process.exitCode = 2; return; }
  }
  let reported = 0;
  let failed = false;
  const checker = new FieldReader([]); // ctx.parse's grammar check
  const inputs = new Set<string>(opts.files as string[]);
  let inputRejected = 0; // rejected records of the inputs (not of a side file)
  const reject = (file: string, no: number, raw: () => string, reason: string, detail?: string) => {
    stats.rejected++;
    if (inputs.has(file)) inputRejected++;
    stats.reasons.set(reason, (stats.reasons.get(reason) ?? 0) + 1);
    const msg = detail ? `${reason}: ${detail}` : reason;
    if (reported < opts.maxReports || opts.strict) { say(`${file}:${no}: ${msg}`); reported++; }
    if (rejectsFd >= 0) {
      const text = opts.rejectsFormat === 'json'
        ? JSON.stringify({ file, line: no, reason, detail: detail ?? null, raw: raw() })
        : raw();
      fs.writeSync(rejectsFd, text + '\n');
    }
    if (opts.strict) throw new StrictStop(msg);
  };
  const ctx: ToolContext = {
    name,
    emit(record) {
      if (typeof record === 'string') out.text(record); else out.bytesOf(record, 0, record.length);
      out.endRecord();
    },
    emitBatch(bytes, start, end, records) { out.batch(bytes, start, end, records); },
    emitLine(line) { out.bytesOf(line.buf, line.start, line.end); out.endRecord(); },
    emitSplice(line, from, to, text) {
      out.bytesOf(line.buf, line.start, from); out.text(text); out.bytesOf(line.buf, to, line.end); out.endRecord();
    },
    emitEdit(line, ed) {
      out.bytesOf(line.buf, line.start, ed.from); out.text(ed.text); out.bytesOf(line.buf, ed.to, line.end); out.endRecord();
    },
    emitEdits(line, edits) {
      let at = line.start;
      for (const ed of edits) { out.bytesOf(line.buf, at, ed.from); out.text(ed.text); at = ed.to; }
      out.bytesOf(line.buf, at, line.end); out.endRecord();
    },
    reject(line, reason, detail) { reject(line.file, line.no, () => line.buf.toString('utf8', line.start, line.end), reason, detail); },
    rejectAt(file, no, raw, reason, detail) { reject(file, no, () => raw, reason, detail); },
    parse(line) {
      if (!checker.read(line.buf, line.start, line.end)) { ctx.reject(line, checker.reason, checker.error); return undefined; }
      return parseJson(line.buf.toString('utf8', checker.objStart, checker.objEnd));
    },
    warn(message) { say(message); },
    count(counter, n = 1) { stats.counters.set(counter, (stats.counters.get(counter) ?? 0) + n); },
    countIn(n = 1, bytes = 0) { stats.in += n; stats.bytes += bytes; },
    inputFailed() { return failed; },
    failInput(file, message) { say(`${file}: ${message}`); failed = true; },
    willFail() { return failed || tooManyRejected(); },
    waitDrain() { return out.drained(); },
    stopped() { return out.closed; },
  };
  /** the run kept nothing of what it read (every record rejected), or more than --max-reject-rate */
  const tooManyRejected = () => stats.in > 0 && inputRejected > 0
    && (inputRejected >= stats.in || (opts.maxRejectRate !== undefined && inputRejected / stats.in > opts.maxRejectRate));

  let transform: Transform;
  try {
    transform = tool.create(opts, ctx);
  } catch (err) {
    if (err instanceof UsageError || err instanceof RangeError) { say(`${err.message} (try '${name} --help')`); process.exitCode = 2; return; }
    // a runtime failure while setting up (a locked database, an unreadable side file): one line, status 1
    say(`error: ${(err as Error).message}`);
    if (process.env.EVENT_PIPES_DEBUG) process.stderr.write(String((err as Error).stack) + '\n');
    process.exitCode = 1;
    return;
  }

  try {
    if (transform.init) await transform.init();
    if (!tool.noInput) {
      const sink = {
        line(l: Line) { stats.in++; transform.record(l); },
        skipped(l: Line, ok: boolean) { stats.in++; if (!ok) ctx.reject(l, 'malformed JSON', 'not one JSON object'); },
        tooLong(l: Line) { stats.in++; ctx.reject(l, 'line too long'); },
        invalid(l: Line, why: string) { stats.in++; ctx.reject(l, 'malformed JSON', why); },
      };
      for (const file of opts.files as string[]) {
        if (out.closed) break;
        const label = file === '-' ? '-' : file;
        try {
          stats.bytes += await readInput(label, transform.needle, sink, () => out.drained(), () => out.closed);
        } catch (err) {
          if (err instanceof StrictStop) throw err;
          const e = err as NodeJS.ErrnoException;
          if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR' || e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') {
            say(`${label}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
            failed = true;
          } else throw err;
        }
      }
    }
    if (!out.closed) await transform.end?.();
  } catch (err) {
    if (err instanceof StrictStop) {
      say(`stopped at the first bad record (--strict)`);
      failed = true;
    } else if (err instanceof UsageError) {
      say(`${err.message} (try '${name} --help')`);
      process.exitCode = 2;
      await out.finish();
      return;
    } else {
      say(`error: ${(err as Error).message}`);
      if (process.env.EVENT_PIPES_DEBUG) process.stderr.write(String((err as Error).stack) + '\n');
      failed = true;
    }
  }
  await out.finish();
  if (rejectsFd >= 0) fs.closeSync(rejectsFd);
  stats.out = out.records;

  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const reasons = [...stats.reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r}: ${n}`).join(', ');
  if (stats.rejected > 0 && !opts.strict) {
    const shown = reported < stats.rejected ? `; ${reported} shown` : '';
    say(`${stats.rejected} bad record${stats.rejected === 1 ? '' : 's'} skipped (${reasons}${shown})${opts.rejects ? `; raw lines in ${opts.rejects}` : ''}`);
  }
  if (opts.stats) {
    const extra = [...stats.counters].map(([k, v]) => ` ${k}=${v}`).join('');
    say(`stats: in=${stats.in} out=${stats.out} rejected=${stats.rejected}${extra} elapsed=${secs.toFixed(3)}s ` +
      `rate=${Math.round(stats.in / Math.max(secs, 1e-9))} rec/s (${(stats.bytes / 1e6 / Math.max(secs, 1e-9)).toFixed(1)} MB/s)`);
  }
  if (opts.statsFile) {
    fs.appendFileSync(opts.statsFile, JSON.stringify({
      tool: name, in: stats.in, out: stats.out, rejected: stats.rejected,
      reasons: Object.fromEntries(stats.reasons), counters: Object.fromEntries(stats.counters),
      bytes_in: stats.bytes, elapsed_s: Number(secs.toFixed(3)), argv,
    }) + '\n');
  }
  if (!failed && tooManyRejected()) {
    say(inputRejected >= stats.in ? `every record read was rejected (${inputRejected} of ${stats.in}): nothing kept`
      : `${inputRejected} of ${stats.in} records rejected: more than --max-reject-rate ${opts.maxRejectRate}`);
    failed = true;
  }
  if (failed) process.exitCode = 1;
}
