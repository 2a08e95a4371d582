// A tiny, exact CausalLM for tests of the trainer and of plugins that need a model but not a
// real one: a bigram network (embedding → one tanh layer → RMS-free gain → tied-free head), seeded
// weights, and a sampler. Token t's logits depend only on token t, so log-probs do not depend on
// padding or batch composition, as the CausalLM contract requires.
import * as tf from '@tensorflow/tfjs-core';

import { targetLogProbs } from '../ops/target-log-probs.js';
import type {
  CausalLM,
  GenerateOptions,
  GenerateResult,
  ModelConfig,
  NamedParameter,
  Tokenizer,
} from '../types.js';

export interface TinyLMOptions {
  vocabSize?: number;
  hiddenSize?: number;
  seed?: number;
}

let counter = 0;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function variable(name: string, values: Float32Array, shape: number[]): tf.Variable {
  counter += 1;
  const initial = tf.tensor(values, shape, 'float32');
  const v = tf.variable(initial, true, `${name}#tiny${counter}`);
  initial.dispose();
  return v;
}

class TinyLM implements CausalLM {
  readonly config: ModelConfig;
  readonly parameters: NamedParameter[];

  constructor(config: ModelConfig, values: Map<string, Float32Array>) {
    this.config = config;
    const V = config.vocabSize;
    const D = config.hiddenSize;
    const spec: Array<[string, number[], NamedParameter['group'], NamedParameter['outputAxis']]> = [
      ['model.embed_tokens.weight', [V, D], 'embedding', 0],
      ['model.layers.0.mlp.up_proj.weight', [D, D], 'mlp', 0],
      ['model.norm.weight', [D], 'norm', null],
      ['lm_head.weight', [V, D], 'head', 0],
    ];
    this.parameters = spec.map(([name, shape, group, outputAxis]) => ({
      name,
      variable: variable(name, values.get(name)!, shape),
      group,
      layer: group === 'mlp' ? 0 : null,
      outputAxis,
    }));
  }

  private get(name: string): tf.Variable {
    return this.parameters.find((p) => p.name === name)!.variable;
  }

  logits(ids: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, T] = ids.shape;
      const x = tf.gather(this.get('model.embed_tokens.weight'), tf.reshape(ids, [B * T]));
      const h = tf.mul(
        tf.tanh(tf.matMul(x, this.get('model.layers.0.mlp.up_proj.weight'), false, true)),
        this.get('model.norm.weight'),
      );
      const logits = tf.matMul(tf.add(h, x), this.get('lm_head.weight'), false, true);
      return tf.reshape(logits, [B, T, this.config.vocabSize]) as tf.Tensor3D;
    });
  }

  tokenLogProbs(ids: tf.Tensor2D, attentionMask?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [B, T] = ids.shape;
      if (T < 2) return tf.zeros([B, T]) as tf.Tensor2D;
      const logits = this.logits(tf.slice(ids, [0, 0], [B, T - 1]));
      const flat = tf.reshape(logits, [B * (T - 1), this.config.vocabSize]) as tf.Tensor2D;
      const targets = tf.reshape(tf.slice(ids, [0, 1], [B, T - 1]), [B * (T - 1)]) as tf.Tensor1D;
      const picked = tf.reshape(targetLogProbs(flat, targets), [B, T - 1]);
      const out = tf.concat([tf.zeros([B, 1]), picked], 1) as tf.Tensor2D;
      return attentionMask === undefined ? out : (tf.mul(out, attentionMask) as tf.Tensor2D);
    });
  }

  generate(prompts: number[][], options: GenerateOptions): GenerateResult {
    const random = mulberry32(options.seed ?? 0);
    const stop = new Set(
      options.stopIds ?? (this.config.eosTokenId === null ? [] : [this.config.eosTokenId]),
    );
    const temperature = options.temperature ?? 0;
    const tokens: number[][] = [];
    const finish: GenerateResult['finish'] = [];
    for (const prompt of prompts) {
      const out: number[] = [];
      let last = prompt[prompt.length - 1];
      let reason: 'stop' | 'length' = 'length';
      for (let n = 0; n < options.maxNewTokens; n += 1) {
        const logits = tf.tidy(() => this.logits(tf.tensor2d([[last]], [1, 1], 'int32')));
        const row = logits.dataSync() as Float32Array;
        logits.dispose();
        const next = temperature === 0 ? argmax(row) : sample(row, temperature, random());
        if (stop.has(next)) {
          reason = 'stop';
          break;
        }
        out.push(next);
        last = next;
      }
      tokens.push(out);
      finish.push(reason);
    }
    return { tokens, finish };
  }

  clone(): CausalLM {
    return new TinyLM(
      this.config,
      new Map(this.parameters.map((p) => [p.name, p.variable.dataSync() as Float32Array])),
    );
  }

  copyWeightsFrom(other: CausalLM): void {
    for (const p of this.parameters)
      p.variable.assign(other.parameters.find((q) => q.name === p.name)!.variable);
  }

  dispose(): void {
    tf.dispose(this.parameters.map((p) => p.variable));
  }
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i += 1) if (row[i] > row[best]) best = i;
  return best;
}

function sample(row: Float32Array, temperature: number, u: number): number {
  const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
  const weights = Array.from(row, (x) => Math.exp((x - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < weights.length; i += 1) {
    acc += weights[i] / total;
    if (u < acc) return i;
  }
  return weights.length - 1;
}

/** A seeded tiny bigram CausalLM (default vocabulary 16, hidden size 8; BOS 1, EOS 2). */
export function createTinyLM(options: TinyLMOptions = {}): CausalLM {
  const V = options.vocabSize ?? 16;
  const D = options.hiddenSize ?? 8;
  const random = mulberry32(options.seed ?? 1);
  const normal = (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
  const config: ModelConfig = {
    architecture: 'llama',
    vocabSize: V,
    hiddenSize: D,
    numLayers: 1,
    numHeads: 1,
    numKvHeads: 1,
    intermediateSize: D,
    maxPositions: 1024,
    tieWordEmbeddings: false,
    bosTokenId: 1,
    eosTokenId: 2,
  };
  const values = new Map([
    ['model.embed_tokens.weight', normal(V * D, 1)],
    ['model.layers.0.mlp.up_proj.weight', normal(D * D, 0.5)],
    ['model.norm.weight', Float32Array.from({ length: D }, () => 1)],
    ['lm_head.weight', normal(V * D, 0.5)],
  ]);
  return new TinyLM(config, values);
}

/** A tokenizer over the tiny model's ids: letter a..l ↔ ids 4..15; BOS 1, EOS 2, pad 0. */
export function tinyTokenizer(): Tokenizer {
  return {
    vocabSize: 16,
    bosId: 1,
    eosId: 2,
    padId: 0,
    encode: (text) => Array.from(text, (c) => Math.min(15, Math.max(4, c.charCodeAt(0) - 97 + 4))),
    decode: (ids) => ids.map((id) => (id >= 4 ? String.fromCharCode(id - 4 + 97) : '')).join(''),
  };
}
