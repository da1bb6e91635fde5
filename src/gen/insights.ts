// generate-insights: the Insights challenge's own generator, ported: user interactions and user
// metadata as CSV with the same fields, value ranges and formats, deterministic by --seed; the
// interactions partitioned by date (one CSV per day under OUT/interactions/).
import fs from 'node:fs';
import path from 'node:path';
import { Rng, die, genArgs, writeOut } from './random.js';

const USAGE = `usage: generate-insights [--seed N] [--interactions N] [--users N] --out DIR

The Insights seed's generator: writes DIR/interactions/date=YYYY-MM-DD.csv (user_id, timestamp,
action_type, page_id, duration_ms, app_version; one file per day with interactions: 364, as the
seed's generator draws times up to 2023-12-31 00:00:00 (that instant included: one seed in twenty
or so writes a 365th file, of a row or two, at the default size)) and DIR/user_metadata.csv
(user_id, join_date, country, device_type, subscription_type); default 1000000 interactions and
100000 users. DIR is created if missing; the same --seed gives the same bytes.

Examples:
  generate-insights --interactions 20000 --users 2000 --out insights-data
      20,000 interactions over the year, 2,000 users`;

const p2 = (n: number) => String(n).padStart(2, '0');
const fmt = (ms: number, time: boolean) => { const d = new Date(ms); const s = `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`; return time ? `${s} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}` : s; };

export async function main(argv: string[]): Promise<void> {
  const o = genArgs(argv, { seed: 1, interactions: 1000000, users: 100000, out: '' }, USAGE);
  if (!o.out) die('generate-insights', '--out DIR is required', 2);
  const rng = new Rng(Number(o.seed));
  const dir = String(o.out);
  try { fs.mkdirSync(path.join(dir, 'interactions'), { recursive: true }); } catch (err) { die('generate-insights', `cannot create ${path.join(dir, 'interactions')}: ${(err as Error).message}`, 1); }
  // the seed: random dates between 2023-01-01 and 2023-12-31 (seconds), ids u000001..u1000000 drawn with replacement
  const start = Date.UTC(2023, 0, 1), span = (Date.UTC(2023, 11, 31) - start) / 1000;
  const byDay = new Map<string, string[]>();
  for (let i = 0; i < Number(o.interactions); i++) {
    const ts = fmt(start + rng.int(0, span) * 1000, true);
    const row = [`u${String(rng.int(1, 1000000)).padStart(6, '0')}`, ts, rng.pick(['page_view', 'edit', 'create', 'delete', 'share']),
      `p${String(rng.int(1, 1000000)).padStart(6, '0')}`, String(rng.int(100, 300000)), `${rng.int(5, 7)}.${rng.int(0, 9)}.${rng.int(0, 9)}`].join(',');
    const day = ts.slice(0, 10);
    (byDay.get(day) ?? byDay.set(day, []).get(day)!).push(row);
  }
  for (const [day, rows] of [...byDay].sort()) {
    writeOut('generate-insights', path.join(dir, 'interactions', `date=${day}.csv`), 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n' + rows.join('\n') + '\n');
  }
  const meta: string[] = ['user_id,join_date,country,device_type,subscription_type'];
  const joinStart = Date.UTC(2020, 0, 1), joinDays = (Date.UTC(2023, 11, 31) - joinStart) / 86400000;
  for (let i = 0; i < Number(o.users); i++) {
    meta.push([`u${String(rng.int(1, 1000000)).padStart(6, '0')}`, fmt(joinStart + rng.int(0, joinDays) * 86400000, false),
      rng.pick(['US', 'UK', 'CA', 'AU', 'DE', 'FR', 'JP', 'IN', 'BR', 'MX']), rng.pick(['iPhone', 'iPad', 'Android Phone', 'Android Tablet', 'Windows', 'Mac']),
      rng.pick(['free', 'basic', 'premium', 'enterprise'])].join(','));
  }
  writeOut('generate-insights', path.join(dir, 'user_metadata.csv'), meta.join('\n') + '\n');
}
