// The `data` section of a run config: lengths, splits and limits, with its JSON Schema fragment
// (defaults filled by ajv) for the core config to embed under the top-level key `data`.

export interface DataOptions {
  /** Most tokens in prompt + response, BOS and EOS included (stories260K: 512 positions). */
  maxLength: number;
  /** Most prompt tokens, BOS included; prompts are cut from the left. 0: only maxLength limits. */
  maxPromptLength: number;
  /** Eval rows held out: a count (>= 1) or a fraction (< 1); 0 for none. */
  eval: number;
  /** Validation rows held out, likewise. */
  validation: number;
  /** Records read from the dataset, in file order; 0 reads all. */
  limit: number;
  /** Seed of the split shuffle, independent of the run seed so the eval rows stay fixed. */
  splitSeed: number;
}

export const DATA_DEFAULTS: DataOptions = {
  maxLength: 512,
  maxPromptLength: 256,
  eval: 0.1,
  validation: 0,
  limit: 0,
  splitSeed: 1234,
};

export const dataOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    maxLength: {
      type: 'integer',
      minimum: 2,
      default: DATA_DEFAULTS.maxLength,
      description:
        'Most tokens in prompt + response (BOS and EOS included); longer prompts are cut from the left, rows whose response cannot fit are dropped as too-long.',
    },
    maxPromptLength: {
      type: 'integer',
      minimum: 0,
      default: DATA_DEFAULTS.maxPromptLength,
      description:
        'Most prompt tokens (BOS included), cut from the left; 0 for no limit beyond maxLength.',
    },
    eval: {
      anyOf: [
        { type: 'integer', minimum: 0 },
        { type: 'number', minimum: 0, exclusiveMaximum: 1 },
      ],
      default: DATA_DEFAULTS.eval,
      description:
        'Eval rows held out by the seeded shuffle: a whole count (>= 1) or a fraction (< 1); 0 for none.',
    },
    validation: {
      anyOf: [
        { type: 'integer', minimum: 0 },
        { type: 'number', minimum: 0, exclusiveMaximum: 1 },
      ],
      default: DATA_DEFAULTS.validation,
      description: 'Validation rows held out, as a count or a fraction; 0 for none.',
    },
    limit: {
      type: 'integer',
      minimum: 0,
      default: DATA_DEFAULTS.limit,
      description: 'Records read from the dataset in file order before splitting; 0 reads all.',
    },
    splitSeed: {
      type: 'integer',
      default: DATA_DEFAULTS.splitSeed,
      description:
        'Seed of the split shuffle; independent of the run seed, so eval rows stay fixed across runs.',
    },
  },
} as const;

/** Fills absent fields with the defaults (for callers that did not go through ajv). */
export function resolveDataOptions(options: Partial<DataOptions> = {}): DataOptions {
  return {
    ...DATA_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
}
