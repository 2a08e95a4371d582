// Kernel-time profile of one DPO step on a backend: `profile.ts [backend] [layers] [allo|twin]`.
// A development aid for choosing what to move into the addon next; prints the top kernels.
import * as tf from '@tensorflow/tfjs-core';
import { createLogger, writeOut } from '@allo/core';

import { selectBackend } from './backends.js';
import { createModel } from '@allo/model';

import {
  AdamW,
  benchStepModel,
  causalLmStepModel,
  disposeBatch,
  dpoStep,
  randomBatch,
} from './dpo-step.js';
import { copyWeights, createBenchModel, peerFfn } from './llama.js';

const backendId = process.argv[2] ?? 'native';
const layers = Number(process.argv[3] ?? 2);
await selectBackend(backendId, createLogger('bench'));
const config = { layers, dModel: 256, heads: 4, vocab: 4096, seq: 128, ffn: peerFfn(256) };
const kind = process.argv[4] ?? 'allo';
let policy;
let reference;
if (kind === 'allo') {
  const model = createModel(
    {
      architecture: 'llama',
      vocabSize: 4096,
      hiddenSize: 256,
      numLayers: layers,
      numHeads: 4,
      numKvHeads: 4,
      intermediateSize: peerFfn(256),
      maxPositions: 128,
      tieWordEmbeddings: false,
      bosTokenId: null,
      eosTokenId: null,
    },
    { seed: 1 },
  );
  policy = causalLmStepModel(model);
  reference = causalLmStepModel(model.clone('reference'));
} else {
  const twin = createBenchModel(config, 1);
  const twinRef = createBenchModel(config, 1, false);
  copyWeights(twin, twinRef);
  policy = benchStepModel(twin);
  reference = benchStepModel(twinRef);
}
const optimizer = new AdamW(policy.params);
const batch = randomBatch(8, 128, 4096, 1234);
dpoStep(policy, reference, batch, optimizer);
const t0 = performance.now();
const info = await tf.profile(() => {
  dpoStep(policy, reference, batch, optimizer);
});
const total = performance.now() - t0;
const byName = new Map<string, { ms: number; calls: number }>();
for (const k of info.kernels) {
  const ms = await k.kernelTimeMs;
  const entry = byName.get(k.name) ?? { ms: 0, calls: 0 };
  entry.ms += typeof ms === 'number' ? ms : 0;
  entry.calls += 1;
  byName.set(k.name, entry);
}
const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);
writeOut(`${backendId} layers=${layers}: profiled step ${total.toFixed(0)} ms`);
for (const [name, { ms, calls }] of rows.slice(0, 25))
  writeOut(`${name.padEnd(24)} ${ms.toFixed(1).padStart(8)} ms ${String(calls).padStart(5)} calls`);
disposeBatch(batch);
