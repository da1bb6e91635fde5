// node table.mjs [--commands] ROWS.tsv ...: the markdown table of bench rows (written by bench/lib.sh),
// or (--commands) the exact commands of each job, as docs/PERFORMANCE.md shows them.
import fs from 'node:fs';

const args = process.argv.slice(2);
const commands = args[0] === '--commands';
if (commands) args.shift();
const rows = args.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => {
  const [job, input, oLabel, oCmd, ob, om, dLabel, dCmd, db, dm, rb, rm, oRss, dRss, eq, bar, met, times] = l.split('\t');
  return { job, input, oLabel, oCmd, ob, om, dLabel, dCmd, db, dm, rb, rm, oRss, dRss, eq, bar, met, times };
}));
const s2 = (x) => Number(x).toFixed(2);
const esc = (s) => s.replaceAll('|', '\\|');
if (!commands) {
  console.log('| job | input | event-pipes | seconds best / median | DuckDB 2 threads | seconds best / median | ratio (DuckDB / ours) best (median) | peak RSS MB ours / DuckDB | same answer | bar |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  let last = '';
  for (const r of rows) {
    const input = r.job === last ? '' : esc(r.input);
    last = r.job;
    const bar = r.bar ? `>= ${r.bar}x: ${r.met}` : '';
    console.log(`| ${input ? r.job : ''} | ${input} | ${esc(r.oLabel)} | ${s2(r.ob)} / ${s2(r.om)} | ${esc(r.dLabel)} | ${s2(r.db)} / ${s2(r.dm)} | **${r.rb}x** (${r.rm}x) | ${r.oRss} / ${r.dRss} | ${r.eq} | ${bar} |`);
  }
} else {
  const seen = new Set();
  let job = '';
  for (const r of rows) {
    if (r.job !== job) { job = r.job; console.log(`\n${job} (${r.input}):\n`); }
    for (const [label, cmd] of [[r.oLabel, r.oCmd], [r.dLabel, r.dCmd]]) {
      if (seen.has(job + '\0' + label)) continue;
      seen.add(job + '\0' + label);
      console.log(`- ${label}: \`${cmd.replaceAll('`', '\\`')}\``);
    }
  }
}
