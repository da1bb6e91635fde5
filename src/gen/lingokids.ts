// generate-lingokids: raw `activity_exit` events shaped exactly like the challenge's example, against
// given users/activities files (e.g. the real samples) or generated ones; deterministic by --seed.
// Planted: duplicate deliveries, unknown users and activities, other event names, events at the exact
// subscription boundaries, optional malformed lines.
import { Rng, atLeastOne, die, genArgs, openOut, readRecords, writeOut } from './random.js';

const USAGE = `usage: generate-lingokids [--seed N] [--events N] [--users FILE] [--activities FILE]
                          [--make-users N] [--make-activities N] [--out-users FILE]
                          [--out-activities FILE] [--bad-lines N] [--out FILE]

Writes raw Lingokids activity_exit events (NDJSON; default 10000) to --out FILE or stdout, with
duplicate deliveries, unknown users and activities and other event names planted. Without --users /
--activities it makes them up (--make-users, --make-activities) and writes them with --out-users /
--out-activities. --bad-lines N cuts N of the events' lines short (malformed JSON; at most one per
event), spread evenly. The same --seed gives the same bytes.

Examples:
  generate-lingokids --seed 1 --events 10000 --users users.json --activities activities.json \\
    --out events.json
      events of the given users and activities
  generate-lingokids --events 2000 --out-users my-users.json --out-activities my-activities.json \\
    > my-events.json
      events, users and activities all made up`;

const fmt = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

export async function main(argv: string[]): Promise<void> {
  const o = genArgs(argv, { seed: 1, events: 10000, users: '', activities: '', 'make-users': 300, 'make-activities': 200, 'out-users': '', 'out-activities': '', 'bad-lines': 0, out: '-' }, USAGE);
  const rng = new Rng(Number(o.seed)), me = 'generate-lingokids';
  if (!o.users) atLeastOne(me, o, 'make-users');
  if (!o.activities) atLeastOne(me, o, 'make-activities');
  const start = Date.parse('2021-01-01T00:00:00Z'), span = 31 * 86400000;
  let users: any[], activities: any[];
  if (o.users) {
    users = readRecords(me, '--users', String(o.users));
    const bad = users.findIndex((u) => typeof u?.user_id !== 'string');
    if (users.length === 0 || bad >= 0) die(me, `--users ${o.users} ${users.length === 0 ? 'holds no user' : `record ${bad + 1} has no user_id string`}`, 2);
  }
  else {
    users = Array.from({ length: Number(o['make-users']) }, () => {
      const reg = start - rng.int(0, 20) * 86400000 + rng.int(0, 86399999);
      const u: any = { user_id: rng.uuid(), children_ids: Array.from({ length: rng.int(1, 3) }, () => rng.uuid()), country_code: rng.pick(['us', 'in', 'tr', 'es', 'br', 'mx']), registration_at: fmt(reg) + '000' };
      const kind = rng.next();
      if (kind > 0.6) {
        const ts = reg + rng.int(5, 60) * 60000, te = ts + 7 * 86400000;
        Object.assign(u, { trial_start_at: fmt(ts) + '000', trial_end_at: fmt(te) + '000' });
        if (kind > 0.8) Object.assign(u, { subscription_start_at: fmt(te) + '000', subscription_expire_at: fmt(te + 30 * 86400000) + '000' });
      }
      return u;
    });
    if (o['out-users']) writeOut('generate-lingokids', String(o['out-users']), users.map((u) => JSON.stringify(u)).join('\n') + '\n');
  }
  if (o.activities) {
    activities = readRecords(me, '--activities', String(o.activities));
    const bad = activities.findIndex((a) => typeof a?.activity_id !== 'string');
    if (activities.length === 0 || bad >= 0) die(me, `--activities ${o.activities} ${activities.length === 0 ? 'holds no activity' : `record ${bad + 1} has no activity_id string`}`, 2);
  }
  else {
    activities = Array.from({ length: Number(o['make-activities']) }, (_, i) => ({ activity_id: `act_${i}`, name: `Activity ${i}`, type: rng.pick(['game', 'video', 'song', 'book', 'traceable']), subtype: rng.next() < 0.3 ? null : rng.pick(['hide_and_seek', 'word', 'unique']) }));
    if (o['out-activities']) writeOut('generate-lingokids', String(o['out-activities']), activities.map((a) => JSON.stringify(a)).join('\n') + '\n');
  }
  const bounds = ['registration_at', 'trial_start_at', 'trial_end_at', 'subscription_start_at', 'subscription_expire_at'];
  const out = openOut('generate-lingokids', String(o.out));
  const n = Number(o.events), nBad = Math.min(n, Number(o['bad-lines']));
  // the lines cut short: spread evenly, each an event of its own (it was every floor(n/N)th line with a
  // remainder of 7, none when N >= n/7, and fewer where a slot fell on a duplicate delivery)
  const bad = new Set<number>();
  for (let k = 0; k < nBad; k++) bad.add(Math.floor(((k + 0.5) / nBad) * n));
  const recent: string[] = [];
  for (let i = 0; i < n; i++) {
    const dup = recent.length > 0 && rng.next() < 0.02;
    if (dup && !bad.has(i)) { await out.line(rng.pick(recent)); continue; } // a duplicate delivery
    const u = rng.next() < 0.01 ? { user_id: rng.uuid(), children_ids: [rng.uuid()] } : rng.pick(users);
    const a = rng.next() < 0.01 ? { activity_id: `retired_${rng.int(1, 9)}` } : rng.pick(activities);
    let at = start + Math.floor(rng.next() * span);
    const b = bounds[rng.int(0, bounds.length - 1)];
    if (rng.next() < 0.03 && (u as any)[b]) at = Date.parse((u as any)[b].slice(0, 23).replace(' ', 'T') + 'Z'); // exactly at a boundary
    const ios = rng.next() < 0.55;
    const ev = {
      event_id: rng.uuid(), name: rng.next() < 0.1 ? rng.pick(['activity_start', 'app_open', 'purchase']) : 'activity_exit',
      occurred_at: fmt(at), user_id: u.user_id, child_id: rng.pick(u.children_ids ?? [rng.uuid()]),
      data: { activity_id: a.activity_id, source: rng.pick(['launcher', 'collection', 'search']), duration: Math.round(rng.next() * 600000) / 1000, completed: rng.next() < 0.6,
        collection_id: rng.next() < 0.7 ? '' : rng.pick(['lk_collection_winterexplorer', 'lk_collection_conectwithnature']), loading_time: Math.round(rng.next() * 3000) / 1000 },
      context: { device: { device_id: rng.uuid(), brand: ios ? 'Apple' : rng.pick(['samsung', 'Xiaomi']), model: ios ? 'iPad7,6' : 'SM-T510' },
        os: { name: ios ? 'iOS' : 'Android', version: ios ? rng.pick(['14.2', '13.7', '12.4.8']) : rng.pick(['9', '10', '11']) }, app: { version: rng.pick(['7.39.0', '7.40.0', '7.41.0']), build: String(rng.int(4400, 4500)) } },
    };
    let line = JSON.stringify(ev);
    recent.push(line); if (recent.length > 50) recent.shift();
    if (bad.has(i)) line = line.slice(0, rng.int(5, line.length - 3));
    await out.line(line);
  }
  await out.end();
}
