// join: lookup enrichment. Loads a side file (NDJSON, JSON array or CSV) into an index by key and adds
// chosen fields of the matching side record to each streamed record, spliced into its text (the rest
// of the line stays byte for byte). Unmatched records are kept with null fields (or dropped, or
// rejected) and counted. Array-valued side keys (children_ids) can be exploded into one index entry each.
import { FieldReader, canonicalOf } from '../core/fields.js';
import { getPath, splitPath, stringify } from '../core/json.js';
import { loadSide, parseSize } from '../core/side.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';
import { listOption } from '../core/options.js';

export interface JoinOptions {
  side: string; on: string; fields: string[]; prefix: string; explode: boolean; unmatched: 'keep' | 'drop' | 'reject';
  maxSide: string; sideFormat: 'auto' | 'ndjson' | 'json' | 'csv';
}

export const tool: Tool<JoinOptions> = {
  name: 'join',
  summary: 'Enrich each record with fields of the matching record of a side file (NDJSON, JSON array or CSV) by key; unmatched kept with nulls, dropped or rejected.',
  usage: 'join --side FILE --on STREAM_KEY[=SIDE_KEY] --fields F[,F...] [options] [FILE...]',
  examples: [
    ['join --side users.json --on user_id --fields country_code,registration_at < events.ndjson', 'add the user\'s country and registration time'],
    ['join --side activities.json --on data.activity_id=activity_id --fields type,subtype --prefix activity_', 'nested stream key, renamed fields'],
    ['join --side users.json --on child_id=children_ids --explode --fields user_id --prefix parent_', 'match any element of an array-valued side key'],
  ],
  options: {
    side: { type: 'string', demandOption: true, describe: 'the side file (loaded into memory)' },
    on: { type: 'string', demandOption: true, describe: 'STREAM_KEY or STREAM_KEY=SIDE_KEY (dotted paths)' },
    fields: { alias: 'f', type: 'string', array: true, default: [], describe: 'side fields to add (comma-separated or repeated; default: all but the key)' },
    prefix: { type: 'string', default: '', describe: 'prefix for the added field names' },
    explode: { type: 'boolean', default: false, describe: 'an array-valued side key indexes each of its elements' },
    unmatched: { choices: ['keep', 'drop', 'reject'], default: 'keep', describe: 'records with no side match: keep with null fields, drop (counted), or reject' },
    'max-side': { type: 'string', default: '1GiB', describe: 'refuse a side file larger than this (e.g. 200MB)' },
    'side-format': { choices: ['auto', 'ndjson', 'json', 'csv'], default: 'auto', describe: 'auto: CSV by extension, JSON array by a leading [' },
  },
  check(o) {
    o.fields = listOption(o.fields);
    if (!Number.isFinite(parseSize(o.maxSide))) return `--max-side takes a size such as 512MB (got '${o.maxSide}')`;
    return undefined;
  },
  create(o, ctx) {
    const eq = o.on.indexOf('=');
    const streamKey = eq < 0 ? o.on : o.on.slice(0, eq), sideKey = splitPath(eq < 0 ? o.on : o.on.slice(eq + 1));
    const index = new Map<string, string>(); // key token -> the text to splice in
    let fields = o.fields;
    let nullText = '';
    const names = () => fields.map((f) => o.prefix + f.split('.').pop());
    const reader = new FieldReader([streamKey]);
    let existing: FieldReader;
    return {
      async init() {
        let recs;
        try {
          recs = await loadSide(o.side, o.sideFormat, parseSize(o.maxSide), (no, reason) => ctx.rejectAt(o.side, no, '', reason));
        } catch (err) { throw new UsageError((err as Error).message); }
        if (fields.length === 0) {
          const seen = new Set<string>();
          for (const { rec } of recs) for (const k of Object.keys(rec)) if (k !== sideKey[0]) seen.add(k);
          fields = [...seen];
        }
        const paths = fields.map(splitPath), out = names();
        existing = new FieldReader(out);
        nullText = out.map((n) => `,${JSON.stringify(n)}:null`).join('');
        let dupes = 0;
        for (const { rec, line } of recs) {
          const k = getPath(rec, sideKey);
          if (k === undefined || k === null) { ctx.rejectAt(o.side, line, '', `side record without ${sideKey.join('.')}`); continue; }
          const text = out.map((n, i) => `,${JSON.stringify(n)}:${stringify(getPath(rec, paths[i]) ?? null)}`).join('');
          for (const key of o.explode && Array.isArray(k) ? k : [k]) {
            const t = Buffer.from(canonicalOf(key), 'latin1').toString('latin1');
            if (index.has(t)) { dupes++; continue; } // the first side record with a key wins
            index.set(t, text);
          }
        }
        if (dupes) ctx.warn(`${dupes} side records repeat a key already seen: the first one is used`);
        ctx.count('side keys', index.size);
      },
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end)) return ctx.reject(line, 'malformed JSON', reader.error);
        const token = reader.found(0) ? reader.token(0) : 'null';
        let text = token === 'null' ? undefined : index.get(Buffer.from(token, 'latin1').toString('latin1'));
        if (text === undefined) {
          ctx.count('unmatched');
          if (o.unmatched === 'drop') return;
          if (o.unmatched === 'reject') return ctx.reject(line, 'no match in side file', `${streamKey}=${token}`);
          text = nullText;
        } else ctx.count('matched');
        // a field of that name in the record already: re-serialise with it replaced (rare)
        existing.read(line.buf, line.start, line.end);
        let clash = false;
        for (let k = 0; k < fields.length; k++) if (existing.found(k)) clash = true;
        if (clash) {
          const rec = ctx.parse(line);
          if (rec === undefined) return;
          Object.assign(rec, JSON.parse(`{${text.slice(1)}}`));
          return ctx.emit(stringify(rec));
        }
        const ins = reader.insertion(text.slice(1));
        ctx.emitSplice(line, ins.at, ins.at, ins.text);
      },
    };
  },
};
export default tool;
