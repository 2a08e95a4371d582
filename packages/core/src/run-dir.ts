// The run directory: a copy of the resolved config, run.json (versions, seed, backend, start,
// end, exit status, dropped rows), metrics.jsonl, checkpoints/ and masks/. Every file is
// written atomically; metrics are appended a whole line at a time.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';

import { errors } from './errors.js';
import path from 'node:path';

import { appendLine, writeFileAtomicSync } from './io.js';
import type { Metrics } from './types.js';

export interface RunInfo {
  name: string;
  seed: number;
  versions: Record<string, string>;
  backend: string | null;
  startedAt: string;
  endedAt: string | null;
  status: 'running' | 'ok' | 'failed' | 'interrupted';
  error?: string;
  [key: string]: unknown;
}

function timestamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

/** runs/<name>-<timestamp>/ under `base`, unless `out` names the folder. */
export function chooseRunDir(out: string | null, name: string, base: string, now = new Date()): string {
  return out ?? path.join(base, 'runs', `${name}-${timestamp(now)}`);
}

/**
 * Refuses a run directory that already holds something: results of two runs must never mix,
 * and a user's files must never be overwritten.
 */
export function assertFreshRunDir(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw errors.usage(`--out ${dir}: a file is in the way; expected a new or empty folder for the run directory`);
  if (readdirSync(dir).length > 0) {
    throw errors.usage(`--out ${dir}: the folder is not empty; give a new folder (each run needs its own) or remove this one`);
  }
}

export class RunDirectory {
  readonly dir: string;
  private info: RunInfo;

  constructor(
    dir: string,
    info: { name: string; seed: number; versions: Record<string, string>; backend: string | null },
    config: unknown,
  ) {
    this.dir = dir;
    assertFreshRunDir(dir);
    mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
    mkdirSync(path.join(dir, 'masks'), { recursive: true });
    this.info = { ...info, startedAt: new Date().toISOString(), endedAt: null, status: 'running' };
    writeFileAtomicSync(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    this.writeInfo();
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /** Merges fields into run.json and rewrites it atomically. */
  update(fields: Partial<RunInfo>): void {
    this.info = { ...this.info, ...fields };
    this.writeInfo();
  }

  finish(status: RunInfo['status'], error?: string): void {
    this.update({ status, endedAt: new Date().toISOString(), ...(error === undefined ? {} : { error }) });
  }

  async appendMetrics(record: { stage: string; step: number } & { metrics: Metrics } & Record<string, unknown>): Promise<void> {
    const { metrics, ...rest } = record;
    await appendLine(this.path('metrics.jsonl'), JSON.stringify({ ...rest, ...metrics }));
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomicSync(this.path(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  private writeInfo(): void {
    writeFileAtomicSync(path.join(this.dir, 'run.json'), `${JSON.stringify(this.info, null, 2)}\n`);
  }
}
