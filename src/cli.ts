// event-pipes: the umbrella command. `event-pipes` lists the tools; `event-pipes TOOL ARGS` runs one;
// `event-pipes TOOL ARGS then TOOL ARGS ...` runs a chain in one process (Miller's `then`).
import fs from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { registry, loadTool } from './tools/index.js';
import { runChain, version } from './core/runner.js';

/** the recipes: scripts/<name>.sh beside dist/, each with its summary (the first comment line) */
const scripts = new URL('../scripts/', import.meta.url);
function recipes(): { name: string; summary: string }[] {
  let files: string[] = [];
  try { files = fs.readdirSync(scripts).filter((f) => f.endsWith('.sh')).sort(); } catch { /* not shipped */ }
  return files.map((f) => {
    const second = fs.readFileSync(new URL(f, scripts), 'utf8').split('\n')[1] ?? '';
    return { name: f.slice(0, -3), summary: second.replace(/^#\s*/, '').replace(/\s+$/, '') };
  });
}

const argv = process.argv.slice(2);
// --threads N|auto before the first tool: the chain over N threads (core/parallel.ts)
let threads = 1;
if (argv[0] === '--threads' || argv[0]?.startsWith('--threads=')) {
  const v = argv[0].includes('=') ? argv[0].slice(10) : argv[1];
  argv.splice(0, argv[0].includes('=') ? 1 : 2);
  threads = v === 'auto' ? os.availableParallelism() : Number(v);
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    process.stderr.write(`event-pipes: --threads takes a number of threads or auto (got '${v}')\n`);
    process.exit(2);
  }
}
const [name] = argv;
if (name === '--version') process.stdout.write(`event-pipes ${version()}\n`);
else if (!name || name === '--help' || name === '-h' || name === 'list') {
  const out: string[] = ['event-pipes: small Unix filters for NDJSON events. Tools (each is also a bin of its own):', ''];
  for (const n of Object.keys(registry)) out.push(`  ${n.padEnd(22)} ${(await loadTool(n))!.summary}`);
  const rs = recipes();
  if (rs.length) {
    out.push('', 'Recipes (event-pipes RECIPE ARGS, or scripts/RECIPE.sh):', '');
    for (const r of rs) out.push(`  ${r.name.padEnd(22)} ${r.summary}`);
  }
  out.push('', "Run 'TOOL --help' (or 'event-pipes RECIPE --help') for options and examples; 'event-pipes A ARGS then B ARGS' runs A | B in one process.");
  process.stdout.write(out.join('\n') + '\n');
} else if (!registry[name] && recipes().some((r) => r.name === name)) {
  const r = spawnSync('bash', [new URL(`${name}.sh`, scripts).pathname, ...argv.slice(1)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} else {
  // split at each `then`: the tool names and their arguments
  const specs: { tool: NonNullable<Awaited<ReturnType<typeof loadTool>>>; argv: string[] }[] = [];
  let ok = true;
  for (let i = 0; i < argv.length && ok;) {
    let j = argv.indexOf('then', i);
    if (j < 0) j = argv.length;
    const [toolName, ...args] = argv.slice(i, j);
    const tool = toolName === undefined ? undefined : await loadTool(toolName);
    if (!tool) {
      process.stderr.write(toolName === undefined ? `event-pipes: 'then' needs a tool after it (try 'event-pipes list')\n`
        : `event-pipes: unknown tool '${toolName}' (try 'event-pipes list')\n`);
      process.exitCode = 2;
      ok = false;
    } else specs.push({ tool, argv: args });
    i = j + 1;
    if (j === argv.length - 1) { process.stderr.write(`event-pipes: 'then' needs a tool after it\n`); process.exitCode = 2; ok = false; }
  }
  if (ok) await runChain(specs, threads);
}
