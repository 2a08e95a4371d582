// Negative Preference Optimization as one stage (Zhang et al. 2024, "Negative Preference
// Optimization: From Catastrophic Collapse to Effective Unlearning", Eq. 3, applied per token as
// in ALLO's Eq. 8): pushes the rejected responses' log-probs below the reference's. With
// `tokenWeights: true` each token is weighted by the `npo` stage's token scorer (ALLO's forgetting
// stage, without its mask); otherwise every token weighs 1.
import {
  DEFAULT_OPTIMIZER,
  bindFactory,
  definePlugin,
  optimizerOptionsSchema,
  stageBudget,
  stageOptionProperties,
  withDefaults,
} from '@allo/core';
import type {
  LossSchedule,
  OptimizerOptions,
  OptionsSchema,
  StageOptions,
  StageSpec,
} from '@allo/core';

export const ID = 'npo';

export interface NpoScheduleOptions extends StageOptions {
  beta: number;
  tokenWeights: boolean;
  optimizer: OptimizerOptions;
}

export const npoOptionsSchema: OptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...stageOptionProperties({ steps: 0, epochs: 1, lr: 5e-7, batchSize: 4, warmupRatio: 0.1 }),
    beta: { type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'NPO β.' },
    tokenWeights: {
      type: 'boolean',
      default: false,
      description:
        "Weight each rejected token with the token scorer (ALLO's forgetting objective).",
    },
    optimizer: optimizerOptionsSchema(DEFAULT_OPTIMIZER),
  },
};

export function npoStages(given: Partial<NpoScheduleOptions> = {}): StageSpec[] {
  const options = withDefaults<NpoScheduleOptions>(npoOptionsSchema, given);
  return [
    {
      name: 'npo',
      objective: { type: 'npo', beta: options.beta },
      init: 'reference',
      reference: 'initial',
      mask: { kind: 'all' },
      tokenWeights: options.tokenWeights,
      data: 'rejected',
      ...stageBudget(options, options.optimizer),
      discard: false,
    },
  ];
}

export function createNpoSchedule(options: Partial<NpoScheduleOptions>): LossSchedule {
  const stages = npoStages(options);
  return { stages: () => structuredClone(stages) };
}

export const npoSchedulePlugin = definePlugin<'schedule', NpoScheduleOptions>({
  id: ID,
  kind: 'schedule',
  version: '0.1.0',
  description: 'NPO on rejected responses, optionally token-weighted by the token scorer',
  optionsSchema: npoOptionsSchema,
  register: bindFactory('schedule', (options) => createNpoSchedule(options)),
});
