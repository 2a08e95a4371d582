// allo benchmarks: GEMM GFLOP/s per shape and backend (and OpenBLAS called directly), and one
// DPO step in tokens/s per backend next to the PyTorch peer run in the same invocation. Prints
// a table and writes bench-results/{gemm,dpo-step,bench}.json at the repository root.
//
//   npx nx run bench:bench            (or: npm run bench)
//   options: --layers 2,4  --models allo[,twin]  --rounds 2  --steps 10  --warmup 3  --cpu-steps 0  --skip-torch  --skip-gemm  --skip-dpo
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { createLogger, repoRoot, writeOut } from '@allo/core';
import { loadAddon } from '@allo/backend-native';

import { BACKEND_IDS, backendFor } from './backends.js';
import { createModel } from '@allo/model';

import {
  AdamW,
  benchStepModel,
  causalLmStepModel,
  disposeBatch,
  dpoStep,
  randomBatch,
} from './dpo-step.js';
import type { StepModel } from './dpo-step.js';
import { gemmDirect, gemmSideBySide, gemmThroughTfjs } from './gemm.js';
import type { GemmRow } from './gemm.js';
import { copyWeights, createBenchModel, peerFfn } from './llama.js';
import { runTorch } from './torch.js';

const logger = createLogger('bench');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const LAYERS = option('layers', '2,4').split(',').map(Number);
const STEPS = Number(option('steps', '10'));
const WARMUP = Number(option('warmup', '3'));
const CPU_STEPS = Number(option('cpu-steps', '0'));
const MODELS = option('models', 'allo').split(',') as ModelKind[];
const ROUNDS = Number(option('rounds', '2'));
const SHAPE = { dModel: 256, heads: 4, vocab: 4096, seq: 128, batch: 8 };
const THREADS = 2;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

interface StepRow {
  backend: string;
  /** "allo": @allo/model's Llama; "twin": the bench's own copy of the peer's model. */
  model: ModelKind;
  layers: number;
  tokensPerSecond: number;
  torchTokensPerSecond: number | null;
  ratio: number | null;
  msPerStep: number;
  cachedReferenceTokensPerSecond: number;
  cachedReferenceMsPerStep: number;
  optimizerStateBytes: { dense: number; masked: number };
  peakRssMiB: number;
}

/** Median ms of `steps` DPO steps after `warmup`, with the reference forward and with cached reference log-probs. */
export type ModelKind = 'allo' | 'twin';

/** Policy and reference (a copy of the initial policy), from @allo/model or the bench's twin of the peer's model. */
function models(kind: ModelKind, layers: number): [StepModel, StepModel] {
  if (kind === 'allo') {
    const policy = createModel(
      {
        architecture: 'llama',
        vocabSize: SHAPE.vocab,
        hiddenSize: SHAPE.dModel,
        numLayers: layers,
        numHeads: SHAPE.heads,
        numKvHeads: SHAPE.heads,
        intermediateSize: peerFfn(SHAPE.dModel),
        maxPositions: SHAPE.seq,
        tieWordEmbeddings: false,
        bosTokenId: null,
        eosTokenId: null,
      },
      { seed: 1 },
    );
    return [causalLmStepModel(policy), causalLmStepModel(policy.clone('reference'))];
  }
  const config = {
    layers,
    dModel: SHAPE.dModel,
    heads: SHAPE.heads,
    vocab: SHAPE.vocab,
    seq: SHAPE.seq,
    ffn: peerFfn(SHAPE.dModel),
  };
  const policy = createBenchModel(config, 1);
  const reference = createBenchModel(config, 1, false);
  copyWeights(policy, reference);
  return [benchStepModel(policy), benchStepModel(reference)];
}

function timeSteps(
  kind: ModelKind,
  layers: number,
  steps: number,
  warmup: number,
): { ms: number; cachedMs: number; stateBytes: number; params: number; leaked: number } {
  const [policy, reference] = models(kind, layers);
  const optimizer = new AdamW(policy.params);
  const batch = randomBatch(SHAPE.batch, SHAPE.seq, SHAPE.vocab, 1234);
  // Counted after the first step: models may cache tensors they build once (causal masks).
  let before = tf.memory().numTensors;
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    const loss = dpoStep(policy, reference, batch, optimizer);
    const dt = performance.now() - t0;
    if (i === 0) before = tf.memory().numTensors;
    if (i >= warmup) times.push(dt);
    logger.debug(
      `layers=${layers} step ${i}${i < warmup ? ' (warmup)' : ''}: ${dt.toFixed(1)} ms loss ${loss.toFixed(4)}`,
    );
  }
  const cached = tf.tidy(() => reference.sequenceLogps(batch));
  const cachedTimes: number[] = [];
  for (let i = 0; i < Math.max(1, Math.ceil(warmup / 2)) + steps; i++) {
    const t0 = performance.now();
    dpoStep(policy, cached, batch, optimizer);
    if (i >= Math.ceil(warmup / 2)) cachedTimes.push(performance.now() - t0);
  }
  cached.dispose();
  const leaked = tf.memory().numTensors - before;
  const stateBytes = optimizer.stateBytes();
  const params = policy.params.reduce((n, p) => n + p.size, 0);
  optimizer.dispose();
  policy.dispose();
  reference.dispose();
  disposeBatch(batch);
  return { ms: median(times), cachedMs: median(cachedTimes), stateBytes, params, leaked };
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const backends: { id: string; reason?: string }[] = [];
  for (const id of BACKEND_IDS) {
    const status = await backendFor(id, logger).available();
    backends.push(status.ok ? { id } : { id, reason: status.reason });
  }
  const usable = backends.filter((b) => b.reason === undefined).map((b) => b.id);
  writeOut(
    `allo bench (${started}); backends: ${backends.map((b) => (b.reason ? `${b.id} (unavailable: ${b.reason})` : b.id)).join(', ')}`,
  );

  const gemm: GemmRow[] = [];
  if (!flag('skip-gemm')) {
    const addon = loadAddon();
    for (const n of [256, 512, 1024]) {
      let direct = false;
      for (const id of usable) {
        const info = await backendFor(id, logger).initialise();
        if (id === 'native' && addon.ok) {
          gemm.push(...gemmSideBySide(addon.addon, `${id} (${info.name})`, n));
          direct = true;
        } else {
          gemm.push(gemmThroughTfjs(`${id} (${info.name})`, n, id === 'cpu'));
        }
      }
      if (!direct && addon.ok) gemm.push(gemmDirect(addon.addon, n));
    }
    writeOut('\nGEMM C = A·B, float32, n×n');
    writeOut(
      `${'backend'.padEnd(28)} ${'n'.padStart(5)} ${'ms'.padStart(9)} ${'GFLOP/s'.padStart(8)} ${'vs OpenBLAS'.padStart(11)}`,
    );
    for (const row of gemm) {
      const direct = gemm.find((r) => r.backend === 'openblas-direct' && r.n === row.n);
      const share = direct ? `${((100 * row.gflops) / direct.gflops).toFixed(0)}%` : '-';
      writeOut(
        `${row.backend.padEnd(28)} ${String(row.n).padStart(5)} ${row.ms.toFixed(2).padStart(9)} ${row.gflops.toFixed(1).padStart(8)} ${share.padStart(11)}`,
      );
    }
  }

  const steps: StepRow[] = [];
  const skipped: string[] = [];
  for (const layers of flag('skip-dpo') ? [] : LAYERS) {
    // Rounds alternate the peer and ours; each side keeps its best round, so that a burst of
    // other jobs on a shared machine does not decide the ratio.
    let torchBest: { tokensPerSecond: number; line: string } | null = null;
    const best = new Map<string, ReturnType<typeof timeSteps> & { id: string; kind: ModelKind }>();
    for (let round = 0; round < ROUNDS; round++) {
      if (!flag('skip-torch')) {
        const torch = runTorch({ layers, ...SHAPE, threads: THREADS });
        if (!torch.ok) skipped.push(`torch layers=${layers}: ${torch.reason}`);
        else if (torchBest === null || torch.tokensPerSecond > torchBest.tokensPerSecond)
          torchBest = torch;
        if (torch.ok)
          logger.info(`torch layers=${layers} round ${round + 1}: ${torch.msPerStep} ms/step`);
      }
      for (const id of usable) {
        const slow = id === 'cpu';
        if (slow && (CPU_STEPS === 0 || round > 0)) continue;
        for (const kind of MODELS) {
          const info = await backendFor(id, logger).initialise();
          const result = slow
            ? timeSteps(kind, layers, CPU_STEPS, 0)
            : timeSteps(kind, layers, STEPS, WARMUP);
          if (result.leaked !== 0)
            skipped.push(
              `${id} ${kind} layers=${layers}: ${result.leaked} tensors leaked across the timed steps`,
            );
          logger.info(
            `${id} (${info.name}) ${kind} layers=${layers} round ${round + 1}: ${result.ms.toFixed(1)} ms/step`,
          );
          const key = `${id}/${kind}`;
          const previous = best.get(key);
          if (previous === undefined || result.ms < previous.ms)
            best.set(key, {
              ...result,
              id,
              kind,
              cachedMs: Math.min(result.cachedMs, previous?.cachedMs ?? Infinity),
            });
          else previous.cachedMs = Math.min(previous.cachedMs, result.cachedMs);
        }
      }
    }
    if (usable.includes('cpu') && CPU_STEPS === 0)
      skipped.push(
        `cpu layers=${layers}: skipped by default (the pure-JS backend takes minutes per step); pass --cpu-steps 1 to measure it`,
      );
    const torchTps = torchBest?.tokensPerSecond ?? null;
    const tokens = 2 * SHAPE.batch * SHAPE.seq;
    for (const result of best.values()) {
      const tps = tokens / (result.ms / 1000);
      steps.push({
        backend: result.id,
        model: result.kind,
        layers,
        tokensPerSecond: Math.round(tps * 10) / 10,
        torchTokensPerSecond: torchTps,
        ratio: torchTps === null ? null : Math.round((tps / torchTps) * 1000) / 1000,
        msPerStep: Math.round(result.ms * 10) / 10,
        cachedReferenceTokensPerSecond: Math.round((tokens / (result.cachedMs / 1000)) * 10) / 10,
        cachedReferenceMsPerStep: Math.round(result.cachedMs * 10) / 10,
        // Masked AdamW keeps both moments dense (they see every gradient) plus a float32 mask.
        optimizerStateBytes: {
          dense: result.stateBytes,
          masked: result.stateBytes + 4 * result.params,
        },
        peakRssMiB: Math.round(peakRssMiB()),
      });
    }
    if (torchBest !== null) writeOut(`\n${torchBest.line}`);
  }

  writeOut(
    `\nDPO step: d_model ${SHAPE.dModel}, heads ${SHAPE.heads}, vocab ${SHAPE.vocab}, seq ${SHAPE.seq}, batch ${SHAPE.batch} pairs (${2 * SHAPE.batch * SHAPE.seq} policy tokens), beta 0.1, AdamW`,
  );
  writeOut(
    `${'backend'.padEnd(10)} ${'model'.padEnd(5)} ${'layers'.padStart(6)} ${'ms/step'.padStart(9)} ${'tokens/s'.padStart(9)} ${'torch'.padStart(8)} ${'ratio'.padStart(6)} ${'cached-ref tok/s'.padStart(17)} ${'AdamW MiB'.padStart(10)} ${'masked MiB'.padStart(10)} ${'peak RSS'.padStart(9)}`,
  );
  for (const r of steps) {
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    writeOut(
      `${r.backend.padEnd(10)} ${r.model.padEnd(5)} ${String(r.layers).padStart(6)} ${r.msPerStep.toFixed(1).padStart(9)} ${r.tokensPerSecond.toFixed(0).padStart(9)} ${(r.torchTokensPerSecond?.toFixed(0) ?? '-').padStart(8)} ${(r.ratio?.toFixed(2) ?? '-').padStart(6)} ${r.cachedReferenceTokensPerSecond.toFixed(0).padStart(17)} ${mib(r.optimizerStateBytes.dense).padStart(10)} ${mib(r.optimizerStateBytes.masked).padStart(10)} ${`${r.peakRssMiB} MiB`.padStart(9)}`,
    );
  }
  for (const line of skipped) writeOut(`note: ${line}`);

  const out = path.join(repoRoot(), 'bench-results');
  mkdirSync(out, { recursive: true });
  // A partial run (--skip-dpo, --skip-gemm) keeps the other file of an earlier run.
  if (!flag('skip-dpo'))
    writeFileSync(path.join(out, 'dpo-step.json'), `${JSON.stringify(steps, null, 2)}\n`);
  if (!flag('skip-gemm'))
    writeFileSync(path.join(out, 'gemm.json'), `${JSON.stringify(gemm, null, 2)}\n`);
  if (!flag('skip-dpo') && !flag('skip-gemm'))
    writeFileSync(
      path.join(out, 'bench.json'),
      `${JSON.stringify({ started, shape: SHAPE, threads: THREADS, backends, gemm, steps, notes: skipped, peakRssMiB: Math.round(peakRssMiB()) }, null, 2)}\n`,
    );
  writeOut(`\nwrote ${path.join(out, 'dpo-step.json')}, gemm.json, bench.json`);
}

await main();
