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

test.run();
