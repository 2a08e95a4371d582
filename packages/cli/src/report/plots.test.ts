import { describe, expect, test } from 'vitest';

import { fixtureMetrics } from './fixture.js';
import { heatmapSpec, metricSpec, renderSvg, runSteps } from './plots.js';

describe('runSteps', () => {
  test('each stage of a model continues the step axis where the previous one ended', () => {
    const allo = fixtureMetrics().filter((r) => r.model === 'allo');
    const firsts = runSteps(allo)
      .filter((r) => r.step === 1)
      .map((r) => [r.stage, r.x]);
    // warmup has 4 steps, forgetting 3, learning 4.
    expect(firsts).toEqual([
      ['warmup', 1],
      ['forgetting', 5],
      ['learning', 8],
    ]);
    expect(runSteps(allo).at(-1)?.x).toBe(11);
  });
});

describe('metricSpec', () => {
  test('has one value per step that records the metric, and none for a metric no step has', () => {
    const allo = fixtureMetrics().filter((r) => r.model === 'allo');
    const spec = metricSpec(allo, 'rewards/margins', 'margins') as unknown as {
      data: { values: Array<{ stage: string; value: number }> };
    };
    expect(spec.data.values.length).toBe(8);
    expect(spec.data.values.map((v) => v.stage)).not.toContain('forgetting');
    expect(spec.data.values[3].value).toBeCloseTo(0.008, 12);
    expect(metricSpec(allo, 'rewards/chosen', 'chosen')).toBeNull();
  });
});

describe('renderSvg', () => {
  test('two plots of one spec get ids of their own, prefixed by their keys', async () => {
    const spec = heatmapSpec(
      [{ row: 'layer 0', group: 'mlp', share: 0.5, selected: 1, total: 2, label: '50.00%' }],
      ['layer 0'],
      ['mlp'],
      'x',
    );
    const ids = (svg: string) => [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    const first = ids(await renderSvg(spec, 'a', 'heatmap-allo-forgetting'));
    const second = ids(await renderSvg(spec, 'b', 'heatmap-allo-learning'));
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBe(second.length);
    expect(first.filter((id) => second.includes(id))).toEqual([]);
    for (const id of first) expect(id.startsWith('plot-heatmap-allo-forgetting-')).toBe(true);
  });
});
