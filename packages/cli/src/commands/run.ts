// `allo run [config]`: the main job, with progress, a run directory, eval table and report.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { EventBus, RunDirectory, assertFreshRunDir, checkStageOverrides, chooseRunDir, createLogger, errors, loadConfig, runJob, writeOut } from '@allo/core';

import { builtinRegistry } from '../builtins.js';
import { defaultLayer } from '../defaults.js';
import { attachDisplay, evalTable } from '../progress.js';
import type { DisplayMode } from '../progress.js';
import { writeReport } from '../report/index.js';
import { RUN_HELP } from '../usage.js';

function versions(): Record<string, string> {
  const read = (url: URL) => (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  const out: Record<string, string> = { node: process.versions.node, allo: read(new URL('../../package.json', import.meta.url)) };
  try {
    out['@tensorflow/tfjs-core'] = read(new URL(import.meta.resolve('@tensorflow/tfjs-core/package.json')));
  } catch {
    // tfjs-core's package.json is not exported on every layout; the version is then left out.
  }
  return out;
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      seed: { type: 'string' },
      quiet: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    writeOut(RUN_HELP);
    return 0;
  }
  if (positionals.length > 1) throw errors.usage(`allo run takes at most one config file, got ${positionals.length} (allo run --help)`);
  if (values.seed !== undefined && !/^\d+$/.test(values.seed)) throw errors.usage(`--seed: expected a non-negative integer, got "${values.seed}"`);

  const registry = builtinRegistry();
  const loaded = await loadConfig(positionals[0] ?? null, defaultLayer(), registry);
  const { config } = loaded;
  if (values.seed !== undefined) config.seed = Number(values.seed);
  if (values.out !== undefined) config.out = path.resolve(values.out);

  // Config problems that need the schedules are found before a run directory exists.
  checkStageOverrides(loaded, registry);
  const mode: DisplayMode = values.json ? 'json' : values.quiet ? 'quiet' : 'bars';
  const events = new EventBus();
  const close = attachDisplay(events, mode);
  const logger = createLogger('allo');
  const dir = chooseRunDir(config.out, config.name, process.cwd());
  assertFreshRunDir(dir);
  const runDir = new RunDirectory(dir, { name: config.name, seed: config.seed, versions: versions(), backend: null }, config);
  logger.info(`run directory: ${dir}`);

  let model = '';
  let writes: Promise<void> = Promise.resolve();
  events.on('schedule:start', (p) => {
    model = p.model;
  });
  events.on('step:end', (p) => {
    const record = { model, stage: p.stage, step: p.step, metrics: { ...p.metrics, 'tokens/s': p.seconds > 0 ? p.tokens / p.seconds : 0 } };
    writes = writes.then(() => runDir.appendMetrics(record));
  });

  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) process.exit(130);
    logger.warn(`${signal}: stopping after the current step (press Ctrl-C again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const result = await runJob({ loaded, registry, runDir, events, signal: controller.signal });
    await writes;
    runDir.writeJson('summary.json', { stages: result.stages, overlaps: result.overlaps, samples: result.samples, data: result.data });
    const status = result.interrupted ? 'interrupted' : 'ok';
    runDir.finish(status);
    const report = await writeReport(dir);
    events.emit('run:end', { runDir: dir, status });
    close();
    if (mode !== 'json' && Object.keys(result.eval).length > 0) writeOut(`\nHeld-out evaluation (${result.data.kept.eval} pairs)\n${evalTable(result.eval)}\n`);
    if (mode !== 'json') writeOut(`${result.interrupted ? 'interrupted; ' : ''}results in ${dir}\nreport: ${report}`);
    return result.interrupted ? 130 : 0;
  } catch (error) {
    await writes.catch(() => undefined);
    runDir.finish(controller.signal.aborted ? 'interrupted' : 'failed', (error as Error).message);
    events.emit('run:end', { runDir: dir, status: 'failed', error: (error as Error).message });
    close();
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
