// GPT-2 (Radford et al. 2019): learned positions, pre-LayerNorm blocks, fused qkv Conv1D
// projections stored [in, out] with biases, gelu tanh approximation, head tied to wte.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '@allo/core';

import { DecoderLM } from './decoder.js';
import type { ForwardInput, ForwardOutput, ParameterInit } from './decoder.js';
import { attend, conv1d, embed, geluTanh, layerNorm } from './layers.js';
import type { LayerCache } from './layers.js';
import { checkConfig, gpt2Specs, headDim, normEps } from './specs.js';

export class Gpt2Model extends DecoderLM {
  constructor(config: ModelConfig, init: ParameterInit, name = 'gpt2') {
    checkConfig(config, name);
    super(config, gpt2Specs(config), init, name);
  }

  protected create(init: ParameterInit, name: string): DecoderLM {
    return new Gpt2Model(this.config, init, name);
  }

  protected embeddingName(): string {
    return 'wte.weight';
  }

  forward({ ids, positions, bias, past }: ForwardInput): ForwardOutput {
    const { hiddenSize: D, numHeads: H, numLayers } = this.config;
    const [B, T] = ids.shape;
    const hd = headDim(this.config);
    const eps = normEps(this.config);
    const w = (name: string) => this.weight<tf.Rank.R2>(name);
    const v1 = (name: string) => this.weight<tf.Rank.R1>(name);

    let x: tf.Tensor2D = tf.add(embed(ids, w('wte.weight')), embed(positions, w('wpe.weight')));
    const cache: LayerCache[] = [];
    for (let l = 0; l < numLayers; l += 1) {
      const p = `h.${l}.`;
      const h = layerNorm(x, v1(`${p}ln_1.weight`), v1(`${p}ln_1.bias`), eps);
      const qkv = conv1d(h, w(`${p}attn.c_attn.weight`), v1(`${p}attn.c_attn.bias`));
      const [q, k, v] = tf.split(qkv, 3, 1).map((t) => tf.reshape(t, [B, T, H, hd]) as tf.Tensor4D);
      let keys = tf.transpose(k, [0, 2, 1, 3]) as tf.Tensor4D;
      let values = tf.transpose(v, [0, 2, 1, 3]) as tf.Tensor4D;
      if (past !== null) {
        keys = tf.concat([past[l].k, keys], 2);
        values = tf.concat([past[l].v, values], 2);
      }
      cache.push({ k: keys, v: values });
      const attention = attend(q, keys, values, bias);
      x = tf.add(x, conv1d(attention, w(`${p}attn.c_proj.weight`), v1(`${p}attn.c_proj.bias`)));

      const g = layerNorm(x, v1(`${p}ln_2.weight`), v1(`${p}ln_2.bias`), eps);
      const inner = geluTanh(conv1d(g, w(`${p}mlp.c_fc.weight`), v1(`${p}mlp.c_fc.bias`)));
      x = tf.add(x, conv1d(inner, w(`${p}mlp.c_proj.weight`), v1(`${p}mlp.c_proj.bias`)));
    }
    return { hidden: layerNorm(x, v1('ln_f.weight'), v1('ln_f.bias'), eps), cache };
  }
}
