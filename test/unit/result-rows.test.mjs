// The NDJSON keys of query results (core/result-rows.ts uniqueNames): a name met before takes the first
// name_N that no column has and none took before; unique names are kept (JSON keys are case-sensitive).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { uniqueNames } from '../../dist/core/result-rows.js';

test('a later duplicate takes the first free name_N; no key twice, no other column renamed', () => {
  assert.equal(uniqueNames(['a', 'a', 'a']), ['a', 'a_1', 'a_2']);
  assert.equal(uniqueNames(['a', 'a', 'a_1']), ['a', 'a_2', 'a_1']);
  assert.equal(uniqueNames(['a_1', 'a', 'a', 'a_1']), ['a_1', 'a', 'a_2', 'a_1_1']);
  assert.equal(uniqueNames(['a', 'A', 'b', '0', '0']), ['a', 'A', 'b', '0', '0_1']);
  for (const names of [['x', 'x', 'x_1', 'x_2', 'x', 'x_1'], ['', '', '_1']]) {
    const keys = uniqueNames(names);
    assert.is(new Set(keys).size, names.length, names.join());
    keys.forEach((k, i) => { if (names.indexOf(names[i]) === i) assert.is(k, names[i]); });
  }
});

test.run();
