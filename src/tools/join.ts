// join: lookup enrichment. Loads a side file (NDJSON, JSON array or CSV) into an index by key and adds
// chosen fields of the matching side record to each streamed record, spliced into its text (the rest
// of the line stays byte for byte). Unmatched records are kept with null fields (or dropped, or
// rejected) and counted. Array-valued side keys (children_ids) can be exploded into one index entry each.
import { FieldReader, Members, decodeValue, hasByte } from '../core/fields.js';
import type { Edit } from '../core/fields.js';
import { BigNum, NUMBER, canonicalNumber, getPath, isWellFormed, literalPath, parseJson, pathName, splitPath, stringify } from '../core/json.js';
import { ByteKeys } from '../core/keyed.js';
import { copyBytes } from '../core/output.js';
import { readSide, parseSize, SideFileDamaged } from '../core/side.js';
import type { OnSideRecord } from '../core/side.js';
import { StrictStop } from '../core/stage.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';
import { blankList, fileProblem, listOption, unreadable } from '../core/options.js';

export interface JoinOptions {
  side: string; on: string; fields: string[]; prefix: string; explode: boolean; unmatched: 'keep' | 'drop' | 'reject';
  maxSide: string; sideFormat: 'auto' | 'ndjson' | 'json' | 'csv'; existing: 'replace' | 'keep' | 'reject'; keyMatch: 'value' | 'text';
  sideQuiet: boolean;
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
    existing: { choices: ['replace', 'keep', 'reject'], default: 'replace', describe: 'a record that already has an added field: replace its value by the side\'s (an unmatched record keeps its own; counted, warned once), keep its own, or reject the record' },
    'side-format': { choices: ['auto', 'ndjson', 'json', 'csv'], default: 'auto', describe: 'auto: CSV by extension, JSON array by a leading [' },
    'side-quiet': { type: 'boolean', default: false, describe: 'say nothing of the side file: its bad lines are skipped neither said nor counted (nor stopped at by --strict), its repeated keys not warned of (for the second and later copies of one join run side by side over parts of the stream, whose first one says them)' },
    'key-match': { choices: ['value', 'text'], default: 'value', describe: 'value: keys match by value (7, "7" and "7.0" are one key: a CSV side file\'s cells find numbers); text: by their text (a string\'s content, a number or true/false as written; an array side key\'s elements, with --explode, by their shortest text): "7" and 7 are one key, "7.0" and "7" two (ids that are text)' },
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
    const why = unreadable(o.side);
    return why === undefined ? undefined : `side file ${o.side}: ${why}`;
  },
  create(o, ctx) {
    const eq = o.on.indexOf('=');
    const streamKey = eq < 0 ? o.on : o.on.slice(0, eq), sideKey = splitPath(eq < 0 ? o.on : o.on.slice(eq + 1));
    // the side's keys: each key's text (keyText) as UTF-8 bytes -> the texts its record adds (index[slot]
    // into entries); no string or object per side record (a side file of 100k users: ~0.5 s -> ~0.1 s)
    const index = new ByteKeys();
    let indexEntry = new Int32Array(1024);
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
    // the distinct texts side records add (records adding the same texts share one: a device type of
    // 100k users is 4 entries), and their members, prepared when first matched
    const entries: string[][] = [];
    const members: (Members | undefined)[] = [];
    let keyBuf = Buffer.allocUnsafe(256);
    const ed: Edit = { from: 0, to: 0, text: '', bytes: undefined, names: undefined, spans: undefined };
    let outNames: string[] = [];
    let nullMembers: Members | undefined;
    /** a key text's bytes in keyBuf, their length: its UTF-8; a text with a lone surrogate (no UTF-8
     *  form: it would be U+FFFD's) as byte 0 and its UTF-16 (no UTF-8 text holds byte 0: a plain
     *  string's raw bytes hold no control character, an object's key text starts with U+0001) */
    const keyBytes = (t: string): number => {
      if (keyBuf.length < 3 * t.length + 1) keyBuf = Buffer.allocUnsafe(3 * t.length + 1);
      if (isWellFormed(t)) return keyBuf.write(t, 0, 'utf8');
      keyBuf[0] = 0;
      return 1 + keyBuf.write(t, 1, 'utf16le');
    };
    const asText = o.keyMatch === 'text';
    /** a decoded key's text under --key-match */
    const textOf = asText ? keyAsText : keyText;
    /** the entry of the key whose keyText is k, or -1 */
    const entryOfKey = (k: string): number => {
      const slot = index.find(keyBuf, 0, keyBytes(k));
      return slot < 0 ? -1 : indexEntry[slot];
    };
    return {
      async init() {
        const file = o.side;
        // (--side-quiet: a side line that cannot be used is skipped in silence, counted here alone for the
        // check that some record could be used; another copy of the join says it)
        let quietBad = 0;
        const onBad = (no: number, reason: string, detail?: string, raw?: string | Uint8Array) => { if (o.sideQuiet) quietBad++; else ctx.rejectAt(file, no, raw ?? '', reason, detail, true); };
        const sideWarn = (m: string) => { if (!o.sideQuiet) ctx.warn(m); };
        const read = async (onRecord: OnSideRecord) => {
          // (with --fields, only the key and those are read from a CSV side file's rows)
          const keep = fields.length > 0 ? [sideKey[0], ...fields.map((f) => splitPath(f)[0])] : undefined;
          try {
            await readSide(file, o.sideFormat, parseSize(o.maxSide), onBad, onRecord, keep, sideWarn);
          } catch (err) {
            // (a bad side line under --strict: a stop, exit 1; damaged gzip data: a failed run, exit 1)
            if (err instanceof StrictStop || err instanceof SideFileDamaged) throw err;
            const code = (err as NodeJS.ErrnoException).code;
            throw new UsageError(code?.startsWith('E') ? `side file ${file}: ${fileProblem(err as NodeJS.ErrnoException, file)}` : (err as Error).message);
          }
        };
        // the side key and the fields read from each side record's text; by default (no --fields) the
        // fields are every member of the side records with a key, so those are read first (their texts
        // kept, then read as the others)
        const keyPath = eq < 0 ? o.on : o.on.slice(eq + 1);
        const badBefore = ctx.rejected(); // (the side file's bad records: counted apart, below)
        // a side record without the key, kept in --rejects as read (its line's bytes: it was written
        // again as JSON, 1.50 as 1.5, escapes decoded, its blanks and CR gone)
        const noKey = (line: number, raw: Uint8Array) => { if (o.sideQuiet) quietBad++; else ctx.rejectAt(file, line, Buffer.from(raw), `side record without ${sideKey.join('.')}`, undefined, true); };
        let kept: { text: Buffer; line: number }[] | null = null;
        let paths: string[];
        if (fields.length === 0) {
          const seen = new Set<string>();
          kept = [];
          await read((b, s, e, line, rs = s, re = e) => {
            const rec = parseJson(b.toString('utf8', s, e)), k = getPath(rec, sideKey);
            if (k === undefined || k === null) { noKey(line, b.subarray(rs, re)); return; }
            kept!.push({ text: Buffer.from(b.subarray(s, e)), line });
            for (const name of Object.keys(rec)) if (name !== sideKey[0]) seen.add(name);
          });
          fields = [...seen];
          paths = fields.map(literalPath);
        } else paths = fields;
        const out = kept !== null ? fields.map((f) => o.prefix + f) : fields.map((f) => o.prefix + pathName(f));
        // the added fields are top-level paths of the reader (escaped so a dot in a name stays one name)
        reader = new FieldReader([streamKey, ...out.map(literalPath)]);
        added = out.map((_n, i) => i + 1);
        nullTexts = out.map(() => 'null');
        outNames = out;
        let dupes = 0, keyed = 0;
        const held = paths.map(() => false); // a side record (with a key) holds field i
        const side = new FieldReader([keyPath, ...paths]);
        const same = new ByteKeys(true); // the added texts, joined by byte 1 -> their entry
        let texts = Buffer.allocUnsafe(256);
        const addKey = (kb: Buffer, ks: number, ke: number, entry: number) => {
          const n = index.size, slot = index.slot(kb, ks, ke);
          if (index.size === n) { dupes++; return; } // the first side record with a key wins
          if (slot >= indexEntry.length) { const x = new Int32Array(2 * indexEntry.length); x.set(indexEntry); indexEntry = x; }
          indexEntry[slot] = entry;
        };
        const addText = (k: unknown) => {
          const t = textOf(k);
          return t === null ? -1 : keyBytes(t);
        };
        // (a path with a segment of digits may name an array's element, which the reader of members does
        // not reach: such side files' records are decoded and their paths followed, as getPath does)
        const split = paths.map(splitPath);
        const viaObject = [sideKey, ...split].some((p) => p.some((seg) => /^(?:0|[1-9]\d*)$/.test(seg)));
        const take = (b: Buffer, s: number, e: number, line: number, rs = s, re = e) => {
          let rec: unknown, k: unknown;
          if (viaObject) rec = parseJson(b.toString('utf8', s, e)); else side.read(b, s, e, true);
          const ks = viaObject ? -1 : side.spanStart(0), ke = viaObject ? -1 : side.spanEnd(0);
          if (viaObject ? (k = getPath(rec, sideKey)) === undefined || k === null : ks < 0 || b[ks] === 110) { noKey(line, b.subarray(rs, re)); return; }
          keyed++;
          // the texts added: a string without escapes and a number as written (JSON.stringify writes
          // the string it decodes to the same; a number's text is the side's own: 1.50, 1e5 and -0
          // came out as 1.5, 100000 and 0), other values as stringify writes them decoded
          let at = 0;
          for (let i = 0; i < paths.length; i++) {
            let vs = side.spanStart(i + 1), ve = side.spanEnd(i + 1);
            let t: string | null = null;
            if (viaObject) { const v = getPath(rec, split[i]); vs = v === undefined ? -1 : 0; t = stringify(v ?? null); }
            if (vs >= 0) held[i] = true;
            if (vs < 0) t = 'null';
            else if (t === null && !(b[vs] === 34 && !hasByte(b, vs + 1, ve - 1, 92)) && !(b[vs] === 45 || (b[vs] >= 48 && b[vs] <= 57))) t = stringify(decodeValue(b, vs, ve));
            const need = at + 1 + (t === null ? ve - vs : 3 * t.length);
            if (texts.length < need) { const x = Buffer.allocUnsafe(2 * need); texts.copy(x, 0, 0, at); texts = x; }
            if (i > 0) texts[at++] = 1; // (no JSON text holds a raw control character)
            if (t === null) at = copyBytes(b, vs, ve, texts, at); else at += texts.write(t, at, 'utf8');
          }
          const n = same.size, entry = same.slot(texts, 0, at);
          if (same.size > n) entries.push(at === 0 && paths.length === 0 ? [] : texts.toString('utf8', 0, at).split('\x01'));
          // the key: a plain string (no escape, no number's text) is its own text, as written; by text,
          // any plain string, and a number, true or false as written
          if (!viaObject && b[ks] === 34 && (asText || !(b[ks + 1] === 45 || (b[ks + 1] >= 48 && b[ks + 1] <= 57))) && !hasByte(b, ks + 1, ke - 1, 92)) return addKey(b, ks + 1, ke - 1, entry);
          if (!viaObject && asText && b[ks] !== 34 && b[ks] !== 91 && b[ks] !== 123) return addKey(b, ks, ke, entry);
          if (!viaObject) k = decodeValue(b, ks, ke);
          if (o.explode && Array.isArray(k)) {
            for (const x of k) { const len = addText(x); if (len >= 0) addKey(keyBuf, 0, len, entry); }
          } else {
            const len = addText(k);
            if (len >= 0) addKey(keyBuf, 0, len, entry);
          }
        };
        if (kept === null) await read(take);
        else for (const r of kept) take(r.text, 0, r.text.length, r.line);
        // a side file of which no record could be used (every line broken, or none with the key): the
        // run fails before any record is read (each would have been joined to nothing, exit 0)
        const sideBad = ctx.rejected() - badBefore + quietBad;
        if (keyed === 0 && sideBad > 0) throw new Error(`side file ${file}: none of its records could be used (${sideBad} ${o.sideQuiet ? 'could not be read' : 'rejected'}): nothing to join with`);
        if (dupes) sideWarn(`${dupes} side records repeat a key already seen: the first one is used`);
        // (a --fields name no side record has, a typo most likely: every record would get null there in
        // silence; said as to-csv says it of its --fields)
        const absent = fields.filter((_f, i) => !held[i]);
        if (keyed > 0 && absent.length) sideWarn(`--fields names no field of the side file: ${absent.join(', ')} (added as null)`);
        ctx.count('side keys', index.size);
        // ("rejected" counts them with the stream's: said apart, in - out = rejected would not hold)
        if (ctx.rejected() > badBefore) ctx.count('side rejected', ctx.rejected() - badBefore);
      },
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        let texts: string[] | undefined;
        let entry = -1;
        const b = line.buf, ys = reader.spanStart(0), ye = reader.spanEnd(0);
        if (ys >= 0 && b[ys] === 34 && (asText || !(b[ys + 1] === 45 || (b[ys + 1] >= 48 && b[ys + 1] <= 57))) && !hasByte(b, ys + 1, ye - 1, 92)) {
          // a plain string: its key is its content, on the side or nowhere
          const slot = index.find(b, ys + 1, ye - 1);
          if (slot >= 0) { entry = indexEntry[slot]; texts = entries[entry]; }
        } else if (ys >= 0 && asText && b[ys] !== 34 && b[ys] !== 91 && b[ys] !== 123) {
          // by text: a number, true or false as written (null matches nothing)
          const slot = b[ys] === 110 ? -1 : index.find(b, ys, ye);
          if (slot >= 0) { entry = indexEntry[slot]; texts = entries[entry]; }
        } else if (ys >= 0) {
          const slot = cache.slot(b, ys, ye);
          if (slot < hits.length) {
            const h = hits[slot];
            if (h !== undefined) { entry = h; texts = entries[h]; }
          } else {
            const key = textOf(reader.value(0));
            if (key !== null) entry = entryOfKey(key);
            if (entry >= 0) texts = entries[entry];
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
          return ctx.emitEdit(line, reader.appendEdit(entry >= 0 ? (members[entry] ??= new Members(outNames, entries[entry])) : (nullMembers ??= new Members(outNames, nullTexts)), ed));
        }
        // a field of that name in the record already: --existing decides
        let ks = added;
        {
          const clash = added.filter((k) => reader.found(k)).map((k) => reader.topName(k));
          if (o.existing === 'reject') return ctx.reject(line, 'field already present', clash.join(', '));
          // (an unmatched record keeps its own values under replace too: the side file has none to give
          // it, and its null would have wiped the record's value)
          const own = o.existing === 'keep' || entry < 0;
          ctx.count(own ? 'kept existing' : 'replaced existing');
          if (!warned) { warned = true; ctx.warn(`records already hold ${clash.join(', ')}: ${o.existing === 'keep' ? 'their own values are kept' : 'replaced by the side file\'s values'} (--existing; or --prefix to add both)`); }
          if (own) {
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

/** A join key as text under --key-match text: a string by its content, a BigNum as written, the rest
 *  as keyText has them (a decoded number, an element of an array side key or a side record read whole:
 *  its shortest text; true/false as words, arrays and objects by their JSON text; null for null). */
export function keyAsText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof BigNum) return v.raw;
  return keyText(v);
}
export default tool;
