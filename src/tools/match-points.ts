// match-points: pairs each match's start and finish events (same match_id; the earlier is the start,
// the later the finish) and emits one record per player: the match's start time and duration, the
// side played, and the points won (win 3, draw 1, loss 0, from the finish's goals). A match without a
// finish, with goals on its start, without goals on its finish, with more than two events, or whose
// two events disagree on the players, is rejected with the reason.
// Ids (match and players) are compared by their canonical JSON text, never by object identity or as
// doubles: 64-bit numeric ids are kept exact and written back as the same number tokens; 7 and "7"
// are different ids. The field options read flat records too (e.g. match events kept in a database
// by an earlier load: --match match_id --home home_user_id ...).
import { FieldReader } from '../core/fields.js';
import { NUMBER, compareCodePoints, compareDec, getPath, numberOf, splitPath, stringify, wholeDec } from '../core/json.js';
import { msSeconds, outsideUsRange, valueMs } from '../core/time.js';
import type { Line, Tool } from '../core/tool.js';
import type { Options } from 'yargs';
import type { InputOptions, OptionsOf } from '../core/options.js';

const options = {
  time: { type: 'string', default: 'event_timestamp', describe: 'event time (field path): epoch s, ms, µs or ns (by magnitude) or ISO-8601; match_start is written in epoch seconds' },
  match: { type: 'string', default: 'event_data.match_id', describe: 'match id (field path): the same on a match\'s start and finish' },
  home: { type: 'string', default: 'event_data.home_user_id', describe: 'home player id (field path)' },
  away: { type: 'string', default: 'event_data.away_user_id', describe: 'away player id (field path)' },
  'home-goals': { type: 'string', default: 'event_data.home_goals_scored', describe: 'home goals (field path): null on the start, a whole number on the finish' },
  'away-goals': { type: 'string', default: 'event_data.away_goals_scored', describe: 'away goals (field path)' },
} as const satisfies Record<string, Options>;

export type MatchPointsOptions = OptionsOf<typeof options> & InputOptions;

// (raw: the line as read, its CR before the LF too, for --rejects: valid UTF-8, as the record was read)
interface Ev { t: number; home: unknown; away: unknown; hg: unknown; ag: unknown; file: string; no: number; raw: string; order: number }

/** canonical JSON text of an id (BigNum: its exact digits); '' for a missing or null id */
const idText = (v: unknown): string => (v === undefined || v === null ? '' : stringify(v));

export const tool: Tool<MatchPointsOptions> = {
  name: 'match-points',
  summary: 'Pair match start/finish events by match_id and emit per player the start time, duration, side and points (3/1/0); broken matches rejected with the reason.',
  holdsOutput: true,
  usage: 'match-points [--time event_timestamp] [--match event_data.match_id] [--home F] [--away F] [--home-goals F] [--away-goals F] [FILE...]',
  examples: [
    ['where event_type=match -i events.jsonl | match-points', 'one record per player per finished match'],
    ['match-points --match match_id --home home_user_id --away away_user_id --home-goals home_goals_scored --away-goals away_goals_scored -i stored.ndjson', 'flat match events (e.g. read back from a database)'],
  ],
  options,
  create(o, ctx) {
    const P = { time: splitPath(o.time), match: splitPath(o.match), home: splitPath(o.home), away: splitPath(o.away), hg: splitPath(o.homeGoals), ag: splitPath(o.awayGoals) };
    const matches = new Map<string, { id: unknown; evs: Ev[] }>();
    let read = 0; // (the events' input order: their rejects are reported in it)
    const timeText = new FieldReader([o.time]);
    return {
      record(line: Line) {
        const r = ctx.parse(line);
        if (r === undefined) return;
        const matchId = getPath(r, P.match);
        if (matchId == null) return ctx.reject(line, `missing ${o.match}`);
        // (a time as every tool reads it: epoch s, ms, µs or ns by magnitude, or ISO-8601; a number of ms
        // read as seconds gave durations 1000x too long, a start in s and a finish in ms 55,000 years)
        // (a number's own text: the double of 1710115199.9999999 is the next day's 1710115200)
        const tv = getPath(r, P.time);
        const text = typeof tv === 'number' && timeText.read(line.buf, line.start, line.end) ? timeText.raw(0) : undefined;
        const ms = valueMs(tv, { text });
        const t = typeof ms === 'number' ? ms : NaN;
        // (the value as written, in the reason: not its double, which the input need not hold)
        if (!Number.isFinite(t)) return ctx.reject(line, 'no usable time', `${o.time}=${text ?? stringify(tv ?? null)}`);
        const far = outsideUsRange(t / 1000);
        if (far !== undefined) return ctx.reject(line, 'no usable time', `${o.time}=${text ?? stringify(tv)}: ${far}`);
        const key = idText(matchId);
        let m = matches.get(key);
        if (!m) matches.set(key, (m = { id: matchId, evs: [] }));
        m.evs.push({ t, home: getPath(r, P.home), away: getPath(r, P.away), hg: getPath(r, P.hg), ag: getPath(r, P.ag), file: line.file, no: line.no, raw: line.buf.toString('utf8', line.start, line.cr ? line.end + 1 : line.end), order: read++ });
      },
      end() {
        // a whole number of goals, 0 or more, exactly (past 2^53 the decoder gives a BigNum: compared exactly);
        // a numeric string counts as the number it holds, as everywhere ("2", " 2 ", not "0x2" or "+2")
        const goals = (g: unknown) => {
          if (typeof g === 'string') { const t = g.trim(); g = NUMBER.test(t) ? numberOf(t) : undefined; }
          const d = wholeDec(g); return d !== undefined && d.sign >= 0 ? d : undefined;
        };
        const isGoal = (g: unknown) => goals(g) !== undefined;
        const withGoals = (e: Ev) => (e.hg == null && e.ag == null ? 0 : 1);
        // the matches decided first, in key order; then the rejects reported in input order (they came
        // in match id order: lines 26, 33, 3, 4...), then the rows written (--strict: none)
        const rejects: { e: Ev; reason: string }[] = [], rows: string[] = [];
        const bad = (evs: Ev[], reason: string) => { for (const e of evs) rejects.push({ e, reason }); };
        for (const key of [...matches.keys()].sort(compareCodePoints)) { // (by code point, as the toolkit's other text orders: sort() put U+1F600 before U+FF01)
          const { id, evs } = matches.get(key)!;
          // (at an equal time the start, without goals, comes first: whatever the order of the lines or files)
          evs.sort((a, b) => a.t - b.t || withGoals(a) - withGoals(b) || a.no - b.no);
          if (evs.length === 1) { bad(evs, isGoal(evs[0].hg) ? 'match finish without a start' : 'match start without a finish'); continue; }
          if (evs.length > 2) { bad(evs, 'more than two events for a match'); continue; }
          const [s, f] = evs;
          const home = idText(s.home), away = idText(s.away);
          // (a player missing on both events is said so: both without an away player "disagreed")
          const fHome = idText(f.home), fAway = idText(f.away);
          if (home === '' && fHome === '') { bad(evs, `missing ${o.home}`); continue; }
          if (away === '' && fAway === '') { bad(evs, `missing ${o.away}`); continue; }
          if (home === '' || away === '' || home !== fHome || away !== fAway) { bad(evs, 'match events disagree on the players'); continue; }
          if (home === away) { bad(evs, 'a player cannot play themself'); continue; }
          if (s.hg != null || s.ag != null) { bad(evs, 'match start carries goals'); continue; }
          const hg = goals(f.hg), ag = goals(f.ag);
          if (hg === undefined || ag === undefined) { bad(evs, 'match finish lacks goals'); continue; }
          const c = compareDec(hg, ag), hp = c > 0 ? 3 : c === 0 ? 1 : 0, ap = c < 0 ? 3 : c === 0 ? 1 : 0;
          const base = { match_id: id, match_start: msSeconds(s.t), duration_s: msSeconds(f.t - s.t) };
          rows.push(stringify({ user_id: s.home, side: 'home', ...base, points_home: hp, points_away: 0 }),
            stringify({ user_id: s.away, side: 'away', ...base, points_home: 0, points_away: ap }));
        }
        rejects.sort((a, b) => a.e.order - b.e.order);
        for (const { e, reason } of rejects) ctx.rejectAt(e.file, e.no, e.raw, reason);
        for (const row of rows) ctx.emit(row);
        if (rows.length) ctx.count('matches', rows.length / 2);
      },
    };
  },
};
export default tool;
