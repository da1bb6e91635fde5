// to-parquet: NDJSON to one Parquet file. The schema comes from every record, not the first row group
// (core/parquet.ts: held in memory up to one row group, spilled to an anonymous temporary file beyond);
// mixed kinds in a column widen by fixed rules and never lose a value; a value that does not fit a type
// pinned with --types rejects its record (reported, counted, skipped). The file is written under a
// temporary name and renamed only when complete: a failed run (an unreadable input, --strict, every
// record rejected, an error) leaves no output file and an existing one untouched.
import { ParquetSink, exactly } from '../core/parquet.js';
import { guardTarget } from '../core/files.js';
import type { Codec, ColumnType } from '../core/parquet.js';
import { columnTypes, outputFolder } from '../core/options.js';
import type { InputOptions, OptionsOf } from '../core/options.js';
import type { Options } from 'yargs';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';

const options = {
  compression: { choices: ['snappy', 'gzip', 'brotli', 'none'], default: 'snappy', describe: 'page compression' },
  'row-group-size': { type: 'number', default: 100000, describe: 'rows per row group (memory holds one row group; a longer input is spilled to a temporary file beside FILE)' },
  types: { type: 'string', array: true, default: [], describe: 'COL=boolean|int64|double|string|timestamp|json: a fixed type (and the column even when no record has it); others are inferred from all records' },
} as const satisfies Record<string, Options>;

export type ToParquetOptions = OptionsOf<typeof options> & InputOptions & { out: string[] };

const TYPES: Record<string, ColumnType> = { boolean: 'BOOLEAN', int64: 'INT64', double: 'DOUBLE', string: 'STRING', timestamp: 'TIMESTAMP', json: 'JSON' };

export const tool: Tool<ToParquetOptions> = {
  name: 'to-parquet',
  sink: true,
  summary: 'Write NDJSON records to a Parquet file (types from all records: boolean, int64, double, timestamp, string, json; mixed kinds widen, nothing dropped); atomic rename on success.',
  usage: 'to-parquet [options] FILE.parquet [-i INPUT]',
  positional: { name: 'out', describe: 'the Parquet file to write', demand: true },
  examples: [
    ['reel-interest < merged.ndjson | to-parquet reel_interest.parquet', 'one row per record'],
    ['to-parquet --compression gzip --row-group-size 1000000 cube.parquet -i cube.ndjson', 'bigger row groups, gzip'],
    ['to-parquet --types watched_ratio=double,liked=boolean interest.parquet -i reel_interest.ndjson', 'fixed types: the same schema even when a run has only nulls; a value that does not fit rejects its record'],
  ],
  options,
  replaces: (o: ToParquetOptions) => o.out[0],
  check(o) {
    if (o.out.length !== 1) return 'give exactly one output FILE (input comes on stdin or with -i)';
    if (o.out[0] === '') return 'FILE is empty: give the name of the Parquet file to write';
    if (!(o.rowGroupSize >= 1) || !Number.isInteger(o.rowGroupSize)) return '--row-group-size takes a positive whole number';
    return outputFolder(o.out[0]);
  },
  create(o, ctx) {
    const codec = (o.compression === 'none' ? 'UNCOMPRESSED' : o.compression.toUpperCase()) as Codec;
    const out = o.out[0];
    if (out === '-') throw new UsageError('Parquet needs a file name, not stdout');
    const declared = new Map([...columnTypes(o.types, Object.keys(TYPES))].map(([col, t]) => [col, TYPES[t]]));
    const sink = new ParquetSink(out, { codec, rowGroupSize: o.rowGroupSize, declared });
    // the temporary file goes whatever ends the run: an error, --strict, a signal
    const guard = guardTarget(() => sink.abort());
    let records = 0;
    return {
      record(line: Line) {
        records++;
        const rec = ctx.parse(line);
        if (rec === undefined) return;
        if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return ctx.reject(line, 'not a JSON object');
        const bad = sink.add(exactly(rec, line.buf, line.start, line.end), line);
        if (bad) ctx.reject(line, bad.reason, bad.detail);
      },
      async end() {
        // a run that will exit 1 (an input could not be read, every record rejected, more than
        // --max-reject-rate) leaves no file and any earlier one untouched
        if (ctx.willFail()) {
          sink.abort(); guard.release();
          ctx.warn(`${out}: not written: ${ctx.inputFailed() ? 'an input could not be read' : ctx.upstreamFails() ? 'the run failed before it' : records > 0 && sink.accepted === 0 ? 'every record was rejected' : 'too many records rejected'}`);
          return;
        }
        await guard.beforeCommit(); // (a signal that came during the last records: no file)
        try {
          const { schema, rows } = sink.close();
          guard.release();
          for (const note of sink.notes()) ctx.warn(note);
          ctx.warn(`${out}: ${rows} rows, ${schema.map((c) => `${c.name} ${c.type}`).join(', ')}`);
          ctx.count('rows', rows);
        } catch (err) {
          sink.abort(); guard.release();
          throw err;
        }
      },
      // (a library stream stopped or destroyed: no temporary file left, the file writable again)
      abort() { sink.abort(); guard.release(); },
    };
  },
};
export default tool;
