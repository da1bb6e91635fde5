// scripts/lib/pg-lock.mjs NAME: hold a PostgreSQL advisory lock for a recipe (sink_lock in sink.sh).
// Connects to $EVENT_PIPES_PG_URL (else the PG* variables, as load-postgres), waits for the session
// lock pg_advisory_lock(hashtext('event-pipes ' || NAME)), prints "locked", and holds it until its
// stdin closes (the recipe that started it ended, however it ended): then the session ends and the
// server releases the lock. An error is one line on stdout (the recipe reads it), exit 1.
// It connects as the tools do (pgConnect: sslmode with libpq's meanings, ~/.pgpass, the default user):
// a bare pg.Client failed where they connect (a managed server's ?sslmode=require, a password in
// ~/.pgpass), and its warnings on stderr were read as the lock's answer.
import { pgConnect } from '../../dist/core/postgres.js';

const name = process.argv[2];
let client;
const fail = (err) => {
  const e = err;
  const message = (e && e.message) || (e && Array.isArray(e.errors) && e.errors.map((x) => x.message).join('; ')) || String((e && e.code) || e);
  process.stdout.write(`${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(1);
};
try {
  client = await pgConnect(process.env.EVENT_PIPES_PG_URL || undefined, `event-pipes lock ${name}`, (c) => c.on('error', fail));
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [`event-pipes ${name}`]);
} catch (err) { fail(err); }
process.stdout.write('locked\n');
process.stdin.on('data', () => {});
process.stdin.on('end', () => { client.end().finally(() => process.exit(0)); });
process.stdin.on('error', () => process.exit(0));
