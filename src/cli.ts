// event-pipes: the umbrella command. `event-pipes` lists the tools; `event-pipes TOOL ARGS` runs one;
// `event-pipes TOOL ARGS then TOOL ARGS ...` runs a chain in one process (Miller's `then`).
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { registry, loadTool } from './tools/index.js';
import { forkInput, parseOptions, runChain, valueFlags, version, writeText } from './core/runner.js';
import type { ChainSpec } from './core/runner.js';

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
let threads: number | 'auto' | undefined; // (not given: the first tool's own --threads, else 1)
// (given again, the later one wins, as every option of one value: `event-pipes --threads auto "$@"`)
while (argv[0] === '--threads' || argv[0]?.startsWith('--threads=')) {
  const v = argv[0].includes('=') ? argv[0].slice(10) : argv[1];
  if (v === undefined) { process.stderr.write("event-pipes: --threads needs a value: a number of threads or auto (try 'event-pipes --help')\n"); process.exit(2); }
  argv.splice(0, argv[0].includes('=') ? 1 : 2);
  threads = v === 'auto' ? 'auto' : Number(v);
  if (threads !== 'auto' && (!Number.isInteger(threads) || threads < 1 || threads > 256)) {
    process.stderr.write(`event-pipes: --threads takes a number of threads or auto (got '${v}') (try 'event-pipes --help')\n`);
    process.exit(2);
  }
}
const [name] = argv;
if (name === '--version') writeText('event-pipes', 'the version', `event-pipes ${version()}\n`);
else if (!name || name === '--help' || name === '-h' || name === 'list') {
  const out: string[] = ['event-pipes: small Unix filters for NDJSON events. Tools (each is also a bin of its own):', ''];
  for (const n of Object.keys(registry)) out.push(`  ${n.padEnd(22)} ${(await loadTool(n))!.summary}`);
  const rs = recipes();
  if (rs.length) {
    out.push('', 'Recipes (event-pipes RECIPE ARGS, or scripts/RECIPE.sh):', '');
    for (const r of rs) out.push(`  ${r.name.padEnd(22)} ${r.summary}`);
  }
  out.push('', 'One process (a chain):', '',
    '  event-pipes [--threads N|auto] TOOL ARGS then TOOL ARGS ...',
    '      the tools of a pipeline in one process (the same output, rejects, stats and exit status);',
    '      --threads: the first stages that read record by record (and a count-by or final-action after them) in N threads',
    '      (auto: one a core for files of 16 MiB or more, else one; without it: the first tool\'s own --threads, e.g. final-action\'s; else one thread)',
    '  ... then fork [ TOOL ARGS then ... ] [ TOOL ARGS then ... ]',
    '      every record into each branch; a branch ends with a tool that writes somewhere (save FILE,',
    '      load-sqlite, to-parquet, ...); nothing follows a fork',
    '  event-pipes fork [-i FILE]... [ ... ] [ ... ]',
    '      a chain may start with the fork: the input (the files, else stdin), each record checked once,',
    '      into every branch',
    '', 'Example:', '',
    "  event-pipes filter-engaged events.ndjson then to-local-date --tz America/Chicago then fork \\",
    "    [ count-by date -a 'users=distinct(user_pseudo_id)' then save daily.ndjson ] \\",
    "    [ count-by user_pseudo_id then load-sqlite --db a.db --table per_user --key user_pseudo_id ]",
    '', "Run 'TOOL --help' (or 'event-pipes RECIPE --help') for options and examples; 'event-pipes --version' for the version.");
  writeText('event-pipes', name === 'list' ? 'the list' : 'the help', out.join('\n') + '\n');
} else if (!registry[name] && recipes().some((r) => r.name === name)) {
  const r = spawnSync('bash', [new URL(`${name}.sh`, scripts).pathname, ...argv.slice(1)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} else {
  // the chain: TOOL ARGS (then TOOL ARGS)* (then fork [ CHAIN ] [ CHAIN ]...)?
  let ok = true;
  const fail = (m: string) => { if (ok) process.stderr.write(`event-pipes: ${m} (try 'event-pipes --help')\n`); process.exitCode = 2; ok = false; };
  let i = 0;
  /** a stage's words, from argv[i] up to a word that ends it (`stop`); the word after an option that
   *  takes a value is that value, whatever it is (a file named then), except after a lone -- */
  const wordsOf = (tool: Parameters<typeof valueFlags>[0], stop: (word: string) => boolean): string[] => {
    const args: string[] = [], valued = valueFlags(tool);
    let dashes = false;
    while (i < argv.length && !stop(argv[i])) {
      const w = argv[i++];
      args.push(w);
      if (w === '--') dashes = true;
      else if (!dashes && valued.has(w) && i < argv.length) args.push(argv[i++]);
    }
    return args;
  };
  const parseChain = async (inBranch: boolean): Promise<ChainSpec> => {
    const chain: ChainSpec = [];
    for (;;) {
      const word = argv[i];
      if (word === 'fork') {
        i++;
        if (!inBranch && chain.length === 0) { // a chain that starts with fork reads the input: its options
          const args = wordsOf(forkInput, (w) => w === '['); // (-i FILE, --strict, --rejects FILE, --stats ...) come before the branches
          if (args.includes('--help') || args.includes('-h')) { await parseOptions(forkInput, ['--help']); process.exit(0); } // its usage and options
          chain.push({ tool: forkInput, argv: args });
        }
        const branches: ChainSpec[] = [];
        while (argv[i] === '[') { i++; branches.push(await parseChain(true)); if (argv[i] !== ']') { fail("a fork branch needs its closing ']'"); return chain; } i++; }
        if (branches.length === 0) fail("fork needs branches: fork [ TOOL ARGS ... ] [ TOOL ARGS ... ]");
        chain.push({ fork: branches });
      } else {
        const tool = word === undefined ? undefined : await loadTool(word);
        if (!tool) { fail(word === undefined ? "a tool is missing (after 'then' or '[')" : `unknown tool '${word}'`); return chain; }
        i++;
        const args = wordsOf(tool, (w) => w === 'then' || w === '[' || (inBranch && w === ']'));
        chain.push({ tool, argv: args });
      }
      if (argv[i] === 'then') { i++; continue; }
      return chain;
    }
  };
  const specs = await parseChain(false);
  if (ok && i < argv.length) fail(`unexpected '${argv[i]}'`);
  if (ok) await runChain(specs, threads);
}
