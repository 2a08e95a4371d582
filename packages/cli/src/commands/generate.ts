// `allo generate <model>`: a quick look at any loadable model (a llama2.c checkpoint or a Hugging
// Face directory). The prompt is encoded after one BOS (when the tokenizer has one), as the
// trainer does; generation stops at EOS, the tokenizer's stop ids, or --max-tokens.
import { parseArgs } from 'node:util';

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { silenceNodeNag } from '@allo/backend-cpu';
import { createLogger, errors, isAlloError, writeOut } from '@allo/core';
import type { ModelLoader } from '@allo/core';
import { HfLoader } from '@allo/model-hf';
import { Llama2cLoader } from '@allo/model-llama2c';

export const GENERATE_HELP = `usage: allo generate <model> [options]

Samples a continuation from a llama2.c checkpoint (.bin) or a Hugging Face directory
(config.json + model.safetensors) and prints the prompt with its continuation.

options:
  --tokenizer PATH    tokenizer.json or llama2.c tokenizer.bin (default: the one beside the model)
  --prompt TEXT       text to continue (default: empty, i.e. start from BOS)
  --max-tokens N      new tokens at most (default 256)
  --temperature T     0 decodes greedily (default 1)
  --top-p P           nucleus sampling mass in (0, 1] (default 0.9)
  --seed S            sampling seed; the same seed gives the same text (default 0)
  --json              print {"text", "ids", "finish"}: ids are the prompt ids and the new ones
  -h, --help          this text`;

const LOADERS: Array<{ id: string; loader: ModelLoader }> = [
  { id: 'llama2c', loader: new Llama2cLoader() },
  { id: 'hf', loader: new HfLoader() },
];

function numberOption(
  name: string,
  raw: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
  expected: string,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw errors.usage(`--${name}: expected ${expected}, got "${raw}" (allo generate --help)`);
  }
  return value;
}

/** Selects tfjs' cpu backend unless a backend is already set up in this process. */
async function ensureBackend(): Promise<void> {
  if (tf.engine().backendName) return;
  await tf.setBackend('cpu');
  silenceNodeNag(tf.backend());
  await tf.ready();
}

async function generate(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tokenizer: { type: 'string' },
      prompt: { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-p': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    writeOut(GENERATE_HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw errors.usage(
      `allo generate takes exactly one model path, got ${positionals.length} (allo generate --help)`,
    );
  const maxNewTokens = numberOption(
    'max-tokens',
    values['max-tokens'],
    256,
    (n) => Number.isInteger(n) && n >= 0,
    'a whole number >= 0',
  );
  const temperature = numberOption(
    'temperature',
    values.temperature,
    1,
    (n) => n >= 0,
    'a number >= 0',
  );
  const topP = numberOption(
    'top-p',
    values['top-p'],
    0.9,
    (n) => n > 0 && n <= 1,
    'a number in (0, 1]',
  );
  const seed = numberOption('seed', values.seed, 0, (n) => Number.isInteger(n), 'an integer');

  const target = positionals[0];
  let chosen: ModelLoader | null = null;
  for (const { loader } of LOADERS) {
    if (await loader.accepts(target)) {
      chosen = loader;
      break;
    }
  }
  if (chosen === null) {
    throw errors.modelUnsupported(
      target,
      'not a llama2.c checkpoint (.bin with a legacy header) nor a Hugging Face directory (config.json + model.safetensors)',
    );
  }
  await ensureBackend();
  const loaded = await chosen.load(target, { tokenizer: values.tokenizer });
  try {
    const { tokenizer, model } = loaded;
    const promptIds = [
      ...(tokenizer.bosId === null ? [] : [tokenizer.bosId]),
      ...tokenizer.encode(values.prompt ?? ''),
    ];
    if (promptIds.length === 0)
      throw errors.usage('--prompt: the tokenizer has no BOS, so the prompt must not be empty');
    const stopIds = [
      ...(tokenizer.eosId === null ? [] : [tokenizer.eosId]),
      ...(tokenizer.stopIds ?? []),
    ];
    const result = model.generate([promptIds], { maxNewTokens, temperature, topP, seed, stopIds });
    const ids = [...promptIds, ...result.tokens[0]];
    const text = tokenizer.decode(ids);
    writeOut(values.json ? JSON.stringify({ text, ids, finish: result.finish[0] }) : text);
    return 0;
  } finally {
    loaded.model.dispose();
  }
}

/** Exit codes: 0 done, 2 usage error, 1 failure (unreadable or invalid model). */
export async function generateCommand(argv: string[]): Promise<number> {
  const logger = createLogger('generate');
  try {
    return await generate(argv);
  } catch (error) {
    const usage =
      isAlloError(error, 'USAGE') ||
      (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS') === true;
    logger.error(
      isAlloError(error)
        ? `${error.code}: ${error.message}`
        : `${(error as Error).message}${usage ? ' (allo generate --help)' : ''}`,
    );
    return usage ? 2 : 1;
  }
}
