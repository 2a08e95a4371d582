import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { assetPath } from '../assets.js';
import { isAlloError } from '../errors.js';
import { useCpuBackend } from '../testing/index.js';
import type { NamedParameter, ParameterGroup } from '../types.js';
import { bandMask, countForRatio, fullMask, maskFromIndices } from './build.js';
import type { SelectorScopeOptions } from './options.js';

const ELEMENT: SelectorScopeOptions = {
  tensors: 'all',
  embeddings: 'include',
  norms: 'include',
  granularity: 'element',
};

function param(
  name: string,
  shape: number[],
  group: ParameterGroup,
  outputAxis: 0 | 1 | null = null,
): NamedParameter {
  return {
    name,
    variable: tf.variable(tf.zeros(shape), false, name),
    group,
    layer: group === 'attention' || group === 'mlp' ? 0 : null,
    outputAxis,
  };
}

interface Fixture {
  r_per: number;
  l_per: number;
  n_params: number;
  before: Record<string, number[]>;
  after: Record<string, number[]>;
  mask: Record<string, number[]>;
  selected: number;
}

beforeAll(useCpuBackend);

describe('countForRatio', () => {
  it('is floor(N · ratio) with the ratio read as its decimal value', () => {
    expect(countForRatio(37, 0.2)).toBe(7);
    expect(countForRatio(37, 0.05)).toBe(1);
    expect(countForRatio(100, 0.29)).toBe(29);
    expect(countForRatio(100, 0.07)).toBe(7);
    expect(countForRatio(10, 1)).toBe(10);
    expect(countForRatio(19, 0.05)).toBe(0);
  });
});

describe('bandMask', () => {
  it('reproduces allo-reference.json update_magnitude_mask exactly (r 20%, l 5%)', () => {
    const fx = (
      JSON.parse(readFileSync(assetPath('fixtures', 'allo-reference.json'), 'utf8')) as {
        update_magnitude_mask: Fixture;
      }
    ).update_magnitude_mask;
    const params = [param('a', [30], 'mlp'), param('b', [7], 'attention')];
    const scores = new Map(
      Object.keys(fx.before).map((name) => {
        const before = Float32Array.from(fx.before[name]);
        const after = Float32Array.from(fx.after[name]);
        return [name, Float64Array.from(after, (v, i) => Math.abs(v - before[i]))];
      }),
    );
    const result = bandMask(params, scores, {
      ratio: fx.r_per / 100,
      exclude: fx.l_per / 100,
      scope: ELEMENT,
    });
    expect(result.units).toBe(fx.n_params);
    expect(result.keepCount).toBe(7);
    expect(result.excludeCount).toBe(1);
    for (const name of ['a', 'b']) {
      const flags = new Array(fx.mask[name].length).fill(0);
      for (const i of result.mask.tensors.get(name)!.indices) flags[i] = 1;
      expect(flags).toEqual(fx.mask[name]);
    }
    expect(result.mask.selected).toBe(fx.selected);
    expect(result.mask.total).toBe(37);
    expect(result.mask.share).toBeCloseTo(6 / 37, 12);
    tf.dispose(params.map((p) => p.variable));
  });

  it('keeps every unit tied at the lower threshold and removes every unit tied at the upper one', () => {
    const params = [param('w', [10], 'mlp')];
    const scores = new Map([['w', new Float32Array([9, 8, 8, 5, 5, 5, 1, 0, 0, 0])]]);
    // k_r = 4 → r_thr = 5 (three 5s tie): 7 kept; k_l = 2 → l_thr = 8: both 8s and the 9 removed.
    const r = bandMask(params, scores, { ratio: 0.4, exclude: 0.2, scope: ELEMENT });
    expect(r.lowerThreshold).toBe(5);
    expect(r.upperThreshold).toBe(8);
    expect(Array.from(r.mask.tensors.get('w')!.indices)).toEqual([3, 4, 5]);
    expect(r.selectedUnits).toBe(3);
    const noExclude = bandMask(params, scores, { ratio: 0.4, exclude: 0, scope: ELEMENT });
    expect(Array.from(noExclude.mask.tensors.get('w')!.indices)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(noExclude.mask.share).toBeCloseTo(0.6, 12);
    tf.dispose(params.map((p) => p.variable));
  });

  it('selects whole rows along outputAxis, ranked by the sum of |score| over the row', () => {
    // [out=3, in=2] Linear (rows on axis 0) and [in=2, out=3] Conv1D (rows on axis 1).
    const linear = param('linear', [3, 2], 'mlp', 0);
    const conv = param('conv', [2, 3], 'attention', 1);
    const scores = new Map([
      ['linear', new Float32Array([1, 1, 5, -5, 0, 0.5])], // row sums 2, 10, 0.5
      ['conv', new Float32Array([3, 0, 1, 3, 0, -1])], // column sums 6, 0, 2
    ]);
    const r = bandMask([linear, conv], scores, {
      ratio: 0.5,
      exclude: 0,
      scope: { ...ELEMENT, granularity: 'row' },
    });
    // 6 rows, k = 3: the rows scoring 10, 6 and 2 (linear row 1, conv column 0, and the tie at 2:
    // linear row 0 and conv column 2).
    expect(r.units).toBe(6);
    expect(r.lowerThreshold).toBe(2);
    expect(Array.from(r.mask.tensors.get('linear')!.indices)).toEqual([0, 1, 2, 3]);
    expect(Array.from(r.mask.tensors.get('conv')!.indices)).toEqual([0, 2, 3, 5]);
    expect(r.selectedUnits).toBe(4);
    tf.dispose([linear.variable, conv.variable]);
  });

  it('ranks only eligible tensors and lists the others with no index', () => {
    const emb = param('embed', [4, 2], 'embedding', 0);
    const norm = param('norm', [2], 'norm');
    const mlp = param('mlp', [4], 'mlp');
    const scores = new Map([
      ['embed', new Float32Array([9, 9, 9, 9, 9, 9, 9, 9])],
      ['norm', new Float32Array([8, 8])],
      ['mlp', new Float32Array([1, 2, 3, 4])],
    ]);
    const r = bandMask([emb, norm, mlp], scores, {
      ratio: 0.5,
      exclude: 0,
      scope: { ...ELEMENT, embeddings: 'exclude', norms: 'exclude' },
    });
    expect(r.units).toBe(4);
    expect(r.mask.tensors.get('embed')!.indices.length).toBe(0);
    expect(r.mask.tensors.get('norm')!.indices.length).toBe(0);
    expect(Array.from(r.mask.tensors.get('mlp')!.indices)).toEqual([2, 3]);
    expect(r.mask.total).toBe(14);
    expect(r.mask.share).toBeCloseTo(2 / 14, 12);
    tf.dispose([emb.variable, norm.variable, mlp.variable]);
  });

  it('fails with MASK_INVALID on a missing, mis-sized or non-finite score', () => {
    const w = param('w', [3], 'mlp');
    const run = (s: Float32Array | undefined) => () =>
      bandMask([w], new Map(s === undefined ? [] : [['w', s]]), {
        ratio: 0.5,
        exclude: 0,
        scope: ELEMENT,
      });
    for (const [scores, message] of [
      [undefined, /scores\["w"\]: no score for eligible parameter "w"; expected 3 values/],
      [new Float32Array(2), /expected 3 scores \(shape \[3\]\), got 2/],
      [new Float32Array([1, NaN, 2]), /scores\["w"\]\[1\]: expected a finite score, got NaN/],
    ] as const) {
      let error: unknown;
      try {
        run(scores)();
      } catch (e) {
        error = e;
      }
      expect(isAlloError(error, 'MASK_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
    w.variable.dispose();
  });
});

describe('fullMask and maskFromIndices', () => {
  it('selects every eligible element and reports the share over all parameters', () => {
    const emb = param('embed', [4, 2], 'embedding', 0);
    const mlp = param('mlp', [2, 2], 'mlp', 0);
    const all = fullMask([emb, mlp]);
    expect(all.selected).toBe(12);
    expect(all.share).toBe(1);
    const some = fullMask([emb, mlp], { embeddings: 'exclude' });
    expect(Array.from(some.tensors.get('mlp')!.indices)).toEqual([0, 1, 2, 3]);
    expect(some.tensors.get('embed')!.indices.length).toBe(0);
    expect(some.share).toBeCloseTo(4 / 12, 12);
    const empty = maskFromIndices([emb, mlp], new Map());
    expect([empty.selected, empty.total, empty.share]).toEqual([0, 12, 0]);
    tf.dispose([emb.variable, mlp.variable]);
  });
});
