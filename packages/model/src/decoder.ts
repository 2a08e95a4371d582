// What both architectures share: named variables, padding-aware positions and masks, log-probs,
// generation, cloning. A subclass supplies the forward pass over its own blocks.
import * as tf from '@tensorflow/tfjs-core';
import { errors, targetLogProbs } from '@allo/core';
import type {
  CausalLM,
  GenerateOptions,
  GenerateResult,
  ModelConfig,
  NamedParameter,
} from '@allo/core';

import { generateTokens } from './generation.js';
import { linear, MASKED } from './layers.js';
import type { LayerCache } from './layers.js';
import type { ParameterSpec } from './specs.js';

export interface ForwardInput {
  /** int32 [B, T] */
  ids: tf.Tensor2D;
  /** int32 [B, T]: the position of each token in its own sequence */
  positions: tf.Tensor2D;
  /** [B or 1, 1, T, Tk]: 0 where a query may read a key, MASKED elsewhere */
  bias: tf.Tensor4D;
  /** Keys and values of earlier tokens (generation), or null. */
  past: LayerCache[] | null;
}

export interface ForwardOutput {
  /** Final-normed hidden states [B·T, D]. */
  hidden: tf.Tensor2D;
  /** Keys and values of past and current tokens, per layer. */
  cache: LayerCache[];
}

/** Builds the initial value of a parameter (a fresh tensor; the caller disposes it). */
export type ParameterInit = (spec: ParameterSpec) => tf.Tensor;

/** Masks may arrive as int32 or bool; every op below mixes them with float32 activations. */
function floatMask(mask: tf.Tensor2D): tf.Tensor2D {
  return mask.dtype === 'float32' ? mask : (tf.cast(mask, 'float32') as tf.Tensor2D);
}

export abstract class DecoderLM implements CausalLM {
  readonly config: ModelConfig;
  readonly parameters: readonly NamedParameter[];
  readonly name: string;
  protected readonly weights = new Map<string, tf.Variable>();
  private readonly causal = new Map<number, tf.Tensor4D>();

  protected constructor(
    config: ModelConfig,
    specs: ParameterSpec[],
    init: ParameterInit,
    name: string,
  ) {
    this.config = config;
    this.name = name;
    const parameters: NamedParameter[] = [];
    for (const spec of specs) {
      const initial = init(spec);
      const variable = tf.variable(initial, true);
      initial.dispose();
      this.weights.set(spec.name, variable);
      parameters.push({
        name: spec.name,
        variable,
        group: spec.group,
        layer: spec.layer,
        outputAxis: spec.outputAxis,
      });
    }
    this.parameters = parameters;
  }

  /** The forward pass through embeddings, blocks and the final norm. */
  abstract forward(input: ForwardInput): ForwardOutput;

  /** A model of the same class and config whose parameters start from `init`. */
  protected abstract create(init: ParameterInit, name: string): DecoderLM;

  /** Tensor names that hold the embedding the head reuses when tied. */
  protected abstract embeddingName(): string;

  protected weight<R extends tf.Rank>(name: string): tf.Tensor<R> {
    const variable = this.weights.get(name);
    if (variable === undefined)
      throw errors.modelInvalid(this.name, `no parameter named "${name}"`);
    return variable as unknown as tf.Tensor<R>;
  }

  /** Logits [N, V] from hidden states [N, D]. */
  head(hidden: tf.Tensor2D): tf.Tensor2D {
    const table = this.config.tieWordEmbeddings ? this.embeddingName() : 'lm_head.weight';
    return linear(hidden, this.weight<tf.Rank.R2>(table));
  }

  /** Causal bias [1, 1, T, T], built once per length. */
  causalBias(T: number): tf.Tensor4D {
    let bias = this.causal.get(T);
    if (bias === undefined) {
      const values = new Float32Array(T * T);
      for (let i = 0; i < T; i += 1) values.fill(MASKED, i * T + i + 1, (i + 1) * T);
      bias = tf.keep(tf.tensor4d(values, [1, 1, T, T]));
      this.causal.set(T, bias);
    }
    return bias;
  }

  /** Hidden states [B·T, D] for a (possibly padded) batch, with positions counted per row. */
  private hidden(ids: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor2D {
    const [B, T] = ids.shape;
    const attentionMask = mask === undefined ? undefined : floatMask(mask);
    if (T > this.config.maxPositions) {
      throw errors.modelInvalid(
        this.name,
        `sequence length ${T} exceeds the model's maxPositions ${this.config.maxPositions}`,
      );
    }
    let positions: tf.Tensor2D;
    let bias: tf.Tensor4D = this.causalBias(T);
    if (attentionMask === undefined) {
      positions = tf.tile(tf.reshape(tf.range(0, T, 1, 'int32'), [1, T]), [B, 1]) as tf.Tensor2D;
    } else {
      // Left or right padding: a token's position is the number of real tokens before it.
      const counted = tf.relu(tf.sub(tf.cumsum(attentionMask, 1), 1));
      positions = tf.cast(counted, 'int32') as tf.Tensor2D;
      const keyBias = tf.reshape(tf.mul(tf.sub(1, attentionMask), MASKED), [B, 1, 1, T]);
      bias = tf.add(bias, keyBias) as tf.Tensor4D;
    }
    return this.forward({ ids, positions, bias, past: null }).hidden;
  }

  logits(ids: tf.Tensor2D, attentionMask?: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, T] = ids.shape;
      return tf.reshape(this.head(this.hidden(ids, attentionMask)), [
        B,
        T,
        this.config.vocabSize,
      ]) as tf.Tensor3D;
    });
  }

  tokenLogProbs(ids: tf.Tensor2D, attentionMask?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [B, T] = ids.shape;
      if (T < 2) return tf.zeros([B, T]) as tf.Tensor2D;
      const D = this.config.hiddenSize;
      const hidden = tf.reshape(this.hidden(ids, attentionMask), [B, T, D]);
      const predicting = tf.reshape(tf.slice(hidden, [0, 0, 0], [B, T - 1, D]), [
        B * (T - 1),
        D,
      ]) as tf.Tensor2D;
      const targets = tf.reshape(tf.slice(ids, [0, 1], [B, T - 1]), [B * (T - 1)]) as tf.Tensor1D;
      let logps: tf.Tensor2D = tf.reshape(
        targetLogProbs(this.head(predicting), tf.cast(targets, 'int32')),
        [B, T - 1],
      );
      if (attentionMask !== undefined) {
        const float = floatMask(attentionMask);
        // A token counts when it and the token predicting it are real (left padding zeroes the first).
        const current = tf.slice(float, [0, 1], [B, T - 1]);
        const previous = tf.slice(float, [0, 0], [B, T - 1]);
        logps = tf.mul(logps, tf.mul(current, previous));
      }
      return tf.concat([tf.zeros([B, 1]), logps], 1) as tf.Tensor2D;
    });
  }

  generate(prompts: number[][], options: GenerateOptions): GenerateResult {
    return generateTokens(this, prompts, options);
  }

  clone(name?: string): CausalLM {
    return this.create((spec) => tf.clone(this.weight(spec.name)), name ?? `${this.name} (copy)`);
  }

  copyWeightsFrom(other: CausalLM): void {
    const theirs = new Map(other.parameters.map((p) => [p.name, p.variable]));
    for (const parameter of this.parameters) {
      const source = theirs.get(parameter.name);
      if (source === undefined) {
        throw errors.modelInvalid(
          this.name,
          `copyWeightsFrom: the other model has no parameter "${parameter.name}"`,
        );
      }
      if (source.shape.join(',') !== parameter.variable.shape.join(',')) {
        throw errors.modelInvalid(
          this.name,
          `copyWeightsFrom: parameter "${parameter.name}" has shape [${source.shape.join(', ')}] in the other model, expected [${parameter.variable.shape.join(', ')}]`,
        );
      }
      parameter.variable.assign(source);
    }
  }

  dispose(): void {
    for (const variable of this.weights.values()) variable.dispose();
    for (const bias of this.causal.values()) bias.dispose();
    this.causal.clear();
    this.disposeTables();
  }

  /** Frees architecture-specific constants (RoPE tables). */
  protected disposeTables(): void {}
}
