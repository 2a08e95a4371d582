// The options every neuron selector shares (eligibility and granularity), as TypeScript types and
// as JSON Schema properties that a selector's options schema spreads into its own.
import type { MaskEligibility } from './eligibility.js';
import { PARAMETER_GROUPS } from './eligibility.js';
import { errors } from '../errors.js';

export type MaskGranularity = 'element' | 'row';

export interface SelectorScopeOptions extends MaskEligibility {
  /** `element` ranks single weights; `row` ranks whole output neurons (see rows.ts). */
  granularity: MaskGranularity;
}

/** JSON Schema properties for SelectorScopeOptions, each with its default. */
export const selectorScopeProperties = {
  tensors: {
    description: 'Which parameter groups are eligible: all, attention, mlp, or a list of groups.',
    default: 'all',
    anyOf: [
      { type: 'string', enum: ['all', 'attention', 'mlp'] },
      {
        type: 'array',
        items: { type: 'string', enum: [...PARAMETER_GROUPS] },
        minItems: 1,
        uniqueItems: true,
      },
    ],
  },
  embeddings: {
    description: 'Whether the embedding and LM-head matrices stay eligible.',
    type: 'string',
    enum: ['include', 'exclude'],
    default: 'include',
  },
  norms: {
    description: 'Whether the normalisation vectors stay eligible.',
    type: 'string',
    enum: ['include', 'exclude'],
    default: 'include',
  },
  granularity: {
    description:
      'element: rank single weights; row: rank whole output neurons by the sum of |score| over the row.',
    type: 'string',
    enum: ['element', 'row'],
    default: 'element',
  },
} as const;

/** The `ratio` property: a fraction of the eligible elements (0.05 = 5%). */
export function ratioProperty(defaultRatio: number, description: string): Record<string, unknown> {
  return { description, type: 'number', exclusiveMinimum: 0, maximum: 1, default: defaultRatio };
}

/**
 * A band selector keeps "top ratio minus top exclude": refuses options whose band is empty,
 * naming the config path (the plugin id stands where a file name would).
 */
export function assertBandOptions(
  plugin: string,
  options: { ratio: number; exclude: number },
): void {
  if (options.exclude < options.ratio) return;
  throw errors.configInvalid(plugin, [
    {
      path: 'neuronSelector.options.exclude',
      message: `must be below options.ratio (${options.ratio}), or the band "top ratio minus top exclude" is empty`,
      got: String(options.exclude),
    },
  ]);
}
