// Building models: random init (benchmarks, tests) or from named float32 values (loaders), the
// latter checked tensor by tensor against the architecture's parameter list.
import * as tf from '@tensorflow/tfjs-core';
import { errors } from '@allo/core';
import type { CausalLM, ModelConfig } from '@allo/core';

import type { DecoderLM, ParameterInit } from './decoder.js';
import { Gpt2Model } from './gpt2.js';
import { LlamaModel } from './llama.js';
import { parameterSpecs } from './specs.js';

function build(config: ModelConfig, init: ParameterInit, name: string): DecoderLM {
  if (config.architecture === 'llama') return new LlamaModel(config, init, name);
  if (config.architecture === 'gpt2') return new Gpt2Model(config, init, name);
  throw errors.modelUnsupported(
    name,
    `architecture "${String(config.architecture)}" is not supported, expected "llama" or "gpt2"`,
  );
}

/** A model with random weights: normal(0, 0.02) matrices, unit norm weights, zero biases. */
export function createModel(config: ModelConfig, options: { seed: number }): CausalLM {
  let counter = 0;
  return build(
    config,
    (spec) => {
      counter += 1;
      if (spec.init === 'ones') return tf.ones(spec.shape);
      if (spec.init === 'zeros') return tf.zeros(spec.shape);
      return tf.randomNormal(spec.shape, 0, 0.02, 'float32', options.seed * 1000 + counter);
    },
    `random ${config.architecture} (seed ${options.seed})`,
  );
}

export interface NamedValues {
  shape: readonly number[];
  data: Float32Array;
}

/**
 * A model from values by Hugging Face name. Every parameter must be present with exactly its
 * shape; `source` (the file) names where the values came from in errors.
 */
export function modelFromValues(
  config: ModelConfig,
  values: ReadonlyMap<string, NamedValues>,
  source: string,
): CausalLM {
  for (const spec of parameterSpecs(config)) {
    const value = values.get(spec.name);
    if (value === undefined) throw errors.modelInvalid(source, `missing tensor "${spec.name}"`);
    if (value.shape.join(',') !== spec.shape.join(',')) {
      throw errors.modelInvalid(
        source,
        `tensor "${spec.name}" has shape [${value.shape.join(', ')}], expected [${spec.shape.join(', ')}] from the model config`,
      );
    }
  }
  return build(
    config,
    (spec) => tf.tensor(values.get(spec.name)!.data, spec.shape, 'float32'),
    source,
  );
}
