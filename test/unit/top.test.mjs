// top: where the rank goes is found per record (a record it cannot go into is rejected with its line,
// never a usage error), after the object's last member, whatever the blanks around it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { root, sh } from '../helpers/sh.mjs';

const { closingBrace } = await import(path.join(root, 'dist/tools/top.js'));

test('closingBrace: the offset of the closing brace, negative for an empty object, null for no object', () => {
  const at = (s) => { const b = Buffer.from('xx' + s + 'yy'); return closingBrace(b, 2, b.length - 2); };
  assert.is(at('{"a":1}'), 6);
  assert.is(at(' {"a":1} \t\r'), 7);
  assert.is(at('{"a":1\r\n\t }'), 10);
  assert.is(at('{}'), -2);
  assert.is(at(' { \t}'), -5);
  assert.is(at('[1]'), null);
  assert.is(at('{"a":1'), null);
  assert.is(at(''), null);
});

test('records with blanks get the rank inside the object; bad lines are rejected with their line, exit 0', () => {
  const r = sh(`top --by t --n 5`, { input: ' {"t":1}\n{"t":2 }\t\n{"t":3}{"x":1}\n[{"t":4}]\n' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, '{"t":2 ,"rank":1}\t\n {"t":1,"rank":2}\n');
  assert.match(r.stderr, /^top: -:3: /m);
  assert.match(r.stderr, /^top: -:4: /m);
  assert.not.match(r.stderr, /--help/);
});

test('--n holds the best N, not the input: cut as the records come (EVENT_PIPES_TOP_SLACK=1: after every N + 1), the same records, ranks and order as one cut at the end, ascending or not, ties in measures (doubles that tie, decimals that do not) and keys of every kind (it held every record: 160 MB for top --n 3 of 50 MB, a review)', () => {
  let seed = 7;
  const rnd = (k) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % k; };
  const measures = ['1', '2', '2.0', '18446744073709551615', '18446744073709551614', '-3', '0.1', '1e2'];
  const keys = ['"a"', '"b"', '"é"', '"\\ud83d\\ude00"', '1', '12345678901234567890', 'null', 'true', '{"x":1}', '[2]'];
  const lines = Array.from({ length: 3000 }, (_, i) => (i % 997 === 5 ? 'not json' : `{"m":${measures[rnd(measures.length)]},"user_id":${keys[rnd(keys.length)]},"i":${i}${rnd(5) ? '' : ',"rank":0'}}`));
  const input = lines.join('\n') + '\n';
  for (const args of ['--n 1', '--n 7', '--n 100', '--n 2999', '--n 7 --ascending', '--n 50 --ascending']) {
    const whole = sh(`top --by m ${args}`, { input });
    const cut = sh(`top --by m ${args}`, { input, env: { EVENT_PIPES_TOP_SLACK: '1' } });
    assert.is(whole.status, 0, whole.stderr);
    assert.is(cut.stdout, whole.stdout, args);
    assert.is(cut.stderr, whole.stderr, args);
    assert.ok(whole.stdout.length > 0);
  }
});

test.run();
