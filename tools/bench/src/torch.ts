// Runs the PyTorch peer (../shared/bench/torch_dpo_step.py, with Debian's python3-torch) and
// reads its RESULT line.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { repoRoot } from '@allo/core';

export const TORCH_PYTHON = '/usr/bin/python3';

export function torchScript(): string {
  return path.resolve(repoRoot(), '..', 'shared', 'bench', 'torch_dpo_step.py');
}

export type TorchResult =
  | { ok: true; msPerStep: number; tokensPerSecond: number; line: string }
  | { ok: false; reason: string };

export function runTorch(args: {
  layers: number;
  dModel: number;
  heads: number;
  vocab: number;
  seq: number;
  batch: number;
  threads: number;
}): TorchResult {
  const script = torchScript();
  if (!existsSync(script)) return { ok: false, reason: `${script} not found` };
  if (!existsSync(TORCH_PYTHON))
    return {
      ok: false,
      reason: `${TORCH_PYTHON} not found (Debian: apt-get install python3-torch)`,
    };
  const argv = [
    script,
    '--layers',
    args.layers,
    '--d-model',
    args.dModel,
    '--heads',
    args.heads,
    '--vocab',
    args.vocab,
    '--seq',
    args.seq,
    '--batch',
    args.batch,
    '--threads',
    args.threads,
  ].map(String);
  const run = spawnSync(TORCH_PYTHON, argv, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const line = run.stdout?.split('\n').find((l) => l.startsWith('RESULT'));
  if (run.status !== 0 || line === undefined) {
    const why = (run.stderr ?? '').trim().split('\n').pop() ?? `exit ${run.status}`;
    return { ok: false, reason: `${TORCH_PYTHON} ${path.basename(script)} failed: ${why}` };
  }
  const ms = Number(/ms\/step=([\d.]+)/.exec(line)?.[1]);
  const tps = Number(/tokens\/s=([\d.]+)/.exec(line)?.[1]);
  return { ok: true, msPerStep: ms, tokensPerSecond: tps, line };
}
