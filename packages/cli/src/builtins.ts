// The plugins that ship with allo. Importing them registers nothing: a run's container gets
// only the plugins its config names.
import * as backendCpu from '@allo/backend-cpu';
import * as backendNative from '@allo/backend-native';
import * as backendTfjsNode from '@allo/backend-tfjs-node';
import * as backendTfjsNodeGpu from '@allo/backend-tfjs-node-gpu';
import * as datasetArithmetic from '@allo/dataset-arithmetic';
import * as datasetHhRlhf from '@allo/dataset-hh-rlhf';
import * as datasetJsonlPairs from '@allo/dataset-jsonl-pairs';
import * as datasetSelfSampled from '@allo/dataset-self-sampled';
import * as scheduleAllo from '@allo/loss-schedule-allo';
import * as scheduleDpo from '@allo/loss-schedule-dpo';
import * as scheduleNpo from '@allo/loss-schedule-npo';
import * as scheduleSft from '@allo/loss-schedule-sft';
import * as modelHf from '@allo/model-hf';
import * as modelLlama2c from '@allo/model-llama2c';
import * as selectorAll from '@allo/neuron-selector-all';
import * as selectorGradient from '@allo/neuron-selector-gradient-magnitude';
import * as selectorRandom from '@allo/neuron-selector-random';
import * as selectorUpdate from '@allo/neuron-selector-update-magnitude';
import * as scorerImplicit from '@allo/token-scorer-implicit-reward';
import * as scorerRewardModel from '@allo/token-scorer-reward-model';
import * as scorerUniform from '@allo/token-scorer-uniform';
import { PluginRegistry, isPluginDeclaration } from '@allo/core';
import type { PluginDeclaration } from '@allo/core';

const MODULES: Array<[string, Record<string, unknown>]> = [
  ['@allo/backend-cpu', backendCpu],
  ['@allo/backend-native', backendNative],
  ['@allo/backend-tfjs-node', backendTfjsNode],
  ['@allo/backend-tfjs-node-gpu', backendTfjsNodeGpu],
  ['@allo/model-llama2c', modelLlama2c],
  ['@allo/model-hf', modelHf],
  ['@allo/dataset-jsonl-pairs', datasetJsonlPairs],
  ['@allo/dataset-hh-rlhf', datasetHhRlhf],
  ['@allo/dataset-self-sampled', datasetSelfSampled],
  ['@allo/dataset-arithmetic', datasetArithmetic],
  ['@allo/loss-schedule-allo', scheduleAllo],
  ['@allo/loss-schedule-dpo', scheduleDpo],
  ['@allo/loss-schedule-npo', scheduleNpo],
  ['@allo/loss-schedule-sft', scheduleSft],
  ['@allo/neuron-selector-update-magnitude', selectorUpdate],
  ['@allo/neuron-selector-gradient-magnitude', selectorGradient],
  ['@allo/neuron-selector-random', selectorRandom],
  ['@allo/neuron-selector-all', selectorAll],
  ['@allo/token-scorer-implicit-reward', scorerImplicit],
  ['@allo/token-scorer-reward-model', scorerRewardModel],
  ['@allo/token-scorer-uniform', scorerUniform],
];

/** Every built-in declaration with its package name (a package may export more than one). */
export function builtinPlugins(): Array<{ declaration: PluginDeclaration; packageName: string }> {
  const out: Array<{ declaration: PluginDeclaration; packageName: string }> = [];
  for (const [packageName, module] of MODULES) {
    const seen = new Set<PluginDeclaration>();
    for (const value of Object.values(module)) {
      if (isPluginDeclaration(value) && !seen.has(value)) {
        seen.add(value);
        out.push({ declaration: value, packageName });
      }
    }
  }
  return out;
}

export function builtinRegistry(): PluginRegistry {
  return new PluginRegistry(builtinPlugins());
}
