// Small helpers for option values shared by the tools.
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './tool.js';

/** does a word of the command line name a regular file? (a file given where a key or condition goes:
 *  those tools read files with -i, and say so) */
export function namesFile(word: string): boolean { try { return fs.statSync(word).isFile(); } catch { return false; } }

/** a file to write whose folder does not exist (or is no folder): a usage message, said before any
 *  input is read (the run would read it all, then fail to write), or undefined */
export function outputFolder(file: string): string | undefined {
  const dir = path.dirname(path.resolve(file));
  try { if (fs.statSync(dir).isDirectory()) return undefined; } catch { /* missing */ }
  return `no such folder: ${path.dirname(file)} (for ${file})`;
}

/** why FILE could not be opened or read, in words (the system's code names only what no word here
 *  covers): one wording for the inputs, --rejects, --stats-file and the generators' outputs */
export function fileProblem(err: NodeJS.ErrnoException, file: string, writing = false): string {
  switch (err.code) {
    case 'ENOENT': return !writing ? 'no such file' : fs.existsSync(path.dirname(path.resolve(file))) ? 'no file can be made in that folder' : `no such folder: ${path.dirname(file)}`;
    case 'ENOTDIR': return 'a name on its path is not a folder';
    case 'EISDIR': return 'it is a folder';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'read-only file system';
    case 'ENOSPC': return 'no space left on the device';
    case 'EIO': return 'input/output error';
    // (a standard stream closed, `<&-` or `>&-`: the bins' launcher opens it the other way round, so
    // that every read or write of it fails so, rather than Node's /dev/null in its place taking them)
    case 'EBADF': return writing ? 'not open for writing (closed?)' : 'not open for reading (closed?)';
    default: return err.message;
  }
}

/** ceil(P% of n), exactly: P as the decimal its double is written as (8.8, not 8.800000000000000710...),
 *  so 375 records at 8.8 % keep 33 (n * 8.8 / 100 in doubles is 33.00000000000001: 34 were kept) */
export function ceilPercent(n: number, percent: number | string): number {
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(Number(percent)));
  if (!m) return Math.ceil((n * Number(percent)) / 100); // (not a finite number >= 0: the tools' checks refuse it)
  const scale = (m[2]?.length ?? 0) - Number(m[3] ?? 0); // P = digits / 10^scale
  let num = BigInt(n) * BigInt(m[1] + (m[2] ?? '')), den = 100n;
  if (scale >= 0) den *= 10n ** BigInt(scale); else num *= 10n ** BigInt(-scale);
  return Number((num + den - 1n) / den);
}

/** why FILE, named by an option to be read (a side file, a schema), cannot be: in words, or undefined
 *  (said with the options: a library stream said it only when its first chunk came) */
export function unreadable(file: string): string | undefined {
  try { fs.accessSync(file, fs.constants.R_OK); return fs.statSync(file).isDirectory() ? 'it is a folder' : undefined; } catch (err) { return fileProblem(err as NodeJS.ErrnoException, file); }
}

/** values given repeated and/or comma-separated (--key a,b --key c) as one list, blanks dropped */
export function listOption(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/**
 * A list option given, but only blanks (--key '', --fields ,): a usage message, else undefined. Such a
 * value is no list at all, and taking it for the option left out changes what the run does (load-sqlite
 * --key "$KEY" with KEY empty loaded by plain inserts, duplicating rows on a re-run; to-csv --fields ''
 * wrote every field).
 */
export function blankList(option: string, values: readonly string[] | undefined, what = 'a field'): string | undefined {
  return values !== undefined && values.length > 0 && listOption(values).length === 0 ? `--${option} is empty: give ${what} (or leave the option out)` : undefined;
}

/** an option that names a field and switches a way of reading on (sessionize --end, to-local-date
 *  --tz-field) given blank: a usage message (it looked up no field and ran as without it), or undefined */
export function blankName(option: string, value: string | undefined, what = 'a field'): string | undefined {
  return value !== undefined && value.trim() === '' ? `--${option} is empty: give ${what} (or leave the option out)` : undefined;
}

/** --types COL=TYPE,... as a map from column to type; a type not in `allowed` is a usage error */
export function columnTypes(values: readonly string[], allowed: readonly string[]): Map<string, string> {
  const types = new Map<string, string>();
  for (const t of listOption(values)) {
    // (the last = splits: a column named a=b cannot be pinned, but a=int64=junk is no type either)
    const eq = t.lastIndexOf('='), col = t.slice(0, eq).trim(), type = t.slice(eq + 1).trim();
    if (eq < 0 || !col || col.includes('=') || !allowed.includes(type)) throw new UsageError(`--types takes COL=${allowed.join('|')} (got '${t}')`);
    const was = types.get(col);
    if (was !== undefined && was !== type) throw new UsageError(`--types gives ${col} two types: ${was} and ${type}`);
    types.set(col, type);
  }
  return types;
}

// Option types derived from a tool's option table (xsv's "the usage is the spec"): a tool declares
// `const options = { ... } as const satisfies Record<string, Options>` and its options type is
// `OptionsOf<typeof options>`, so the table and the type cannot drift apart.
import type { Options } from 'yargs';

type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;
type ElemOf<O> = O extends { choices: readonly (infer C)[] } ? C
  : O extends { type: 'number' } ? number : O extends { type: 'boolean' } ? boolean : string;
type HasValue<O> = O extends { default: unknown } ? true : O extends { demandOption: true } ? true : false;
type ValueOf<O> = O extends { array: true } ? ElemOf<O>[] : HasValue<O> extends true ? ElemOf<O> : ElemOf<O> | undefined;

/** the parsed options of a table: camel-cased names, typed by `type`/`choices`/`array`, optional
 *  unless they have a default or are demanded */
export type OptionsOf<T extends Record<string, Options>> = { -readonly [K in keyof T as CamelCase<K & string>]: ValueOf<T[K]> };

/** what every tool that reads records gets besides its own options (see runner.ts commonOptions) */
export interface InputOptions {
  /** input files ('-' is stdin): positional arguments and -i */
  files: string[];
  input?: string[];
  strict: boolean;
  rejects?: string;
  rejectsFormat: 'raw' | 'json';
  maxReports: number;
  maxRejectRate?: number;
  stats: boolean;
  statsFile?: string;
  lineBuffered: boolean;
}
