// The Insights report: report.md with the key figures in plain words and tables, and SVG charts
// (DAU line, retention heatmap, p95 by app version, device performance) that need no service to view.
import fs from 'node:fs';
import path from 'node:path';
import { openDb } from '../core/sqlite.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const W = 720, H = 260, PAD = 40;

function line(points: { x: string; y: number }[], title: string, flags: Set<string>): string {
  const max = Math.max(1, ...points.map((p) => p.y));
  const sx = (i: number) => PAD + (i * (W - 2 * PAD)) / Math.max(1, points.length - 1), sy = (y: number) => H - PAD - (y * (H - 2 * PAD)) / max;
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${sx(i).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
  const dots = points.map((p, i) => (flags.has(p.x) ? `<circle cx="${sx(i).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="4" fill="#d62728"><title>${esc(p.x)}: ${p.y}</title></circle>` : '')).join('');
  return svg(title, `<path d="${d}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>${dots}
<text x="${PAD}" y="${H - 10}" font-size="11">${esc(points[0]?.x ?? '')}</text><text x="${W - PAD}" y="${H - 10}" font-size="11" text-anchor="end">${esc(points.at(-1)?.x ?? '')}</text>
<text x="${PAD - 4}" y="${PAD}" font-size="11" text-anchor="end">${max}</text>`);
}

function bars(items: { label: string; v: number }[], title: string): string {
  const max = Math.max(1, ...items.map((b) => b.v)), bw = (W - 2 * PAD) / Math.max(1, items.length);
  const body = items.map((b, i) => {
    const h = (b.v * (H - 2 * PAD)) / max, x = PAD + i * bw;
    return `<rect x="${x.toFixed(1)}" y="${(H - PAD - h).toFixed(1)}" width="${(bw * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="#2ca02c"><title>${esc(b.label)}: ${Math.round(b.v)}</title></rect>
<text x="${(x + bw * 0.4).toFixed(1)}" y="${H - PAD + 12}" font-size="9" text-anchor="middle">${esc(b.label)}</text>`;
  }).join('');
  return svg(title, body);
}

function heatmap(rows: { cohort_week: string; week_offset: number; retention_rate: number }[], title: string): string {
  const cohorts = [...new Set(rows.map((r) => r.cohort_week))].sort(), maxOff = Math.max(0, ...rows.map((r) => r.week_offset));
  const cw = (W - 110) / (maxOff + 1), ch = Math.min(18, (H * 2 - 40) / Math.max(1, cohorts.length));
  const body = rows.map((r) => {
    const y = 30 + cohorts.indexOf(r.cohort_week) * ch, x = 100 + r.week_offset * cw, a = Math.max(0.05, r.retention_rate);
    return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${cw.toFixed(1)}" height="${ch.toFixed(1)}" fill="rgba(31,119,180,${a.toFixed(3)})"><title>${r.cohort_week} +${r.week_offset}w: ${(r.retention_rate * 100).toFixed(1)}%</title></rect>`;
  }).join('') + cohorts.map((c, i) => `<text x="95" y="${(30 + i * ch + ch * 0.75).toFixed(1)}" font-size="9" text-anchor="end">${c}</text>`).join('');
  return svg(title, body, 30 + cohorts.length * ch + 10);
}

function svg(title: string, body: string, height = H): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Math.ceil(height)}" font-family="sans-serif"><text x="${W / 2}" y="16" font-size="13" text-anchor="middle">${esc(title)}</text>${body}</svg>\n`;
}

export function main(argv: string[]): void {
  const get = (f: string) => { const i = argv.indexOf(f); return i >= 0 ? argv[i + 1] : undefined; };
  const dbFile = get('--db'), out = get('--out');
  if (!dbFile || !out) { process.stderr.write('usage: insights-report --db FILE --out DIR\n'); process.exitCode = 2; return; }
  const db = openDb(dbFile, { readonly: true });
  const all = (sql: string) => db.prepare(sql).all() as any[];
  fs.mkdirSync(out, { recursive: true });
  const dau = all('SELECT date, active_users FROM dau ORDER BY date');
  const flags = new Set(all('SELECT date FROM dau_anomalies WHERE anomaly = 1').map((r) => r.date as string));
  fs.writeFileSync(path.join(out, 'dau.svg'), line(dau.map((r) => ({ x: r.date, y: r.active_users })), 'Daily active users (red: unusual days)', flags));
  const ret = all('SELECT * FROM retention ORDER BY cohort_week, week_offset');
  fs.writeFileSync(path.join(out, 'retention.svg'), heatmap(ret, 'Weekly cohort retention (darker = more users came back)'));
  const p95 = all('SELECT app_version, p95_duration_ms FROM app_version_p95 ORDER BY p95_duration_ms DESC LIMIT 20');
  fs.writeFileSync(path.join(out, 'p95.svg'), bars(p95.map((r) => ({ label: r.app_version, v: r.p95_duration_ms })), 'Slowest app versions: 95th percentile of page view time (ms)'));
  const dev = all('SELECT * FROM device_performance ORDER BY mean_duration_ms DESC');
  if (dev.length) fs.writeFileSync(path.join(out, 'devices.svg'), bars(dev.map((r) => ({ label: r.device_type, v: r.mean_duration_ms })), 'Average interaction time by device (ms)'));
  const mau = all('SELECT month, active_users FROM mau ORDER BY month');
  const power = all('SELECT count(*) AS n, min(total_duration_ms) AS floor FROM power_users')[0];
  const sm = all('SELECT * FROM session_metrics')[0];
  const eta = dev.length ? all('SELECT eta_squared FROM device_performance_effect')[0]?.eta_squared : null;
  const fmt = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? 'n/a' : Number(x).toFixed(d));
  const md = [
    '# Insights report', '',
    `- **Active users**: ${dau.length} days; ${fmt(dau.reduce((a, r) => a + r.active_users, 0) / Math.max(1, dau.length), 0)} a day on average; ${flags.size} unusual day(s) flagged (${[...flags].slice(0, 5).join(', ')}).`,
    `- **Monthly active users**: ${mau.map((r) => `${r.month}: ${r.active_users}`).join(', ')}.`,
    `- **Power users**: the top ${power.n} users each spent at least ${fmt(power.floor / 60000, 0)} minutes in the app.`,
    sm ? `- **Sessions**: ${sm.sessions} sessions by ${sm.users} users (${fmt(sm.sessions_per_user, 2)} each), ${fmt(sm.avg_actions_per_session, 2)} actions per session, median length ${fmt(sm.p50_duration_s, 0)} s.` : '',
    eta !== null && eta !== undefined ? `- **Device vs performance**: the device type explains ${fmt(eta * 100, 2)} % of the differences in interaction time (eta squared; 0 % would mean no link at all).` : '',
    '', '![Daily active users](dau.svg)', '', '![Retention](retention.svg)', '', '![p95 by app version](p95.svg)', dev.length ? '\n![Devices](devices.svg)' : '', '',
    '## Slowest app versions (p95 of page view time)', '', '| app version | page views | p95 ms |', '|---|---|---|',
    ...p95.slice(0, 10).map((r) => `| ${r.app_version} | ${all(`SELECT n FROM app_version_p95 WHERE app_version = '${String(r.app_version).replace(/'/g, "''")}'`)[0].n} | ${fmt(r.p95_duration_ms, 0)} |`),
  ].filter((l) => l !== undefined).join('\n');
  fs.writeFileSync(path.join(out, 'report.md'), md + '\n');
  db.close();
}

main(process.argv.slice(2));
