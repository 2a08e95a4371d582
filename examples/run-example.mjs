#!/usr/bin/env node
// Runs one example: `node examples/run-example.mjs <name>` (what `npx nx run example-<name>:run`
// calls). Builds nothing: `npm ci` already compiled the packages. Examples whose backend is an
// optional install (tfjs-node, tfjs-node-gpu) say why it is missing and run on `auto` instead.
// The redundancy example also prints its comparison table.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { main } from '@allo/cli';
import { builtinRegistry } from '@allo/cli';
import { writeOut } from '@allo/core';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const name = process.argv[2];
const dir = path.join(root, 'examples', name ?? '');
if (name === undefined || !existsSync(path.join(dir, 'config.json'))) {
  process.stderr.write(`usage: node examples/run-example.mjs <name>, with <name> a folder of examples/ holding config.json\n`);
  process.exit(2);
}

let config = path.join(dir, 'config.json');
const parsed = JSON.parse(readFileSync(config, 'utf8'));
const backendId = parsed.backend?.use;
let fallback = null;
if (backendId === 'tfjs-node' || backendId === 'tfjs-node-gpu') {
  const plugin = builtinRegistry().find('backend', backendId);
  let backend;
  plugin.declaration.register({ register: (_token, provider) => (backend = provider.useFactory()) }, {}, { logger: { info() {}, warn() {}, error() {}, debug() {}, warnOnce() {}, child() { return this; }, tag: 'example' }, seed: 0, runDir: null, configDir: dir });
  const availability = await backend.available();
  if (!availability.ok) {
    writeOut(`example ${name}: backend "${backendId}" is not available here (${availability.reason}); running the same config on "auto" instead`);
    fallback = path.join(dir, 'config.fallback.json');
    writeFileSync(fallback, `${JSON.stringify({ ...parsed, backend: { use: 'auto' } }, null, 2)}\n`);
    config = fallback;
  }
}

const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
const out = path.join(root, 'runs', `example-${name}-${stamp}`);
const code = await main(['run', config, '--out', out]);
if (fallback !== null) rmSync(fallback, { force: true });

if (code === 0 && name === 'redundancy') {
  const evaluation = JSON.parse(readFileSync(path.join(out, 'eval.json'), 'utf8'));
  const lastLoss = new Map();
  for (const line of readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line);
    if (row.stage !== 'warmup') lastLoss.set(row.model, row.loss);
  }
  const arms = [['top-10% (update magnitude)', 'dpo'], ['random 10%', 'random-10'], ['bottom 10%', 'bottom-10'], ['all elements', 'all']];
  const rows = arms.map(([label, key]) => [label, lastLoss.get(key), evaluation[key]?.['rewards/accuracies'], evaluation[key]?.['rewards/margins']]);
  const fmt = (v) => (typeof v === 'number' ? v.toFixed(4) : '-');
  writeOut('\nRedundancy study: DPO on a share of the elements, same steps and seed');
  writeOut(`${'arm'.padEnd(28)}  ${'final loss'.padStart(10)}  ${'accuracy'.padStart(9)}  ${'margin'.padStart(8)}`);
  for (const [label, loss, acc, margin] of rows) writeOut(`${label.padEnd(28)}  ${fmt(loss).padStart(10)}  ${fmt(acc).padStart(9)}  ${fmt(margin).padStart(8)}`);
  writeOut(`(held-out rewards/accuracies and rewards/margins; loss curves side by side in ${path.join(out, 'report.html')})`);
}
process.exit(code);
