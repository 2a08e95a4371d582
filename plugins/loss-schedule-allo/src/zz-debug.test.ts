import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { EventBus, assetPath, createLogger, runSchedule, tokenizePair } from '@allo/core';
import type { TokenizedPair } from '@allo/core';
import { useCpuBackend } from '@allo/core/testing';
import { loadLlama2c } from '@allo/model';
import { alloStages } from './allo.js';
import '@allo/neuron-selector-update-magnitude';
import '@allo/token-scorer-implicit-reward';

const STORIES = [
  { prompt: 'Once upon a time, there was a little girl named Lily.', chosen: ' She loved to play outside in the park.', rejected: " She was sad and didn't know what to do." },
  { prompt: 'Tom had a red ball.', chosen: ' He liked to play with it every day.', rejected: ' He threw it at the dog and laughed.' },
  { prompt: 'The sun was shining.', chosen: ' The birds sang a happy song.', rejected: ' It was a bad day and nobody smiled.' },
];
it('debug', async () => {
  await useCpuBackend();
  process.stderr.write('KERNELS ' + ['AlloTargetLogProbs','AlloTargetLogProbsGrad','BatchMatMul','UnsortedSegmentSum'].map(k => k + ':' + (tf.getKernel(k, tf.getBackend()) !== undefined)).join(' ') + ' backend ' + tf.getBackend() + ' cast ' + typeof (tf.scalar(1) as any).cast + '\n');
  const loaded = loadLlama2c(assetPath('stories260K', 'stories260K.bin'));
  const train = STORIES.map((s, i) => tokenizePair(loaded.tokenizer, { id: `s${i}`, ...s }, { maxLength: 64 }) as TokenizedPair);
  for (const lr of [1e-4, 2e-3]) {
    for (const bs of [3]) {
    const [warmup] = alloStages({ warmup: { steps: 3, lr, batchSize: bs, warmupRatio: 0, epochs: 1 } as never, optimizer: { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maxGradNorm: 1, schedule: 'constant' } });
    warmup.discard = false;
    const events = new EventBus();
    const l: string[] = [];
    events.on('step:end', (p) => l.push(`${p.metrics.loss.toFixed(6)}/${p.metrics['rewards/margins'].toExponential(3)}`));
    const r = await runSchedule({ policy: loaded.model, tokenizer: loaded.tokenizer, train, stages: [warmup], resolve: {} as never, events, logger: createLogger('x'), seed: 1, runDir: null });
    r.final.dispose();
    process.stderr.write(`lr ${lr} bs ${bs}: ${l.join(' ')}\n`);
    }
  }
});
