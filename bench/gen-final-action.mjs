// node bench/gen-final-action.mjs OUT [EVENTS]: EVENTS (default 5,000,000) like/unlike events over
// EVENTS * 0.8 (user, reel) pairs (the first 80% of the events one pair each, the rest drawn again),
// deterministic (the default writes the same file as before EVENTS existed).
import fs from 'node:fs';
const fd = fs.openSync(process.argv[2] ?? 'data/fa5m.ndjson', 'w');
const events = Number(process.argv[3] ?? 5_000_000), pairs = Math.floor(events * 0.8);
let seed = 7; const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
let out = [];
for (let i = 0; i < events; i++) {
  const p = i < pairs ? i : Math.floor(rnd() * pairs);
  const u = p % 200_000, r = Math.floor(p / 200_000) * 7919 + (p % 13);
  out.push(`{"event_name":"${rnd() < 0.7 ? 'reel_liked' : 'reel_unliked'}","timestamp":${1700000000 + Math.floor(rnd() * 1e6)},"user_uid":"U${u}","reel_uid":"r${p}"}`);
  if (out.length === 10000) { fs.writeSync(fd, out.join('\n') + '\n'); out = []; }
}
fs.writeSync(fd, out.join('\n') + (out.length ? '\n' : ''));
