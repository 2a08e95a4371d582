// Token weights from the warm-up model's implicit DPO reward (Rafailov et al., 2023, §5; the
// token-level reading of Rafailov et al., 2024, "From r to Q*"): r_t = log π_warm(y_t) − log π_ref(y_t).
// ALLO (Chen et al., EMNLP 2024, §3.2) gets its token rewards from a generative reward model
// instead; this scorer needs no extra model.
import { bindFactory, definePlugin, errors } from '@allo/core';
import type { PluginContext, TokenScoreInput, TokenScorer } from '@allo/core';

import { responseLogRatios } from './response-log-probs.js';

export interface ImplicitRewardOptions {
  /** `top-q`: weight 1 for the top q share of tokens, else 0; `sigmoid`: σ(s / temperature). */
  mode: 'top-q' | 'sigmoid';
  /** Share of each response's tokens weighted 1 in `top-q` mode. */
  q: number;
  /** Temperature of `sigmoid` mode; log-ratios after a short warm-up are small, hence 0.1. */
  temperature: number;
  /** Pairs per forward pass. */
  batchSize: number;
}

export const ID = 'implicit-reward';

/**
 * The sign. Warm-up DPO raises the chosen response and lowers the rejected one, and it lowers
 * most the rejected tokens that carry the error. So on a rejected response a token matters by
 * s_t = −r_t (pushed down most = most to forget); on a chosen response by s_t = +r_t.
 */
export function tokenSalience(ratios: Float32Array, response: 'rejected' | 'chosen'): Float64Array {
  return Float64Array.from(ratios, (r) => (response === 'rejected' ? -r : r));
}

/**
 * Top-q weights: 1 for the tokens whose salience is at least the k-th largest, k = max(1,
 * floor(q · T)), else 0. Tokens tied at the threshold are all kept (as for neuron masks), so a
 * response whose ratios are all equal (warm-up equal to the reference) weighs 1 everywhere. At
 * least one token is kept so that the forgetting loss, normalised by #(w ≠ 0), is defined.
 */
export function topQWeights(salience: Float64Array, q: number): Float32Array {
  const T = salience.length;
  const w = new Float32Array(T);
  if (T === 0) return w;
  const k = Math.max(1, Math.floor(Math.round(q * T * 1e6) / 1e6));
  const threshold = Float64Array.from(salience).sort()[T - k];
  for (let t = 0; t < T; t += 1) w[t] = salience[t] >= threshold ? 1 : 0;
  return w;
}

export function sigmoidWeights(salience: Float64Array, temperature: number): Float32Array {
  return Float32Array.from(salience, (s) => 1 / (1 + Math.exp(-s / temperature)));
}

export function createImplicitRewardScorer(
  options: ImplicitRewardOptions,
  _context: PluginContext,
): TokenScorer {
  return {
    needs: 'warmup',
    async score(input: TokenScoreInput) {
      if (input.warmup === undefined) {
        throw errors.maskInvalid(
          ID,
          'needs the warm-up model (TokenScoreInput.warmup), got none; use a schedule with a warm-up stage, or the "uniform" or "reward-model" scorer',
          ID,
        );
      }
      const rows = input.pairs.map((pair) => ({
        promptIds: pair.promptIds,
        responseIds: input.response === 'rejected' ? pair.rejectedIds : pair.chosenIds,
      }));
      const ratios = await responseLogRatios(
        input.warmup,
        input.reference,
        rows,
        input.tokenizer.padId,
        options.batchSize,
      );
      return ratios.map((r) => {
        const salience = tokenSalience(r, input.response);
        return options.mode === 'top-q'
          ? topQWeights(salience, options.q)
          : sigmoidWeights(salience, options.temperature);
      });
    },
  };
}

export const implicitRewardPlugin = definePlugin<'tokenScorer', ImplicitRewardOptions>({
  id: ID,
  kind: 'tokenScorer',
  version: '0.1.0',
  description:
    "token weights from the warm-up model's implicit reward log π_warm − log π_ref (top-q share, or a sigmoid)",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      mode: {
        description:
          'top-q: 1 for the top q share of tokens by salience; sigmoid: σ(salience / temperature).',
        type: 'string',
        enum: ['top-q', 'sigmoid'],
        default: 'top-q',
      },
      q: {
        description: 'Share of tokens weighted 1 in top-q mode (at least one token per response).',
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.5,
      },
      temperature: {
        description: 'Temperature of sigmoid mode.',
        type: 'number',
        exclusiveMinimum: 0,
        default: 0.1,
      },
      batchSize: {
        description: 'Pairs per forward pass.',
        type: 'integer',
        minimum: 1,
        default: 8,
      },
    },
  },
  register: bindFactory('tokenScorer', createImplicitRewardScorer),
});
