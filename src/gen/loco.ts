// generate-loco: reel_watched / reel_liked / reel_unliked events shaped like the Loco case study's
// schema files, deterministic by --seed, covering every watch rule: android before and after 2.3.0
// (incl. 2.10.0 and "2.3"), ios, replays, numbers as strings, null fields, unknown platforms.
import { Rng, atLeastOne, genArgs, openOut } from './random.js';

const USAGE = `usage: generate-loco [--seed N] [--events N] [--users N] [--reels N] [--out FILE]

Writes Loco clip events (NDJSON: reel_watched, reel_liked and reel_unliked mixed; default 10000
events of 50 users on 40 reels) to --out FILE or stdout, covering every watch rule; the same --seed
gives the same bytes.

Examples:
  generate-loco --seed 3 --events 10000 --out loco.ndjson
      the three kinds of events in one file
  generate-loco --events 5000 | where event_name=reel_watched > reel_watched_data
      only the watch events`;

const VERSIONS: [string, string][] = [['android', '1.7.8'], ['android', '2.2.9'], ['android', '2.3'], ['android', '2.3.0'], ['android', '2.10.0'], ['Android', '10.0.1'], ['ios', '5.7.9'], ['IOS', '1.0.0']];

export async function main(argv: string[]): Promise<void> {
  const o = genArgs(argv, { seed: 1, events: 10000, users: 50, reels: 40, out: '-' }, USAGE);
  for (const c of ['users', 'reels']) atLeastOne('generate-loco', o, c);
  const rng = new Rng(Number(o.seed));
  const users = Array.from({ length: Number(o.users) }, () => rng.hex(6).toUpperCase());
  const reels = Array.from({ length: Number(o.reels) }, () => ({ uid: rng.uuid(), duration: rng.int(10, 180), streamer: rng.hex(7).toUpperCase(), cat: rng.pick(['freefire', 'bgmi', 'valorant']) }));
  const out = openOut('generate-loco', String(o.out));
  const t0 = 1682900000;
  for (let i = 0; i < Number(o.events); i++) {
    const user = rng.pick(users), reel = rng.pick(reels), [platform, version] = rng.pick(VERSIONS);
    const ts = t0 + rng.int(0, 7 * 86400);
    const base: Record<string, unknown> = {
      timestamp: rng.next() < 0.05 ? String(ts) : ts, server_timestamp: ts + rng.int(-200, 200), user_uid: user,
      streamer_uid: reel.streamer, reel_uid: reel.uid, category_uid: reel.cat, origin_platform: platform, app_version: version,
      reel_duration: rng.next() < 0.05 ? String(reel.duration) : reel.duration,
    };
    const kind = rng.weighted([['reel_watched', 80], ['reel_liked', 15], ['reel_unliked', 5]] as const);
    let rec: Record<string, unknown>;
    if (kind === 'reel_watched') {
      const replays = rng.weighted([[0, 60], [1, 20], [rng.int(2, 6), 20]] as const);
      const loops = platform.toLowerCase() === 'android' && (version === '1.7.8' || version === '2.2.9');
      const watch = loops ? rng.int(0, reel.duration) : rng.int(0, reel.duration * (replays + 1));
      rec = { event_name: kind, ...base, reel_watch_duration: rng.next() < 0.05 ? String(watch) : watch, replay_count: replays };
      const r = rng.next();
      if (r < 0.02) rec.reel_watch_duration = null;
      else if (r < 0.03) rec.replay_count = null;
      else if (r < 0.035) rec.origin_platform = 'web';
      else if (r < 0.04) rec.reel_duration = null;
    } else {
      rec = { event_name: kind, ...base, [kind === 'reel_liked' ? 'like_time' : 'unlike_time']: rng.int(0, reel.duration) };
      if (rng.next() < 0.01) rec.timestamp = null;
    }
    await out.line(JSON.stringify(rec));
  }
  await out.end();
}
