import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { matMul } from '@allo/core';
import { useCpuBackend } from '../testing/index.js';

// Plain-JS reference: C = A·B with numpy batch broadcasting, and the gradients of
// L = Σ W ⊙ C, i.e. dA = Σ_broadcast W·Bᵀ and dB = Σ_broadcast Aᵀ·W.
function reference(a: tf.Tensor, b: tf.Tensor, w: tf.Tensor, tA: boolean, tB: boolean) {
  const av = a.dataSync();
  const bv = b.dataSync();
  const wv = w.dataSync();
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const pa = [...Array(rank - batchA.length).fill(1), ...batchA];
  const pb = [...Array(rank - batchB.length).fill(1), ...batchB];
  const batch = pa.map((d, i) => Math.max(d, pb[i]));
  const [m, k] = tA
    ? [a.shape[a.rank - 1], a.shape[a.rank - 2]]
    : [a.shape[a.rank - 2], a.shape[a.rank - 1]];
  const n = tB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
  const count = batch.reduce((p, d) => p * d, 1);
  const c = new Float64Array(count * m * n);
  const da = new Float64Array(av.length);
  const db = new Float64Array(bv.length);
  const flat = (idx: number[], dims: number[]) =>
    idx.reduce((o, i, d) => o * dims[d] + (dims[d] === 1 ? 0 : i), 0);
  for (let bi = 0; bi < count; bi++) {
    const idx: number[] = [];
    let rest = bi;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = rest % batch[d];
      rest = Math.floor(rest / batch[d]);
    }
    const oa = flat(idx, pa) * m * k;
    const ob = flat(idx, pb) * k * n;
    const aAt = (i: number, j: number) => oa + (tA ? j * m + i : i * k + j);
    const bAt = (i: number, j: number) => ob + (tB ? j * k + i : i * n + j);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const o = bi * m * n + i * n + j;
        for (let p = 0; p < k; p++) {
          c[o] += av[aAt(i, p)] * bv[bAt(p, j)];
          da[aAt(i, p)] += wv[o] * bv[bAt(p, j)];
          db[bAt(p, j)] += wv[o] * av[aAt(i, p)];
        }
      }
    }
  }
  return { c, da, db, shape: [...batch, m, n] };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i] - expected[i])).toBeLessThan(1e-4 * (1 + Math.abs(expected[i])));
}

const CASES: [number[], number[], boolean, boolean][] = [
  [[3, 4, 5], [5, 6], false, false],
  [[1, 4, 5], [3, 5, 6], false, false],
  [[2, 1, 4, 5], [3, 5, 6], false, false],
  [[2, 1, 5, 4], [1, 3, 6, 5], true, true],
  [[3, 4, 5], [6, 5], false, true],
  [[2, 3, 5, 4], [5, 6], true, false],
  [[2, 3, 4, 5], [2, 3, 5, 6], false, false],
];

describe('matMul', () => {
  beforeAll(useCpuBackend);

  it.each(CASES)(
    'a %j · b %j (transposeA %s, transposeB %s): values and gradients match the broadcast definition',
    (sa, sb, tA, tB) => {
      const a = tf.randomNormal(sa, 0, 1, 'float32', 1);
      const b = tf.randomNormal(sb, 0, 1, 'float32', 2);
      const expected = reference(a, b, tf.ones([1]), tA, tB);
      const w = tf.randomNormal(expected.shape, 0, 1, 'float32', 3);
      const ref = reference(a, b, w, tA, tB);
      const c = matMul(a, b, tA, tB);
      expect(c.shape).toEqual(ref.shape);
      expectClose(c.dataSync(), ref.c);
      const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.mul(matMul(x, y, tA, tB), w)),
      )([a, b]);
      // tf.matMul's own gradient has the broadcast shape here (or throws): these would fail.
      expect(da.shape).toEqual(sa);
      expect(db.shape).toEqual(sb);
      expectClose(da.dataSync(), ref.da);
      expectClose(db.dataSync(), ref.db);
      tf.dispose([a, b, w, c, da, db]);
    },
  );

  it('leaves no tensor behind, forward and backward', () => {
    const a = tf.randomNormal([2, 1, 4, 5]);
    const b = tf.randomNormal([3, 5, 6]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(matMul(x, y)))([a, b]);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});
