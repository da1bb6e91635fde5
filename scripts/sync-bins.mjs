#!/usr/bin/env node
// scripts/sync-bins.mjs [--check]: the package's commands from the tool registry (src/tools/index.ts),
// so a new tool cannot be forgotten: writes bin/<tool> for every registered tool (and removes the
// bins of tools no longer registered) and the "bin" map of package.json. With --check it changes
// nothing and exits 1 when anything is out of date (the test suite runs it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const registry = fs.readFileSync(path.join(root, 'src/tools/index.ts'), 'utf8');
const tools = [...registry.matchAll(/^\s*'([a-z0-9-]+)': \(\) => import\('\.\/([a-z0-9-]+)\.js'\)/gm)].map((m) => m[1]);
if (tools.length === 0) { console.error('sync-bins: no tools found in src/tools/index.ts'); process.exit(2); }

// (sh, then node) No tool makes TLS connections: skipping the extra CA bundle saves ~80 ms per start.
// --no-concurrent-recompilation: Node 20 can deadlock at exit when a background optimizing compile
// waits for a garbage collection while the main thread waits for that compile (nodejs/node#54918;
// seen twice in this project's test runs, a process that never ends: in cron, a stuck lock). The
// optimizing compiles then run on the main thread (README, "Every run ends": the measured cost);
// EVENT_PIPES_CONCURRENT_JIT=1 puts them back on their thread (the later flag wins).
const PREAMBLE = '#!/bin/sh\n":" //; unset NODE_EXTRA_CA_CERTS; [ -h /dev/fd/1 ] || [ -e /dev/fd/1 ] || [ ! -d /dev/fd/ ] || exec 1</dev/null; [ -h /dev/fd/0 ] || [ -e /dev/fd/0 ] || [ ! -d /dev/fd/ ] || exec 0>/dev/null; exec node --no-concurrent-recompilation ${EVENT_PIPES_CONCURRENT_JIT:+--concurrent-recompilation} "$0" "$@"  # (sh, then node: scripts/sync-bins.mjs says why)\n';
// (a tool with its own --threads option, such as final-action, starts its workers first, before it loads
// the rest: core/prestart.ts)
const ownThreads = (tool) => /^\s*threads: \{ type:/m.test(fs.readFileSync(path.join(root, 'src/tools', `${tool}.ts`), 'utf8'));
const binText = (tool) => ownThreads(tool)
  ? `${PREAMBLE}const { prestartKeyed } = await import('../dist/core/prestart.js');\nprestartKeyed(process.argv.slice(2));\nconst { run } = await import('../dist/core/runner.js');\nconst { default: tool } = await import('../dist/tools/${tool}.js');\nawait run(tool);\n`
  : `${PREAMBLE}import { run } from '../dist/core/runner.js';\nimport tool from '../dist/tools/${tool}.js';\nawait run(tool);\n`;
// (event-pipes starts the worker threads of --threads N first, before it loads the rest: core/prestart.ts)
const wanted = new Map([['event-pipes', `${PREAMBLE}const { prestart } = await import("../dist/core/prestart.js");\nprestart(process.argv.slice(2));\nawait import("../dist/cli.js");\n`], ...tools.map((t) => [t, binText(t)])]);

// the generators (scripts/generate-NAME, from src/gen/NAME.ts) start as the bins do: a closed standard
// output said, not Node's /dev/null in its place taking every line (exit 0)
const generatorText = (g) => `${PREAMBLE}import { main } from '../dist/gen/${g.slice('generate-'.length)}.js';\nawait main(process.argv.slice(2));\n`;

const problems = [];
for (const g of fs.readdirSync(path.join(root, 'scripts')).filter((f) => /^generate-[a-z0-9-]+$/.test(f))) {
  const file = path.join(root, 'scripts', g), text = generatorText(g);
  if (fs.readFileSync(file, 'utf8') === text) continue;
  problems.push(`scripts/${g} differs from the template`);
  if (!check) { fs.writeFileSync(file, text); fs.chmodSync(file, 0o755); }
}
for (const [name, text] of wanted) {
  const file = path.join(root, 'bin', name);
  const now = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  if (now === text) continue;
  problems.push(now === null ? `bin/${name} is missing` : `bin/${name} differs from the template`);
  if (!check) { fs.writeFileSync(file, text); fs.chmodSync(file, 0o755); }
}
for (const name of fs.readdirSync(path.join(root, 'bin'))) {
  if (wanted.has(name)) continue;
  problems.push(`bin/${name} is no registered tool`);
  if (!check) fs.rmSync(path.join(root, 'bin', name));
}
const pkgFile = path.join(root, 'package.json');
const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
// (the generators, scripts/generate-*, are commands of the package too: their --help examples and the
// README call them by name, so an installed package has them on PATH)
const generators = fs.readdirSync(path.join(root, 'scripts')).filter((f) => /^generate-[a-z0-9-]+$/.test(f)).sort();
const bin = Object.fromEntries([...[...wanted.keys()].map((n) => [n, `bin/${n}`]), ...generators.map((g) => [g, `scripts/${g}`])]);
if (JSON.stringify(pkg.bin) !== JSON.stringify(bin)) {
  problems.push('package.json "bin" does not list exactly the registered tools and the generators');
  if (!check) { pkg.bin = bin; fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n'); }
}
if (problems.length) {
  console.error(`sync-bins: ${problems.join('; ')}${check ? " (run 'node scripts/sync-bins.mjs')" : ': fixed'}`);
  if (check) process.exit(1);
}
