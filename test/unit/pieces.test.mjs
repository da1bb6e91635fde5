// A thread's piece of an input file (core/pieces.ts): the file must be the one the pieces were cut
// from, and as long. Opened again by name in each piece, a file replaced meanwhile (`mv new old`, as
// exports are published) mixed two files in one output, and one that shrank left a hole: exit 0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { Pieces } from '../../dist/core/pieces.js';
import { tmpdir } from '../helpers/sh.mjs';

const lines = (n, tag) => Array.from({ length: n }, (_, i) => `{"i":${i},"tag":"${tag}"}\n`).join('');

test('a piece of the file it was cut from is read; another file by its name, or a shorter one, is an error naming it', async () => {
  const d = tmpdir(), f = `${d}/in.ndjson`;
  fs.writeFileSync(f, lines(1000, 'a'));
  const st = fs.statSync(f), end = st.size;
  const p = await Pieces.create([{ tool: 'where', argv: ['i>=0'] }], false);
  const task = (id, start, stop) => ({ id, file: f, input: 0, start, end: stop, dev: st.dev, ino: st.ino });
  const ok = p.piece(task(0, 0, end));
  assert.is(ok.error, undefined);
  assert.is(ok.records, 1000);
  // replaced: another file under the name (as mv does)
  fs.writeFileSync(`${d}/new.ndjson`, lines(1000, 'b'));
  fs.renameSync(`${d}/new.ndjson`, f);
  const replaced = p.piece(task(1, 0, end));
  assert.match(replaced.error ?? '', /in\.ndjson was replaced while it was read/);
  // shrank: the same file, cut short in place
  const st2 = fs.statSync(f);
  fs.truncateSync(f, 100);
  const shrank = p.piece({ ...task(2, 0, end), dev: st2.dev, ino: st2.ino });
  assert.match(shrank.error ?? '', new RegExp(`in\\.ndjson shrank while it was read \\(100 bytes of the ${end} it had\\)`));
  await p.finish(); // (its read buffer in the SIMD walk's memory given back: the later test files' splitters need it)
});

test('a piece read from the descriptor the main thread opened: the file removed since is read whole; one that could not be opened (gone) reads nothing, no error (the run says it once and goes on)', async () => {
  const d = tmpdir(), f = `${d}/in.ndjson`;
  fs.writeFileSync(f, lines(1000, 'a'));
  const st = fs.statSync(f), end = st.size, fd = fs.openSync(f, 'r');
  fs.rmSync(f); // (by name, each piece opened it again: ENOENT failed the whole run, nothing written)
  const p = await Pieces.create([{ tool: 'where', argv: ['i>=0'] }], false);
  const half = Math.floor(end / 2) + lines(1000, 'a').slice(Math.floor(end / 2)).indexOf('\n') + 1;
  const a = p.piece({ id: 0, file: f, input: 0, start: 0, end: half, dev: st.dev, ino: st.ino, fd });
  const b = p.piece({ id: 1, file: f, input: 0, start: half, end, dev: st.dev, ino: st.ino, fd });
  assert.is(a.error, undefined); assert.is(b.error, undefined);
  assert.is(a.records + b.records, 1000);
  fs.closeSync(fd);
  const g = p.piece({ id: 2, file: f, input: 1, start: 0, end, dev: st.dev, ino: st.ino, gone: 'no such file' });
  assert.is(g.error, undefined);
  assert.is(g.records, 0);
  await p.finish();
});

test.run();
