import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { EventBus, assetPath, createLogger, runSchedule, tokenizePair } from '@allo/core';
import type { NeuronSelector, TokenScorer, TokenizedPair } from '@allo/core';
import { pluginContract, useCpuBackend } from '@allo/core/testing';
import { loadLlama2c } from '@allo/model';

import { npoSchedulePlugin, npoStages } from './npo.js';

pluginContract(npoSchedulePlugin, {
  valid: [{ tokenWeights: true }, { beta: 0.5, steps: 10 }],
  invalid: [
    { options: { beta: 0 }, path: 'schedule.options.beta' },
    { options: { tokenWeights: 1 }, path: 'schedule.options.tokenWeights' },
    { options: { optimizer: { betas: [0.9] } }, path: 'schedule.options.optimizer.betas' },
  ],
});

describe('npoStages', () => {
  it('is one unmasked NPO stage on rejected responses', () => {
    const [stage] = npoStages({});
    expect(stage).toMatchObject({
      name: 'npo',
      init: 'reference',
      reference: 'initial',
      mask: { kind: 'all' },
      data: 'rejected',
      tokenWeights: false,
    });
    expect(stage.objective).toEqual({ type: 'npo', beta: 0.1 });
    expect(stage.optimizer.lr).toBe(5e-7);
    expect(npoStages({ tokenWeights: true })[0].tokenWeights).toBe(true);
  });
});

describe('the npo schedule on stories260K', () => {
  beforeAll(useCpuBackend);

  it('lowers the NPO loss from ln 2, token-weighted, with extra unpaired rejected responses', async () => {
    const loaded = loadLlama2c(assetPath('stories260K', 'stories260K.bin'));
    const train = [
      {
        prompt: 'Tom had a red ball.',
        chosen: ' He liked to play with it.',
        rejected: ' He threw it at the dog.',
      },
      {
        prompt: 'The sun was shining.',
        chosen: ' The birds sang.',
        rejected: ' Nobody smiled at all.',
      },
    ].map(
      (s, i) =>
        tokenizePair(loaded.tokenizer, { id: `s${i}`, ...s }, { maxLength: 64 }) as TokenizedPair,
    );
    const extra = {
      id: 'r0',
      promptIds: train[0].promptIds,
      responseIds: [...loaded.tokenizer.encode(' He was mean.'), loaded.tokenizer.eosId!],
    };
    // Weight 1 on even positions, 0 on odd ones: the loss divides by the count of non-zero weights.
    const scorer: TokenScorer = {
      needs: 'nothing',
      score: async (input) =>
        input.pairs.map((p) => Float32Array.from(p.rejectedIds, (_, t) => (t % 2 === 0 ? 1 : 0))),
    };
    const selector: NeuronSelector = {
      needs: 'nothing',
      select: async () => {
        throw new Error('unmasked');
      },
    };
    const events = new EventBus();
    const steps: Array<Record<string, number>> = [];
    events.on('step:end', (p) => steps.push(p.metrics));
    const before = tf.memory().numTensors;
    const result = await runSchedule({
      policy: loaded.model,
      tokenizer: loaded.tokenizer,
      train,
      rejected: [extra],
      stages: npoStages({ steps: 2, lr: 3e-3, batchSize: 3, warmupRatio: 0, tokenWeights: true }),
      resolve: { neuronSelector: () => selector, tokenScorer: () => scorer },
      events,
      logger: createLogger('npo-test'),
      seed: 2,
      runDir: null,
    });
    expect(steps[0].loss).toBeCloseTo(Math.LN2, 5);
    expect(steps[1].loss).toBeLessThan(steps[0].loss);
    expect(steps[1]['logps/rejected']).toBeLessThan(steps[0]['logps/rejected']);
    // Three rows (two pairs' rejected responses and the extra one, which weighs 1 everywhere).
    const counts = [
      ...train.map((p) => Math.ceil(p.rejectedIds.length / 2)),
      extra.responseIds.length,
    ];
    expect(steps[0]['tokens/selected']).toBeCloseTo(counts.reduce((a, b) => a + b, 0) / 3, 5);
    result.final.dispose();
    expect(tf.memory().numTensors).toBe(before);
    loaded.model.dispose();
  });
});
