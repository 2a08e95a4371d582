// The paper's neuron selector (Chen et al., EMNLP 2024, §3.1 "Neuron selection"): score every
// parameter element by how far the warm-up DPO run moved it, |θ_warm − θ_ref|, and keep the global
// top r minus the global top l over all eligible tensors together.
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

export interface UpdateMagnitudeOptions extends SelectorScopeOptions {
  /** Fraction of eligible elements kept from the top of |Δ| (the paper's r; 0.05 = 5%). */
  ratio: number;
  /** Fraction removed from the very top of |Δ| (the paper's l); 0 removes none. */
  exclude: number;
}

export const ID = 'update-magnitude';

export function createUpdateMagnitudeSelector(
  options: UpdateMagnitudeOptions,
  context: PluginContext,
): NeuronSelector {
  assertBandOptions(ID, options);
  return {
    needs: 'warmup',
    async select(input: SelectorInput) {
      const { after, before } = input;
      if (after === undefined) {
        throw errors.maskInvalid(
          ID,
          'needs the weights after a warm-up stage (SelectorInput.after), got none; schedule a warm-up stage before this selector',
          ID,
        );
      }
      // |Δ| in float64: the difference of two float32 values is exact there, so the ranking and
      // its ties are those of the stored weights.
      const scores = new Map<string, Float64Array>();
      for (const p of input.parameters) {
        const b = before.get(p.name);
        const a = after.get(p.name);
        if (a === undefined || b === undefined) {
          throw errors.maskInvalid(
            `${ID}: parameter "${p.name}"`,
            `expected its values before and after the warm-up, got ${b === undefined ? 'no before' : 'before'} and ${a === undefined ? 'no after' : 'after'}`,
            ID,
          );
        }
        if (a.length !== b.length) {
          throw errors.maskInvalid(
            `${ID}: parameter "${p.name}"`,
            `before has ${b.length} values and after has ${a.length}; expected both ${p.variable.size}`,
            ID,
          );
        }
        scores.set(
          p.name,
          Float64Array.from(a, (v, i) => Math.abs(v - b[i])),
        );
      }
      const result = bandMask(input.parameters, scores, {
        ratio: options.ratio,
        exclude: options.exclude,
        scope: options,
      });
      context.logger.info(
        `selected ${result.mask.selected} of ${result.mask.total} elements (share ${result.mask.share.toFixed(4)})`,
      );
      context.logger.debug(
        `${result.selectedUnits} of ${result.units} eligible ${options.granularity}s, requested ${result.keepCount} − ${result.excludeCount}; |Δ| in [${result.lowerThreshold}, ${result.upperThreshold})`,
      );
      return result.mask;
    },
  };
}

export const updateMagnitudePlugin = definePlugin<'neuronSelector', UpdateMagnitudeOptions>({
  id: ID,
  kind: 'neuronSelector',
  version: '0.1.0',
  description:
    "the paper's selector: global top r% minus top l% of |θ_warm − θ_ref| after a warm-up",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ratio: ratioProperty(
        0.05,
        "Fraction of eligible elements kept, from the largest |Δ| down (the paper's r = 5%).",
      ),
      exclude: {
        description:
          "Fraction of eligible elements removed from the very top of |Δ| (the paper's l = 0%).",
        type: 'number',
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0,
      },
      ...selectorScopeProperties,
    },
  },
  register: bindFactory('neuronSelector', createUpdateMagnitudeSelector),
});
