// dedupe: drop repeated deliveries of the same record (at-least-once sources) by key, keeping the first.
// Memory: an exact set of the keys seen, as bytes in one arena (~key length + 20 bytes a key: 10M
// event ids of 36 characters take ~600 MB), so a day of events dedupes exactly; for endless streams
// run it per day (or per partition) — duplicates are delivered close together in practice.
import { FieldReader, KEY_TOO_LONG } from '../core/fields.js';
import { ByteKeys } from '../core/keyed.js';
import type { Line, Tool } from '../core/tool.js';
import { listOption } from '../core/options.js';

export interface DedupeOptions { key: string[]; rejectDuplicates: boolean }

export const tool: Tool<DedupeOptions> = {
  name: 'dedupe',
  summary: 'Drop repeated deliveries of a record by key (first one kept, bytes untouched); duplicates counted, or rejected with --reject-duplicates.',
  usage: 'dedupe --key FIELD[,FIELD] [FILE...]',
  examples: [
    ['dedupe --key event_id --stats < events.json > unique.json', 'one record per event_id'],
    ['dedupe --key event_id --reject-duplicates --rejects dups.ndjson --rejects-format json < events.json > unique.json', 'keep the dropped copies with line numbers'],
  ],
  options: {
    key: { alias: 'k', type: 'string', array: true, default: ['event_id'], describe: 'key field(s), comma-separated or repeated' },
    'reject-duplicates': { type: 'boolean', default: false, describe: 'report duplicates as bad records (reason "duplicate") instead of only counting them' },
  },
  check(o) {
    o.key = listOption(o.key);
    return o.key.length ? undefined : '--key needs a field';
  },
  create(o, ctx) {
    const nk = o.key.length;
    const reader = new FieldReader(o.key);
    const seen = new ByteKeys();
    let scratch = Buffer.allocUnsafe(4096);
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        const pos = reader.keyInto(nk, scratch);
        if (pos === KEY_TOO_LONG) { scratch = Buffer.alloc(scratch.length * 4); return this.record(line); }
        if (pos < 0) return ctx.reject(line, `missing ${o.key[-pos - 1]}`);
        const before = seen.size;
        seen.slot(scratch, 0, pos);
        if (seen.size === before) {
          ctx.count('duplicates');
          if (o.rejectDuplicates) ctx.reject(line, 'duplicate', `${o.key.join(',')} seen before`);
          return;
        }
        ctx.emitLine(line);
      },
    };
  },
};
export default tool;
