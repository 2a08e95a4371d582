// The paper's own setting at a size two CPU cores run in minutes (Chen et al., EMNLP 2024, Sec. 4:
// math with self-sampled pairs, judged by task accuracy): SFT stories260K on generated two-digit
// additions, sample k responses per training problem and pair them with the verifier, then train
// every arm with the same optimizer steps and batch from the SFT model and compare held-out greedy
// accuracy. The run directory caches the SFT weights and the sampled pairs, keyed by their settings.
//
// Plain ESM so that `node` runs it on the built packages and vitest on the sources.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import {
  EventBus,
  assetPath,
  createLogger,
  errors,
  readSafetensorsFile,
  runSchedule,
  taskAccuracy,
  tokenizePair,
  tokenizeResponse,
  writeSafetensors,
} from '@allo/core';
import { arithmeticVerifier, generateProblems, sftRecordOf } from '@allo/dataset-arithmetic';
import { SelfSampledLoader } from '@allo/dataset-self-sampled';
import { loadLlama2c } from '@allo/model';
import { createUpdateMagnitudeSelector } from '@allo/neuron-selector-update-magnitude';
import { createImplicitRewardScorer } from '@allo/token-scorer-implicit-reward';

/** The arms of the comparison, in table order. */
export const ARMS = ['sft', 'dpo', 'dpo-top10', 'allo', 'forgetting'];

const SCOPE = { tensors: 'all', embeddings: 'include', norms: 'include', granularity: 'element' };

/** Short stable hash of a JSON value. */
export function keyOf(value) {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}

/**
 * The problem sets, disjoint and fixed by config.problems.seed (never by a training seed): the
 * training pool (SFT targets and self-sampling), a validation slice of that pool kept out of
 * training for learning-rate tuning, and the held-out problems of the table.
 */
export function problemSets(config) {
  const p = config.problems;
  const all = generateProblems({
    count: p.train + p.validation + p.heldOut,
    operation: p.operation,
    carries: p.carries,
    seed: p.seed,
  });
  return {
    train: all.slice(0, p.train),
    validation: all.slice(p.train, p.train + p.validation),
    heldOut: all.slice(p.train + p.validation),
  };
}

function optimizer(lr, over = {}) {
  return {
    lr,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weightDecay: 0,
    maxGradNorm: 1,
    warmupRatio: 0.1,
    schedule: 'cosine',
    ...over,
  };
}

function stage(name, objective, steps, batchSize, lr, over = {}) {
  return {
    name,
    objective,
    init: 'reference',
    reference: 'initial',
    mask: { kind: 'all' },
    tokenWeights: false,
    data: 'pairs',
    optimizer: optimizer(lr),
    steps,
    epochs: 0,
    batchSize,
    discard: false,
    ...over,
  };
}

const dpoObjective = (beta) => ({
  type: 'dpo',
  beta,
  variant: 'sigmoid',
  labelSmoothing: 0,
  reduction: 'sum',
});

/**
 * The stages of one arm. Every arm takes `compare.steps` optimizer steps in all, at one batch
 * size: the masked arms spend `compare.warmupSteps` of them on the warm-up DPO whose update
 * magnitudes pick the mask (DESIGN.md steps 3-4), and ALLO splits the rest between forgetting
 * (token-weighted NPO on the model's own wrong responses, step 6) and key-token learning (step 7).
 */
export function armStages(arm, compare) {
  const { steps, warmupSteps, forgetSteps, batchSize, beta, eps, lr } = compare;
  const warmup = stage('warmup', dpoObjective(beta), warmupSteps, batchSize, lr.warmup, {
    discard: true,
  });
  const masked = { mask: { kind: 'selector', warmupStage: 'warmup' } };
  const forgetting = (n) =>
    stage('forgetting', { type: 'npo', beta }, n, batchSize, lr.forgetting, {
      ...masked,
      data: 'rejected',
      tokenWeights: true,
    });
  switch (arm) {
    case 'sft':
      return [];
    case 'dpo':
      return [stage('dpo', dpoObjective(beta), steps, batchSize, lr.dpo)];
    case 'dpo-top10':
      return [
        warmup,
        stage(
          'masked-dpo',
          dpoObjective(beta),
          steps - warmupSteps,
          batchSize,
          lr.maskedDpo,
          masked,
        ),
      ];
    case 'allo':
      return [
        warmup,
        forgetting(forgetSteps),
        stage(
          'learning',
          { type: 'key-token-dpo', beta, eps, reduction: 'sum' },
          steps - warmupSteps - forgetSteps,
          batchSize,
          lr.learning,
          {
            ...masked,
            init: 'previous',
            reference: 'start',
          },
        ),
      ];
    case 'forgetting':
      return [warmup, forgetting(steps - warmupSteps)];
    default:
      throw errors.usage(`examples/math: unknown arm "${arm}", expected one of ${ARMS.join(', ')}`);
  }
}

/** Plain values of every parameter, by name. */
function valuesOf(model) {
  return new Map(
    model.parameters.map((p) => [
      p.name,
      { shape: p.variable.shape, data: p.variable.dataSync().slice() },
    ]),
  );
}

function assignValues(model, entries, file) {
  for (const p of model.parameters) {
    const entry = entries.get(p.name);
    if (entry === undefined)
      throw errors.modelInvalid(
        file,
        `cached SFT weights lack parameter "${p.name}"; delete the file to train again`,
      );
    p.variable.assign(tf.tensor(entry.data, p.variable.shape));
  }
}

function tokenizeSft(tokenizer, problems, maxLength) {
  return problems.map((problem) => {
    const t = tokenizeResponse(tokenizer, sftRecordOf(problem), { maxLength });
    if (typeof t === 'string')
      throw errors.dataInvalid(
        problem.id,
        null,
        `SFT example dropped (${t}); raise maxLength above ${maxLength}`,
      );
    // runSchedule trains on `train` pairs; an SFT stage reads only their chosen side.
    return {
      id: t.id,
      promptIds: t.promptIds,
      chosenIds: t.responseIds,
      rejectedIds: t.responseIds,
    };
  });
}

function resolver(config, context) {
  const ratio = config.compare.maskRatio;
  return {
    neuronSelector: () => createUpdateMagnitudeSelector({ ratio, exclude: 0, ...SCOPE }, context),
    tokenScorer: () =>
      createImplicitRewardScorer(
        { mode: 'top-q', q: config.compare.tokenShare, temperature: 0.1, batchSize: 16 },
        context,
      ),
  };
}

/**
 * SFT from stories260K on the training pool's worked solutions, for a fixed number of steps
 * chosen in advance. Cached as <runDir>/cache/sft-<key>.safetensors.
 */
export async function sftModel(config, runDir, sets, logger) {
  const loaded = loadLlama2c(assetPath('stories260K', 'stories260K.bin'));
  const { model, tokenizer } = loaded;
  const key = keyOf({ sft: config.sft, problems: config.problems, maxLength: config.maxLength });
  const file = path.join(runDir, 'cache', `sft-${key}.safetensors`);
  if (existsSync(file)) {
    logger.info(`SFT: reusing ${path.relative(process.cwd(), file)}`);
    assignValues(model, readSafetensorsFile(file).tensors, file);
    return { model, tokenizer, seconds: 0, cached: true };
  }
  const started = performance.now();
  const { steps, batchSize, lr, seed } = config.sft;
  const events = new EventBus();
  events.on('step:end', (e) => {
    if (e.step % 50 === 0 || e.step === e.totalSteps)
      logger.info(`SFT step ${e.step}/${e.totalSteps}: loss ${e.metrics.loss.toFixed(3)}`);
  });
  const result = await runSchedule({
    policy: model,
    tokenizer,
    train: tokenizeSft(tokenizer, sets.train, config.maxLength),
    stages: [
      stage('sft', { type: 'sft', reduction: 'mean' }, steps, batchSize, lr, {
        data: 'chosen',
        optimizer: optimizer(lr, { weightDecay: 0 }),
      }),
    ],
    resolve: resolver(config, { logger, seed, runDir, configDir: runDir }),
    events,
    logger,
    seed,
    runDir: null,
  });
  model.dispose();
  await writeSafetensors(file, valuesOf(result.final));
  return {
    model: result.final,
    tokenizer,
    seconds: (performance.now() - started) / 1000,
    cached: false,
  };
}

/** k samples per training problem from the SFT model, labelled and paired by the self-sampled loader (cached). */
export async function samplePairs(
  config,
  runDir,
  sets,
  policy,
  logger,
  verifier = arithmeticVerifier,
) {
  const started = performance.now();
  const s = config.sampling;
  const source = {
    id: `arithmetic-train-${keyOf(config.problems)}`,
    async *problems() {
      yield* sets.train.slice(0, s.problems);
    },
    dropped: () => ({}),
  };
  const loader = new SelfSampledLoader({
    source,
    verifier,
    sampling: {
      k: s.k,
      temperature: s.temperature,
      topP: s.topP,
      maxNewTokens: config.maxNewTokens,
      seed: s.seed,
      maxPairsPerPrompt: s.maxPairsPerPrompt,
      promptTemplate: '{question}',
      includeRejected: true,
    },
    problems: 0,
    cache: true,
  });
  const context = {
    logger,
    seed: s.seed,
    runDir,
    configDir: runDir,
    model: policy.model,
    tokenizer: policy.tokenizer,
  };
  const pairs = [];
  const rejected = [];
  const tokenizeOptions = { maxLength: config.maxLength };
  for await (const record of loader.records(context)) {
    if (record.kind === 'preference') {
      const t = tokenizePair(policy.tokenizer, record, tokenizeOptions);
      if (typeof t !== 'string') pairs.push(t);
    } else if (record.kind === 'rejected') {
      const t = tokenizeResponse(
        policy.tokenizer,
        { id: record.id, prompt: record.prompt, response: record.rejected },
        tokenizeOptions,
      );
      if (typeof t !== 'string') rejected.push(t);
    }
  }
  return {
    pairs,
    rejected,
    stats: { ...loader.stats },
    cached: loader.stats.samples === 0,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Greedy accuracy of a model on problems. */
export function greedyAccuracy(config, model, tokenizer, problems, verifier = arithmeticVerifier) {
  const r = taskAccuracy(model, tokenizer, problems, verifier, {
    mode: 'greedy',
    maxNewTokens: config.maxNewTokens,
    batchSize: config.eval.batchSize,
  });
  return {
    accuracy: r.accuracy,
    stderr: r.stderr,
    n: r.n,
    correct: r.correct,
    truncated: r.truncated,
  };
}

/** Trains one arm from the SFT model with one seed; returns the trained model (caller disposes). */
export async function trainArm(arm, config, compare, sft, data, seed, logger) {
  const stages = armStages(arm, compare);
  if (stages.length === 0) return sft.model.clone('sft');
  const result = await runSchedule({
    policy: sft.model,
    tokenizer: sft.tokenizer,
    train: data.pairs,
    rejected: data.rejected,
    stages,
    resolve: resolver(config, { logger, seed, runDir: null, configDir: process.cwd() }),
    events: new EventBus(),
    logger: createLogger(`math:${arm}`),
    seed,
    runDir: null,
  });
  return result.final;
}

function meanAndStderr(values) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, stderr: 0 };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, stderr: Math.sqrt(variance / n) };
}

/**
 * The whole comparison: SFT (cached), held-out accuracy of the SFT model, self-sampled pairs
 * (cached), then every arm for every seed, each evaluated greedily on the held-out problems.
 * Returns the table: per arm, per-seed accuracies with their binomial standard errors, and the
 * mean ± standard error over seeds. `options.verifier` replaces the arithmetic verifier (tests).
 */
export async function runComparison(config, runDir, options = {}) {
  const logger = options.logger ?? createLogger('math');
  const verifier = options.verifier ?? arithmeticVerifier;
  const times = {};
  const sets = problemSets(config);
  const sft = await sftModel(config, runDir, sets, logger);
  times.sft = sft.seconds;
  try {
    const sftHeldOut = greedyAccuracy(config, sft.model, sft.tokenizer, sets.heldOut, verifier);
    const sftValidation = greedyAccuracy(
      config,
      sft.model,
      sft.tokenizer,
      sets.validation,
      verifier,
    );
    logger.info(
      `SFT model: validation greedy accuracy ${sftValidation.accuracy.toFixed(3)} (n = ${sftValidation.n}), held-out ${sftHeldOut.accuracy.toFixed(3)} ± ${sftHeldOut.stderr.toFixed(3)} (n = ${sftHeldOut.n})`,
    );
    const data = await samplePairs(config, runDir, sets, sft, logger, verifier);
    times.sampling = data.seconds;
    if (data.pairs.length === 0)
      throw errors.dataEmpty(
        'examples/math: self-sampling gave no pair (every problem all right or all wrong); change sft.steps or sampling.temperature',
      );
    logger.info(
      `pairs: ${data.pairs.length} pairs, ${data.rejected.length} wrong responses from ${data.stats.problems || config.sampling.problems} problems`,
    );

    const arms = {};
    const started = performance.now();
    for (const arm of config.arms ?? ARMS) {
      const perSeed = [];
      for (const seed of config.seeds) {
        if (arm === 'sft' && perSeed.length > 0) {
          perSeed.push({ ...perSeed[0], seed });
          continue;
        }
        const model = await trainArm(arm, config, config.compare, sft, data, seed, logger);
        try {
          perSeed.push({
            seed,
            ...greedyAccuracy(config, model, sft.tokenizer, sets.heldOut, verifier),
          });
        } finally {
          model.dispose();
        }
      }
      const { mean, stderr } = meanAndStderr(perSeed.map((r) => r.accuracy));
      arms[arm] = { mean, stderr, seeds: perSeed };
      logger.info(`${arm}: ${mean.toFixed(3)} ± ${stderr.toFixed(3)}`);
    }
    times.arms = (performance.now() - started) / 1000;
    return {
      sft: sftHeldOut,
      sftValidation,
      data: {
        pairs: data.pairs.length,
        rejected: data.rejected.length,
        sampling: data.stats,
        cached: data.cached,
      },
      arms,
      times,
    };
  } finally {
    sft.model.dispose();
  }
}

/**
 * Learning-rate tuning on the validation slice: for each arm of the grid, in order, and each of
 * its candidate settings, one seed, greedy accuracy on the validation problems; the best setting
 * wins (ties keep the earlier one) and later arms train with it (so ALLO's learning stage is tuned
 * after its forgetting stage). The held-out problems are never read.
 */
export async function tuneLearningRates(config, runDir, grid, logger = createLogger('math:tune')) {
  const sets = problemSets(config);
  const sft = await sftModel(config, runDir, sets, logger);
  try {
    const data = await samplePairs(config, runDir, sets, sft, logger);
    const results = {};
    const chosen = { ...config.compare.lr };
    for (const [arm, entries] of Object.entries(grid)) {
      results[arm] = [];
      for (const lr of entries) {
        const compare = { ...config.compare, lr: { ...chosen, ...lr } };
        const model = await trainArm(arm, config, compare, sft, data, config.tuneSeed, logger);
        try {
          const acc = greedyAccuracy(config, model, sft.tokenizer, sets.validation);
          results[arm].push({ lr, ...acc });
          logger.info(`tune ${arm} ${JSON.stringify(lr)}: validation ${acc.accuracy.toFixed(3)}`);
        } finally {
          model.dispose();
        }
      }
      const best = results[arm].reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
      Object.assign(chosen, best.lr);
    }
    return { results, chosen };
  } finally {
    sft.model.dispose();
  }
}

/** The table as text, one row per arm. */
export function formatTable(result) {
  const lines = [
    `SFT model, held-out greedy accuracy: ${result.sft.accuracy.toFixed(3)} ± ${result.sft.stderr.toFixed(3)} (binomial s.e., n = ${result.sft.n})`,
    '',
    'arm          accuracy (mean ± s.e. over seeds)   per seed',
  ];
  for (const [arm, row] of Object.entries(result.arms)) {
    const seeds = row.seeds.map((s) => s.accuracy.toFixed(3)).join(' ');
    lines.push(
      `${arm.padEnd(12)} ${row.mean.toFixed(3)} ± ${row.stderr.toFixed(3)}                       ${seeds}`,
    );
  }
  return lines.join('\n');
}

/** A small self-contained HTML table of the result. */
export function htmlTable(result) {
  const rows = Object.entries(result.arms)
    .map(
      ([arm, row]) =>
        `<tr><td>${arm}</td><td>${row.mean.toFixed(3)} ± ${row.stderr.toFixed(3)}</td><td>${row.seeds.map((s) => `${s.accuracy.toFixed(3)} ± ${s.stderr.toFixed(3)}`).join('<br>')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<meta charset="utf-8">
<title>allo examples/math</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 12px;border-bottom:1px solid #ccc;text-align:left}</style>
<h1>Held-out greedy accuracy per arm</h1>
<p>SFT model: ${result.sft.accuracy.toFixed(3)} ± ${result.sft.stderr.toFixed(3)} (n = ${result.sft.n}). Pairs: ${result.data.pairs}; wrong responses: ${result.data.rejected}.</p>
<table><tr><th>arm</th><th>mean ± s.e. over seeds</th><th>per seed (± binomial s.e.)</th></tr>
${rows}
</table>
`;
}

export function readConfig(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}
