// update-magnitude on the real stories260K parameter list: continuous |Δ| (no ties), so the
// achieved count is exactly floor(N·r) − floor(N·l) over the eligible elements.
import { assetPath, createLogger, maskSummary } from '@allo/core';
import type { CausalLM } from '@allo/core';
import { leakedTensors, useCpuBackend } from '@allo/core/testing';
import { loadLlama2c } from '@allo/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createUpdateMagnitudeSelector } from './update-magnitude.js';

const context = { logger: createLogger('test'), seed: 1, runDir: null, configDir: '.' };
let model: CausalLM;
let before: Map<string, Float32Array>;
let after: Map<string, Float32Array>;

beforeAll(async () => {
  await useCpuBackend();
  model = loadLlama2c(assetPath('stories260K', 'stories260K.bin')).model;
  before = new Map(model.parameters.map((p) => [p.name, p.variable.dataSync() as Float32Array]));
  // A deterministic "warm-up": every element moves by a distinct amount.
  let k = 0;
  after = new Map(
    [...before].map(([name, v]) => [
      name,
      Float32Array.from(v, (x) => x + 1e-3 * Math.sin(++k * 0.61803) + 1e-9 * k),
    ]),
  );
});

afterAll(() => model.dispose());

describe('update-magnitude on stories260K', () => {
  it('selects exactly floor(N·r) − floor(N·l) eligible elements, none outside eligibility', async () => {
    const N = model.parameters.reduce((s, p) => s + p.variable.size, 0);
    const selector = createUpdateMagnitudeSelector(
      {
        ratio: 0.05,
        exclude: 0.01,
        tensors: 'all',
        embeddings: 'include',
        norms: 'include',
        granularity: 'element',
      },
      context,
    );
    let mask!: Awaited<ReturnType<typeof selector.select>>;
    expect(
      await leakedTensors(
        async () => (mask = await selector.select({ parameters: model.parameters, before, after })),
      ),
    ).toBe(0);
    expect(mask.total).toBe(N);
    expect(mask.selected).toBe(Math.floor(N * 0.05) - Math.floor(N * 0.01));

    const noVocab = createUpdateMagnitudeSelector(
      {
        ratio: 0.05,
        exclude: 0,
        tensors: 'all',
        embeddings: 'exclude',
        norms: 'exclude',
        granularity: 'element',
      },
      context,
    );
    const m = await noVocab.select({ parameters: model.parameters, before, after });
    const eligible = model.parameters.filter(
      (p) => p.group !== 'embedding' && p.group !== 'head' && p.group !== 'norm',
    );
    const eligibleN = eligible.reduce((s, p) => s + p.variable.size, 0);
    expect(m.selected).toBe(Math.floor(eligibleN * 0.05));
    const summary = maskSummary(m, model.parameters);
    expect(summary.groups.embedding?.selected ?? 0).toBe(0);
    expect(summary.groups.norm?.selected ?? 0).toBe(0);
    expect((summary.groups.attention?.selected ?? 0) + (summary.groups.mlp?.selected ?? 0)).toBe(
      m.selected,
    );
  });
});
