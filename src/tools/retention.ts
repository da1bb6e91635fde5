// retention: weekly cohort retention. A user's cohort is the ISO week (Monday) of their first activity
// (or of a given cohort field such as join_date); the user is retained in week offset k when active in
// the week cohort_week + k. Emits, per cohort and offset from 0, cohort_size, retained_users and
// retention_rate — a heatmap's rows. Memory: per user the first week and the set of active weeks.
import { FieldReader } from '../core/fields.js';
import { dateToEpochDays, epochDaysToDate, isValidDate, weekStart } from '../core/time.js';
import type { Line, Tool } from '../core/tool.js';

export interface RetentionOptions { user: string; date: string; cohortField?: string; since?: string; maxWeeks?: number }

export const tool: Tool<RetentionOptions> = {
  name: 'retention',
  summary: 'Weekly cohort retention: cohort = ISO week of the first activity (or a cohort field); retained users and rate per week offset.',
  usage: 'retention [--user user_id] [--date date] [--cohort-field join_date] [--since YYYY-MM-DD] [FILE...]',
  examples: [
    ['to-local-date --field timestamp --tz UTC -i interactions.ndjson | retention --user user_id --date date --since 2023-07-03', 'weekly cohorts of the last 6 months'],
  ],
  options: {
    user: { type: 'string', default: 'user_id', describe: 'user field' },
    date: { type: 'string', default: 'date', describe: 'activity date field (YYYY-MM-DD), e.g. from to-local-date' },
    'cohort-field': { type: 'string', describe: 'a date field that defines the cohort instead of the first activity (e.g. join_date)' },
    since: { type: 'string', describe: 'only cohorts whose week starts on or after this date' },
    'max-weeks': { type: 'number', describe: 'offsets up to this many weeks' },
  },
  check(o) { return o.since !== undefined && !isValidDate(o.since) ? '--since takes YYYY-MM-DD' : undefined; },
  create(o, ctx) {
    const reader = new FieldReader(o.cohortField ? [o.user, o.date, o.cohortField] : [o.user, o.date]);
    const first = new Map<string, number>(), weeks = new Map<string, Set<number>>(), cohortOf = new Map<string, number>();
    const weekOf = (d: string) => dateToEpochDays(weekStart(d)) / 7; // Mondays are whole weeks apart
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        const u = reader.token(0), d = reader.value(1);
        if (u === 'null') return ctx.reject(line, `missing ${o.user}`);
        if (typeof d !== 'string' || !isValidDate(d.slice(0, 10))) return ctx.reject(line, `bad ${o.date}`, JSON.stringify(d ?? null));
        const w = weekOf(d.slice(0, 10));
        if (o.cohortField) {
          const c = reader.value(2);
          if (typeof c !== 'string' || !isValidDate(c.slice(0, 10))) return ctx.reject(line, `bad ${o.cohortField}`, JSON.stringify(c ?? null));
          cohortOf.set(u, weekOf(c.slice(0, 10)));
        }
        const f = first.get(u);
        if (f === undefined || w < f) first.set(u, w);
        let s = weeks.get(u);
        if (!s) { s = new Set(); weeks.set(u, s); }
        s.add(w);
      },
      end() {
        const size = new Map<number, number>(), kept = new Map<string, number>();
        let maxWeek = -Infinity;
        for (const s of weeks.values()) for (const w of s) if (w > maxWeek) maxWeek = w;
        for (const [u, s] of weeks) {
          const c = o.cohortField ? cohortOf.get(u)! : first.get(u)!;
          size.set(c, (size.get(c) ?? 0) + 1);
          for (const w of s) if (w >= c) kept.set(`${c}:${w - c}`, (kept.get(`${c}:${w - c}`) ?? 0) + 1);
        }
        const sinceWeek = o.since ? weekOf(o.since) : -Infinity;
        for (const c of [...size.keys()].sort((a, b) => a - b)) {
          if (c < sinceWeek) continue;
          const cohortWeek = epochDaysToDate(c * 7); // the Monday of week c
          const last = Math.min(maxWeek - c, o.maxWeeks ?? Infinity);
          for (let k = 0; k <= last; k++) {
            const r = kept.get(`${c}:${k}`) ?? 0, n = size.get(c)!;
            ctx.emit(JSON.stringify({ cohort_week: cohortWeek, week_offset: k, cohort_size: n, retained_users: r, retention_rate: r / n }));
          }
        }
        ctx.count('users', weeks.size);
      },
    };
  },
};
export default tool;
