import { createNativeBackend } from '@allo/backend-native';
import { createLogger, EventBus, assetPath, runSchedule } from '@allo/core';
import { loadLlama2c } from '@allo/model';
import { problemSets, greedyAccuracy } from './pipeline.mjs';
import { generateProblems, sftRecordOf } from '@allo/dataset-arithmetic';
import { tokenizeResponse } from '@allo/core';
const [carries, lr, bs, chunks] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const log = createLogger('x');
await createNativeBackend({ threads: 2 }, log).initialise();
const all = generateProblems({ count: 2064, operation: 'add', carries, seed: 0 });
const train = all.slice(0, 2000), val = all.slice(2000);
const loaded = loadLlama2c(assetPath('stories260K', 'stories260K.bin'));
let model = loaded.model; const tok = loaded.tokenizer;
const rows = train.map((p) => { const t = tokenizeResponse(tok, sftRecordOf(p), { maxLength: 96 }); return { id: t.id, promptIds: t.promptIds, chosenIds: t.responseIds, rejectedIds: t.responseIds }; });
const cfg = { maxNewTokens: 34, eval: { batchSize: 64 } };
const t0 = performance.now();
for (let c = 0; c < chunks; c++) {
  const r = await runSchedule({ policy: model, tokenizer: tok, train: rows, stages: [{ name: 'sft', objective: { type: 'sft', reduction: 'mean' }, init: 'reference', reference: 'initial', mask: { kind: 'all' }, tokenWeights: false, data: 'chosen', optimizer: { lr, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maxGradNorm: 1, warmupRatio: c === 0 ? 0.1 : 0, schedule: 'constant' }, steps: 50, epochs: 0, batchSize: bs, discard: false }], resolve: {}, events: new EventBus(), logger: log, seed: c, runDir: null });
  model.dispose(); model = r.final;
  const acc = greedyAccuracy(cfg, model, tok, val);
  console.log(`steps ${(c + 1) * 50} loss ${r.stages[0].metrics.loss.toFixed(3)} val ${acc.accuracy.toFixed(3)} trunc ${acc.truncated} t ${((performance.now() - t0) / 1000).toFixed(0)}s`);
}
