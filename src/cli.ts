// event-pipes: the umbrella command. `event-pipes` lists the tools; `event-pipes TOOL ARGS` runs one.
import { registry, loadTool } from './tools/index.js';
import { run } from './core/runner.js';

const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h' || name === 'list') {
  const out: string[] = ['event-pipes: small Unix filters for NDJSON events. Tools (each is also a bin of its own):', ''];
  for (const n of Object.keys(registry)) out.push(`  ${n.padEnd(22)} ${(await loadTool(n))!.summary}`);
  out.push('', "Run 'TOOL --help' for a tool's options and examples.");
  process.stdout.write(out.join('\n') + '\n');
} else {
  const tool = await loadTool(name);
  if (!tool) { process.stderr.write(`event-pipes: unknown tool '${name}' (try 'event-pipes list')\n`); process.exitCode = 2; }
  else await run(tool, rest);
}
