// The Insights report: report.md with the key figures in plain words and tables, and SVG charts
// (DAU line, retention heatmap, p95 by app version, device performance) that need no service to view,
// drawn by the chart module `plot` uses too (src/core/chart.ts): axes, tooltips, escaping in one place.
import fs from 'node:fs';
import path from 'node:path';
import { openDb } from '../core/sqlite.js';
import { formatTick, svgChart, svgHeatmap } from '../core/chart.js';

const W = 760;

export function main(argv: string[]): void {
  const get = (f: string) => { const i = argv.indexOf(f); return i >= 0 ? argv[i + 1] : undefined; };
  const dbFile = get('--db'), out = get('--out');
  if (!dbFile || !out) { process.stderr.write('usage: insights-report --db FILE --out DIR\n'); process.exitCode = 2; return; }
  const db = openDb(dbFile, { readonly: true });
  const all = (sql: string) => db.prepare(sql).all() as any[];
  fs.mkdirSync(out, { recursive: true });
  // (the anomalies' series: every day from the first to the last, a day without users as 0, so an
  // outage day, the most unusual of all, is drawn and counted; dau holds the days that had users)
  const filled = all('SELECT date, active_users FROM dau_anomalies ORDER BY date');
  const dau = filled.length ? filled : all('SELECT date, active_users FROM dau ORDER BY date');
  const flags = new Set(all('SELECT date FROM dau_anomalies WHERE anomaly = 1 ORDER BY date').map((r) => r.date as string));
  fs.writeFileSync(path.join(out, 'dau.svg'), svgChart({
    kind: 'line', title: 'Daily active users', xLabel: 'date', yLabel: 'active users', width: W, height: 320,
    series: [{ name: 'active users', points: dau.map((r) => ({ x: r.date, y: r.active_users, note: flags.has(r.date) ? 'unusual day (dau_anomalies)' : undefined })) }],
  }));
  const ret = all('SELECT * FROM retention ORDER BY cohort_week, week_offset');
  const cohorts = [...new Set(ret.map((r) => r.cohort_week as string))].sort();
  const maxOffset = Math.max(0, ...ret.map((r) => r.week_offset as number));
  fs.writeFileSync(path.join(out, 'retention.svg'), svgHeatmap({
    title: 'Weekly cohort retention (darker = more users came back)', rowLabel: 'cohort week', colLabel: 'weeks after the first',
    rows: cohorts, cols: Array.from({ length: maxOffset + 1 }, (_, i) => `+${i}`), width: W,
    cells: ret.map((r) => ({
      row: cohorts.indexOf(r.cohort_week), col: r.week_offset, value: r.retention_rate, text: `${Math.round(r.retention_rate * 100)}`,
      title: `cohort ${r.cohort_week}, week +${r.week_offset}: ${(r.retention_rate * 100).toFixed(1)}% (${r.retained_users} of ${r.cohort_size})`,
    })),
  }));
  const p95 = all('SELECT app_version, n, p95_duration_ms FROM app_version_p95 ORDER BY p95_duration_ms DESC, app_version LIMIT 20');
  const bars = (title: string, xLabel: string, yLabel: string, items: { x: string; y: number }[]) => svgChart({
    kind: 'bar', title, xLabel, yLabel, width: W, height: 340,
    series: [{ name: yLabel, points: items.map((b) => ({ x: String(b.x), y: b.y, yText: formatTick(Math.round(b.y), 1, 0) })) }],
  });
  fs.writeFileSync(path.join(out, 'p95.svg'), bars('Slowest app versions: 95th percentile of page view time', 'app version', 'p95 ms', p95.map((r) => ({ x: r.app_version, y: r.p95_duration_ms }))));
  const dev = all('SELECT * FROM device_performance ORDER BY mean_duration_ms DESC');
  if (dev.length) fs.writeFileSync(path.join(out, 'devices.svg'), bars('Average interaction time by device', 'device type', 'mean ms', dev.map((r) => ({ x: r.device_type, y: r.mean_duration_ms }))));
  const mau = all('SELECT month, active_users FROM mau ORDER BY month');
  const power = all('SELECT count(*) AS n, min(total_duration_ms) AS floor FROM power_users')[0];
  const sm = all('SELECT * FROM session_metrics')[0];
  const eta = dev.length ? all('SELECT eta_squared FROM device_performance_effect')[0]?.eta_squared : null;
  const fmt = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? 'n/a' : Number(x).toFixed(d));
  const flagged = [...flags];
  const unusual = flagged.length === 0 ? 'no unusual day flagged'
    : `${flagged.length} unusual ${flagged.length === 1 ? 'day' : 'days'} flagged (${flagged.slice(0, 5).join(', ')}${flagged.length > 5 ? ', …' : ''})`;
  const md = [
    '# Insights report', '',
    `- **Active users**: ${dau.length} days; ${fmt(dau.reduce((a, r) => a + r.active_users, 0) / Math.max(1, dau.length), 0)} a day on average; ${unusual}.`,
    `- **Monthly active users**: ${mau.map((r) => `${r.month}: ${r.active_users}`).join(', ')}.`,
    // (a lower bound: the minutes rounded down, the least total being 235.6 minutes "at least 235")
    power.n ? `- **Power users**: the top ${power.n} users each spent at least ${Math.floor(power.floor / 60000)} minutes in the app.` : '',
    sm ? `- **Sessions**: ${sm.sessions} sessions by ${sm.users} users (${fmt(sm.sessions_per_user, 2)} each), ${fmt(sm.avg_actions_per_session, 2)} actions per session, median length ${fmt(sm.p50_duration_s, 0)} s.` : '',
    eta !== null && eta !== undefined ? `- **Device vs performance**: the device type explains ${fmt(eta * 100, 2)} % of the differences in interaction time (eta squared; 0 % would mean no link at all).` : '',
    '', '![Daily active users](dau.svg)', '', '![Retention](retention.svg)', '', '![p95 by app version](p95.svg)', dev.length ? '\n![Devices](devices.svg)' : '', '',
    '## Slowest app versions (p95 of page view time)', '', '| app version | page views | p95 ms |', '|---|---|---|',
    ...p95.slice(0, 10).map((r) => `| ${mdCell(String(r.app_version))} | ${r.n} | ${fmt(r.p95_duration_ms, 0)} |`),
  ].filter((l) => l !== undefined).join('\n');
  fs.writeFileSync(path.join(out, 'report.md'), md + '\n');
  db.close();
}

/** a value as the text of a Markdown table cell: `|` escaped (it would end the cell), HTML's
 *  characters as entities (no tag of the data's is rendered), line ends as spaces */
function mdCell(v: string): string {
  return v.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;')).replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

try { main(process.argv.slice(2)); } catch (err) {
  // (a folder that cannot be made or written: one line, not a trace)
  process.stderr.write(`insights-report: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
