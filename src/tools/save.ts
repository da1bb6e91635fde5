// save: write the records to a file, the way a chain's branch ends (`event-pipes ... then fork [
// count-by date then save dau.ndjson ] [ ... ]`) or a shell line keeps a stage's output. The file is
// written under a temporary name beside it and renamed into place when the run succeeds, so a reader
// never sees half a file and a failed run leaves the previous file as it was; `--append` appends.
import fs from 'node:fs';
import path from 'node:path';
import { FieldReader } from '../core/fields.js';
import { Output } from '../core/output.js';
import { fileTarget, guardTarget, openAppend, standardFd } from '../core/files.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';
import type { Options } from 'yargs';
import { fileProblem } from '../core/options.js';
import type { InputOptions, OptionsOf } from '../core/options.js';

const options = {
  append: { type: 'boolean', default: false, describe: 'append to FILE instead of replacing it (written in place)' },
} as const satisfies Record<string, Options>;

export type SaveOptions = OptionsOf<typeof options> & InputOptions & { file: string[] };

/** file names of other formats, and what writes them */
const OTHER_FORMATS: [RegExp, string, string][] = [
  [/\.parquet$/i, 'Parquet', 'end the chain with to-parquet FILE'],
  [/\.[ct]sv$/i, 'CSV', 'use to-csv (to-csv > FILE)'],
  [/\.(gz|bz2|xz|zst)$/i, 'a compressed file', 'compress standard output (... | gzip > FILE)'],
];

/** the names of standard output: `-`, as `-i -` is standard input, and the device's */
/** `-` or a name of standard output (files.ts standardFd: the names --rejects and --stats-file know too) */
const isStdout = (file: string) => file === '-' || standardFd(file) === 1;

export const tool: Tool<SaveOptions> = {
  name: 'save',
  summary: 'Write the records to FILE (renamed into place when the run succeeds; --append to add to it): the end of a fork branch.',
  usage: 'save FILE [--append] [-i INPUT]',
  positional: { name: 'file', describe: 'the file to write (- or /dev/stdout: standard output, as it is)', demand: true },
  sink: true,
  parallel: undefined,
  examples: [
    ["event-pipes where event_name=session_start -i events.ndjson then fork [ save sessions.ndjson ] [ count-by event_date then save sessions-per-day.ndjson ]", 'one read, two files'],
    ['count-by event_date -i events.ndjson | save daily.ndjson', 'the same as > daily.ndjson, but the file appears only when complete'],
  ],
  options,
  // (else a new file renamed into place; standard output is written as the records come, appended or not)
  appendsTo: (o: SaveOptions) => (isStdout(o.file[0]) ? '/dev/stdout' : o.append ? o.file[0] : undefined),
  check(o) {
    if (o.file.length !== 1) return 'give exactly one FILE to write (input files come with -i)';
    if (o.file[0] === '') return 'FILE is empty: give the name of the file to write';
    // (its folder: said with the options, before any input; a library stream said it at its first chunk)
    if (!isStdout(o.file[0]) && !fs.existsSync(path.dirname(path.resolve(o.file[0])))) return `no such folder: ${path.dirname(path.resolve(o.file[0]))}`;
    // (a name that says another format: save writes NDJSON, which readers going by the name refuse)
    const other = OTHER_FORMATS.find(([re]) => re.test(o.file[0]));
    if (other) return `${o.file[0]} names ${other[1]}, but save writes NDJSON: ${other[2]}, or give the file an NDJSON name`;
    return undefined;
  },
  create(o, ctx) {
    const target = o.file[0];
    // standard output (- or its device names): written to the descriptor as it is, not opened again
    // (opening /dev/stdout fails where it is a socket, ENXIO, and truncates the file of a `>>`)
    const stdout = isStdout(target);
    const t = o.append || stdout ? null : fileTarget(target);
    const tmp = t ? t.write : target;
    let fd: number;
    try { fd = stdout ? 1 : o.append ? openAppend(tmp) : fs.openSync(tmp, 'w'); } catch (err) { throw new UsageError(`cannot write ${target}: ${fileProblem(err as NodeJS.ErrnoException, target, true)}`); }
    const out = new Output(fd, o.lineBuffered === true);
    let records = 0, open = !stdout; // (the descriptor, closed once: a number closed twice may be another file's by then)
    const close = () => { if (open) { open = false; fs.closeSync(fd); } };
    // a run stopped early (--strict, an error, a signal) leaves no temporary file behind
    const guard = t ? guardTarget(() => t.abort()) : null;
    const reader = new FieldReader([]);
    // (a write that fails, a full disk, said of FILE: "ENOSPC: no space left on device, write" named none)
    const named = (err: unknown): Error => ((err as NodeJS.ErrnoException).code ? new Error(`cannot write ${target}: ${fileProblem(err as NodeJS.ErrnoException, target, true)}`) : err as Error);
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        try { out.record(line.buf, line.start, line.end); } catch (err) { throw named(err); }
        records++;
      },
      async end() {
        try { await out.finish(); } catch (err) { throw named(err); }
        close();
        if (!t) { ctx.count('records', records); return; }
        if (ctx.willFail()) { t.abort(); guard!.release(); if (!t.inPlace) ctx.warn(`${target}: not written (the run failed)`); return; }
        await guard!.beforeCommit();
        t.commit();
        guard!.release();
        ctx.count('records', records);
      },
      // (a library stream stopped or destroyed: no temporary file left, and the file can be written again
      // by a later stream of the same process)
      abort() {
        try { close(); } catch { /* closed */ }
        if (t) { t.abort(); guard!.release(); }
      },
    };
  },
};
export default tool;
