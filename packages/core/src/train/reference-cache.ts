// Reference log-probs, computed once per (reference weights, data, tokenisation) and cached: in
// memory for the process, and under `<runDir>/cache/ref-logps-<fingerprint>.json` so that a second
// run over the same data and reference reuses them. The fingerprint hashes every parameter's
// name, shape and float32 bytes, every sequence's token ids, and the tokenizer settings that shape
// a batch (vocabulary size, BOS, EOS and pad ids), so any change in these gives a new file.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { SequenceRow } from '../data/batch.js';
import { errors } from '../errors.js';
import { writeFileAtomic } from '../io.js';
import type { CausalLM, Tokenizer } from '../types.js';
import { responseLogps } from './logps.js';

export type CacheSource = 'memory' | 'disk' | 'computed';

export interface CachedLogps {
  fingerprint: string;
  /** Per row: log π_ref of each response token. */
  logps: Float32Array[];
  source: CacheSource;
}

const FORMAT = 'allo-ref-logps-v1';

/** Hex sha256 of the reference weights, the rows' token ids and the tokenizer settings. */
export function referenceFingerprint(
  model: CausalLM,
  rows: readonly SequenceRow[],
  tokenizer: Tokenizer,
): string {
  const hash = createHash('sha256');
  hash.update(FORMAT);
  for (const p of model.parameters) {
    hash.update(`${p.name}:${p.variable.shape.join('x')};`);
    const values = p.variable.dataSync() as Float32Array;
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  hash.update(
    `tok:${tokenizer.vocabSize}:${tokenizer.bosId}:${tokenizer.eosId}:${tokenizer.padId};rows:${rows.length};`,
  );
  for (const row of rows) {
    const ids = Int32Array.from([
      row.promptIds.length,
      ...row.promptIds,
      row.responseIds.length,
      ...row.responseIds,
    ]);
    hash.update(new Uint8Array(ids.buffer));
  }
  return hash.digest('hex').slice(0, 32);
}

export class ReferenceCache {
  private readonly memory = new Map<string, Float32Array[]>();

  constructor(private readonly runDir: string | null) {}

  /** Where the cache file of a fingerprint lives, or null without a run directory. */
  file(fingerprint: string): string | null {
    return this.runDir === null
      ? null
      : path.join(this.runDir, 'cache', `ref-logps-${fingerprint}.json`);
  }

  async get(
    reference: CausalLM,
    rows: readonly SequenceRow[],
    tokenizer: Tokenizer,
    batchSize: number,
  ): Promise<CachedLogps> {
    const fingerprint = referenceFingerprint(reference, rows, tokenizer);
    const hit = this.memory.get(fingerprint);
    if (hit !== undefined) return { fingerprint, logps: hit, source: 'memory' };
    const file = this.file(fingerprint);
    if (file !== null && existsSync(file)) {
      const logps = readCacheFile(file, fingerprint, rows);
      this.memory.set(fingerprint, logps);
      return { fingerprint, logps, source: 'disk' };
    }
    const logps = await responseLogps(reference, rows, tokenizer.padId, batchSize);
    this.memory.set(fingerprint, logps);
    if (file !== null) {
      const body = {
        format: FORMAT,
        fingerprint,
        rows: rows.length,
        logps: logps.map((l) => Array.from(l)),
      };
      await writeFileAtomic(file, JSON.stringify(body));
    }
    return { fingerprint, logps, source: 'computed' };
  }
}

function readCacheFile(
  file: string,
  fingerprint: string,
  rows: readonly SequenceRow[],
): Float32Array[] {
  let body: { format?: unknown; fingerprint?: unknown; logps?: unknown };
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw errors.io(
      file,
      `cannot read the reference log-prob cache: ${(cause as Error).message}; delete the file to recompute it`,
      cause,
    );
  }
  const logps = body.logps;
  const ok =
    body.format === FORMAT &&
    body.fingerprint === fingerprint &&
    Array.isArray(logps) &&
    logps.length === rows.length &&
    logps.every((l, i) => Array.isArray(l) && l.length === rows[i].responseIds.length);
  if (!ok) {
    throw errors.io(
      file,
      `reference log-prob cache does not match its fingerprint ${fingerprint} (expected ${rows.length} rows of ${FORMAT}); delete the file to recompute it`,
    );
  }
  return (logps as number[][]).map((l) => Float32Array.from(l));
}
