// The building blocks both architectures share, as functional tfjs ops on 2-D [N, D] activations
// (linear layers are plain 2-D matMuls) and 3-D batched attention with equal batch dimensions
// (tfjs 4.22 computes the gradient of a batch-broadcasting matMul with the wrong shape).
import * as tf from '@tensorflow/tfjs-core';

import { gatherRows } from '@allo/core';

/** Keys and values of one layer for the tokens seen so far: [B, kvHeads, T, headDim]. */
export type LayerCache = {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
};

/** Additive attention bias for a masked key: large and finite, so fully masked rows stay finite. */
export const MASKED = -1e9;

/**
 * Embedding lookup through `gatherRows` from @allo/core: a gather forward; the gradient is a
 * one-pass segment sum where the backend has a real one (native, tensorflow), else a one-hot
 * matMul (tfjs' cpu UnsortedSegmentSum makes one pass per vocabulary entry).
 */
export function embed(ids: tf.Tensor, table: tf.Tensor2D): tf.Tensor2D {
  return gatherRows(table, ids);
}

/** y = x Wᵀ for a PyTorch Linear weight W [out, in]. */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(x, weight, false, true);
}

/** y = x W + b for a GPT-2 Conv1D weight W [in, out]. */
export function conv1d(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.matMul(x, weight), bias);
}

/** RMSNorm (Zhang & Sennrich 2019): w · x / sqrt(mean(x²) + eps). */
export function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D, eps: number): tf.Tensor2D {
  const meanSquare = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), weight);
}

/** LayerNorm with biased variance, as torch.nn.LayerNorm. */
export function layerNorm(
  x: tf.Tensor2D,
  weight: tf.Tensor1D,
  bias: tf.Tensor1D,
  eps: number,
): tf.Tensor2D {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), weight), bias);
}

export function silu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.sigmoid(x));
}

/** GPT-2's "gelu_new": 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))). */
export function geluTanh(x: tf.Tensor2D): tf.Tensor2D {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** Hugging Face rotate-half RoPE on x [B, T, heads, hd] with cos/sin [B, T, 1, hd]. */
export function rope(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  const half = x.shape[3] / 2;
  const [first, second] = tf.split(x, [half, half], 3);
  const rotated = tf.concat([tf.neg(second), first], 3);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/** [B, kvHeads, T, hd] → [B, kvHeads·rep, T, hd]: query head h reads KV head floor(h / rep). */
function repeatKv(x: tf.Tensor4D, rep: number): tf.Tensor4D {
  if (rep === 1) return x;
  const [B, kvHeads, T, hd] = x.shape;
  // Rank 3, because tfjs 4.22 has no gradient for a rank-5 tile.
  const tiled = tf.tile(tf.reshape(x, [B * kvHeads, 1, T * hd]), [1, rep, 1]);
  return tf.reshape(tiled, [B, kvHeads * rep, T, hd]);
}

/**
 * Scaled dot-product attention. q [B, T, H, hd]; k, v [B, Hkv, Tk, hd]; bias [B or 1, 1, T, Tk]
 * additive (0 or MASKED). Returns [B·T, H·hd].
 */
export function attend(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  bias: tf.Tensor4D,
): tf.Tensor2D {
  const [B, T, H, hd] = q.shape;
  const Tk = k.shape[2];
  const rep = H / k.shape[1];
  const queries = tf.reshape(tf.transpose(q, [0, 2, 1, 3]), [B * H, T, hd]) as tf.Tensor3D;
  const keys = tf.reshape(repeatKv(k, rep), [B * H, Tk, hd]) as tf.Tensor3D;
  const values = tf.reshape(repeatKv(v, rep), [B * H, Tk, hd]) as tf.Tensor3D;
  const scores = tf.mul(tf.matMul(queries, keys, false, true), 1 / Math.sqrt(hd));
  const masked = tf.add(tf.reshape(scores, [B, H, T, Tk]), bias);
  const probs = tf.reshape(tf.softmax(masked, -1), [B * H, T, Tk]) as tf.Tensor3D;
  const out = tf.reshape(tf.matMul(probs, values), [B, H, T, hd]);
  return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [B * T, H * hd]) as tf.Tensor2D;
}
