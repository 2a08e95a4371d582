// Reads what the report shows from a run directory. run.json must be there; metrics.jsonl,
// eval.json and summary.json may be missing (a run interrupted or failed before writing them),
// and the report then says so. A file that is there but cannot be read or parsed is an error
// naming it.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

import { errors } from '@allo/core';
import type { MaskOverlap, MaskSummary, Metrics } from '@allo/core';

export interface RunJson {
  name: string;
  seed: number;
  versions?: Record<string, string>;
  backend?: string | null;
  startedAt?: string;
  endedAt?: string | null;
  status: string;
  error?: string;
  data?: RunData;
  [key: string]: unknown;
}

export interface LengthSummary {
  count: number;
  min: number;
  mean: number;
  median: number;
  max: number;
}

export interface RunData {
  kept?: Record<string, number>;
  dropped?: Record<string, number>;
  lengths?: Record<string, LengthSummary>;
}

/** One line of metrics.jsonl: the model and stage it belongs to, its step, and its metrics. */
export interface MetricsRow {
  model: string;
  stage: string;
  step: number;
  values: Metrics;
}

export interface StageSummary {
  model: string;
  stage: string;
  steps: number;
  metrics: Metrics;
  mask: { share: number; selected: number; total: number; summary: MaskSummary } | null;
  checkpoint: string | null;
}

export interface RunSummary {
  stages: StageSummary[];
  overlaps: Array<{ model: string; a: string; b: string; overlap: MaskOverlap }>;
  samples: Array<{ prompt: string; responses: Record<string, string> }>;
}

export interface RunFiles {
  dir: string;
  run: RunJson;
  /** Null when metrics.jsonl is missing. */
  metrics: MetricsRow[] | null;
  /** True when the last line of metrics.jsonl was cut off (the run stopped while writing it). */
  metricsTruncated: boolean;
  /** Null when eval.json is missing. */
  eval: Record<string, Metrics> | null;
  /** Null when summary.json is missing. */
  summary: RunSummary | null;
  /** Files under masks/, relative to the run directory. */
  maskFiles: string[];
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readText(file: string, required: boolean): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error) && !required) return null;
    const reason = isMissing(error)
      ? 'missing; a run directory written by `allo run` always has it'
      : `cannot be read (${(error as Error).message})`;
    throw errors.io(file, reason, error);
  }
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw errors.io(
      file,
      `expected JSON, got text that does not parse (${(error as Error).message})`,
      error,
    );
  }
}

async function readJson(file: string, required: boolean): Promise<unknown | null> {
  const text = await readText(file, required);
  return text === null ? null : parseJson(file, text);
}

function checkRun(file: string, value: unknown): RunJson {
  if (!isObject(value))
    throw errors.io(
      file,
      `expected an object with name, seed and status, got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  if (typeof value.name !== 'string')
    throw errors.io(file, `"name": expected a string, got ${JSON.stringify(value.name)}`);
  if (typeof value.status !== 'string')
    throw errors.io(
      file,
      `"status": expected "ok", "failed", "interrupted" or "running", got ${JSON.stringify(value.status)}`,
    );
  return value as RunJson;
}

function numericValues(record: Record<string, unknown>): Metrics {
  const out: Metrics = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'step') continue;
    if (typeof value === 'number') out[key] = value;
  }
  return out;
}

/** Parses metrics.jsonl; a cut-off last line (no newline, not JSON) is left out and flagged. */
export function parseMetrics(
  file: string,
  text: string,
): { rows: MetricsRow[]; truncated: boolean } {
  const lines = text.split('\n');
  const rows: MetricsRow[] = [];
  let truncated = false;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i].trim();
    if (line === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      if (i === lines.length - 1) {
        truncated = true;
        break;
      }
      throw errors.io(
        `${file}:${i + 1}`,
        `expected one JSON object per line, got a line that does not parse (${(error as Error).message})`,
        error,
      );
    }
    if (!isObject(record) || typeof record.stage !== 'string' || typeof record.step !== 'number') {
      throw errors.io(
        `${file}:${i + 1}`,
        `expected an object with "stage" (string) and "step" (number), got ${line.slice(0, 80)}`,
      );
    }
    const model = typeof record.model === 'string' ? record.model : 'run';
    rows.push({ model, stage: record.stage, step: record.step, values: numericValues(record) });
  }
  return { rows, truncated };
}

function checkEval(file: string, value: unknown): Record<string, Metrics> {
  if (!isObject(value))
    throw errors.io(
      file,
      `expected an object keyed by model (reference, allo, dpo…), got ${typeof value}`,
    );
  for (const [model, metrics] of Object.entries(value)) {
    if (!isObject(metrics))
      throw errors.io(
        file,
        `"${model}": expected an object of metrics, got ${JSON.stringify(metrics)}`,
      );
  }
  return value as Record<string, Metrics>;
}

function checkSummary(file: string, value: unknown): RunSummary {
  if (!isObject(value))
    throw errors.io(
      file,
      `expected an object with stages, overlaps and samples, got ${typeof value}`,
    );
  for (const key of ['stages', 'overlaps', 'samples'] as const) {
    if (value[key] !== undefined && !Array.isArray(value[key]))
      throw errors.io(file, `"${key}": expected an array, got ${typeof value[key]}`);
  }
  return {
    stages: (value.stages as StageSummary[] | undefined) ?? [],
    overlaps: (value.overlaps as RunSummary['overlaps'] | undefined) ?? [],
    samples: (value.samples as RunSummary['samples'] | undefined) ?? [],
  };
}

async function listMasks(dir: string): Promise<string[]> {
  try {
    const names = await readdir(path.join(dir, 'masks'));
    return names
      .filter((n) => n.endsWith('.safetensors'))
      .sort()
      .map((n) => `masks/${n}`);
  } catch (error) {
    if (isMissing(error)) return [];
    throw errors.io(
      path.join(dir, 'masks'),
      `cannot be listed (${(error as Error).message})`,
      error,
    );
  }
}

export async function readRunDir(dir: string): Promise<RunFiles> {
  const runFile = path.join(dir, 'run.json');
  const run = checkRun(runFile, await readJson(runFile, true));

  const metricsFile = path.join(dir, 'metrics.jsonl');
  const metricsText = await readText(metricsFile, false);
  const parsed = metricsText === null ? null : parseMetrics(metricsFile, metricsText);

  const evalFile = path.join(dir, 'eval.json');
  const evalJson = await readJson(evalFile, false);
  const summaryFile = path.join(dir, 'summary.json');
  const summaryJson = await readJson(summaryFile, false);

  return {
    dir,
    run,
    metrics: parsed?.rows ?? null,
    metricsTruncated: parsed?.truncated ?? false,
    eval: evalJson === null ? null : checkEval(evalFile, evalJson),
    summary: summaryJson === null ? null : checkSummary(summaryFile, summaryJson),
    maskFiles: await listMasks(dir),
  };
}
