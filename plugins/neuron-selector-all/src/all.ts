// Vanilla training as a selector: every eligible element. With the default options the mask is
// the whole model; with `embeddings: "exclude"` it freezes the vocabulary matrices, and so on.
import { bindFactory, definePlugin, fullMask, selectorScopeProperties } from '@allo/core';
import type {
  NeuronSelector,
  PluginContext,
  SelectorInput,
  SelectorScopeOptions,
} from '@allo/core';

export interface AllSelectorOptions extends SelectorScopeOptions {
  /** Accepted so that a config can swap selectors without editing options; ignored. */
  ratio: number;
}

export const ID = 'all';

export function createAllSelector(
  options: AllSelectorOptions,
  context: PluginContext,
): NeuronSelector {
  if (options.ratio !== 1) {
    context.logger.warnOnce(
      `${ID}:ratio`,
      `options.ratio is ${options.ratio}, but the "all" selector selects every eligible element; the ratio is ignored`,
    );
  }
  return {
    needs: 'nothing',
    async select(input: SelectorInput) {
      // Granularity changes nothing here: whole rows of every eligible tensor are every element.
      const mask = fullMask(input.parameters, options);
      context.logger.info(
        `selected every eligible element: ${mask.selected} of ${mask.total} (share ${mask.share.toFixed(6)})`,
      );
      return mask;
    },
  };
}

export const allPlugin = definePlugin<'neuronSelector', AllSelectorOptions>({
  id: ID,
  kind: 'neuronSelector',
  version: '0.1.0',
  description: 'every eligible element (vanilla training)',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ratio: {
        description: 'Ignored (with a warning unless 1): every eligible element is selected.',
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 1,
        default: 1,
      },
      ...selectorScopeProperties,
    },
  },
  register: bindFactory('neuronSelector', createAllSelector),
});
