// The neutral token scorer: every response token (EOS included) weighs 1, which turns the
// token-weighted NPO of the forgetting stage into plain NPO (Zhang et al., 2024).
import { bindFactory, definePlugin } from '@allo/core';
import type { TokenScoreInput, TokenScorer } from '@allo/core';

export type UniformScorerOptions = Record<string, never>;

export const ID = 'uniform';

export function createUniformScorer(): TokenScorer {
  return {
    needs: 'nothing',
    async score(input: TokenScoreInput) {
      return input.pairs.map((pair) => {
        const ids = input.response === 'rejected' ? pair.rejectedIds : pair.chosenIds;
        return new Float32Array(ids.length).fill(1);
      });
    },
  };
}

export const uniformPlugin = definePlugin<'tokenScorer', UniformScorerOptions>({
  id: ID,
  kind: 'tokenScorer',
  version: '0.1.0',
  description: 'every response token weighs 1 (plain NPO in the forgetting stage)',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  register: bindFactory('tokenScorer', createUniformScorer),
});
