// Batched generation with a KV cache. Prompts are left-padded to one length; each row's
// positions count its own tokens only and padding keys are masked, so a prompt generates the same
// tokens alone or in a batch. Sampling is greedy (temperature 0) or temperature + top-p with a
// seeded JS PRNG (same seed, same tokens).
import * as tf from '@tensorflow/tfjs-core';
import { errors } from '@allo/core';
import type { GenerateOptions, GenerateResult } from '@allo/core';

import type { DecoderLM } from './decoder.js';
import { MASKED } from './layers.js';
import type { LayerCache } from './layers.js';

/** mulberry32: a small, fast, deterministic 32-bit PRNG returning floats in [0, 1). */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks the next token from one row of logits. */
export function sampleToken(
  logits: Float32Array,
  temperature: number,
  topP: number,
  rng: () => number,
): number {
  if (temperature <= 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i += 1) if (logits[i] > logits[best]) best = i;
    return best;
  }
  let max = -Infinity;
  for (let i = 0; i < logits.length; i += 1) max = Math.max(max, logits[i]);
  const probs = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i += 1) {
    probs[i] = Math.exp((logits[i] - max) / temperature);
    total += probs[i];
  }
  let order: number[];
  let mass = 1;
  if (topP < 1) {
    // Nucleus sampling (Holtzman et al. 2020): the smallest set of most likely tokens whose mass reaches top-p.
    const sorted = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
    order = [];
    mass = 0;
    for (const id of sorted) {
      order.push(id);
      mass += probs[id] / total;
      if (mass >= topP) break;
    }
  } else {
    order = Array.from(probs.keys());
  }
  let r = rng() * mass * total;
  for (const id of order) {
    r -= probs[id];
    if (r < 0) return id;
  }
  return order[order.length - 1];
}

function bias(
  keyMask: Float32Array,
  B: number,
  stride: number,
  T: number,
  Tk: number,
): tf.Tensor4D {
  // Query i of the new tokens sits at key slot Tk - T + i and may read slots up to it that hold tokens.
  const values = new Float32Array(B * T * Tk);
  for (let b = 0; b < B; b += 1) {
    for (let i = 0; i < T; i += 1) {
      for (let j = 0; j < Tk; j += 1) {
        const visible = j <= Tk - T + i && keyMask[b * stride + j] === 1;
        values[(b * T + i) * Tk + j] = visible ? 0 : MASKED;
      }
    }
  }
  return tf.tensor4d(values, [B, 1, T, Tk]);
}

export function generateTokens(
  model: DecoderLM,
  prompts: number[][],
  options: GenerateOptions,
): GenerateResult {
  const B = prompts.length;
  const tokens: number[][] = prompts.map(() => []);
  const finish: Array<'stop' | 'length'> = prompts.map(() => 'length');
  if (B === 0) return { tokens, finish };
  const config = model.config;
  const lengths = prompts.map((p) => p.length);
  const P = Math.max(...lengths);
  prompts.forEach((prompt, b) => {
    if (prompt.length === 0)
      throw errors.modelInvalid(
        model.name,
        `generate: prompt ${b} is empty, expected at least one token (BOS)`,
      );
    for (const id of prompt) {
      if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) {
        throw errors.modelInvalid(
          model.name,
          `generate: prompt ${b} holds token id ${id}, expected an integer in [0, ${config.vocabSize})`,
        );
      }
    }
  });
  if (P > config.maxPositions) {
    throw errors.modelInvalid(
      model.name,
      `generate: a prompt has ${P} tokens, more than maxPositions ${config.maxPositions}`,
    );
  }
  // The last sampled token needs no forward pass, so positions run up to P + budget - 2.
  const budget = Math.max(0, Math.min(options.maxNewTokens, config.maxPositions - P + 1));
  if (budget === 0) return { tokens, finish };
  const stops = new Set(options.stopIds ?? (config.eosTokenId === null ? [] : [config.eosTokenId]));
  const temperature = options.temperature ?? 1;
  const topP = options.topP ?? 1;
  const rng = createRng(options.seed ?? 0);
  const V = config.vocabSize;

  const stride = P + budget;
  const keyMask = new Float32Array(B * stride);
  const ids = new Int32Array(B * P);
  const positions = new Int32Array(B * P);
  prompts.forEach((prompt, b) => {
    const offset = P - prompt.length;
    prompt.forEach((id, t) => {
      ids[b * P + offset + t] = id;
      positions[b * P + offset + t] = t;
      keyMask[b * stride + offset + t] = 1;
    });
  });

  const run = (
    stepIds: Int32Array,
    stepPositions: Int32Array,
    T: number,
    past: LayerCache[] | null,
  ) =>
    tf.tidy(() => {
      const Tk = (past === null ? 0 : past[0].k.shape[2]) + T;
      const out = model.forward({
        ids: tf.tensor2d(stepIds, [B, T], 'int32'),
        positions: tf.tensor2d(stepPositions, [B, T], 'int32'),
        bias: bias(keyMask, B, stride, T, Tk),
        past,
      });
      const D = config.hiddenSize;
      const last = tf.reshape(
        tf.slice(tf.reshape(out.hidden, [B, T, D]), [0, T - 1, 0], [B, 1, D]),
        [B, D],
      );
      return { logits: model.head(last as tf.Tensor2D), cache: out.cache };
    });

  let state = run(ids, positions, P, null);
  try {
    const active = new Set(prompts.map((_, b) => b));
    for (let step = 0; step < budget; step += 1) {
      const logits = state.logits.dataSync() as Float32Array;
      const next = new Int32Array(B);
      for (const b of [...active]) {
        const token = sampleToken(logits.subarray(b * V, (b + 1) * V), temperature, topP, rng);
        if (stops.has(token)) {
          finish[b] = 'stop';
          active.delete(b);
          continue;
        }
        tokens[b].push(token);
        next[b] = token;
      }
      if (active.size === 0 || step === budget - 1) break;
      const nextPositions = new Int32Array(lengths.map((length) => length + step));
      for (let b = 0; b < B; b += 1) keyMask[b * stride + P + step] = 1;
      const previous = state;
      state = run(next, nextPositions, 1, previous.cache);
      disposeState(previous);
    }
  } finally {
    disposeState(state);
  }
  return { tokens, finish };
}

function disposeState(state: { logits: tf.Tensor; cache: LayerCache[] }): void {
  tf.dispose([state.logits, ...state.cache.flatMap((layer) => [layer.k, layer.v])]);
}
