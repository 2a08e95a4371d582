// Supervised fine-tuning on the chosen responses as one stage (the NLL of the response tokens;
// Ouyang et al. 2022, Sec. 3.5): the usual first step before preference training, and a baseline.
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

export const ID = 'sft';

export interface SftScheduleOptions extends StageOptions {
  reduction: 'sum' | 'mean';
  optimizer: OptimizerOptions;
}

export const sftOptionsSchema: OptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...stageOptionProperties({ steps: 0, epochs: 1, lr: 1e-5, batchSize: 4, warmupRatio: 0.1 }),
    reduction: {
      enum: ['sum', 'mean'],
      default: 'mean',
      description:
        "mean: NLL per response token over the batch; sum: each response's summed NLL, averaged over rows.",
    },
    optimizer: optimizerOptionsSchema(DEFAULT_OPTIMIZER),
  },
};

export function sftStages(given: Partial<SftScheduleOptions> = {}): StageSpec[] {
  const options = withDefaults<SftScheduleOptions>(sftOptionsSchema, given);
  return [
    {
      name: 'sft',
      objective: { type: 'sft', reduction: options.reduction },
      init: 'reference',
      reference: 'initial',
      mask: { kind: 'all' },
      tokenWeights: false,
      data: 'chosen',
      ...stageBudget(options, options.optimizer),
      discard: false,
    },
  ];
}

export function createSftSchedule(options: Partial<SftScheduleOptions>): LossSchedule {
  const stages = sftStages(options);
  return { stages: () => structuredClone(stages) };
}

export const sftSchedulePlugin = definePlugin<'schedule', SftScheduleOptions>({
  id: ID,
  kind: 'schedule',
  version: '0.1.0',
  description: 'supervised fine-tuning: NLL of the chosen responses',
  optionsSchema: sftOptionsSchema,
  register: bindFactory('schedule', (options) => createSftSchedule(options)),
});
