// generate-ga4: GA4 / Firebase BigQuery export lines shaped like the Sliide sample (the same 12 keys in
// the same order, event_params / user_properties arrays, INT64 values as JSON strings, µs timestamps),
// deterministic by --seed. About 31% user_engagement, engagement times spread across the 3 s boundary.
import { Rng, die, genArgs, openOut, atLeastOne } from './random.js';

const USAGE = `usage: generate-ga4 [--seed N] [--events N] [--users N] [--days N] [--start YYYY-MM-DD]
                    [--bad-lines N] [--out FILE]

Writes GA4/Firebase export NDJSON shaped like the Sliide sample (default 100000 events, 5000 users,
7 days from 2020-03-06, which include the US DST switch of 2020-03-08), to --out FILE or stdout; the
same --seed gives the same bytes. --bad-lines N plants N bad lines (at most one per event), each
cut short, not JSON, with an unquoted key, or \`{}\` (valid JSON: a record without the fields).

Examples:
  generate-ga4 --seed 7 --events 10000 --out ga4.ndjson
      10,000 events of 5,000 users in a file
  generate-ga4 --events 5000 --bad-lines 3 | gzip > export.json.gz
      a gzipped export with 3 broken lines`;

const EVENTS: [string, number][] = [
  ['user_engagement', 31], ['push_received', 38], ['screen_view', 9], ['session_start', 5], ['model_view', 4],
  ['push_clicked', 3], ['top_news_swipe', 2.5], ['headlines_navigate', 2], ['dynamic_item_clicked', 1.5],
  ['app_update', 0.8], ['settings_clicked', 0.7], ['push_dismissed', 0.9], ['first_open', 0.6], ['os_update', 0.4],
  ['user_engagement_extra', 0.3],
];
const SCREENS = ['HomeActivity', 'ArticleActivity', 'SettingsActivity', 'OnboardingActivity'];
const MODELS = ['U683CL', 'L51', 'SM-G960U', 'Pixel 3', 'moto g(7)'];
const OFFSETS = ['-18000', '-21600', '-25200', '-28800'];

interface User { id: string; firstTouch: string; model: string; tz: string; uid: string; session: number }

const sv = (key: string, v: string) => `{"key":"${key}","value":{"string_value":"${v}"}}`;
const iv = (key: string, v: string | number) => `{"key":"${key}","value":{"int_value":"${v}"}}`;
const up = (key: string, kind: 'string_value' | 'int_value', v: string, at: string) => `{"key":"${key}","value":{"${kind}":"${v}","set_timestamp_micros":"${at}"}}`;

export async function main(argv: string[]): Promise<void> {
  const o = genArgs(argv, { seed: 1, events: 100000, users: 5000, days: 7, start: '2020-03-06', 'bad-lines': 0, out: '-' }, USAGE);
  const start = Date.parse(`${o.start}T00:00:00Z`);
  // (a calendar day: 2020-02-30 was March 1, 2020 January 1)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(String(o.start)) || !Number.isFinite(start) || new Date(start).toISOString().slice(0, 10) !== o.start) die('generate-ga4', `--start takes a calendar day YYYY-MM-DD (got '${o.start}')`, 2);
  // (--users 0 was one user, in silence; --days 0 is an empty span: refused as the other generators do)
  for (const c of ['users', 'days']) atLeastOne('generate-ga4', o, c);
  const rng = new Rng(Number(o.seed));
  const nEvents = Number(o.events), nUsers = Number(o.users), spanUs = Number(o.days) * 86_400_000_000;
  const users: User[] = [];
  for (let i = 0; i < nUsers; i++) {
    users.push({
      id: rng.hex(32), firstTouch: String(BigInt(start - rng.int(1, 400) * 86_400_000) * 1000n + BigInt(rng.int(0, 999999))),
      model: rng.pick(MODELS), tz: rng.pick(OFFSETS), uid: rng.hex(16), session: rng.int(1, 200),
    });
  }
  const bad = new Set<number>();
  for (let i = 0; i < Number(o['bad-lines']) && nEvents > 0; i++) bad.add(Math.floor(((i + 0.5) / Number(o['bad-lines'])) * nEvents));
  const out = openOut('generate-ga4', String(o.out));
  for (let i = 0; i < nEvents; i++) {
    const u = users[Math.floor(rng.next() ** 1.3 * nUsers)]; // some users far more active
    const tsUs = BigInt(start) * 1000n + BigInt(Math.floor(rng.next() * spanUs));
    const ts = tsUs.toString();
    const name = rng.weighted(EVENTS);
    const sessionId = String(Number(tsUs / 1000000n) - rng.int(0, 1800));
    const params: string[] = [iv('ga_session_id', sessionId), sv('firebase_screen_class', rng.pick(SCREENS))];
    if (name === 'user_engagement' || name === 'user_engagement_extra') {
      const ms = rng.weighted([[rng.int(0, 2998), 30], [2999, 2], [3000, 2], [rng.int(3001, 60000), 55], [rng.int(60001, 900000), 11]] as const);
      if (rng.next() < 0.85) params.push(iv('engaged_session_event', 1));
      params.push(sv('firebase_event_origin', 'auto'), iv('ga_session_number', u.session), iv('engagement_time_msec', ms));
    } else if (name.startsWith('push_')) {
      params.push(sv('campaign_id', rng.pick(['sponsored.morning', 'breaking.news', 'daily.digest'])), sv('id', rng.uuid()), sv('firebase_event_origin', 'app'));
    } else {
      params.push(sv('firebase_event_origin', 'auto'), iv('ga_session_number', u.session));
    }
    // screen ids are signed 64-bit: many beyond 2^53
    params.push(iv('firebase_screen_id', (rng.next() < 0.5 ? '-' : '') + String(BigInt(rng.int(1, 9_000_000)) * 1_000_000_000_000n + BigInt(rng.int(0, 999_999_999_999)))));
    const at = String(tsUs - BigInt(rng.int(0, 86_400_000_000)));
    const props = [
      up('ga_session_number', 'int_value', String(u.session), at), up('user_id', 'string_value', u.uid, at),
      up('notifications_enabled', 'string_value', rng.next() < 0.8 ? 'true' : 'false', at), up('device_model', 'string_value', u.model, at),
      up('first_open_time', 'int_value', String(Number(BigInt(u.firstTouch) / 1000n)), u.firstTouch),
      up('testUserGroup', 'string_value', String(rng.int(0, 9)), at),
    ];
    const d = new Date(Number(tsUs / 1000n) + 3_600_000).toISOString(); // event_date in UTC+1, like the sample
    let line = `{"event_date":"${d.slice(0, 4)}${d.slice(5, 7)}${d.slice(8, 10)}","event_timestamp":"${ts}","event_name":"${name}",` +
      `"event_params":[${params.join(',')}],"event_server_timestamp_offset":"${rng.int(100000, 9000000)}",` +
      `"user_pseudo_id":"${u.id}","user_properties":[${props.join(',')}],"user_first_touch_timestamp":"${u.firstTouch}",` +
      `"mobile_os_hardware_model":"${u.model}","language":"en-us","time_zone_offset_seconds":"${u.tz}","version":"11.3.${rng.int(0, 2)}"}`;
    if (bad.has(i)) line = rng.pick([line.slice(0, rng.int(10, line.length - 2)), '{}', 'garbage', line.replace('"event_name"', 'event_name')]);
    await out.line(line);
  }
  await out.end();
}
