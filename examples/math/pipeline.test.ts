import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { createNativeBackend } from '@allo/backend-native';
import { createLogger } from '@allo/core';
import { beforeAll, describe, expect, it } from 'vitest';

// @ts-expect-error plain ESM module without type declarations
import { ARMS, armStages, formatTable, problemSets, runComparison } from './pipeline.mjs';

const tiny = {
  problems: { operation: 'add', carries: 'any', seed: 0, train: 4, validation: 2, heldOut: 4 },
  maxLength: 64,
  maxNewTokens: 8,
  sft: { steps: 2, batchSize: 2, lr: 1e-3, seed: 0 },
  sampling: { problems: 4, k: 2, temperature: 1.5, topP: 1, seed: 0, maxPairsPerPrompt: 5 },
  compare: {
    steps: 3,
    warmupSteps: 1,
    forgetSteps: 1,
    batchSize: 2,
    beta: 0.1,
    eps: 0.1,
    maskRatio: 0.1,
    tokenShare: 0.5,
    lr: { warmup: 1e-3, dpo: 1e-3, maskedDpo: 1e-3, forgetting: 1e-3, learning: 1e-3 },
  },
  seeds: [1, 2],
  eval: { batchSize: 4 },
};

// The native kernels when their addon is built (the cpu backend otherwise): the same code the
// example runs, at a cost of seconds rather than minutes.
beforeAll(async () => {
  await createNativeBackend({ threads: 1 }, createLogger('math-test')).initialise();
});

// At two SFT steps stories260K solves nothing, so a toy verifier labels the samples: a response
// is "right" when its length is even. Deterministic, and it gives both labels among k samples.
const toyVerifier = {
  id: 'even-length',
  extract: (response: string) => String(response.length),
  isCorrect: (response: string) => response.length % 2 === 0,
};

describe('examples/math pipeline at tiny sizes', () => {
  it('splits disjoint problem sets from the problem seed', () => {
    const sets = problemSets(tiny);
    const prompts = [...sets.train, ...sets.validation, ...sets.heldOut].map(
      (p: { prompt: string }) => p.prompt,
    );
    expect(new Set(prompts).size).toBe(10);
    expect([sets.train.length, sets.validation.length, sets.heldOut.length]).toEqual([4, 2, 4]);
  });

  it('gives every arm the same optimizer steps and batch', () => {
    for (const arm of ARMS.slice(1)) {
      const stages = armStages(arm, tiny.compare) as Array<{ steps: number; batchSize: number }>;
      expect(stages.reduce((sum, s) => sum + s.steps, 0)).toBe(3);
      expect(stages.every((s) => s.batchSize === 2)).toBe(true);
    }
    expect(armStages('sft', tiny.compare)).toEqual([]);
  });

  it('builds the table with every arm and seed, the same twice, and leaks no tensor', async () => {
    const runDir = mkdtempSync(path.join(os.tmpdir(), 'math-'));
    const before = tf.memory().numTensors;
    const first = await runComparison(tiny, runDir, { verifier: toyVerifier });
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(first.arms)).toEqual(ARMS);
    for (const arm of ARMS) {
      expect(first.arms[arm].seeds.map((s: { seed: number }) => s.seed)).toEqual([1, 2]);
      for (const s of first.arms[arm].seeds) expect(s.n).toBe(4);
    }
    expect(first.data.pairs).toBeGreaterThan(0);
    // The second run reuses the cached SFT weights and samples, and gives the same table.
    const second = await runComparison(tiny, runDir, { verifier: toyVerifier });
    expect(second.data.cached).toBe(true);
    expect(second.times.sft).toBe(0);
    expect(second.arms).toEqual(first.arms);
    expect(formatTable(second)).toBe(formatTable(first));
    expect(formatTable(first).split('\n')).toHaveLength(3 + ARMS.length);
  });
});
