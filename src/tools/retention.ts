// retention: weekly cohort retention. A user's cohort is the ISO week (Monday) of their first activity
// (or of a given cohort field such as join_date); the user is retained in week offset k when active in
// the week cohort_week + k. Emits, per cohort and offset from 0, cohort_size, retained_users and
// retention_rate — a heatmap's rows. Memory: per user its key bytes, first week and cohort (~40 bytes), and 8 bytes per (user, active week).
import { FieldReader } from '../core/fields.js';
import { dateBytesDays, dateToEpochDays, epochDaysToDate, isoBytesMs, isValidDate, parseTimestamp, weekStart, ZoneClock } from '../core/time.js';
import { GrowF64, PairSet } from '../core/keyed.js';
import type { Line, Tool } from '../core/tool.js';
import { blankName } from '../core/options.js';

const UTC = new ZoneClock('UTC');

/** the Monday (epoch days) of the ISO week of epoch day `days` (1970-01-05, epoch day 4, was a Monday) */
const mondayOfDays = (days: number) => days - ((((days + 3) % 7) + 7) % 7);
/** weeks numbered by their Monday: whole numbers (Mondays are epoch days 4 + 7k; Monday / 7 was not
 *  one, and the difference of two such fractions was not always a whole number of weeks) */
const weekNo = (monday: number) => (monday - 4) / 7;
const mondayOfWeek = (w: number) => w * 7 + 4;
/** the first Monday on or after --since: the cohorts kept are those whose week starts on or after the
 *  date (a Wednesday's own week, which started two days before it, was kept) */
const sinceMonday = (since: string) => mondayOfDays(dateToEpochDays(since) + 6);
/** the first Monday with a four-digit year: 0000-01-03 (a week before it starts in year -1) */
const FIRST_MONDAY = mondayOfDays(-719528) + 7;

export interface RetentionOptions { user: string; date: string; cohortField?: string; since?: string; maxWeeks?: number; merge: boolean }

export const tool: Tool<RetentionOptions> = {
  name: 'retention',
  summary: 'Weekly cohort retention: cohort = ISO week of the first activity (or a cohort field); retained users and rate per week offset.',
  holdsOutput: true,
  usage: 'retention [--user user_id] [--date date] [--cohort-field join_date] [--since YYYY-MM-DD] [--merge] [FILE...]',
  examples: [
    ['to-local-date --field timestamp --tz UTC -i interactions.ndjson | retention --user user_id --date date --since 2023-07-03', 'weekly cohorts of the last 6 months'],
    ['for k in 0 1; do from-csv --shard $k/2:user_id user_interactions.csv | to-local-date --field timestamp | retention > r$k.ndjson; done; cat r0.ndjson r1.ndjson | retention --merge --since 2023-07-03',
      'runs over disjoint sets of users (two shards) combined: the rows of one run over all of them'],
  ],
  options: {
    user: { type: 'string', default: 'user_id', describe: 'user field' },
    date: { type: 'string', default: 'date', describe: 'activity date field (YYYY-MM-DD), e.g. from to-local-date' },
    'cohort-field': { type: 'string', describe: 'a date field that defines the cohort instead of the first activity (e.g. join_date; where a user\'s records disagree, the earliest)' },
    since: { type: 'string', describe: 'only cohorts whose week starts on or after this date' },
    'max-weeks': { type: 'number', describe: 'offsets up to this many weeks' },
    merge: { type: 'boolean', default: false, describe: 'input is retention output of runs over disjoint sets of users (no --since, --max-weeks there): sum them into the rows one run over all the users gives' },
  },
  check(o) {
    const blank = blankName('cohort-field', o.cohortField);
    if (blank) return blank;
    if (o.maxWeeks !== undefined && !(Number.isInteger(o.maxWeeks) && o.maxWeeks >= 0)) return `--max-weeks takes a whole number from 0 (got ${o.maxWeeks})`;
    return o.since !== undefined && !(isValidDate(o.since) && mondayOfDays(dateToEpochDays(o.since)) >= FIRST_MONDAY) ? '--since takes YYYY-MM-DD (from 0000-01-03)' : undefined; },
  keysBy: (o) => (o.merge ? undefined : `token:${o.user}`),
  create(o, ctx) {
    if (o.merge) return merger(o, ctx);
    const reader = new FieldReader(o.cohortField ? [o.user, o.date, o.cohortField] : [o.user, o.date]);
    // per user (a slot of the user's token bytes): the Monday (epoch days) of the first active week and
    // of the cohort; the (user, Monday) pairs of activity in a hash set. Weeks are numbered by weekNo.
    const users = ctx.keyTable(tool.keysBy!(o)); // (shared with other stages keying by the user: tool.keysBy)
    const first = new GrowF64(Infinity), cohort = new GrowF64(NaN);
    let disagree = 0; // records whose cohort week is not the one their user had so far
    const pairs = new PairSet();
    let scratch = Buffer.allocUnsafe(1024);
    /** the Monday (epoch days) of the week of field k's date (its first 10 characters), or NaN (also
     *  for a week that starts before 0000-01-01: its Monday has no YYYY-MM-DD) */
    // (a date, or a timestamp's date: what follows the ten characters, if anything, is ' ' or 'T' and
    // a time; "2021-01-04xyz" is no date)
    const mondayOf = (b: Buffer, k: number): number => {
      const s = reader.spanStart(k), e = reader.spanEnd(k), c = b[s + 11];
      let days = s >= 0 && b[s] === 34 && e - s >= 12 && (e - s === 12 || ((c === 32 || c === 84 || c === 116) && e - s > 13)) ? dateBytesDays(b, s + 1) : NaN;
      // (a timestamp: its date as written, when the whole is a time every tool reads; "2023-01-01 hello
      // world" was read as 2023-01-01)
      if (days === days && e - s > 12) {
        const ms = isoBytesMs(b, s + 1, e - 1, UTC), d = ms !== ms ? reader.value(k) : '';
        if (ms !== ms && (typeof d !== 'string' || typeof parseTimestamp(d) !== 'number')) return NaN;
      }
      if (days !== days) {
        const d = reader.value(k); // the general path: escapes, bad dates
        if (typeof d !== 'string' || !isValidDate(d.slice(0, 10)) || !(d.length === 10 || (/^[ Tt]./.test(d.slice(10)) && typeof parseTimestamp(d) === 'number'))) return NaN;
        days = dateToEpochDays(d.slice(0, 10));
      }
      const m = mondayOfDays(days);
      return m >= FIRST_MONDAY ? m : NaN;
    };
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        let pos = reader.tokenInto(0, scratch, 0);
        while (pos === -2) { scratch = Buffer.alloc(scratch.length * 8); pos = reader.tokenInto(0, scratch, 0); }
        if (pos === -1) return ctx.reject(line, `missing ${o.user}`);
        const m = mondayOf(line.buf, 1);
        if (m !== m) return ctx.reject(line, `bad ${o.date}`, reader.raw(1) ?? 'null');
        let c = NaN;
        if (o.cohortField) {
          c = mondayOf(line.buf, 2);
          if (c !== c) return ctx.reject(line, `bad ${o.cohortField}`, reader.raw(2) ?? 'null');
        }
        const u = users.slot(scratch, 0, pos);
        const f = first.ensure(u);
        if (m < f[u]) f[u] = m;
        if (o.cohortField) { // (a user whose records disagree: the earliest week, whatever the order)
          const ca = cohort.ensure(u);
          if (ca[u] !== c) { if (ca[u] === ca[u]) { disagree++; if (c < ca[u]) ca[u] = c; } else ca[u] = c; }
        }
        pairs.add(u, m);
      },
      end() {
        if (disagree) ctx.warn(`${disagree} record${disagree === 1 ? ' gives its user' : 's give their users'} another ${o.cohortField} week than an earlier one: a user's earliest week is their cohort`);
        const n = users.size;
        const cw = new Float64Array(n);
        for (let u = 0; u < n; u++) cw[u] = weekNo(o.cohortField ? cohort.a[u] : first.a[u]);
        const size = new Map<number, number>(), kept = new Map<number, Map<number, number>>();
        // the last week of the data: of the activity, and of the cohorts (a --cohort-field week after a
        // user's last activity still has its offset-0 row, as --merge counts a cohort's size from it)
        let maxWeek = -Infinity;
        for (let u = 0; u < n; u++) { const c = cw[u]; size.set(c, (size.get(c) ?? 0) + 1); if (c > maxWeek) maxWeek = c; }
        pairs.forEach((u, m) => {
          const w = weekNo(m), c = cw[u];
          if (w > maxWeek) maxWeek = w;
          if (w < c) return;
          let row = kept.get(c);
          if (!row) { row = new Map(); kept.set(c, row); }
          row.set(w - c, (row.get(w - c) ?? 0) + 1);
        });
        const sinceWeek = o.since ? weekNo(sinceMonday(o.since)) : -Infinity;
        const cohorts = [...size.keys()].sort((a, b) => a - b);
        // (one stray far date, a typo'd year or a 9999-12-31 sentinel, makes every cohort a row a week up
        // to it: 2 records gave 416,221 rows. Said, with the way to bound it)
        const from = cohorts.find((c) => c >= sinceWeek);
        if (o.maxWeeks === undefined && from !== undefined && maxWeek - from > 520) {
          ctx.warn(`the dates reach ${epochDaysToDate(mondayOfWeek(maxWeek))}, ${maxWeek - from} weeks after the first cohort (${epochDaysToDate(mondayOfWeek(from))}): every cohort gets a row a week up to then (--max-weeks N bounds the offsets)`);
        }
        for (const c of cohorts) {
          if (c < sinceWeek) continue;
          const cohortWeek = epochDaysToDate(mondayOfWeek(c));
          const last = Math.min(maxWeek - c, o.maxWeeks ?? Infinity);
          const row = kept.get(c);
          for (let k = 0; k <= last; k++) {
            const r = row?.get(k) ?? 0, n = size.get(c)!;
            ctx.emit(JSON.stringify({ cohort_week: cohortWeek, week_offset: k, cohort_size: n, retained_users: r, retention_rate: r / n }));
          }
        }
        ctx.count('users', n);
      },
    };
  },
};
/**
 * --merge: rows {cohort_week, week_offset, cohort_size, retained_users} of runs over disjoint users. A
 * run gives every cohort it has an offset-0 row, and offsets up to its own last active week, so the
 * cohort's size is the sum of its offset-0 rows' sizes, a missing (cohort, offset) row of a run means
 * none of its users retained there, and the last week of all the data is the largest cohort + offset.
 */
function merger(o: RetentionOptions, ctx: Parameters<Tool<RetentionOptions>['create']>[1]) {
  const reader = new FieldReader(['cohort_week', 'week_offset', 'cohort_size', 'retained_users']);
  const size = new Map<number, number>(), kept = new Map<number, Map<number, number>>();
  let maxWeek = -Infinity;
  const count = (k: number) => { const n = reader.number(k); return Number.isSafeInteger(n) && n >= 0 ? n : NaN; };
  return {
    record(line: Line) {
      if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
      const d = reader.value(0);
      const days = typeof d === 'string' && isValidDate(d) ? dateToEpochDays(d) : NaN;
      const k = count(1), n = count(2), r = count(3);
      if (days !== days || (((days + 3) % 7) + 7) % 7 !== 0 || k !== k || n !== n || r !== r || r > n) {
        return ctx.reject(line, 'not a retention row', 'a row of retention (without --merge): cohort_week a Monday, week_offset, cohort_size >= retained_users, whole numbers');
      }
      if (days < FIRST_MONDAY) return ctx.reject(line, 'not a retention row', 'cohort_week before 0000-01-03');
      const c = weekNo(days);
      if (c + k > maxWeek) maxWeek = c + k;
      if (k === 0) size.set(c, (size.get(c) ?? 0) + n);
      let row = kept.get(c);
      if (!row) { row = new Map(); kept.set(c, row); }
      row.set(k, (row.get(k) ?? 0) + r);
    },
    end() {
      const sinceWeek = o.since ? weekNo(sinceMonday(o.since)) : -Infinity;
      for (const c of [...kept.keys()].sort((a, b) => a - b)) {
        if (c < sinceWeek) continue;
        const n = size.get(c);
        if (n === undefined) { ctx.warn(`cohort ${epochDaysToDate(mondayOfWeek(c))} has no week_offset 0 row: left out`); continue; }
        const cohortWeek = epochDaysToDate(mondayOfWeek(c)), row = kept.get(c)!;
        const last = Math.min(maxWeek - c, o.maxWeeks ?? Infinity);
        for (let k = 0; k <= last; k++) {
          const r = row.get(k) ?? 0;
          ctx.emit(JSON.stringify({ cohort_week: cohortWeek, week_offset: k, cohort_size: n, retained_users: r, retention_rate: r / n }));
        }
      }
      ctx.count('cohorts', size.size);
    },
  };
}
export default tool;
