// event-pipes: the umbrella command. `event-pipes` lists the tools; `event-pipes TOOL ARGS` runs one;
// `event-pipes TOOL ARGS then TOOL ARGS ...` runs a chain in one process (Miller's `then`).
import { registry, loadTool } from './tools/index.js';
import { runChain } from './core/runner.js';

const argv = process.argv.slice(2);
const [name] = argv;
if (!name || name === '--help' || name === '-h' || name === 'list') {
  const out: string[] = ['event-pipes: small Unix filters for NDJSON events. Tools (each is also a bin of its own):', ''];
  for (const n of Object.keys(registry)) out.push(`  ${n.padEnd(22)} ${(await loadTool(n))!.summary}`);
  out.push('', "Run 'TOOL --help' for a tool's options and examples; 'event-pipes A ARGS then B ARGS' runs A | B in one process.");
  process.stdout.write(out.join('\n') + '\n');
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
  if (ok) await runChain(specs);
}
