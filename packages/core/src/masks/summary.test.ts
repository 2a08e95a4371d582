import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { useCpuBackend } from '../testing/index.js';
import type { NamedParameter, ParameterGroup } from '../types.js';
import { maskFromIndices } from './build.js';
import { maskOverlap, maskSummary } from './summary.js';

function param(
  name: string,
  size: number,
  group: ParameterGroup,
  layer: number | null,
): NamedParameter {
  return {
    name,
    variable: tf.variable(tf.zeros([size]), false, name),
    group,
    layer,
    outputAxis: null,
  };
}

beforeAll(useCpuBackend);

describe('maskSummary', () => {
  it('gives the share per tensor, per layer (layers first, then null) and per group', () => {
    const params = [
      param('embed', 10, 'embedding', null),
      param('layers.1.q', 4, 'attention', 1),
      param('layers.0.q', 4, 'attention', 0),
      param('layers.0.up', 8, 'mlp', 0),
      param('norm', 4, 'norm', null),
    ];
    const mask = maskFromIndices(
      params,
      new Map([
        ['layers.0.q', Int32Array.from([0, 1])],
        ['layers.1.q', Int32Array.from([3])],
        ['layers.0.up', Int32Array.from([0, 1, 2, 3, 4, 5])],
      ]),
    );
    const s = maskSummary(mask, params);
    expect(s.overall).toEqual({ selected: 9, total: 30, share: 0.3 });
    expect(s.tensors.map((t) => [t.name, t.selected, t.share])).toEqual([
      ['embed', 0, 0],
      ['layers.1.q', 1, 0.25],
      ['layers.0.q', 2, 0.5],
      ['layers.0.up', 6, 0.75],
      ['norm', 0, 0],
    ]);
    expect(s.layers).toEqual([
      { layer: 0, selected: 8, total: 12, share: 8 / 12 },
      { layer: 1, selected: 1, total: 4, share: 0.25 },
      { layer: null, selected: 0, total: 14, share: 0 },
    ]);
    expect(s.groups).toEqual({
      embedding: { selected: 0, total: 10, share: 0 },
      attention: { selected: 3, total: 8, share: 0.375 },
      mlp: { selected: 6, total: 8, share: 0.75 },
      norm: { selected: 0, total: 4, share: 0 },
    });
    tf.dispose(params.map((p) => p.variable));
  });
});

describe('maskOverlap', () => {
  it('counts the intersection and the Jaccard index over all tensors', () => {
    const params = [param('a', 10, 'mlp', 0), param('b', 5, 'mlp', 1)];
    const x = maskFromIndices(
      params,
      new Map([
        ['a', Int32Array.from([0, 2, 4, 6])],
        ['b', Int32Array.from([1])],
      ]),
    );
    const y = maskFromIndices(
      params,
      new Map([
        ['a', Int32Array.from([2, 3, 4])],
        ['b', Int32Array.from([0, 1])],
      ]),
    );
    // a: {2, 4} shared; b: {1} shared → 3 of |x ∪ y| = 5 + 5 − 3 = 7.
    expect(maskOverlap(x, y)).toEqual({
      intersection: 3,
      union: 7,
      jaccard: 3 / 7,
      selectedA: 5,
      selectedB: 5,
    });
    const none = maskFromIndices(params, new Map());
    expect(maskOverlap(none, none).jaccard).toBe(1);
    expect(maskOverlap(x, none)).toEqual({
      intersection: 0,
      union: 5,
      jaccard: 0,
      selectedA: 5,
      selectedB: 0,
    });
    tf.dispose(params.map((p) => p.variable));
  });
});
