// `allo data <config>`: load and tokenise the config's datasets without training; print rows
// kept per split, rows dropped by reason and prompt/response lengths in tokens.
import { parseArgs } from 'node:util';

import { chooseBackend, createLogger, createRunContainer, errors, loadConfig, prepareDatasets, writeOut } from '@allo/core';
import type { LengthStats } from '@allo/core';

import { builtinRegistry } from '../builtins.js';
import { defaultLayer } from '../defaults.js';
import { DATA_HELP } from '../usage.js';

function lengths(name: string, stats: LengthStats): string {
  return `${name}: min ${stats.min}, mean ${stats.mean.toFixed(1)}, median ${stats.median}, max ${stats.max} tokens (${stats.count} rows)`;
}

export async function dataCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    writeOut(DATA_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw errors.usage('allo data takes exactly one config file (allo data --help)');
  const registry = builtinRegistry();
  const loaded = await loadConfig(positionals[0], defaultLayer(), registry);
  const { config } = loaded;
  const context = { seed: config.seed, runDir: null, configDir: loaded.dir };
  await chooseBackend(config.backend, registry, context);
  const run = createRunContainer(config, registry, context);
  const modelOptions = config.model.options as { path: string; tokenizer?: string };
  const model = await run.resolve('model').load(modelOptions.path, { tokenizer: modelOptions.tokenizer });
  const data = await prepareDatasets({
    loader: run.resolve('dataset'),
    evalLoader: config.evalDataset === undefined ? undefined : run.resolveSlot('dataset', config.evalDataset, 'evalDataset'),
    context: { ...context, logger: createLogger(config.dataset.use), model: model.model, tokenizer: model.tokenizer },
    options: config.data,
    name: config.dataset.use,
  });
  model.model.dispose();
  const dataset = config.evalDataset === undefined ? config.dataset.use : `${config.dataset.use} + ${config.evalDataset.use} (eval)`;
  if (values.json) {
    writeOut(JSON.stringify({ datasets: [{ name: dataset, kept: data.kept, dropped: data.dropped, lengths: data.lengths }] }, null, 2));
    return 0;
  }
  const dropped = Object.entries(data.dropped);
  writeOut(
    [
      `dataset ${dataset}`,
      `  kept: ${data.kept.total} rows — train ${data.kept.train}, validation ${data.kept.validation}, eval ${data.kept.eval}; rejected-only ${data.kept.rejected}, sft ${data.kept.sft}`,
      `  dropped: ${dropped.length === 0 ? 'none' : dropped.map(([reason, count]) => `${reason} ${count}`).join(', ')}`,
      `  ${lengths('prompt', data.lengths.prompt)}`,
      `  ${lengths('response', data.lengths.response)}`,
    ].join('\n'),
  );
  return 0;
}
