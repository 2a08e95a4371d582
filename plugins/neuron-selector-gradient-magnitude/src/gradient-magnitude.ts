// A selector that needs no warm-up: score each element by the magnitude of the preference loss's
// gradient at the reference, accumulated over a few batches (a first-order sensitivity in the
// spirit of gradient-based pruning scores), and keep the global top ratio of eligible elements.
import {
  bandMask,
  bindFactory,
  definePlugin,
  errors,
  ratioProperty,
  selectorScopeProperties,
  assertBandOptions,
} from '@allo/core';
import type {
  NeuronSelector,
  PluginContext,
  SelectorInput,
  SelectorScopeOptions,
} from '@allo/core';

export interface GradientMagnitudeOptions extends SelectorScopeOptions {
  /** Fraction of eligible elements kept (0.05 = 5%). */
  ratio: number;
  /** Fraction removed from the very top of the scores, as update-magnitude's; 0 removes none. */
  exclude: number;
  /** `grad`: Σ_b |g_b|; `grad-times-weight`: Σ_b |g_b · θ| (first-order Taylor estimate of the loss change when the element is zeroed). */
  score: 'grad' | 'grad-times-weight';
  /** Batches of the preference loss whose gradients are accumulated. */
  batches: number;
}

export const ID = 'gradient-magnitude';

export function createGradientMagnitudeSelector(
  options: GradientMagnitudeOptions,
  context: PluginContext,
): NeuronSelector {
  assertBandOptions(ID, options);
  return {
    needs: 'gradients',
    async select(input: SelectorInput) {
      if (input.gradients === undefined) {
        throw errors.maskInvalid(
          ID,
          'needs gradients of the preference loss (SelectorInput.gradients), got none; this selector must run inside a stage that can compute them',
          ID,
        );
      }
      const scores = new Map<string, Float64Array>();
      for (const p of input.parameters) scores.set(p.name, new Float64Array(p.variable.size));
      let seen = 0;
      // The absolute value is taken per batch, so that gradients of opposite sign in two batches
      // add up rather than cancel: an element the loss is sensitive to either way scores high.
      await input.gradients(options.batches, (grads) => {
        seen += 1;
        for (const p of input.parameters) {
          const g = grads.get(p.name);
          if (g === undefined) continue;
          const acc = scores.get(p.name)!;
          if (g.length !== acc.length) {
            throw errors.maskInvalid(
              `${ID}: gradient of "${p.name}"`,
              `expected ${acc.length} values, got ${g.length}`,
              ID,
            );
          }
          if (options.score === 'grad') {
            for (let i = 0; i < g.length; i += 1) acc[i] += Math.abs(g[i]);
          } else {
            const theta = input.before.get(p.name);
            if (theta === undefined)
              throw errors.maskInvalid(
                `${ID}: parameter "${p.name}"`,
                'score "grad-times-weight" needs its values (SelectorInput.before), got none',
                ID,
              );
            for (let i = 0; i < g.length; i += 1) acc[i] += Math.abs(g[i] * theta[i]);
          }
        }
      });
      if (seen === 0) {
        throw errors.maskInvalid(
          ID,
          `asked for ${options.batches} batches of gradients, got none; the stage's data is empty`,
          ID,
        );
      }
      if (seen < options.batches) {
        context.logger.warnOnce(
          `${ID}:batches`,
          `options.batches is ${options.batches} but only ${seen} batches were available; the scores use ${seen}`,
        );
      }
      const result = bandMask(input.parameters, scores, {
        ratio: options.ratio,
        exclude: options.exclude,
        scope: options,
      });
      context.logger.info(
        `selected ${result.mask.selected} of ${result.mask.total} elements (share ${result.mask.share.toFixed(6)}) from ${seen} batches of |${options.score === 'grad' ? 'g' : 'g·θ'}|; requested ${result.keepCount} of ${result.units} ${options.granularity}s`,
      );
      return result.mask;
    },
  };
}

export const gradientMagnitudePlugin = definePlugin<'neuronSelector', GradientMagnitudeOptions>({
  id: ID,
  kind: 'neuronSelector',
  version: '0.1.0',
  description:
    'global top ratio of accumulated |gradient| (or |gradient · weight|) of the preference loss; no warm-up',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ratio: ratioProperty(
        0.05,
        'Fraction of eligible elements kept, from the largest score down.',
      ),
      exclude: {
        description: 'Fraction of eligible elements removed from the very top of the scores.',
        type: 'number',
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0,
      },
      score: {
        description: 'grad: accumulated |g|; grad-times-weight: accumulated |g · θ|.',
        type: 'string',
        enum: ['grad', 'grad-times-weight'],
        default: 'grad',
      },
      batches: {
        description: 'Batches of the preference loss to accumulate over.',
        type: 'integer',
        minimum: 1,
        default: 8,
      },
      ...selectorScopeProperties,
    },
  },
  register: bindFactory('neuronSelector', createGradientMagnitudeSelector),
});
