// Templates of a new plugin package, one per extension point. Each template is a small, working
// implementation (not a stub), so the generated package passes its own tests from the start and
// shows its author the shape of the interface.
'use strict';

const KINDS = ['neuronSelector', 'tokenScorer', 'schedule', 'dataset', 'model', 'backend'];

function pascal(name) {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

const implementations = {
  neuronSelector: (n) => ({
    summary: 'selects the global top `ratio` share of elements by weight magnitude |θ| (no warm-up needed)',
    schema: `{
    type: 'object',
    properties: {
      ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.05, description: 'share of elements selected' },
    },
    additionalProperties: false,
  }`,
    optionsType: '{ ratio: number }',
    body: `import type { NeuronSelector, ParameterMask, SelectorInput, TensorMask } from '@allo/core';

/** Keeps the elements with the largest |θ| over all tensors together; ties at the threshold are kept. */
export class ${pascal(n)} implements NeuronSelector {
  readonly needs = 'nothing' as const;

  constructor(private readonly options: { ratio: number }) {}

  async select(input: SelectorInput): Promise<ParameterMask> {
    let total = 0;
    for (const p of input.parameters) total += input.before.get(p.name)!.length;
    const all = new Float32Array(total);
    let offset = 0;
    for (const p of input.parameters) {
      const values = input.before.get(p.name)!;
      for (let i = 0; i < values.length; i += 1) all[offset + i] = Math.abs(values[i]);
      offset += values.length;
    }
    const k = Math.max(1, Math.round(this.options.ratio * total));
    const threshold = all.sort()[total - k];
    const tensors = new Map<string, TensorMask>();
    let selected = 0;
    for (const p of input.parameters) {
      const values = input.before.get(p.name)!;
      const indices: number[] = [];
      for (let i = 0; i < values.length; i += 1) if (Math.abs(values[i]) >= threshold) indices.push(i);
      selected += indices.length;
      tensors.set(p.name, { name: p.name, size: values.length, indices: Int32Array.from(indices) });
    }
    return { tensors, share: selected / total, selected, total };
  }
}
`,
    test: `  it('selects the largest |θ| elements over all tensors', async () => {
    const variable = tf.variable(tf.tensor1d([0.1, -3, 0.2, 2, -0.05, 1]), true, 'w');
    const parameters = [{ name: 'w', variable, group: 'mlp' as const, layer: 0, outputAxis: null }];
    const before = new Map([['w', variable.dataSync() as Float32Array]]);
    const mask = await new ${pascal(n)}({ ratio: 0.5 }).select({ parameters, before });
    expect(Array.from(mask.tensors.get('w')!.indices)).toEqual([1, 3, 5]);
    expect(mask.share).toBe(0.5);
    variable.dispose();
  });`,
  }),
  tokenScorer: (n) => ({
    summary: 'weights the last `lastTokens` tokens of each response 1 and the others `floor`',
    schema: `{
    type: 'object',
    properties: {
      lastTokens: { type: 'integer', minimum: 1, default: 4, description: 'tokens at the end of a response that count fully' },
      floor: { type: 'number', minimum: 0, maximum: 1, default: 0, description: 'weight of the other tokens' },
    },
    additionalProperties: false,
  }`,
    optionsType: '{ lastTokens: number; floor: number }',
    body: `import type { TokenScoreInput, TokenScorer } from '@allo/core';

/** Weight 1 for the last \`lastTokens\` response tokens (EOS included), \`floor\` before them. */
export class ${pascal(n)} implements TokenScorer {
  readonly needs = 'nothing' as const;

  constructor(private readonly options: { lastTokens: number; floor: number }) {}

  async score(input: TokenScoreInput): Promise<Float32Array[]> {
    return input.pairs.map((pair) => {
      const ids = input.response === 'rejected' ? pair.rejectedIds : pair.chosenIds;
      const weights = new Float32Array(ids.length).fill(this.options.floor);
      weights.fill(1, Math.max(0, ids.length - this.options.lastTokens));
      return weights;
    });
  }
}
`,
    test: `  it('weights the tail of each response', async () => {
    const scorer = new ${pascal(n)}({ lastTokens: 2, floor: 0.25 });
    const pairs = [{ id: 'a', promptIds: [1, 5], chosenIds: [7, 2], rejectedIds: [8, 9, 10, 2] }];
    const [weights] = await scorer.score({ pairs, response: 'rejected' } as never);
    expect(Array.from(weights)).toEqual([0.25, 0.25, 1, 1]);
  });`,
  }),
  schedule: (n) => ({
    summary: 'one stage of sigmoid DPO over every element, with its own steps, learning rate and beta',
    schema: `{
    type: 'object',
    properties: {
      steps: { type: 'integer', minimum: 1, default: 20 },
      lr: { type: 'number', exclusiveMinimum: 0, default: 0.0003 },
      beta: { type: 'number', exclusiveMinimum: 0, default: 0.1 },
      batchSize: { type: 'integer', minimum: 1, default: 4 },
    },
    additionalProperties: false,
  }`,
    optionsType: '{ steps: number; lr: number; beta: number; batchSize: number }',
    body: `import type { LossSchedule, StageSpec } from '@allo/core';

/** A single DPO stage (Rafailov et al., 2023, eq. 7) on the whole model. */
export class ${pascal(n)} implements LossSchedule {
  constructor(private readonly options: { steps: number; lr: number; beta: number; batchSize: number }) {}

  stages(): StageSpec[] {
    const { steps, lr, beta, batchSize } = this.options;
    return [
      {
        name: '${n}',
        objective: { type: 'dpo', beta, variant: 'sigmoid', labelSmoothing: 0, reduction: 'sum' },
        init: 'reference',
        reference: 'initial',
        mask: { kind: 'all' },
        tokenWeights: false,
        data: 'pairs',
        optimizer: { lr, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maxGradNorm: 1, warmupRatio: 0.1, schedule: 'cosine' },
        steps,
        epochs: 0,
        batchSize,
        discard: false,
      },
    ];
  }
}
`,
    test: `  it('returns one DPO stage with the configured budget', () => {
    const [stage] = new ${pascal(n)}({ steps: 7, lr: 0.001, beta: 0.2, batchSize: 2 }).stages();
    expect(stage.steps).toBe(7);
    expect(stage.objective).toEqual({ type: 'dpo', beta: 0.2, variant: 'sigmoid', labelSmoothing: 0, reduction: 'sum' });
  });`,
  }),
  dataset: (n) => ({
    summary: 'preference pairs written inline in the config (`pairs`: prompt, chosen, rejected)',
    schema: `{
    type: 'object',
    properties: {
      pairs: {
        type: 'array',
        default: [{ prompt: 'Once upon a time', chosen: ' there was a kind girl.', rejected: ' there was a mean dog.' }],
        items: {
          type: 'object',
          properties: { prompt: { type: 'string' }, chosen: { type: 'string' }, rejected: { type: 'string' } },
          required: ['prompt', 'chosen', 'rejected'],
          additionalProperties: false,
        },
      },
    },
    additionalProperties: false,
  }`,
    optionsType: '{ pairs: Array<{ prompt: string; chosen: string; rejected: string }> }',
    body: `import type { DatasetLoader, DatasetRecord, DropCounts } from '@allo/core';

/** Streams the pairs given in the options, dropping any whose chosen equals its rejected. */
export class ${pascal(n)} implements DatasetLoader {
  private readonly drops: DropCounts = {};

  constructor(private readonly options: { pairs: Array<{ prompt: string; chosen: string; rejected: string }> }) {}

  async *records(): AsyncIterable<DatasetRecord> {
    for (const [index, pair] of this.options.pairs.entries()) {
      if (pair.chosen === pair.rejected) {
        this.drops['chosen-equals-rejected'] = (this.drops['chosen-equals-rejected'] ?? 0) + 1;
        continue;
      }
      yield { kind: 'preference', id: \`${n}-\${index}\`, ...pair };
    }
  }

  dropped(): DropCounts {
    return { ...this.drops };
  }
}
`,
    test: `  it('streams the inline pairs and counts the dropped one', async () => {
    const loader = new ${pascal(n)}({ pairs: [
      { prompt: 'p', chosen: 'a', rejected: 'b' },
      { prompt: 'q', chosen: 'same', rejected: 'same' },
    ] });
    const records = [];
    for await (const record of loader.records()) records.push(record);
    expect(records).toHaveLength(1);
    expect(loader.dropped()).toEqual({ 'chosen-equals-rejected': 1 });
  });`,
  }),
  model: (n) => ({
    summary: 'loads a llama2.c checkpoint through @allo/model-llama2c, naming the tokenizer beside it',
    schema: `{
    type: 'object',
    properties: {
      path: { type: 'string', format: 'path', description: 'the llama2.c .bin checkpoint' },
      tokenizer: { type: 'string', format: 'path', default: '', description: 'tokenizer.bin (empty: found beside the checkpoint)' },
    },
    required: ['path'],
    additionalProperties: false,
  }`,
    optionsType: '{ path: string; tokenizer?: string }',
    extraDeps: ['@allo/model-llama2c'],
    body: `import type { LoadedModel, ModelLoader, PluginContext } from '@allo/core';
import { llama2cModelPlugin as llama2c } from '@allo/model-llama2c';
import { container } from 'tsyringe';
import { MODEL_LOADER } from '@allo/core';

/** Delegates to the llama2.c loader, accepting only files ending in .bin. */
export class ${pascal(n)} implements ModelLoader {
  private readonly inner: ModelLoader;

  constructor(options: { path: string; tokenizer?: string }, context: PluginContext) {
    const child = container.createChildContainer();
    llama2c.register(child, options, context);
    this.inner = child.resolve(MODEL_LOADER);
  }

  async accepts(path: string): Promise<boolean> {
    return path.endsWith('.bin') && (await this.inner.accepts(path));
  }

  load(path: string, options: { tokenizer?: string }): Promise<LoadedModel> {
    return this.inner.load(path, options);
  }
}
`,
    test: `  it('loads stories260K', async () => {
    const file = assetPath('stories260K', 'stories260K.bin');
    const loader = new ${pascal(n)}({ path: file }, testContext());
    expect(await loader.accepts(file)).toBe(true);
    const loaded = await loader.load(file, {});
    expect(loaded.model.config.vocabSize).toBe(512);
    loaded.model.dispose();
  });`,
    testImports: "import { assetPath } from '@allo/core';\nimport { testContext } from '@allo/core/testing';",
  }),
  backend: (n) => ({
    summary: "the pure-JS tfjs cpu backend under this plugin's id, with `threads` reported as 1",
    schema: `{
    type: 'object',
    properties: {},
    additionalProperties: false,
  }`,
    optionsType: 'Record<string, never>',
    extraDeps: ['@tensorflow/tfjs-backend-cpu'],
    body: `import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Backend, BackendInfo } from '@allo/core';

/** Selects tfjs's cpu backend; always available. */
export class ${pascal(n)} implements Backend {
  async available(): Promise<{ ok: true }> {
    return { ok: true };
  }

  async initialise(): Promise<BackendInfo> {
    await tf.setBackend('cpu');
    await tf.ready();
    return {
      name: tf.getBackend(),
      description: 'tfjs cpu backend (pure JavaScript), selected by the ${n} plugin',
      capabilities: { gpu: false, nativeMatMul: false, threads: 1, float64: false },
    };
  }
}
`,
    test: `  it('initialises the cpu backend', async () => {
    const info = await new ${pascal(n)}().initialise();
    expect(info.name).toBe('cpu');
  });`,
  }),
};

/** Every file of a new plugin package, keyed by path relative to the workspace root. */
function pluginFiles({ name, kind, directory = 'plugins', scope = '@allo', workspaceRoot = '.' }) {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`plugin name "${name}": expected kebab-case (a-z, 0-9, -), starting with a letter`);
  if (!KINDS.includes(kind)) throw new Error(`plugin kind "${kind}": expected one of ${KINDS.join(', ')}`);
  const spec = implementations[kind](name);
  const packageName = `${scope}/${name}`;
  const dir = `${directory}/${name}`;
  const depth = dir.split('/').length;
  const up = '../'.repeat(depth);
  const className = pascal(name);
  const deps = { '@allo/core': '0.1.0', '@tensorflow/tfjs-core': '4.22.0', tsyringe: '^4.10.0' };
  for (const extra of spec.extraDeps ?? []) deps[extra] = extra.startsWith('@allo/') ? '0.1.0' : '4.22.0';
  const files = {};
  files[`${dir}/package.json`] = `${JSON.stringify(
    {
      name: packageName,
      version: '0.1.0',
      description: `allo ${kind} plugin: ${spec.summary}`,
      license: 'MIT',
      type: 'module',
      keywords: ['allo-plugin', `allo-${kind}`],
      exports: { '.': { 'allo-source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' } },
      files: ['dist', 'src', 'README.md'],
      scripts: { build: 'tsc -b', test: `vitest run --config ${up}vitest.config.ts --dir .` },
      dependencies: deps,
    },
    null,
    2,
  )}\n`;
  files[`${dir}/tsconfig.json`] = `${JSON.stringify(
    {
      extends: `${up}tsconfig.base.json`,
      compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo' },
      include: ['src'],
      exclude: ['src/**/*.test.ts'],
      references: [{ path: `${up}packages/core` }, ...(spec.extraDeps ?? []).filter((d) => d.startsWith('@allo/')).map((d) => ({ path: `${up}plugins/${d.slice(6)}` }))],
    },
    null,
    2,
  )}\n`;
  files[`${dir}/src/index.ts`] = `// Public names of ${packageName}.\nexport { plugin } from './plugin.js';\nexport { ${className} } from './${name}.js';\n`;
  files[`${dir}/src/plugin.ts`] = `// The plugin declaration: registered into a run's container only when a config names "${name}".
import { bindFactory, definePlugin } from '@allo/core';

import { ${className} } from './${name}.js';

export const plugin = definePlugin({
  id: '${name}',
  kind: '${kind}',
  version: '0.1.0',
  description: '${spec.summary.replace(/'/g, "\\'")}',
  optionsSchema: ${spec.schema},
  register: bindFactory('${kind}', (options: ${spec.optionsType}, context) => new ${className}(${kind === 'backend' ? '' : kind === 'model' ? 'options, context' : 'options'})),
});
`;
  files[`${dir}/src/${name}.ts`] = `// ${spec.summary}\n${spec.body}`;
  files[`${dir}/src/${name}.test.ts`] = `import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { pluginContract } from '@allo/core/testing';
${spec.testImports ?? ''}

import { ${className}, plugin } from './index.js';

void tf;

pluginContract(plugin${kind === 'model' ? ", { options: { path: 'model.bin' } }" : ''});

describe('${className}', () => {
${spec.test}
});
`;
  files[`${dir}/README.md`] = `# ${packageName}

An allo **${kind}** plugin: ${spec.summary}.

Use it from a config:

\`\`\`json
{
  "plugins": ["${up}${dir}"],
  "${kind === 'schedule' ? 'schedule' : kind === 'model' ? 'model' : kind === 'dataset' ? 'dataset' : kind === 'backend' ? 'backend' : kind}": { "use": "${name}", "options": {} }
}
\`\`\`

\`npx allo plugins --config <that config>\` lists it with its options. Build it with
\`npx tsc -b ${dir}\` (a config loads the built \`dist/\`), test it with \`npx vitest run ${dir}\`.
`;
  const slot = kind === 'schedule' ? 'schedule' : kind;
  const example = { $schema: `${up}allo.schema.json`, name: `example-${name}`, plugins: [`../../${dir}`] };
  example[slot] = { use: name, options: {} };
  if (kind === 'model') example[slot].options = { path: '../../assets/stories260K/stories260K.bin' };
  const small = { steps: 4, batchSize: 4, lr: 0.0003 };
  if (kind === 'schedule') example.schedule.options = small;
  else if (kind === 'neuronSelector') example.schedule = { use: 'dpo', options: { ...small, masked: true, warmup: small } };
  else if (kind === 'tokenScorer') example.schedule = { use: 'allo', options: { warmup: small, forgetting: small, learning: small } };
  else example.schedule = { use: 'dpo', options: small };
  example.baselines = { dpo: null };
  example.data = { limit: 48, maxLength: 160, eval: 8, validation: 0 };
  example.eval = { klSamples: 4, maxNewTokens: 16, showSamples: 1 };
  files[`examples/${name}/config.json`] = `${JSON.stringify(example, null, 2)}\n`;
  files[`examples/${name}/README.md`] = `# example: ${name}\n\nRuns a short job with the \`${name}\` ${kind} plugin (${spec.summary}).\n\n    npx nx run example-${name}:run\n`;
  files[`examples/${name}/project.json`] = `${JSON.stringify(
    {
      name: `example-${name}`,
      $schema: '../../node_modules/nx/schemas/project-schema.json',
      targets: {
        run: {
          dependsOn: [],
          command: `npx tsc -b ${dir} && node packages/cli/bin/allo.js run examples/${name}/config.json`,
          options: { cwd: '{workspaceRoot}' },
        },
      },
    },
    null,
    2,
  )}\n`;
  return { files, dir, packageName };
}

module.exports = { KINDS, pluginFiles, pascal };
