// filter-engaged's GA4 param reader against a reference built on (lossless) JSON.parse: the quick paths (native
// search, the export form read from the bytes) must agree with the element-by-element walk on every
// textual form: blanks, member order, duplicates, nesting, escapes, nulls, long integers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ga4Param } from '../../dist/tools/filter-engaged.js';
import { parseJson } from '../../dist/core/json.js';

let seed = 4242;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const NAME = 'engagement_time_msec';

/** what the param reader should give: the first element whose key is NAME (an element's last "key"
 * wins), then the first non-null of int/double/float/string value; undefined when absent */
function reference(text) {
  const arr = parseJson(text); // lossless: integers beyond 2^53 stay exact, as in the reader
  for (const el of arr) {
    if (!el || typeof el !== 'object' || Array.isArray(el) || el.key !== NAME) continue;
    const v = el.value;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
    for (const k of ['int_value', 'double_value', 'float_value', 'string_value']) if (v[k] !== undefined && v[k] !== null) return v[k];
    return null;
  }
  return undefined;
}
const norm = (v) => (v === undefined || v === null ? v : typeof v === 'object' ? String(v.raw ?? v) : String(v));

const scalars = ['"53772"', '53772', '"0"', '0', '1.5', 'null', '"abc"', '"12345678901234567890"', '12345678901234567890', '"007"', '-3', '"a\\"b"'];
function element(name) {
  const kind = pick(['int_value', 'double_value', 'float_value', 'string_value']);
  const value = `{"${kind}":${pick(scalars)}}`;
  const forms = [
    `{"key":"${name}","value":${value}}`,
    `{ "key" : "${name}" , "value" : ${value} }`,
    `{"value":${value},"key":"${name}"}`,
    `{"key":"${name}","value":${value},"key":"other"}`,
    `{"key":"other","key":"${name}","value":${value}}`,
    `{"key":"${name}","value":{"int_value":null,"string_value":${pick(scalars)}}}`,
    `{"key":"${name}","value":{"set_timestamp_micros":"1","int_value":"5"}}`,
    `{"key":"${name}","value":null}`,
    `{"key":"${name}"}`,
    `{"key":"x","value":{"string_value":"\\"${name}\\""}}`,
    `{"key":"x","value":{"nested":[{"key":"${name}","value":{"int_value":"9"}}]}}`,
    // the name spelled with escapes (as json.dumps writes a non-ASCII one) is the name
    `{"key":"${name.replace(/_/g, '\\u005f')}","value":${value}}`,
    `{"key":"x","value":{"string_value":"a\\u00e9"}}`,
  ];
  return pick(forms);
}
function paramsText() {
  const n = Math.floor(rnd() * 5);
  const els = [];
  for (let i = 0; i < n; i++) els.push(rnd() < 0.5 ? element(NAME) : element(pick(['ga_session_id', 'engaged_session_event', 'x'])));
  return '[' + els.join(rnd() < 0.8 ? ',' : ' , ') + ']';
}

test('ga4Param agrees with the JSON.parse reference on 5000 random params arrays', () => {
  const name = Buffer.from(NAME);
  let found = 0;
  for (let i = 0; i < 5000; i++) {
    const text = paramsText();
    // embed in a line, with bytes after the array, as in a real record
    const line = `{"event_params":${text},"tail":"[{\\"key\\":\\"${NAME}\\"}]"}`;
    const b = Buffer.from(line);
    const s = line.indexOf('[');
    const e = s + Buffer.byteLength(text);
    const got = ga4Param(b, s, e, name), want = reference(text);
    if (want !== undefined) found++;
    assert.is(norm(got), norm(want), text);
  }
  assert.ok(found > 1500, `only ${found} arrays held the param`);
});

test.run();
