#!/usr/bin/env node
// bench/hosts.mjs: scripts/active-users.sh and scripts/engagement.sh without --hosts, on one ssh "host"
// and on two (docs/SCALING.md).
//   node bench/hosts.mjs [ROUNDS (default 3)] [GA4_EVENTS (default 400000)] [LINGOKIDS_EVENTS (default 200000)]
// Starts a private sshd (test/helpers/sshd.mjs: key-only, a free high port of 127.0.0.1 and 127.0.0.2,
// stopped at the end), so the two "hosts" are two addresses of this machine: they share its cores.
// Each host is given one job at a time (`1/` in its sshlogin), as a one-core host would be, so "two
// hosts" can use both cores where "one host" uses one; the inputs are sent with each job by rsync
// (parallel --transferfile, the default: no --shared-storage) and the partial results come back.
// Inputs, generated once under bench/data/hosts/: GA4 export lines (generate-ga4 --seed 7) and
// Lingokids events (generate-lingokids --seed 3, 20,000 users, 300 activities), 4 files each. The runs
// alternate (rotated order per round); after every run the database is compared with the first run's
// of the same recipe (each run loads into a new database). Prints one Markdown table per recipe.
import fs from 'node:fs';
import path from 'node:path';
import { alternate, root, table, timed } from './alternate.mjs';
import { dumpAll } from '../test/helpers/incremental.mjs';
import { missing, startSshd } from '../test/helpers/sshd.mjs';

const rounds = Number(process.argv[2] ?? 3);
const ga4Events = Number(process.argv[3] ?? 400000);
const lingoEvents = Number(process.argv[4] ?? 200000);
if (![rounds, ga4Events, lingoEvents].every((x) => Number.isInteger(x) && x > 0)) {
  console.error('usage: node bench/hosts.mjs [ROUNDS] [GA4_EVENTS] [LINGOKIDS_EVENTS]');
  process.exit(2);
}
const why = missing();
if (why) { console.error(`bench/hosts.mjs: missing ${why}`); process.exit(1); }
const PARTS = 4;
const data = path.join(root, 'bench/data/hosts');
fs.mkdirSync(data, { recursive: true });

/** FILE split into PARTS files of whole lines (PREFIX-0..), made once */
function split(file, prefix) {
  const parts = [...Array(PARTS).keys()].map((i) => `${prefix}-${i}`);
  if (!parts.every((p) => fs.existsSync(p))) timed(`split -n l/${PARTS} -d -a 1 ${file} ${prefix}- && rm ${file}`);
  return parts;
}
const ga4 = `${data}/ga4-${ga4Events}`;
if (!fs.existsSync(`${ga4}-0`)) timed(`generate-ga4 --seed 7 --events ${ga4Events} --users ${Math.round(ga4Events / 20)} --days 7 --out ${ga4}.ndjson`);
const ga4Files = split(`${ga4}.ndjson`, ga4);
const lingo = `${data}/lingo-${lingoEvents}`;
if (!fs.existsSync(`${data}/users.json`)) {
  timed(`generate-lingokids --seed 9 --events 0 --make-users 20000 --make-activities 300 --out-users ${data}/users.json.tmp --out-activities ${data}/activities.json && mv ${data}/users.json.tmp ${data}/users.json`);
}
if (!fs.existsSync(`${lingo}-0`)) timed(`generate-lingokids --seed 3 --events ${lingoEvents} --users ${data}/users.json --activities ${data}/activities.json --out ${lingo}.json`);
const lingoFiles = split(`${lingo}.json`, lingo);
const mb = (fs_) => (fs_.reduce((a, f) => a + fs.statSync(f).size, 0) / 1e6).toFixed(0);
timed(`cat ${[...ga4Files, ...lingoFiles].join(' ')} > /dev/null`);  // the page cache

const sshd = await startSshd();
const work = fs.mkdtempSync(path.join(root, 'bench/data', 'hosts-run-'));
try {
  const one = `'${sshd.login('127.0.0.1', { jobs: 1 })}'`;
  const two = `'${sshd.login('127.0.0.1', { jobs: 1 })},${sshd.login('127.0.0.2', { jobs: 1 })}'`;
  const configs = [['without --hosts', ''], ['1 host (1/)', `--hosts ${one}`], ['2 hosts (1/ each)', `--hosts ${two}`]];
  const recipe = (label, script) => {
    let first;
    const cmds = configs.map(([name, hosts], i) => {
      const db = path.join(work, `${label}-${i}.db`);
      return {
        name,
        before() { for (const x of ['', '-wal', '-shm']) fs.rmSync(db + x, { force: true }); },
        script: script(db, hosts),
        after() {
          const t = JSON.stringify(dumpAll(db));
          if (first === undefined) first = t;
          else if (t !== first) { console.error(`bench: ${label} ${name}: other tables than the first run's`); process.exit(1); }
        },
      };
    });
    return table(alternate(cmds, rounds), '1 host (1/)');
  };
  const au = recipe('active-users', (db, hosts) => `active-users.sh --quiet --db ${db} ${hosts} ${ga4Files.join(' ')} 2> /dev/null`);
  const en = recipe('engagement', (db, hosts) => `engagement.sh --db ${db} --users ${data}/users.json --activities ${data}/activities.json ${hosts} ${lingoFiles.join(' ')} 2> /dev/null`);
  console.log(`active-users.sh: ${ga4Events} GA4 export lines (${mb(ga4Files)} MB) in ${PARTS} files; ${rounds} alternated rounds; the same tables in every run\n\n${au}\n`);
  console.log(`engagement.sh: ${lingoEvents} Lingokids events (${mb(lingoFiles)} MB; users and activities sent with each job) in ${PARTS} files; ${rounds} alternated rounds; the same tables in every run\n\n${en}`);
} finally {
  sshd.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
