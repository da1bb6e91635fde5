// filter-engaged: keep engagement events whose engaged time reaches a threshold. Reads GA4 / Firebase
// BigQuery export params (event_params: [{key, value: {int_value|double_value|float_value|string_value}}],
// INT64 as JSON strings) or a flat top-level field. Kept lines leave byte for byte.
import { FieldReader, decodeValue, forEachElement, hasByte, memberSpan, skipValue } from '../core/fields.js';
import { toNumber, truthy } from '../core/json.js';
import type { Line, Tool } from '../core/tool.js';
import type { Options } from 'yargs';
import type { InputOptions, OptionsOf } from '../core/options.js';

const options = {
  event: { type: 'string', array: true, default: ['user_engagement'], describe: 'event name(s) that count, matched exactly' },
  param: { type: 'string', default: 'engagement_time_msec', describe: 'engaged-time parameter (in event_params, or a top-level field of that name, which decides when a record has both)' },
  'min-ms': { type: 'number', default: 3000, describe: 'keep events whose engaged time is >= this many ms' },
  'require-param': { type: 'string', array: true, default: [], describe: 'also require these params to be present and truthy (e.g. engaged_session_event)' },
  'name-field': { type: 'string', default: 'event_name', describe: 'top-level field holding the event name' },
  'check-all': { type: 'boolean', default: false, describe: 'read every line by the grammar (a broken line is reported even when it cannot be an engagement event); by default lines without the quoted event name are only counted' },
} as const satisfies Record<string, Options>;

export type FilterEngagedOptions = OptionsOf<typeof options> & InputOptions;

const KEY = Buffer.from('key'), VALUE = Buffer.from('value');
const VALUE_KINDS = ['int_value', 'double_value', 'float_value', 'string_value'].map((k) => Buffer.from(k));
const span = new Int32Array(2);

/** in a valid param element {key, value: {<kind>: v}} at b[s, e): is its key `name`? */
function keyIs(b: Buffer, s: number, e: number, name: Buffer): boolean {
  if (!memberSpan(b, s, e, KEY, span) || b[span[0]] !== 34) return false;
  const k0 = span[0] + 1, k1 = span[1] - 1;
  if (k1 - k0 === name.length && b.compare(name, 0, name.length, k0, k1) === 0) return true;
  return hasByte(b, k0, k1, 92) && decodeValue(b, span[0], span[1]) === name.toString('utf8'); // an escaped spelling
}

/** the first non-null of the element's value kinds, null when there is none */
function paramValue(b: Buffer, s: number, e: number): unknown {
  if (!memberSpan(b, s, e, VALUE, span) || b[span[0]] !== 123) return null;
  const vs = span[0], ve = span[1];
  for (const kind of VALUE_KINDS) if (memberSpan(b, vs, ve, kind, span) && b[span[0]] !== 110 /* null */) return decodeValue(b, span[0], span[1]);
  return null;
}

/** GA4 params (in a valid line): the decoded value of param `name`, null when present without a
 *  value, undefined when absent. Walks the array in place (no objects built); the first element with
 *  the key wins. */
export function ga4Param(b: Buffer, s: number, e: number, name: Buffer): unknown {
  if (b[s] !== 91) return undefined;
  const quick = ga4ParamQuick(b, s, e, name);
  if (quick !== NOT_QUICK) return quick;
  let found: unknown = undefined;
  forEachElement(b, s, e, (es, ee) => {
    if (found === undefined && b[es] === 123 && keyIs(b, es, ee, name)) found = paramValue(b, es, ee);
  });
  return found;
}

const NOT_QUICK = Symbol('not quick');
const isWs = (c: number) => c === 32 || c === 9 || c === 13 || c === 10;
const KEY_COLON = Buffer.from('"key"');

/**
 * The common case without walking every element: a native search for the quoted name; absent bytes
 * mean an absent param when the array holds no escape. When its first occurrence reads `[ or , { "key" :
 * "name"` with no nested array or escape before it, it is the key of a top-level element of this array:
 * that one element is read. Anything else (escapes, nesting, "key" not first) is left to the
 * element-by-element walk.
 */
function ga4ParamQuick(b: Buffer, s: number, e: number, name: Buffer): unknown {
  let q = quotedCache.get(name);
  if (q === undefined) { q = Buffer.from(`"${name.toString('latin1')}"`, 'latin1'); quotedCache.set(name, q); }
  const p = b.indexOf(q, s);
  // (absent bytes mean an absent param only without escapes: "dur\u00e9e", as Python's json.dumps writes
  // a non-ASCII key, is the key durée, and was taken for missing; an escaped spelling before the bytes
  // found may be the first element with the key)
  if (p < 0 || p + q.length > e) return hasByte(b, s, e, 92) ? NOT_QUICK : undefined;
  if (hasByte(b, s, p, 92)) return NOT_QUICK;
  let i = p - 1;
  while (i > s && isWs(b[i])) i--;
  if (b[i] !== 58 /* : */) return NOT_QUICK;
  i--;
  while (i > s && isWs(b[i])) i--;
  if (i - 4 <= s || b.compare(KEY_COLON, 0, 5, i - 4, i + 1) !== 0) return NOT_QUICK;
  i -= 5;
  while (i > s && isWs(b[i])) i--;
  if (b[i] !== 123 /* { */) return NOT_QUICK;
  const o = i;
  i--;
  while (i > s && isWs(b[i])) i--;
  if (!(i === s || b[i] === 44 /* , */)) return NOT_QUICK;
  if (o - s > 1) { const a = b.indexOf(91, s + 1); if (a >= 0 && a < o) return NOT_QUICK; }
  const canonical = exportForm(b, p + q.length, e);
  if (canonical !== NOT_QUICK) return canonical;
  const end = skipValue(b, o, e);
  if (!memberSpan(b, o, end, KEY, span) || span[0] !== p) return NOT_QUICK; // (a later "key" member would win)
  return paramValue(b, o, end);
}
const quotedCache = new Map<Buffer, Buffer>();

const VALUE_OPEN = Buffer.from(',"value":{"');
const KIND_TAGS = VALUE_KINDS.map((k) => Buffer.from(`${k.toString()}":`));
const same = (b: Buffer, i: number, bytes: Buffer) => {
  for (let k = 0; k < bytes.length; k++) if (b[i + k] !== bytes[k]) return false;
  return true;
};

/**
 * The rest of an element exactly as BigQuery exports it, read straight from the bytes: `,"value":{"
 * <kind>":<scalar>}}` after the key (so the element has just these two members and the value just
 * one). Digit strings and short integers come back as numbers (what the caller makes of them anyway);
 * anything else (blanks, escapes, long integers, more members) is NOT_QUICK.
 */
function exportForm(b: Buffer, j: number, e: number): unknown {
  if (j + VALUE_OPEN.length >= e || !same(b, j, VALUE_OPEN)) return NOT_QUICK;
  j += VALUE_OPEN.length;
  let tag = -1;
  for (let k = 0; k < KIND_TAGS.length; k++) if (same(b, j, KIND_TAGS[k])) { tag = k; break; }
  if (tag < 0) return NOT_QUICK;
  j += KIND_TAGS[tag].length;
  let value: unknown, k = j;
  if (b[j] === 34 /* " */) {
    let digits = 0;
    for (k = j + 1; k < e && b[k] !== 34; k++) {
      if (b[k] === 92 /* \ */) return NOT_QUICK;
      if (b[k] >= 48 && b[k] <= 57) digits++;
    }
    if (k >= e) return NOT_QUICK;
    const n = k - j - 1;
    value = n > 0 && n < 16 && digits === n && !(b[j + 1] === 48 && n > 1) ? Number(b.toString('latin1', j + 1, k)) : b.toString('utf8', j + 1, k);
    k++;
  } else if (b[j] === 110 /* n */) {
    if (!(b[j + 1] === 117 && b[j + 2] === 108 && b[j + 3] === 108)) return NOT_QUICK;
    value = null; k = j + 4;
  } else {
    if (b[k] === 45) k++; // plain integers only; decimals and exponents take the general path
    const d0 = k;
    for (; k < e && b[k] >= 48 && b[k] <= 57; k++);
    if (k === d0 || k - j >= 16 || (b[d0] === 48 && k - d0 > 1)) return NOT_QUICK;
    value = Number(b.toString('latin1', j, k));
  }
  return b[k] === 125 && b[k + 1] === 125 && k + 1 < e ? value : NOT_QUICK; // }}
}

export const tool: Tool<FilterEngagedOptions> = {
  name: 'filter-engaged',
  parallel: 'local',
  summary: 'Keep engagement events (GA4/Firebase export or flat records) whose engaged time is at least --min-ms; kept lines pass through byte for byte.',
  usage: 'filter-engaged [options] [FILE...]',
  examples: [
    ['filter-engaged < events.ndjson > engaged.ndjson', 'keep user_engagement events with engagement_time_msec >= 3000'],
    ['filter-engaged --min-ms 10000 --require-param engaged_session_event export.json.gz', 'stricter threshold, only events marked as an engaged session'],
  ],
  options,
  check(o) {
    if (!Number.isFinite(o.minMs)) return '--min-ms takes a number of milliseconds';
    if (o.event.length === 0) return '--event needs at least one name';
    return undefined;
  },
  create(o, ctx) {
    const names = new Set(o.event);
    const quotedNames = o.event.map((n) => Buffer.from(JSON.stringify(n)));
    const fields = new FieldReader([o.nameField, 'event_params', o.param]);
    const paramKey = Buffer.from(o.param);
    const required = o.requireParam.map((p) => Buffer.from(p));
    return {
      // a matching line must contain the quoted event name (only when there is one name); the other
      // lines are counted as read without being looked at, unless --check-all
      needle: o.event.length === 1 && !o.checkAll ? Buffer.from(JSON.stringify(o.event[0])) : undefined,
      record(line: Line) {
        if (!fields.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, fields.reason, fields.error);
        // the name's raw bytes first (no string made); a decoded compare for escaped spellings
        let named = false;
        for (let k = 0; k < quotedNames.length && !named; k++) named = fields.rawEquals(0, quotedNames[k]);
        if (!named) { const name = fields.value(0); if (typeof name !== 'string' || !names.has(name)) return; }
        let engaged: unknown = fields.value(2);
        const param = (key: Buffer): unknown => {
          const s = fields.spanStart(1);
          return s < 0 ? undefined : ga4Param(line.buf, s, fields.spanEnd(1), key);
        };
        if (engaged === undefined) engaged = param(paramKey);
        if (engaged === undefined || engaged === null) return ctx.reject(line, `missing ${o.param}`);
        const ms = toNumber(engaged);
        if (Number.isNaN(ms)) return ctx.reject(line, `${o.param} is not a number`, JSON.stringify(engaged));
        if (ms < o.minMs) return;
        for (const r of required) if (!truthy(param(r))) return;
        ctx.emitLine(line);
      },
    };
  },
};
export default tool;
