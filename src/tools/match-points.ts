// match-points: pairs each match's start and finish events (same match_id; the earlier is the start,
// the later the finish) and emits one record per player: the match's start time and duration, the
// side played, and the points won (win 3, draw 1, loss 0, from the finish's goals). A match without a
// finish, with goals on its start, without goals on its finish, with more than two events, or whose
// two events disagree on the players, is rejected with the reason.
import { stringify, toNumber } from '../core/json.js';
import type { Line, Tool } from '../core/tool.js';

export interface MatchPointsOptions { time: string }

interface Ev { t: number; home: unknown; away: unknown; hg: unknown; ag: unknown; file: string; no: number; raw: string }

export const tool: Tool<MatchPointsOptions> = {
  name: 'match-points',
  summary: 'Pair match start/finish events by match_id and emit per player the start time, duration, side and points (3/1/0); broken matches rejected with the reason.',
  usage: 'match-points [--time event_timestamp] [FILE...]',
  examples: [['where event_type=match -i events.jsonl | match-points', 'one record per player per finished match']],
  options: { time: { type: 'string', default: 'event_timestamp', describe: 'event time (epoch seconds)' } },
  create(o, ctx) {
    const matches = new Map<string, Ev[]>();
    return {
      record(line: Line) {
        const r = ctx.parse(line);
        if (r === undefined) return;
        const d = r?.event_data ?? {};
        if (d.match_id == null) return ctx.reject(line, 'missing event_data.match_id');
        const t = toNumber(r[o.time]);
        if (!Number.isFinite(t)) return ctx.reject(line, 'no usable time');
        const id = String(d.match_id);
        const list = matches.get(id) ?? [];
        list.push({ t, home: d.home_user_id, away: d.away_user_id, hg: d.home_goals_scored, ag: d.away_goals_scored, file: line.file, no: line.no, raw: line.buf.toString('utf8', line.start, line.end) });
        matches.set(id, list);
      },
      end() {
        const isGoal = (g: unknown) => typeof g === 'number' && Number.isInteger(g) && g >= 0;
        const bad = (evs: Ev[], reason: string) => { for (const e of evs) ctx.rejectAt(e.file, e.no, e.raw, reason); };
        for (const id of [...matches.keys()].sort()) {
          const evs = matches.get(id)!.sort((a, b) => a.t - b.t || a.no - b.no);
          if (evs.length === 1) { bad(evs, isGoal(evs[0].hg) ? 'match finish without a start' : 'match start without a finish'); continue; }
          if (evs.length > 2) { bad(evs, 'more than two events for a match'); continue; }
          const [s, f] = evs;
          if (s.home !== f.home || s.away !== f.away || s.home == null || s.away == null) { bad(evs, 'match events disagree on the players'); continue; }
          if (s.home === s.away) { bad(evs, 'a player cannot play themself'); continue; }
          if (s.hg != null || s.ag != null) { bad(evs, 'match start carries goals'); continue; }
          if (!isGoal(f.hg) || !isGoal(f.ag)) { bad(evs, 'match finish lacks goals'); continue; }
          const hg = f.hg as number, ag = f.ag as number;
          const hp = hg > ag ? 3 : hg === ag ? 1 : 0, ap = ag > hg ? 3 : hg === ag ? 1 : 0;
          const base = { match_id: id, match_start: s.t, duration_s: f.t - s.t };
          ctx.emit(stringify({ user_id: s.home, side: 'home', ...base, points_home: hp, points_away: 0 }));
          ctx.emit(stringify({ user_id: s.away, side: 'away', ...base, points_home: 0, points_away: ap }));
          ctx.count('matches');
        }
      },
    };
  },
};
export default tool;
