import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { AlloError } from '../errors.js';
import type { DropCounts } from '../types.js';
import { assetPath } from '../assets.js';
import { readJsonl } from './jsonl.js';
import type { JsonlOptions } from './jsonl.js';

const dir = mkdtempSync(path.join(tmpdir(), 'allo-jsonl-'));

function file(name: string, content: string | Uint8Array): string {
  const target = path.join(dir, name);
  writeFileSync(target, content);
  return target;
}

async function read(target: string, options?: JsonlOptions) {
  const rows = [];
  for await (const row of readJsonl(target, options)) rows.push(row);
  return rows;
}

async function failure(promise: Promise<unknown>): Promise<AlloError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AlloError) return error;
    throw error;
  }
  throw new Error('expected an AlloError');
}

const lines = '{"a":1}\n\n{"a":2}\r\n{"a":"é"}';

describe('readJsonl', () => {
  it('streams plain and gzip files with 1-based line numbers, skipping blank lines', async () => {
    const expected = [
      { line: 1, value: { a: 1 } },
      { line: 3, value: { a: 2 } },
      { line: 4, value: { a: 'é' } },
    ];
    expect(await read(file('plain.jsonl', lines))).toEqual(expected);
    expect(await read(file('packed.jsonl.gz', gzipSync(lines)))).toEqual(expected);
  });

  it('fails on a malformed line naming file and line; skip counts it and loads the rest', async () => {
    const bad = file('bad.jsonl', '{"a":1}\n{"a":\n{"a":3}\n[1]\n');
    const error = await failure(read(bad));
    expect(error.code).toBe('DATA_INVALID');
    expect(error.message).toMatch(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: malformed JSON`),
    );

    const drops: DropCounts = {};
    const skipped: string[] = [];
    const rows = await read(bad, {
      onInvalid: 'skip',
      drops,
      onSkip: (e) => skipped.push(e.message),
    });
    expect(rows.map((r) => r.line)).toEqual([1, 3]);
    expect(drops).toEqual({ malformed: 2 });
    expect(skipped[1]).toBe(`${bad}:4: expected a JSON object per line, got an array`);
  });

  it('fails on a truncated gzip naming the file, even with skip', async () => {
    const whole = readFileSync(assetPath('hh-rlhf-harmless-test', 'test.jsonl.gz'));
    const cut = file('cut.jsonl.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    for (const onInvalid of ['error', 'skip'] as const) {
      const error = await failure(read(cut, { onInvalid }));
      expect(error.code).toBe('DATA_INVALID');
      expect(
        error.message.startsWith(`${cut}: the gzip stream is truncated or corrupt after line `),
      ).toBe(true);
    }
  });

  it('fails on a missing file and on invalid UTF-8, naming the file', async () => {
    const missing = path.join(dir, 'nope.jsonl');
    expect(
      (await failure(read(missing))).message.startsWith(`${missing}: cannot open the file`),
    ).toBe(true);
    const latin = file(
      'latin.jsonl',
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d, 0x0a]),
    );
    expect(
      (await failure(read(latin))).message.startsWith(
        `${latin}: cannot read the file after line 0`,
      ),
    ).toBe(true);
  });
});
