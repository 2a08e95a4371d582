#!/usr/bin/env node
// Chooses the default run's learning rates on the VALIDATION split of the training pairs
// (eval.split = "validation"); the held-out eval split is never looked at. Sequential search:
// DPO's rate first (the warm-up, a short plain DPO run, takes it too), then the forgetting rate,
// then the learning rate. Picks the highest validation rewards/accuracies, ties broken by
// rewards/margins. Writes docs/tuning-default.md. Usage: node tools/tune-default.mjs
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { main } from '@allo/cli';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const base = JSON.parse(readFileSync(path.join(root, 'packages/cli/configs/default.json'), 'utf8'));
const work = mkdtempSync(path.join(tmpdir(), 'allo-tune-'));
const rows = [];
const seen = new Map();

async function trial(label, override, model) {
  const key = JSON.stringify(override);
  if (seen.has(key)) return seen.get(key);
  const config = { ...structuredClone(override), eval: { ...base.eval, split: 'validation', klSamples: 0, showSamples: 0 } };
  const file = path.join(work, `${rows.length}.json`);
  writeFileSync(file, JSON.stringify(config));
  const out = path.join(work, `run-${rows.length}`);
  const code = await main(['run', file, '--out', out, '--quiet']);
  if (code !== 0) throw new Error(`trial ${label} failed with exit code ${code}`);
  const metrics = JSON.parse(readFileSync(path.join(out, 'eval.json'), 'utf8'))[model];
  const row = { label, accuracy: metrics['rewards/accuracies'], margin: metrics['rewards/margins'] };
  rows.push(row);
  seen.set(key, row);
  process.stderr.write(`${label}: validation accuracy ${row.accuracy.toFixed(4)}, margin ${row.margin.toFixed(4)}\n`);
  return row;
}

const better = (a, b) => a.accuracy > b.accuracy || (a.accuracy === b.accuracy && a.margin > b.margin);
async function search(name, values, make, model) {
  let best = null;
  for (const value of values) {
    const row = await trial(`${name} ${value}`, make(value), model);
    if (best === null || better(row, best.row)) best = { value, row };
  }
  return best.value;
}

const dpoOptions = base.baselines.dpo.options;
const alloOptions = base.schedule.options;
const dpoLr = await search('dpo lr', [1e-4, 3e-4, 1e-3], (lr) => ({ schedule: { use: 'dpo', options: { ...dpoOptions, lr } }, baselines: { dpo: null } }), 'dpo');
const allo = (forgetting, learning) => ({
  schedule: { use: 'allo', options: { ...alloOptions, warmup: { ...alloOptions.warmup, lr: dpoLr }, forgetting: { ...alloOptions.forgetting, lr: forgetting }, learning: { ...alloOptions.learning, lr: learning } } },
  baselines: { dpo: null },
});
const forgettingLr = await search('allo forgetting lr', [3e-5, 1e-4, 3e-4], (lr) => allo(lr, dpoLr), 'allo');
const finalLearning = await search('allo learning lr', [Number((dpoLr / 3).toPrecision(3)), dpoLr, Number((dpoLr * 3).toPrecision(3))], (lr) => allo(forgettingLr, lr), 'allo');

const table = rows.map((r) => `| ${r.label} | ${r.accuracy.toFixed(4)} | ${r.margin.toFixed(4)} |`).join('\n');
writeFileSync(
  path.join(root, 'docs/tuning-default.md'),
  `# Learning rates of the default run\n\nChosen by \`node tools/tune-default.mjs\` on the validation split (${base.data.validation} rows before tokenisation) of the training pairs; the held-out eval split was not used. Budget and seed as in \`packages/cli/configs/default.json\`.\n\n| trial | validation rewards/accuracies | validation rewards/margins |\n| --- | --- | --- |\n${table}\n\nChosen: DPO and warm-up lr ${dpoLr}, forgetting lr ${forgettingLr}, learning lr ${finalLearning}.\n`,
);
process.stdout.write(`dpo/warm-up lr ${dpoLr}, forgetting lr ${forgettingLr}, learning lr ${finalLearning}\n`);
