import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  EventBus,
  assetPath,
  createLogger,
  runSchedule,
  tokenizePair,
  weightsOf,
} from '@allo/core';
import type {
  NeuronSelector,
  ParameterMask,
  StageSpec,
  TokenScorer,
  TokenizedPair,
} from '@allo/core';
import { pluginContract, testContext, useCpuBackend } from '@allo/core/testing';
import { loadLlama2c } from '@allo/model';
import { createUpdateMagnitudeSelector } from '@allo/neuron-selector-update-magnitude';

import { dpoSchedulePlugin, dpoStages } from './dpo.js';

pluginContract(dpoSchedulePlugin, {
  valid: [
    { masked: true, warmup: { steps: 2 } },
    { variant: 'ipo', reduction: 'mean' },
    { variant: 'sigmoid', labelSmoothing: 0.1 },
  ],
  invalid: [
    { options: { variant: 'kto' }, path: 'schedule.options.variant' },
    { options: { labelSmoothing: 0.7 }, path: 'schedule.options.labelSmoothing' },
    { options: { masked: 'yes' }, path: 'schedule.options.masked' },
    { options: { steps: -1 }, path: 'schedule.options.steps' },
  ],
});

describe('dpoStages', () => {
  it('is one unmasked stage "dpo" by default', () => {
    const stages = dpoStages({});
    expect(stages.map((s) => s.name)).toEqual(['dpo']);
    expect(stages[0]).toMatchObject({
      init: 'reference',
      reference: 'initial',
      mask: { kind: 'all' },
      data: 'pairs',
      discard: false,
    });
    expect(stages[0].objective).toEqual({
      type: 'dpo',
      beta: 0.1,
      variant: 'sigmoid',
      labelSmoothing: 0,
      reduction: 'sum',
    });
    expect(stages[0].optimizer.lr).toBe(1e-6);
  });

  it('with masked: true runs a discarded warm-up and masks "dpo" from it', () => {
    const [warmup, dpo] = dpoStages({
      masked: true,
      variant: 'ipo',
      warmup: { steps: 5 } as never,
    });
    expect(warmup).toMatchObject({
      name: 'warmup',
      discard: true,
      mask: { kind: 'all' },
      steps: 5,
    });
    expect(warmup.objective).toMatchObject({ variant: 'sigmoid' });
    expect(dpo).toMatchObject({
      name: 'dpo',
      init: 'reference',
      mask: { kind: 'selector', warmupStage: 'warmup' },
    });
    expect(dpo.objective).toMatchObject({ variant: 'ipo' });
  });
});

const STORIES = [
  {
    prompt: 'Once upon a time, there was a little girl named Lily.',
    chosen: ' She loved to play outside in the park.',
    rejected: " She was sad and didn't know what to do.",
  },
  {
    prompt: 'Tom had a red ball.',
    chosen: ' He liked to play with it every day.',
    rejected: ' He threw it at the dog and laughed.',
  },
];

const noScorer: TokenScorer = {
  needs: 'nothing',
  score: async () => {
    throw new Error('the dpo schedule never weights tokens');
  },
};

async function run(stages: StageSpec[], selector: NeuronSelector) {
  const loaded = loadLlama2c(assetPath('stories260K', 'stories260K.bin'));
  const train = STORIES.map(
    (s, i) =>
      tokenizePair(loaded.tokenizer, { id: `s${i}`, ...s }, { maxLength: 64 }) as TokenizedPair,
  );
  const events = new EventBus();
  const losses: number[] = [];
  events.on('step:end', (p) => p.stage === 'dpo' && losses.push(p.metrics.loss));
  const initial = weightsOf(loaded.model.parameters);
  let final: { weights: Map<string, Float32Array>; mask: ParameterMask | null } | null = null;
  const before = tf.memory().numTensors;
  const result = await runSchedule({
    policy: loaded.model,
    tokenizer: loaded.tokenizer,
    train,
    stages,
    resolve: { neuronSelector: () => selector, tokenScorer: () => noScorer },
    events,
    logger: createLogger('dpo-test'),
    seed: 3,
    runDir: null,
    onStageEnd: async (stage, model, mask) => {
      if (stage.name === 'dpo') final = { weights: weightsOf(model.parameters), mask };
    },
  });
  result.final.dispose();
  const leaked = tf.memory().numTensors - before;
  loaded.model.dispose();
  return { losses, initial, final: final!, leaked };
}

describe('the dpo schedule on stories260K', () => {
  beforeAll(useCpuBackend);
  const fast = {
    lr: 3e-3,
    batchSize: 2,
    warmupRatio: 0,
    optimizer: {
      betas: [0.9, 0.999] as [number, number],
      eps: 1e-8,
      weightDecay: 0,
      maxGradNorm: 1,
      schedule: 'constant' as const,
    },
  };
  const selector = createUpdateMagnitudeSelector(
    {
      ratio: 0.1,
      exclude: 0,
      tensors: 'all',
      embeddings: 'include',
      norms: 'include',
      granularity: 'element',
    },
    testContext(),
  );

  it('lowers the DPO loss from ln 2', async () => {
    const { losses, leaked } = await run(dpoStages({ ...fast, steps: 2 }), selector);
    expect(losses[0]).toBeCloseTo(Math.LN2, 5);
    expect(losses[1]).toBeLessThan(losses[0]);
    expect(leaked).toBe(0);
  });

  it('top-10% DPO: lowers the loss and moves nothing outside the mask', async () => {
    const { losses, initial, final, leaked } = await run(
      dpoStages({
        ...fast,
        steps: 2,
        masked: true,
        warmup: { steps: 1, epochs: 1, lr: 3e-3, batchSize: 2, warmupRatio: 0 },
      }),
      selector,
    );
    expect(losses[1]).toBeLessThan(losses[0]);
    const mask = final.mask!;
    // update-magnitude keeps every element tied at the threshold: at least 10%, a little more.
    expect(mask.share).toBeGreaterThanOrEqual(0.1);
    expect(mask.share).toBeLessThan(0.15);
    let outside = 0;
    for (const [name, values] of final.weights) {
      const keep = new Uint8Array(values.length);
      for (const i of mask.tensors.get(name)?.indices ?? []) keep[i] = 1;
      const start = initial.get(name)!;
      values.forEach((v, i) => {
        if (keep[i] === 0 && Object.is(v, start[i])) outside += 1;
      });
    }
    expect(outside).toBe(mask.total - mask.selected);
    expect(leaked).toBe(0);
  });
});
