// join: lookup enrichment. Loads a side file (NDJSON, JSON array or CSV) into an index by key and adds
// chosen fields of the matching side record to each streamed record, spliced into its text (the rest
// of the line stays byte for byte). Unmatched records are kept with null fields (or dropped, or
// rejected) and counted. Array-valued side keys (children_ids) can be exploded into one index entry each.
import { FieldReader, Members, hasByte } from '../core/fields.js';
import type { Edit } from '../core/fields.js';
import { BigNum, NUMBER, canonicalNumber, getPath, literalPath, pathName, splitPath, stringify } from '../core/json.js';
import { ByteKeys } from '../core/keyed.js';
import { loadSide, parseSize } from '../core/side.js';
import { StrictStop } from '../core/stage.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';
import { blankList, listOption } from '../core/options.js';

export interface JoinOptions {
  side: string; on: string; fields: string[]; prefix: string; explode: boolean; unmatched: 'keep' | 'drop' | 'reject';
  maxSide: string; sideFormat: 'auto' | 'ndjson' | 'json' | 'csv'; existing: 'replace' | 'keep' | 'reject';
}

export const tool: Tool<JoinOptions> = {
  name: 'join',
  parallel: 'local',
  summary: 'Enrich each record with fields of the matching record of a side file (NDJSON, JSON array or CSV) by key; unmatched kept with nulls, dropped or rejected.',
  usage: 'join --side FILE --on STREAM_KEY[=SIDE_KEY] --fields F[,F...] [options] [FILE...]',
  examples: [
    ['join --side users.json --on user_id --fields country_code,registration_at < events.json', 'add the user\'s country and registration time'],
    ['join --side activities.json --on data.activity_id=activity_id --fields type,subtype --prefix activity_ < events.json', 'nested stream key, renamed fields'],
    ['join --side users.json --on child_id=children_ids --explode --fields user_id --prefix parent_ < events.json', 'match any element of an array-valued side key'],
  ],
  options: {
    side: { type: 'string', demandOption: true, describe: 'the side file (loaded into memory)' },
    on: { type: 'string', demandOption: true, describe: 'STREAM_KEY or STREAM_KEY=SIDE_KEY (dotted paths)' },
    fields: { alias: 'f', type: 'string', array: true, default: [], describe: 'side fields to add (comma-separated or repeated; default: all but the key)' },
    prefix: { type: 'string', default: '', describe: 'prefix for the added field names' },
    explode: { type: 'boolean', default: false, describe: 'an array-valued side key indexes each of its elements' },
    unmatched: { choices: ['keep', 'drop', 'reject'], default: 'keep', describe: 'records with no side match: keep with null fields, drop (counted), or reject' },
    'max-side': { type: 'string', default: '1GiB', describe: 'refuse a side file larger than this (e.g. 200MB)' },
    existing: { choices: ['replace', 'keep', 'reject'], default: 'replace', describe: 'a record that already has an added field: replace its value (counted, warned once), keep its own, or reject the record' },
    'side-format': { choices: ['auto', 'ndjson', 'json', 'csv'], default: 'auto', describe: 'auto: CSV by extension, JSON array by a leading [' },
  },
  check(o) {
    const blank = blankList('fields', o.fields);
    if (blank) return blank;
    // (STREAM_KEY= or =SIDE_KEY: a key of no name, whose records would all miss, their added fields null)
    const eq = o.on.indexOf('=');
    if (eq === 0 || eq === o.on.length - 1) return `--on takes STREAM_KEY or STREAM_KEY=SIDE_KEY (got '${o.on}')`;
    o.fields = listOption(o.fields);
    const names = o.fields.map((f) => o.prefix + pathName(f));
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) return `--fields adds the field ${JSON.stringify(twice)} twice (fields are added under their last name): give --prefix, or join twice`;
    if (!Number.isFinite(parseSize(o.maxSide))) return `--max-side takes a size such as 512MB (got '${o.maxSide}')`;
    return undefined;
  },
  create(o, ctx) {
    const eq = o.on.indexOf('=');
    const streamKey = eq < 0 ? o.on : o.on.slice(0, eq), sideKey = splitPath(eq < 0 ? o.on : o.on.slice(eq + 1));
    const index = new Map<string, string[]>(); // key text -> the JSON texts of the added fields
    let fields = o.fields;
    let nullTexts: string[] = [];
    let reader = new FieldReader([streamKey]);
    let added: number[] = []; // reader paths of the added fields
    let warned = false;
    // the per-record path: the stream key's JSON text (its bytes) -> the side entry, remembered for up
    // to CACHED distinct texts (no decoding, no key string); then one edit appending the added members
    // prepared once per side entry, when the record has none of them (the common case)
    const CACHED = 100000;
    let cache = new ByteKeys();
    let hits: (number | undefined)[] = [];
    let entries: string[][] = [];
    let members: Members[] = []; // per entry: "name":text,... of the added fields
    const entryIds = new Map<string[], number>();
    const entryOf = (texts: string[]) => {
      let entry = entryIds.get(texts) ?? -1;
      if (entry < 0) { entry = entries.length; entries.push(texts); members.push(new Members(outNames, texts)); entryIds.set(texts, entry); }
      return entry;
    };
    // the side's keys as the JSON text of a plain string (no escape, not a number's text: what keyText
    // gives such a stream value is its content) -> their entry: a stream key written that way is found
    // from its bytes at once, without the cache (most keys of a stream of many users are seen once or
    // twice: the cache misses there, and a miss decodes the key and looks it up by text)
    const plain = new ByteKeys();
    let plainEntry = new Int32Array(0);
    const plainTexts: string[][] = [];
    const ed: Edit = { from: 0, to: 0, text: '', bytes: undefined, names: undefined, spans: undefined };
    let outNames: string[] = [];
    let nullMembers: Members | undefined;
    return {
      async init() {
        let recs;
        try {
          // (with --fields, only the key and those are read from a CSV side file's rows)
          const keep = fields.length > 0 ? [sideKey[0], ...fields.map((f) => splitPath(f)[0])] : undefined;
          recs = await loadSide(o.side, o.sideFormat, parseSize(o.maxSide), (no, reason, detail, raw) => ctx.rejectAt(o.side, no, raw ?? '', reason, detail), keep, (m) => ctx.warn(m));
        } catch (err) {
          if (err instanceof StrictStop) throw err; // (a bad side line under --strict: a stop, exit 1)
          throw new UsageError((err as Error).message);
        }
        // the side records with a key (the others reported, in their order; their fields add nothing)
        const keyedRecs: { rec: Record<string, unknown>; k: unknown }[] = [];
        for (const r of recs) {
          const k = getPath(r.rec, sideKey);
          // (the record as JSON writes it: its line is not kept)
          if (k === undefined || k === null) ctx.rejectAt(o.side, r.line, stringify(r.rec), `side record without ${sideKey.join('.')}`);
          else keyedRecs.push({ rec: r.rec, k });
        }
        if (fields.length === 0) {
          const seen = new Set<string>();
          for (const { rec } of keyedRecs) for (const k of Object.keys(rec)) if (k !== sideKey[0]) seen.add(k);
          fields = [...seen];
        }
        const paths = fields.map(splitPath), out = fields.map((f) => o.prefix + pathName(f));
        // the added fields are top-level paths of the reader (escaped so a dot in a name stays one name)
        reader = new FieldReader([streamKey, ...out.map(literalPath)]);
        added = out.map((_n, i) => i + 1);
        nullTexts = out.map(() => 'null');
        outNames = out;
        let dupes = 0;
        const held = paths.map(() => false); // a side record (with a key) holds field i
        // side records adding the same texts share one array, hence one entry and one prepared Members
        // (a device type of 100k users: 4 entries made as matched, not 100k)
        const same = new Map<string, string[]>();
        const addKey = (key: unknown, texts: string[]) => {
          const t = keyText(key);
          if (t === null) return;
          if (index.has(t)) { dupes++; return; } // the first side record with a key wins
          index.set(t, texts);
        };
        for (const { rec, k } of keyedRecs) {
          let texts: string[] = new Array(paths.length);
          for (let i = 0; i < paths.length; i++) { const v = getPath(rec, paths[i]); if (v !== undefined) held[i] = true; texts[i] = stringify(v ?? null); }
          const id = texts.length === 1 ? texts[0] : texts.join('\x01'); // (no JSON text holds a raw control character)
          const first = same.get(id);
          if (first === undefined) same.set(id, texts); else texts = first;
          if (o.explode && Array.isArray(k)) for (const key of k) addKey(key, texts);
          else addKey(k, texts);
        }
        if (dupes) ctx.warn(`${dupes} side records repeat a key already seen: the first one is used`);
        // (a --fields name no side record has, a typo most likely: every record would get null there in
        // silence; said as to-csv says it of its --fields)
        const absent = fields.filter((_f, i) => !held[i]);
        if (keyedRecs.length > 0 && absent.length) ctx.warn(`--fields names no field of the side file: ${absent.join(', ')} (added as null)`);
        plainEntry = new Int32Array(index.size).fill(-1); // (made when first matched)
        for (const [t, texts] of index) {
          const json = JSON.stringify(t);
          if (json.slice(1, -1) !== t || NUMBER.test(t)) continue; // escaped, or a number's text
          const b = Buffer.from(json, 'utf8'), n = plain.size, slot = plain.slot(b, 0, b.length);
          if (plain.size > n) plainTexts[slot] = texts;
        }
        ctx.count('side keys', index.size);
      },
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        let texts: string[] | undefined;
        let entry = -1;
        const b = line.buf, ys = reader.spanStart(0), ye = reader.spanEnd(0);
        if (ys >= 0 && b[ys] === 34 && !(b[ys + 1] === 45 || (b[ys + 1] >= 48 && b[ys + 1] <= 57)) && !hasByte(b, ys + 1, ye - 1, 92)) {
          // a plain string: its key is its content, on the side or nowhere
          const slot = plain.find(b, ys, ye);
          if (slot >= 0) {
            entry = plainEntry[slot];
            if (entry < 0) entry = plainEntry[slot] = entryOf(plainTexts[slot]);
            texts = entries[entry];
          }
        } else if (ys >= 0) {
          const slot = cache.slot(b, ys, ye);
          if (slot < hits.length) {
            const h = hits[slot];
            if (h !== undefined) { entry = h; texts = entries[h]; }
          } else {
            const key = keyText(reader.value(0));
            texts = key === null ? undefined : index.get(key);
            if (texts !== undefined) entry = entryOf(texts);
            hits.push(texts === undefined ? undefined : entry);
            if (cache.size > CACHED) { cache = new ByteKeys(); hits = []; }
          }
        }
        if (texts === undefined) {
          ctx.count('unmatched');
          if (o.unmatched === 'drop') return;
          if (o.unmatched === 'reject') return ctx.reject(line, 'no match in side file', `${streamKey}=${reader.raw(0) ?? 'missing'}`);
          texts = nullTexts;
          entry = -1;
        } else ctx.count('matched');
        let present = false;
        for (let j = 0; j < added.length; j++) if (reader.found(added[j])) { present = true; break; }
        if (!present) {
          // (a side file of keys alone adds nothing: the join keeps or drops records by their key)
          if (added.length === 0) return ctx.emitLine(line);
          // the added members before the closing brace (reader.edits' append, prepared once)
          return ctx.emitEdit(line, reader.appendEdit(entry >= 0 ? members[entry] : (nullMembers ??= new Members(outNames, nullTexts)), ed));
        }
        // a field of that name in the record already: --existing decides
        let ks = added;
        {
          const clash = added.filter((k) => reader.found(k)).map((k) => reader.topName(k));
          if (o.existing === 'reject') return ctx.reject(line, 'field already present', clash.join(', '));
          ctx.count(o.existing === 'keep' ? 'kept existing' : 'replaced existing');
          if (!warned) { warned = true; ctx.warn(`records already hold ${clash.join(', ')}: ${o.existing === 'keep' ? 'their own values are kept' : 'replaced by the side file\'s values'} (--existing; or --prefix to add both)`); }
          if (o.existing === 'keep') {
            const keep = added.map((k) => !reader.found(k));
            ks = added.filter((_k, i) => keep[i]);
            texts = texts.filter((_t, i) => keep[i]);
          }
        }
        ctx.emitEdits(line, reader.edits(ks, texts));
      },
    };
  },
};

/** A join key as text: numbers and strings holding a JSON number by their canonical number text (so
 *  1, 1.0 and "1" from a CSV side match), other strings by their value, true/false as words, arrays
 *  and objects by their JSON text; null for null (never matches). */
export function keyText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof BigNum) return canonicalNumber(v.raw);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (typeof v === 'string') return NUMBER.test(v) ? canonicalNumber(v) : v;
  if (typeof v === 'boolean') return String(v);
  return '\u0001' + stringify(v);
}
export default tool;
