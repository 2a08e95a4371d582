// @allo/dataset-jsonl-pairs: the `jsonl-pairs` DatasetLoader plugin.
import { bindFactory, definePlugin } from '@allo/core';

import { JsonlPairsLoader } from './jsonl-pairs.js';
import type { JsonlPairsOptions } from './jsonl-pairs.js';

export { JSONL_PAIRS_DEFAULTS, JsonlPairsLoader, sharedPrefix } from './jsonl-pairs.js';
export type { JsonlPairsOptions } from './jsonl-pairs.js';

const fieldPath = (what: string, fallback: string) => ({
  type: 'string',
  minLength: 1,
  default: fallback,
  description: `Field path of the ${what} ("a.b[0].c"): a string, or a list of {role, content} messages.`,
});

export const jsonlPairsPlugin = definePlugin<'dataset', JsonlPairsOptions>({
  id: 'jsonl-pairs',
  kind: 'dataset',
  version: '0.1.0',
  description:
    'Preference pairs from JSONL (plain or gzip): strings or chat messages, with field mapping',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: {
        type: 'string',
        format: 'path',
        minLength: 1,
        description: 'JSONL or JSONL.gz file; relative to the config file.',
      },
      fields: {
        type: 'object',
        additionalProperties: false,
        default: { prompt: 'prompt', chosen: 'chosen', rejected: 'rejected' },
        properties: {
          prompt: fieldPath(
            'prompt (absent in a row: the shared prefix of chosen and rejected conversations)',
            'prompt',
          ),
          chosen: fieldPath('chosen response', 'chosen'),
          rejected: fieldPath('rejected response', 'rejected'),
          id: {
            type: 'string',
            minLength: 1,
            description: 'Field path of a row id; default file:line.',
          },
        },
      },
      chat: {
        enum: ['auto', 'template', 'plain'],
        default: 'auto',
        description:
          'Message lists: the tokenizer chat template (template), their contents joined (plain), or template when the tokenizer has one (auto).',
      },
      separator: {
        type: 'string',
        default: '\n\n',
        description: 'Joins message contents in plain mode.',
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
    (options, context) => new JsonlPairsLoader(options, context.configDir, context.logger),
  ),
});
