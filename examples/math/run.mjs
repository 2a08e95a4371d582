// `npx nx run example-math:run`: the comparison of pipeline.mjs with config.json, on the native
// kernels when their addon is built (the pure-JS cpu backend otherwise, with a warning). Prints the
// table and writes eval.json and report.html to the run directory (default examples/math/.run).
//
//   node examples/math/run.mjs [--config FILE] [--out DIR] [--tune]
//
// --tune runs the learning-rate grid of config.tune on the validation slice and writes tune.json;
// copy the chosen values into config.json's compare.lr by hand (the held-out set is never read).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createNativeBackend } from '@allo/backend-native';
import { createLogger, writeFileAtomic, writeOut } from '@allo/core';

import {
  formatTable,
  htmlTable,
  readConfig,
  runComparison,
  tuneLearningRates,
} from './pipeline.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function argument(name, fallback) {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : process.argv[at + 1];
}

const configFile = path.resolve(argument('--config', path.join(here, 'config.json')));
const runDir = path.resolve(argument('--out', path.join(here, '.run')));
const config = readConfig(configFile);
const logger = createLogger('math');

const started = performance.now();
const backend = await createNativeBackend({ threads: config.threads ?? 0 }, logger).initialise();
logger.info(`backend: ${backend.description}`);

if (process.argv.includes('--tune')) {
  const tuned = await tuneLearningRates(config, runDir, config.tune.grid, logger);
  await writeFileAtomic(
    path.join(runDir, 'tune.json'),
    `${JSON.stringify({ config: configFile, ...tuned }, null, 2)}\n`,
  );
  writeOut(`chosen learning rates: ${JSON.stringify(tuned.chosen)}\n`);
} else {
  const result = await runComparison(config, runDir, { logger });
  const seconds = (performance.now() - started) / 1000;
  const table = formatTable(result);
  const record = { config, backend: backend.name, seconds, ...result };
  await writeFileAtomic(path.join(runDir, 'eval.json'), `${JSON.stringify(record, null, 2)}\n`);
  await writeFileAtomic(path.join(runDir, 'report.html'), htmlTable(result));
  writeOut(
    `${table}\n\nbackend ${backend.name}; ${seconds.toFixed(0)} s in all (SFT ${result.times.sft.toFixed(0)} s, sampling ${result.times.sampling.toFixed(0)} s, arms ${result.times.arms.toFixed(0)} s)\nwrote ${path.join(runDir, 'eval.json')} and report.html\n`,
  );
}
