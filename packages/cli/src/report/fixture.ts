// A small, made-up run directory in the shapes `allo run` writes, for the report's tests: an
// allo schedule (warm-up → forgetting → learning) and a DPO baseline on a 2-layer model, with
// round numbers so that tests can state the shares and metrics the report must print.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { MaskSummary } from '@allo/core';

import type { MetricsRow, RunSummary } from './read.js';

export const XSS = '<script>alert(1)</script> & "quotes"';

type Tensor = MaskSummary['tensors'][number];

function tensor(
  name: string,
  group: Tensor['group'],
  layer: number | null,
  selected: number,
  total: number,
): Tensor {
  return { name, group, layer, selected, total, share: selected / total };
}

/** Totals per layer and group from the tensors, as maskSummary reports them. */
function summarise(tensors: Tensor[]): MaskSummary {
  const layers = new Map<number | null, [number, number]>();
  const groups: MaskSummary['groups'] = {};
  let selected = 0;
  let total = 0;
  for (const t of tensors) {
    const l = layers.get(t.layer) ?? [0, 0];
    layers.set(t.layer, [l[0] + t.selected, l[1] + t.total]);
    const g = groups[t.group] ?? { selected: 0, total: 0, share: 0 };
    g.selected += t.selected;
    g.total += t.total;
    g.share = g.selected / g.total;
    groups[t.group] = g;
    selected += t.selected;
    total += t.total;
  }
  const keys = [...layers.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a - b));
  return {
    overall: { selected, total, share: selected / total },
    tensors,
    layers: keys.map((layer) => {
      const [s, n] = layers.get(layer)!;
      return { layer, selected: s, total: n, share: s / n };
    }),
    groups,
  };
}

/**
 * The forgetting mask per (layer, group): layer 0 attention 1024/8192 = 12.50%, mlp 410/16384
 * = 2.50%, norms 0.00%; layer 1 attention 3072/8192 = 37.50%, mlp 8192/16384 = 50.00%, norm
 * 16/128 = 12.50%; outside layers embedding 328/32768 = 1.00%, final norm 0.00%.
 */
export const FORGETTING_TENSORS: Tensor[] = [
  tensor('model.embed_tokens.weight', 'embedding', null, 328, 32768),
  tensor('model.layers.0.self_attn.q_proj.weight', 'attention', 0, 1024, 4096),
  tensor('model.layers.0.self_attn.k_proj.weight', 'attention', 0, 0, 4096),
  tensor('model.layers.0.mlp.gate_proj.weight', 'mlp', 0, 410, 8192),
  tensor('model.layers.0.mlp.up_proj.weight', 'mlp', 0, 0, 8192),
  tensor('model.layers.0.input_layernorm.weight', 'norm', 0, 0, 64),
  tensor('model.layers.0.post_attention_layernorm.weight', 'norm', 0, 0, 64),
  tensor('model.layers.1.self_attn.q_proj.weight', 'attention', 1, 2048, 4096),
  tensor('model.layers.1.self_attn.k_proj.weight', 'attention', 1, 1024, 4096),
  tensor('model.layers.1.mlp.gate_proj.weight', 'mlp', 1, 8192, 8192),
  tensor('model.layers.1.mlp.up_proj.weight', 'mlp', 1, 0, 8192),
  tensor('model.layers.1.input_layernorm.weight', 'norm', 1, 16, 64),
  tensor('model.layers.1.post_attention_layernorm.weight', 'norm', 1, 0, 64),
  tensor('model.norm.weight', 'norm', null, 0, 64),
];

/** The learning mask: the same tensors, 2048 of layer 0's q_proj (25.00% of its attention) and 4096 of layer 1's up_proj (25.00% of its mlp). */
export const LEARNING_TENSORS: Tensor[] = FORGETTING_TENSORS.map((t) => {
  if (t.name === 'model.layers.0.self_attn.q_proj.weight')
    return tensor(t.name, t.group, t.layer, 2048, t.total);
  if (t.name === 'model.layers.1.mlp.up_proj.weight')
    return tensor(t.name, t.group, t.layer, 4096, t.total);
  return tensor(t.name, t.group, t.layer, 0, t.total);
});

export const TOTAL_ELEMENTS = FORGETTING_TENSORS.reduce((n, t) => n + t.total, 0);

/** allo's three stages (warm-up and learning record margins, NPO forgetting does not), then dpo's. */
export function fixtureMetrics(): MetricsRow[] {
  const rows: MetricsRow[] = [];
  const add = (model: string, stage: string, steps: number, margins: boolean, start: number) => {
    for (let step = 1; step <= steps; step += 1) {
      const values: Record<string, number> = {
        loss: start - 0.01 * step,
        learning_rate: 3e-4,
        'tokens/s': 1500 + step,
      };
      if (margins) {
        values['rewards/margins'] = 0.002 * step;
        values['rewards/accuracies'] = 0.5;
      }
      rows.push({ model, stage, step, values });
    }
  };
  add('allo', 'warmup', 4, true, 0.6931);
  add('allo', 'forgetting', 3, false, 0.6931);
  add('allo', 'learning', 4, true, 0.69);
  add('dpo', 'dpo', 8, true, 0.6931);
  return rows;
}

export const FIXTURE_EVAL = {
  reference: {
    'rewards/accuracies': 0,
    'rewards/margins': 0,
    'rewards/chosen': 0,
    'rewards/rejected': 0,
    'logps/chosen': -112.5304,
    'logps/rejected': -98.2461,
    'nll/chosen': 2.4375,
    'kl/reference': 0,
  },
  allo: {
    'rewards/accuracies': 0.625,
    'rewards/margins': 0.0421875,
    'rewards/chosen': -0.0103,
    'rewards/rejected': -0.0525,
    'logps/chosen': -112.6334,
    'logps/rejected': -98.7711,
    'nll/chosen': 2.4402,
    'kl/reference': 0.0123,
  },
  dpo: {
    'rewards/accuracies': 0.5625,
    'rewards/margins': 0.03125,
    'rewards/chosen': 0.0021,
    'rewards/rejected': -0.0291,
    'logps/chosen': -112.5094,
    'logps/rejected': -98.5371,
    'nll/chosen': 2.4391,
    'kl/reference': 0.000734,
  },
};

export interface FixtureOptions {
  /** An interrupted run: status "interrupted", no eval.json and no samples. */
  interrupted?: boolean;
}

export function fixtureSummary(options: FixtureOptions = {}): RunSummary {
  const forgetting = summarise(FORGETTING_TENSORS);
  const learning = summarise(LEARNING_TENSORS);
  const intersection = 2048;
  return {
    stages: [
      {
        model: 'allo',
        stage: 'warmup',
        steps: 4,
        metrics: { loss: 0.6681, 'rewards/margins': 0.005 },
        mask: null,
        checkpoint: null,
      },
      {
        model: 'allo',
        stage: 'forgetting',
        steps: 3,
        metrics: { loss: 0.6731 },
        mask: { ...forgetting.overall, summary: forgetting },
        checkpoint: 'checkpoints/allo/forgetting',
      },
      {
        model: 'allo',
        stage: 'learning',
        steps: 4,
        metrics: { loss: 0.665, 'rewards/margins': 0.005 },
        mask: { ...learning.overall, summary: learning },
        checkpoint: 'checkpoints/allo/learning',
      },
      {
        model: 'dpo',
        stage: 'dpo',
        steps: 8,
        metrics: { loss: 0.6481, 'rewards/margins': 0.009 },
        mask: null,
        checkpoint: 'checkpoints/dpo/dpo',
      },
    ],
    overlaps: [
      {
        model: 'allo',
        a: 'forgetting',
        b: 'learning',
        overlap: {
          intersection,
          union: forgetting.overall.selected + learning.overall.selected - intersection,
          jaccard:
            intersection / (forgetting.overall.selected + learning.overall.selected - intersection),
          selectedA: forgetting.overall.selected,
          selectedB: learning.overall.selected,
        },
      },
    ],
    samples: options.interrupted
      ? []
      : [
          {
            prompt: '\n\nHuman: How do I bake bread?\n\nAssistant:',
            responses: {
              reference: 'Once upon a time there was a loaf.',
              allo: 'Mix flour & water, then bake.',
              dpo: 'You need an oven.',
            },
          },
          {
            prompt: `\n\nHuman: Say ${XSS}\n\nAssistant:`,
            responses: { reference: XSS, allo: 'I will not.', dpo: `Sure: ${XSS}` },
          },
        ],
  };
}

/** Writes the fixture run directory into `dir` and returns it. */
export async function writeFixtureRun(dir: string, options: FixtureOptions = {}): Promise<string> {
  await mkdir(path.join(dir, 'masks'), { recursive: true });
  const run = {
    name: 'default',
    seed: 7,
    versions: { node: '22.0.0', allo: '0.1.0' },
    backend: 'cpu',
    startedAt: '2026-01-02T10:00:00.000Z',
    endedAt: '2026-01-02T10:04:05.000Z',
    status: options.interrupted ? 'interrupted' : 'ok',
    data: {
      kept: { total: 480, train: 384, validation: 32, eval: 64, rejected: 0, sft: 0 },
      dropped: { 'too-long': 17, 'prompts-differ': 3 },
      lengths: {
        prompt: { count: 480, min: 9, mean: 41.25, median: 38, max: 96 },
        response: { count: 960, min: 2, mean: 27.5, median: 24, max: 64 },
      },
    },
  };
  await writeFile(path.join(dir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  const lines = fixtureMetrics().map((r) =>
    JSON.stringify({ model: r.model, stage: r.stage, step: r.step, ...r.values }),
  );
  await writeFile(path.join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
  if (!options.interrupted)
    await writeFile(path.join(dir, 'eval.json'), `${JSON.stringify(FIXTURE_EVAL, null, 2)}\n`);
  await writeFile(
    path.join(dir, 'summary.json'),
    `${JSON.stringify(fixtureSummary(options), null, 2)}\n`,
  );
  await writeFile(path.join(dir, 'masks', 'allo-forgetting.safetensors'), '');
  await writeFile(path.join(dir, 'masks', 'allo-learning.safetensors'), '');
  return dir;
}
