// scripts/lib/zones-file.mjs NAME FILE: game-stats.sh's --timezones file checked before anything runs:
// NDJSON lines {country, timezone}, each country a non-empty string once (or again with the same
// zone), each timezone a zone the tools know (an IANA name: to-local-date's own check). A problem is
// one line on stderr, `NAME: --timezones FILE:LINE: ...`, exit 2. (A zone that is none lost its
// country's registrations in silence, and an empty one read them as UTC; a file of no country refused
// every registration, exit 0.)
import fs from 'node:fs';
import { zoneClock } from '../../dist/core/time.js';

const [name, file] = process.argv.slice(2);
const fail = (line, message) => {
  process.stderr.write(`${name}: --timezones ${file}${line ? `:${line}` : ''}: ${message} (try '${name} --help')\n`);
  process.exit(2);
};
let text;
try { text = fs.readFileSync(file, 'utf8'); } catch (err) { fail(0, `cannot be read (${err.code ?? err.message})`); }
const zones = new Map();
text.replace(/^\uFEFF/, '').split('\n').forEach((raw, i) => {
  const line = raw.replace(/\r$/, '');
  if (line.trim() === '') return;
  let rec;
  try { rec = JSON.parse(line); } catch { fail(i + 1, 'not a JSON line'); }
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) fail(i + 1, 'not a JSON object');
  const { country, timezone } = rec;
  if (typeof country !== 'string' || country.trim() === '') fail(i + 1, `no country (got ${JSON.stringify(country ?? null)})`);
  if (typeof timezone !== 'string' || timezone.trim() === '') fail(i + 1, `country ${JSON.stringify(country)} has no timezone (got ${JSON.stringify(timezone ?? null)}: its registrations were read as UTC)`);
  try { zoneClock(timezone); } catch { fail(i + 1, `country ${JSON.stringify(country)}: unknown time zone ${JSON.stringify(timezone)} (give an IANA name such as Europe/Berlin)`); }
  const before = zones.get(country);
  if (before !== undefined && before !== timezone) fail(i + 1, `country ${JSON.stringify(country)} again, with another zone (${JSON.stringify(before)}, then ${JSON.stringify(timezone)})`);
  zones.set(country, timezone);
});
if (zones.size === 0) fail(0, 'holds no country: every registration would be refused');
