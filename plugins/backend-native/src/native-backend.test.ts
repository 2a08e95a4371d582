// The native kernels against the pure-JS cpu kernels on random shapes, values and gradients.
// Needs the addon: `npm run build:native` (Debian: apt-get install libopenblas-dev first).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { adamwUpdate, targetLogProbs } from '@allo/core';

import { loadAddon } from './addon.js';
import { NATIVE_BACKEND_NAME, registerNativeBackend } from './native-backend.js';

type Producer = () => tf.Tensor | tf.Tensor[];

/** Runs `fn` on the cpu backend and on allo-native; returns both results as plain arrays. */
async function onBoth(
  fn: Producer,
): Promise<{ cpu: Float32Array[]; native: Float32Array[]; shapes: number[][][] }> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const values = list.map((t) => Float32Array.from(t.dataSync()));
    const shapes = list.map((t) => t.shape);
    tf.dispose(list);
    return { values, shapes };
  };
  const cpu = await run('cpu');
  const native = await run(NATIVE_BACKEND_NAME);
  expect(native.shapes).toEqual(cpu.shapes);
  return { cpu: cpu.values, native: native.values, shapes: [cpu.shapes, native.shapes] };
}

async function expectSame(fn: Producer, tolerance = 1e-5): Promise<void> {
  const { cpu, native } = await onBoth(fn);
  cpu.forEach((expected, i) => {
    const actual = native[i];
    expect(actual.length).toBe(expected.length);
    let worst = 0;
    for (let j = 0; j < expected.length; j++) {
      if (Number.isNaN(expected[j])) expect(actual[j]).toBeNaN();
      else worst = Math.max(worst, Math.abs(actual[j] - expected[j]) / (1 + Math.abs(expected[j])));
    }
    expect(worst).toBeLessThan(tolerance);
  });
}

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** Value of `f(inputs)` and the gradient of Σ w ⊙ f(inputs) with respect to every input. */
function withGrads(inputs: tf.Tensor[], f: (...xs: tf.Tensor[]) => tf.Tensor): tf.Tensor[] {
  const value = f(...inputs);
  const w = rand(value.shape, 99);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(inputs);
  return [value, ...grads];
}

beforeAll(async () => {
  const addon = loadAddon();
  if (!addon.ok) throw new Error(`backend-native tests need the addon: ${addon.reason}`);
  registerNativeBackend(addon.addon);
  addon.addon.setThreads(2);
});

describe('BatchMatMul', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[33, 17], [17, 9], false, false],
    [[17, 33], [17, 9], true, false],
    [[33, 17], [9, 17], false, true],
    [[17, 33], [9, 17], true, true],
    [[4, 12, 7], [4, 7, 5], false, false],
    [[4, 7, 12], [4, 5, 7], true, true],
    [[2, 3, 12, 7], [2, 3, 12, 5], true, false],
    [[1, 12, 7], [4, 7, 5], false, false],
    [[4, 12, 7], [1, 5, 7], false, true],
    [[3, 12, 7], [7, 5], false, false],
  ];
  it.each(cases)(
    'a %j · b %j (transposeA %s, transposeB %s): values and gradients',
    async (sa, sb, tA, tB) => {
      const equalBatch = sa.slice(0, -2).join() === sb.slice(0, -2).join();
      await expectSame(() => {
        const [a, b] = [rand(sa, 1), rand(sb, 2)];
        if (!equalBatch) return tf.matMul(a, b, tA, tB);
        return withGrads([a, b], (x, y) => tf.matMul(x, y, tA, tB));
      });
    },
  );

  it('broadcasts batch dimensions exactly ([2, 1] against [1, 3]), where the cpu kernel indexes modulo', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const a = rand([2, 1, 6, 5], 3);
    const b = rand([1, 3, 5, 4], 4);
    const native = tf.matMul(a, b);
    const explicit = tf.matMul(
      tf.reshape(tf.broadcastTo(a, [2, 3, 6, 5]), [6, 6, 5]),
      tf.reshape(tf.broadcastTo(b, [2, 3, 5, 4]), [6, 5, 4]),
    );
    expect(native.shape).toEqual([2, 3, 6, 4]);
    const x = native.dataSync();
    const y = explicit.dataSync();
    for (let i = 0; i < y.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThan(1e-5);
    tf.dispose([a, b, native, explicit]);
  });

  it('matches at the sizes the benchmark runs (2048 × 256 · 256 × 4096)', async () => {
    await expectSame(() => tf.matMul(rand([256, 256], 5), rand([256, 512], 6)), 1e-4);
  });
});

describe('UnsortedSegmentSum', () => {
  it('sums rows by segment in one pass, dropping ids outside [0, numSegments)', async () => {
    await expectSame(() =>
      tf.unsortedSegmentSum(
        rand([10, 6], 1),
        tf.tensor1d([0, 3, 3, 1, 4, 0, 9, -1, 2, 3], 'int32'),
        5,
      ),
    );
  });

  it('takes segment ids of rank 2 over a rank-3 input (which the cpu kernel rejects), as the flattened sum', async () => {
    const ids = [
      [0, 1, 2],
      [2, 1, 0],
      [6, 6, 6],
      [1, 1, 1],
    ];
    await tf.setBackend('cpu');
    const flat = tf.tidy(() =>
      tf.unsortedSegmentSum(
        tf.reshape(rand([4, 3, 5], 2), [12, 5]),
        tf.tensor1d(ids.flat(), 'int32'),
        7,
      ),
    );
    const expected = flat.dataSync().slice();
    flat.dispose();
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const out = tf.tidy(() =>
      tf.unsortedSegmentSum(rand([4, 3, 5], 2), tf.tensor2d(ids, [4, 3], 'int32'), 7),
    );
    expect(out.shape).toEqual([7, 5]);
    const actual = out.dataSync();
    for (let i = 0; i < expected.length; i++)
      expect(Math.abs(actual[i] - expected[i])).toBeLessThan(1e-6);
    out.dispose();
  });

  it('is the gradient of an embedding gather', async () => {
    await expectSame(() =>
      withGrads([rand([50, 8], 3)], (emb) =>
        tf.gather(
          emb,
          tf.tensor2d(
            [
              [1, 4, 4, 49],
              [0, 1, 2, 3],
            ],
            [2, 4],
            'int32',
          ),
        ),
      ),
    );
  });

  it('matches the hand-computed sums', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const out = tf.unsortedSegmentSum(
      tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      tf.tensor1d([2, 0, 2], 'int32'),
      3,
    );
    expect(out.arraySync()).toEqual([
      [3, 4],
      [0, 0],
      [6, 8],
    ]);
    out.dispose();
  });
});

describe('AlloTargetLogProbs and AlloTargetLogProbsGrad', () => {
  it('match the tfjs-ops path (log-sum-exp, gatherND) in value and gradient, also at large logits', async () => {
    for (const scale of [1, 60]) {
      await expectSame(() => {
        const logits = tf.mul(rand([37, 301], 7), scale) as tf.Tensor2D;
        const targets = tf.tensor1d(
          Array.from({ length: 37 }, (_, i) => (i * 97) % 301),
          'int32',
        );
        return withGrads([logits], (x) => targetLogProbs(x as tf.Tensor2D, targets));
      }, 2e-5);
    }
  });

  it('runs the fused kernel on allo-native and returns value and logZ', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const logits = tf.tensor2d([
      [0, Math.log(3)],
      [2, 2],
    ]);
    const [value, logZ] = tf.engine().runKernel('AlloTargetLogProbs', {
      logits,
      targets: tf.tensor1d([1, 0], 'int32'),
    }) as tf.Tensor[];
    const v = value.dataSync();
    expect(v[0]).toBeCloseTo(Math.log(3 / 4), 6);
    expect(v[1]).toBeCloseTo(Math.log(0.5), 6);
    expect(logZ.dataSync()[0]).toBeCloseTo(Math.log(4), 6);
    tf.dispose([logits, value, logZ]);
  });
});

describe('broadcasting binary ops', () => {
  const pairs: [number[], number[]][] = [
    [
      [2, 3, 4],
      [2, 3, 4],
    ],
    [[2, 3, 4], [4]],
    [
      [2, 1, 4],
      [1, 3, 1],
    ],
    [[5, 6], []],
    [
      [3, 1],
      [3, 7],
    ],
    [
      [2, 4, 3, 5],
      [4, 1, 5],
    ],
  ];
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
    ['maximum', tf.maximum],
    ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference],
    ['pow', (a, b) => tf.pow(tf.abs(a), b)],
  ];
  // tfjs-core 4.22's gradients of maximum, minimum and squaredDifference do not reduce over
  // broadcast dimensions (the shape check throws on every backend): those are compared on
  // values when broadcasting, and on gradients at equal shapes.
  const gradientBroadcasts = new Set(['add', 'sub', 'mul', 'div', 'pow']);
  for (const [name, op] of ops) {
    it.each(pairs)(`${name} %j with %j: values and gradients`, async (sa, sb) => {
      const equal = sa.join() === sb.join();
      await expectSame(() => {
        const inputs = [rand(sa, 1), tf.add(rand(sb, 2), name === 'div' ? 3 : 0)];
        return equal || gradientBroadcasts.has(name)
          ? withGrads(inputs, op)
          : op(inputs[0], inputs[1]);
      }, 1e-5);
    });
  }

  it('leaves int32 arithmetic to the cpu kernels', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const out = tf.add(tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3, 4], 'int32'));
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.dataSync())).toEqual([4, 6]);
    out.dispose();
  });
});

describe('unary ops', () => {
  const ops: [string, (x: tf.Tensor) => tf.Tensor][] = [
    ['sigmoid', tf.sigmoid],
    ['exp', tf.exp],
    ['sqrt', tf.sqrt],
    ['rsqrt', tf.rsqrt],
    ['square', tf.square],
    ['neg', tf.neg],
    ['log', tf.log],
    ['log1p', tf.log1p],
    ['abs', tf.abs],
    ['tanh', tf.tanh],
  ];
  it.each(ops)('%s: values and gradients', async (_name, op) => {
    await expectSame(() => withGrads([tf.add(tf.abs(rand([3, 41], 4)), 0.1)], op), 1e-5);
  });
});

describe('reductions, softmax, layout', () => {
  const axes: [number | number[], boolean][] = [
    [0, false],
    [1, true],
    [2, false],
    [[0, 2], false],
    [[1, 2], true],
    [[0, 1, 2], false],
  ];
  it.each(axes)('sum and mean over %j (keepDims %s), with gradients', async (axis, keepDims) => {
    await expectSame(() => [
      ...withGrads([rand([3, 4, 5], 1)], (x) => tf.sum(x, axis, keepDims)),
      ...withGrads([rand([3, 4, 5], 2)], (x) => tf.mean(x, axis, keepDims)),
    ]);
  });

  it('softmax over the last axis, with gradient', async () => {
    await expectSame(() => withGrads([tf.mul(rand([3, 4, 33], 1), 5)], (x) => tf.softmax(x)));
  });

  it('gather along axes 0 and 1', async () => {
    await expectSame(() => [
      tf.gather(rand([9, 4, 3], 1), tf.tensor1d([8, 0, 3, 3], 'int32'), 0),
      tf.gather(
        rand([2, 9, 3], 2),
        tf.tensor2d(
          [
            [1, 2],
            [8, 0],
          ],
          [2, 2],
          'int32',
        ),
        1,
      ),
    ]);
  });

  it('rejects an out-of-range gather index as the cpu kernel does', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const x = tf.ones([3, 2]);
    const i = tf.tensor1d([0, 3], 'int32');
    expect(() => tf.gather(x, i)).toThrow('GatherV2: the index value 3 is not in [0, 2]');
    tf.dispose([x, i]);
  });

  it.each([[[0, 2, 1, 3]], [[3, 2, 1, 0]], [[1, 0, 2, 3]]])(
    'transpose %j, with gradient',
    async (perm) => {
      await expectSame(() => withGrads([rand([2, 3, 4, 5], 1)], (x) => tf.transpose(x, perm)));
    },
  );

  it('slice, split and concat (RoPE halves along the last axis), with gradients', async () => {
    await expectSame(() => [
      ...withGrads([rand([2, 5, 6], 1)], (x) => tf.slice(x, [1, 2, 1], [1, 3, 4])),
      ...withGrads([rand([2, 3, 8], 2)], (x) => tf.concat(tf.split(x, 2, 2).reverse(), 2)),
      ...withGrads([rand([4, 6], 3)], (x) => tf.concat(tf.split(x, [1, 3, 2], 1).reverse(), 1)),
      ...withGrads([rand([4, 6], 4)], (x) => tf.concat(tf.split(x, [3, 1], 0), 0)),
      ...withGrads([rand([2, 3], 4), rand([2, 5], 5), rand([2, 1], 6)], (a, b, c) =>
        tf.concat([a, b, c], 1),
      ),
    ]);
  });

  it('pad with zeros and with a constant, with gradients', async () => {
    await expectSame(() => [
      ...withGrads([rand([2, 3, 4], 1)], (x) =>
        tf.pad(x, [
          [0, 1],
          [2, 0],
          [1, 3],
        ]),
      ),
      ...withGrads([rand([3, 4], 2)], (x) =>
        tf.pad(
          x,
          [
            [1, 1],
            [0, 2],
          ],
          -1.5,
        ),
      ),
    ]);
  });
});

describe('AlloAdamW', () => {
  it('matches the tfjs-ops update, dense and masked, over several steps', async () => {
    await expectSame(() => {
      const shape = [37, 19];
      let state = { param: rand(shape, 1), m: tf.zeros(shape), v: tf.zeros(shape) };
      const mask = tf.cast(tf.greater(rand(shape, 2), 0), 'float32');
      const out: tf.Tensor[] = [];
      for (const masked of [false, true]) {
        for (let step = 1; step <= 3; step++) {
          state = adamwUpdate(
            state,
            rand(shape, 10 + step),
            { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step },
            masked ? mask : null,
          );
        }
        out.push(state.param, state.m, state.v);
      }
      return out;
    }, 1e-5);
  });
});

describe('a training step on allo-native', () => {
  it('keeps the tensor count flat across steps', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const emb = tf.variable(rand([20, 8], 1));
    const w = tf.variable(rand([8, 20], 2));
    const ids = tf.tensor1d([1, 5, 7, 19, 0, 3], 'int32');
    const targets = tf.tensor1d([5, 7, 19, 0, 3, 2], 'int32');
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () =>
            tf.neg(
              tf.mean(
                targetLogProbs(
                  tf.matMul(tf.softmax(tf.gather(emb, ids)), w) as tf.Tensor2D,
                  targets,
                ),
              ),
            ) as tf.Scalar,
        );
        emb.assign(tf.sub(emb, tf.mul(grads[emb.name], 0.1)));
        w.assign(tf.sub(w, tf.mul(grads[w.name], 0.1)));
        return value.dataSync()[0];
      });
    const first = step();
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 5; i++) last = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first);
    tf.dispose([emb, w, ids, targets]);
  });
});
