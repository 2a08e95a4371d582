import { createNativeBackend } from '@allo/backend-native';
import { createLogger } from '@allo/core';
import { problemSets, greedyAccuracy, sftModel, readConfig } from './pipeline.mjs';
const log = createLogger('x');
await createNativeBackend({ threads: 2 }, log).initialise();
const config = readConfig('examples/math/config.json');
for (const steps of process.argv.slice(2).map(Number)) {
  const c = { ...config, sft: { ...config.sft, steps } };
  const sets = problemSets(c);
  const t0 = performance.now();
  const sft = await sftModel(c, 'examples/math/.run', sets, log);
  const acc = greedyAccuracy(c, sft.model, sft.tokenizer, sets.validation);
  console.log(`steps ${steps} val ${acc.accuracy.toFixed(3)} ${((performance.now() - t0) / 1000).toFixed(0)}s`);
  sft.model.dispose();
}
