// The Llama-family decoder (Touvron et al. 2023): RMSNorm, rotary positions in the Hugging Face
// rotate-half layout, grouped-query attention, SwiGLU MLP, tied or separate output head.
// llama2.c checkpoints rotate adjacent pairs instead; their loader permutes q/k rows at load the
// way transformers' convert_llama_weights_to_hf.py does, so this one forward serves both.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '@allo/core';

import { DecoderLM } from './decoder.js';
import type { ForwardInput, ForwardOutput, ParameterInit } from './decoder.js';
import { attend, embed, linear, rmsNorm, rope, silu } from './layers.js';
import type { LayerCache } from './layers.js';
import { checkConfig, headDim, llamaSpecs, normEps, ropeTheta } from './specs.js';

export class LlamaModel extends DecoderLM {
  private tables: { cos: tf.Tensor2D; sin: tf.Tensor2D } | null = null;

  constructor(config: ModelConfig, init: ParameterInit, name = 'llama') {
    checkConfig(config, name);
    super(config, llamaSpecs(config), init, name);
  }

  protected create(init: ParameterInit, name: string): DecoderLM {
    return new LlamaModel(this.config, init, name);
  }

  protected embeddingName(): string {
    return 'model.embed_tokens.weight';
  }

  /** cos/sin [maxPositions, hd], computed once in float64: angle = pos · θ^(−2i/hd), repeated per half. */
  private ropeTables(): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
    if (this.tables !== null) return this.tables;
    const hd = headDim(this.config);
    const half = hd / 2;
    const P = this.config.maxPositions;
    const theta = ropeTheta(this.config);
    const cos = new Float32Array(P * hd);
    const sin = new Float32Array(P * hd);
    for (let p = 0; p < P; p += 1) {
      for (let i = 0; i < half; i += 1) {
        const angle = p * theta ** (-(2 * i) / hd);
        cos[p * hd + i] = cos[p * hd + half + i] = Math.cos(angle);
        sin[p * hd + i] = sin[p * hd + half + i] = Math.sin(angle);
      }
    }
    this.tables = {
      cos: tf.keep(tf.tensor2d(cos, [P, hd])),
      sin: tf.keep(tf.tensor2d(sin, [P, hd])),
    };
    return this.tables;
  }

  protected override disposeTables(): void {
    if (this.tables === null) return;
    tf.dispose([this.tables.cos, this.tables.sin]);
    this.tables = null;
  }

  forward({ ids, positions, bias, past }: ForwardInput): ForwardOutput {
    const { hiddenSize: D, numHeads: H, numKvHeads: Hkv, numLayers } = this.config;
    const [B, T] = ids.shape;
    const hd = headDim(this.config);
    const eps = normEps(this.config);
    const tables = this.ropeTables();
    const flatPositions = tf.reshape(positions, [B * T]);
    const cos = tf.reshape(tf.gather(tables.cos, flatPositions), [B, T, 1, hd]) as tf.Tensor4D;
    const sin = tf.reshape(tf.gather(tables.sin, flatPositions), [B, T, 1, hd]) as tf.Tensor4D;
    const w = (name: string) => this.weight<tf.Rank.R2>(name);
    const v1 = (name: string) => this.weight<tf.Rank.R1>(name);

    let x = embed(ids, w('model.embed_tokens.weight'));
    const cache: LayerCache[] = [];
    for (let l = 0; l < numLayers; l += 1) {
      const p = `model.layers.${l}.`;
      const h = rmsNorm(x, v1(`${p}input_layernorm.weight`), eps);
      const q = rope(
        tf.reshape(linear(h, w(`${p}self_attn.q_proj.weight`)), [B, T, H, hd]),
        cos,
        sin,
      );
      const k = rope(
        tf.reshape(linear(h, w(`${p}self_attn.k_proj.weight`)), [B, T, Hkv, hd]),
        cos,
        sin,
      );
      const v = tf.reshape(linear(h, w(`${p}self_attn.v_proj.weight`)), [B, T, Hkv, hd]);
      let keys = tf.transpose(k, [0, 2, 1, 3]) as tf.Tensor4D;
      let values = tf.transpose(v, [0, 2, 1, 3]) as tf.Tensor4D;
      if (past !== null) {
        keys = tf.concat([past[l].k, keys], 2);
        values = tf.concat([past[l].v, values], 2);
      }
      cache.push({ k: keys, v: values });
      x = tf.add(x, linear(attend(q, keys, values, bias), w(`${p}self_attn.o_proj.weight`)));

      const g = rmsNorm(x, v1(`${p}post_attention_layernorm.weight`), eps);
      const gate = silu(linear(g, w(`${p}mlp.gate_proj.weight`)));
      const up = linear(g, w(`${p}mlp.up_proj.weight`));
      x = tf.add(x, linear(tf.mul(gate, up), w(`${p}mlp.down_proj.weight`)));
    }
    return { hidden: rmsNorm(x, v1('model.norm.weight'), eps), cache };
  }
}
