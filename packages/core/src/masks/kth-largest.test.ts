import { describe, expect, it } from 'vitest';

import { kthLargest } from './kth-largest.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('kthLargest', () => {
  it('finds the k-th largest over several arrays together', () => {
    const a = new Float32Array([0.5, 3, 1]);
    const b = new Float32Array([2, 4]);
    expect([1, 2, 3, 4, 5].map((k) => kthLargest([a, b], k))).toEqual([4, 3, 2, 1, 0.5]);
    expect(Array.from(a)).toEqual([0.5, 3, 1]);
  });

  it('counts tied values once each', () => {
    const a = new Float64Array([1, 2, 2, 2, 3]);
    expect([1, 2, 3, 4, 5].map((k) => kthLargest([a], k))).toEqual([3, 2, 2, 2, 1]);
  });

  it('agrees with a full sort on 200k random values, including many duplicates', () => {
    const rand = lcg(7);
    const a = new Float32Array(150_000).map(() => rand());
    const b = new Float32Array(50_000).map(() => Math.floor(rand() * 10));
    const sorted = Float32Array.from([...a, ...b])
      .sort()
      .reverse();
    for (const k of [1, 2, 17, 10_000, 99_999, 150_001, 199_999, 200_000]) {
      expect(kthLargest([a, b], k)).toBe(sorted[k - 1]);
    }
  });

  it('handles already sorted and constant inputs (the partition worst cases)', () => {
    const up = new Float64Array(100_000).map((_, i) => i);
    expect(kthLargest([up], 1)).toBe(99_999);
    expect(kthLargest([up], 100_000)).toBe(0);
    expect(kthLargest([up], 5_000)).toBe(95_000);
    expect(kthLargest([new Float32Array(50_000)], 123)).toBe(0);
  });

  it('rejects k outside 1..N', () => {
    expect(() => kthLargest([new Float32Array(3)], 0)).toThrow(RangeError);
    expect(() => kthLargest([new Float32Array(3)], 4)).toThrow(
      /k must be an integer in 1\.\.3, got 4/,
    );
  });
});
