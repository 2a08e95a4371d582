// @allo/dataset-hh-rlhf: the `hh-rlhf` DatasetLoader plugin.
import { bindFactory, definePlugin } from '@allo/core';

import { HhRlhfLoader } from './hh-rlhf.js';
import type { HhRlhfOptions } from './hh-rlhf.js';

export { ASSISTANT_MARKER, HhRlhfLoader, splitTranscript } from './hh-rlhf.js';
export type { HhRlhfOptions } from './hh-rlhf.js';

export const hhRlhfPlugin = definePlugin<'dataset', HhRlhfOptions>({
  id: 'hh-rlhf',
  kind: 'dataset',
  version: '0.1.0',
  description: 'Anthropic HH-RLHF transcripts (chosen/rejected), split at the last Assistant turn',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: {
        type: 'string',
        format: 'path',
        minLength: 1,
        description:
          'JSONL or JSONL.gz of {chosen, rejected} transcripts; relative to the config file.',
      },
      onInvalid: {
        enum: ['error', 'skip'],
        default: 'error',
        description:
          'A malformed row fails the run (error) or is counted as malformed and skipped (skip).',
      },
    },
  },
  register: bindFactory(
    'dataset',
    (options, context) => new HhRlhfLoader(options, context.configDir, context.logger),
  ),
});
