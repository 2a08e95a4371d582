// A minimal Llama-style causal LM for the benchmark, the same architecture as the PyTorch peer
// (../shared/bench/torch_dpo_step.py): RMSNorm, rotate-half RoPE, explicit causal softmax
// attention, SwiGLU, untied head, N(0, 0.02) init. Porting note: the benchmark keeps its own
// model so that it measures kernels, not a loader; it matches the peer's shapes exactly.
import * as tf from '@tensorflow/tfjs-core';

export interface BenchModelConfig {
  layers: number;
  dModel: number;
  heads: number;
  vocab: number;
  seq: number;
  /** SwiGLU hidden size; the peer's default is 8/3 · d rounded up to 64. */
  ffn: number;
}

export function peerFfn(dModel: number): number {
  return Math.ceil((8 * dModel) / 3 / 64) * 64;
}

export interface BenchModel {
  config: BenchModelConfig;
  params: tf.Variable[];
  /** ids [N, T] int32 → logits [N·T, V]. */
  forward(ids: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

function rmsNorm(x: tf.Tensor2D, gain: tf.Tensor1D): tf.Tensor2D {
  const scale = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-5));
  return tf.mul(tf.mul(x, scale), gain);
}

export function createBenchModel(
  config: BenchModelConfig,
  seed: number,
  trainable = true,
): BenchModel {
  const { layers, dModel: D, heads: H, vocab: V, seq: T, ffn: FF } = config;
  const hd = D / H;
  let counter = seed;
  const normal = (shape: number[]) =>
    tf.variable(tf.randomNormal(shape, 0, 0.02, 'float32', counter++), trainable);
  const ones = (size: number) => tf.variable(tf.ones([size]), trainable);
  const emb = normal([V, D]);
  const blocks = Array.from({ length: layers }, () => ({
    n1: ones(D),
    wq: normal([D, D]),
    wk: normal([D, D]),
    wv: normal([D, D]),
    wo: normal([D, D]),
    n2: ones(D),
    w1: normal([D, FF]),
    w3: normal([D, FF]),
    w2: normal([FF, D]),
  }));
  const norm = ones(D);
  const head = normal([D, V]);
  const params = [emb, ...blocks.flatMap((b) => Object.values(b)), norm, head];

  const inv = Array.from({ length: hd / 2 }, (_, i) => 1 / 10000 ** ((2 * i) / hd));
  const angles = Array.from({ length: T }, (_, t) => inv.map((f) => t * f)).flat();
  const cos = tf.keep(tf.tensor2d(angles.map(Math.cos), [T, hd / 2]));
  const sin = tf.keep(tf.tensor2d(angles.map(Math.sin), [T, hd / 2]));
  const maskValues = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskValues[i * T + j] = -1e9;
  const mask = tf.keep(tf.tensor2d(maskValues, [T, T]));

  const rope = (x: tf.Tensor4D) => {
    const [x1, x2] = tf.split(x, 2, 3);
    return tf.concat(
      [tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x1, sin), tf.mul(x2, cos))],
      3,
    );
  };

  const forward = (ids: tf.Tensor2D): tf.Tensor2D => {
    const N = ids.shape[0];
    let x = tf.gather(emb, tf.reshape(ids, [N * T])) as tf.Tensor2D;
    const heads = (h: tf.Tensor2D, w: tf.Tensor) =>
      tf.transpose(tf.reshape(tf.matMul(h, w), [N, T, H, hd]), [0, 2, 1, 3]) as tf.Tensor4D;
    for (const b of blocks) {
      const h = rmsNorm(x, b.n1 as tf.Tensor1D);
      const q = rope(heads(h, b.wq));
      const k = rope(heads(h, b.wk));
      const v = heads(h, b.wv);
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), mask);
      const attended = tf.matMul(tf.softmax(scores), v);
      const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [N * T, D]);
      x = tf.add(x, tf.matMul(merged, b.wo));
      const h2 = rmsNorm(x, b.n2 as tf.Tensor1D);
      const gate = tf.matMul(h2, b.w1);
      const up = tf.matMul(h2, b.w3);
      x = tf.add(x, tf.matMul(tf.mul(tf.mul(gate, tf.sigmoid(gate)), up), b.w2));
    }
    return tf.matMul(rmsNorm(x, norm as tf.Tensor1D), head);
  };

  return {
    config,
    params,
    forward,
    dispose: () => tf.dispose([...params, cos, sin, mask]),
  };
}

/** Copies one model's weights into another of the same config (reference = initial policy). */
export function copyWeights(from: BenchModel, to: BenchModel): void {
  from.params.forEach((p, i) => to.params[i].assign(p));
}
