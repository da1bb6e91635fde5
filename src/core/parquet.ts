// NDJSON records -> Parquet with hyparquet-writer (pure JavaScript: nothing native to build or download,
// a streaming row-group writer, snappy built in; gzip and brotli here through node:zlib). Column types
// are inferred from the first row group: BOOLEAN, INT64 (every value an integer, 64-bit exact),
// DOUBLE, TIMESTAMP (ISO-8601 date-times, stored as µs UTC), STRING, JSON (objects and arrays).
import fs from 'node:fs';
import zlib from 'node:zlib';
import { ParquetWriter } from 'hyparquet-writer';
import { fileWriter } from 'hyparquet-writer/src/node.js';
import { BigNum } from './json.js';
import { parseTimestamp } from './time.js';

export type ColumnType = 'BOOLEAN' | 'INT64' | 'DOUBLE' | 'STRING' | 'TIMESTAMP' | 'JSON';
export interface Column { name: string; type: ColumnType }
export type Codec = 'SNAPPY' | 'GZIP' | 'BROTLI' | 'UNCOMPRESSED';

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

function kindOf(v: unknown): ColumnType | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return 'BOOLEAN';
  if (v instanceof BigNum || typeof v === 'bigint') return 'INT64';
  if (typeof v === 'number') return Number.isInteger(v) ? 'INT64' : 'DOUBLE';
  if (typeof v === 'string') return ISO_DATETIME.test(v) && typeof parseTimestamp(v) === 'number' ? 'TIMESTAMP' : 'STRING';
  return 'JSON';
}

/** column names in first-seen order and one type per column (mixed kinds widen: INT64+DOUBLE -> DOUBLE, else STRING) */
export function inferSchema(records: Record<string, unknown>[]): Column[] {
  const types = new Map<string, ColumnType | null>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      const t = kindOf(v), cur = types.get(k) ?? null;
      if (!types.has(k) || cur === null) { types.set(k, t); continue; }
      if (t === null || t === cur) continue;
      types.set(k, (cur === 'INT64' && t === 'DOUBLE') || (cur === 'DOUBLE' && t === 'INT64') ? 'DOUBLE'
        : cur === 'JSON' || t === 'JSON' ? 'JSON' : 'STRING');
    }
  }
  return [...types].map(([name, t]) => ({ name, type: t ?? 'STRING' }));
}

/** a record's value as the column wants it, or undefined when it does not fit (stored as null) */
function convert(v: unknown, type: ColumnType): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'BOOLEAN': return typeof v === 'boolean' ? v : undefined;
    case 'INT64':
      if (v instanceof BigNum) return BigInt(v.raw);
      if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
      if (typeof v === 'bigint') return v;
      return undefined;
    case 'DOUBLE': return typeof v === 'number' ? v : v instanceof BigNum ? Number(v.raw) : undefined;
    case 'TIMESTAMP': { if (typeof v !== 'string') return undefined; const ms = parseTimestamp(v); return typeof ms === 'number' ? new Date(ms) : undefined; }
    case 'STRING': return typeof v === 'string' ? v : typeof v === 'object' ? undefined : String(v instanceof BigNum ? v.raw : v);
    case 'JSON': return JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof BigNum ? Number(x.raw) : x))); // the writer serialises
  }
}

const SCHEMA: Record<ColumnType, object> = {
  BOOLEAN: { type: 'BOOLEAN' },
  INT64: { type: 'INT64' },
  DOUBLE: { type: 'DOUBLE' },
  STRING: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  TIMESTAMP: { type: 'INT64', converted_type: 'TIMESTAMP_MICROS' },
  JSON: { type: 'BYTE_ARRAY', converted_type: 'JSON' },
};

const compressors = {
  GZIP: (b: Uint8Array) => new Uint8Array(zlib.gzipSync(b)),
  BROTLI: (b: Uint8Array) => new Uint8Array(zlib.brotliCompressSync(b)),
};

/** inferred columns with the declared types put over them; declared columns no record has come last */
export function withDeclared(inferred: Column[], declared?: Map<string, ColumnType>): Column[] {
  if (!declared || declared.size === 0) return inferred;
  const cols = inferred.map((c) => ({ name: c.name, type: declared.get(c.name) ?? c.type }));
  for (const [name, type] of declared) if (!cols.some((c) => c.name === name)) cols.push({ name, type });
  return cols;
}

/** Streams records into a Parquet file written under a temporary name and renamed on close. */
export class ParquetFileWriter {
  private rows: Record<string, unknown>[] = [];
  private writer: any = null;
  private schema: Column[] | null;
  private readonly tmp: string;
  /** values that did not fit their column's type (written as null), per column */
  readonly misfits = new Map<string, number>();
  rowsWritten = 0;

  constructor(private readonly path: string,
    private readonly opts: { codec: Codec; rowGroupSize: number; schema?: Column[]; declared?: Map<string, ColumnType> }) {
    this.schema = opts.schema ?? null;
    this.tmp = `${path}.tmp-${process.pid}`;
  }

  write(record: Record<string, unknown>): void {
    this.rows.push(record);
    if (this.rows.length >= this.opts.rowGroupSize) this.flushGroup();
  }

  private flushGroup(): void {
    if (this.rows.length === 0 && this.writer) return;
    if (!this.schema) this.schema = withDeclared(inferSchema(this.rows), this.opts.declared);
    if (!this.writer) {
      this.writer = new ParquetWriter({
        writer: fileWriter(this.tmp), codec: this.opts.codec, compressors,
        schema: [{ name: 'root', num_children: this.schema.length },
          ...this.schema.map((c) => ({ name: c.name, repetition_type: 'OPTIONAL', ...SCHEMA[c.type] }))] as any,
        createdBy: 'event-pipes to-parquet',
      });
    }
    if (this.rows.length === 0) return;
    const columnData = this.schema.map((c) => ({
      name: c.name,
      data: this.rows.map((r) => {
        const v = convert(r[c.name], c.type);
        if (v === undefined) { this.misfits.set(c.name, (this.misfits.get(c.name) ?? 0) + 1); return null; }
        return v;
      }),
    }));
    this.writer.write({ columnData, rowGroupSize: this.rows.length });
    this.rowsWritten += this.rows.length;
    this.rows = [];
  }

  /** write the last row group and the footer, then move the file into place */
  close(): Column[] {
    if (!this.schema && this.rows.length === 0) this.schema = [];
    this.flushGroup();
    this.writer.finish();
    fs.renameSync(this.tmp, this.path);
    return this.schema!;
  }

  /** drop the temporary file */
  abort(): void { fs.rmSync(this.tmp, { force: true }); }
}
