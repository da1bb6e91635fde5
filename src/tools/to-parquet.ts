// to-parquet: NDJSON to a Parquet file, column types inferred from the first row group; written under a
// temporary name and renamed only when complete, so a failed run leaves no half-written file.
import { ParquetFileWriter } from '../core/parquet.js';
import type { Codec, ColumnType } from '../core/parquet.js';
import { columnTypes } from '../core/options.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';

export interface ToParquetOptions { out: string[]; compression: string; rowGroupSize: number; types: string[] }

const TYPES: Record<string, ColumnType> = { boolean: 'BOOLEAN', int64: 'INT64', double: 'DOUBLE', string: 'STRING', timestamp: 'TIMESTAMP', json: 'JSON' };

export const tool: Tool<ToParquetOptions> = {
  name: 'to-parquet',
  summary: 'Write NDJSON records to a Parquet file (types inferred: boolean, int64, double, timestamp, string, json); atomic rename on success.',
  usage: 'to-parquet [options] FILE.parquet [-i INPUT]',
  positional: { name: 'out', describe: 'the Parquet file to write', demand: true },
  examples: [
    ['reel-interest < merged.ndjson | to-parquet out/reel_interest.parquet', 'one row per record'],
    ['to-parquet --compression gzip --row-group-size 1000000 cube.parquet -i cube.ndjson', 'bigger row groups, gzip'],
    ['to-parquet --types watched_ratio=double,liked=boolean out.parquet -i rows.ndjson', 'fixed types: the same schema even when a run has only nulls'],
  ],
  options: {
    compression: { choices: ['snappy', 'gzip', 'brotli', 'none'], default: 'snappy', describe: 'page compression' },
    'row-group-size': { type: 'number', default: 100000, describe: 'rows per row group (memory holds one row group)' },
    types: { type: 'string', array: true, default: [], describe: 'COL=boolean|int64|double|string|timestamp|json: a fixed type (and the column even when no record has it); others are inferred' },
  },
  check(o) {
    if (o.out.length !== 1) return 'give exactly one output FILE (input comes on stdin or with -i)';
    if (!(o.rowGroupSize >= 1)) return '--row-group-size takes a positive number';
    return undefined;
  },
  create(o, ctx) {
    const codec = (o.compression === 'none' ? 'UNCOMPRESSED' : o.compression.toUpperCase()) as Codec;
    if (o.out[0] === '-' ) throw new UsageError('Parquet needs a file name, not stdout');
    const declared = new Map([...columnTypes(o.types, Object.keys(TYPES))].map(([col, t]) => [col, TYPES[t]]));
    const writer = new ParquetFileWriter(o.out[0], { codec, rowGroupSize: o.rowGroupSize, declared });
    process.once('exit', () => writer.abort());
    return {
      record(line: Line) {
        const rec = ctx.parse(line);
        if (rec === undefined) return;
        if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return ctx.reject(line, 'not a JSON object');
        writer.write(rec);
      },
      end() {
        try {
          const schema = writer.close();
          for (const [col, n] of writer.misfits) ctx.warn(`${n} value(s) of column ${col} did not fit its type and were written as null`);
          ctx.warn(`${o.out[0]}: ${writer.rowsWritten} rows, ${schema.map((c) => `${c.name} ${c.type}`).join(', ')}`);
          ctx.count('rows', writer.rowsWritten);
        } catch (err) {
          writer.abort();
          throw err;
        }
      },
    };
  },
};
export default tool;
