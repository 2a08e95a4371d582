// `allo report <run-dir>` (packages/cli/src/commands/report.ts).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, test, vi } from 'vitest';

import { AlloError } from '@allo/core';

import { reportCommand } from '../commands/report.js';
import { REPORT_HELP } from '../usage.js';
import { writeFixtureRun } from './fixture.js';

const roots: string[] = [];

function captureStdout(): { text: () => string; restore: () => void } {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  return { text: () => out, restore: () => spy.mockRestore() };
}

afterEach(async () => {
  await Promise.all(roots.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('reportCommand', () => {
  test('--help prints REPORT_HELP and exits 0', async () => {
    const stdout = captureStdout();
    try {
      expect(await reportCommand(['--help'])).toBe(0);
    } finally {
      stdout.restore();
    }
    expect(stdout.text()).toBe(`${REPORT_HELP}\n`);
  });

  test('writes report.html into the run directory and prints its path', async () => {
    const dir = await writeFixtureRun(await mkdtemp(path.join(tmpdir(), 'allo-report-cmd-')));
    roots.push(dir);
    const stdout = captureStdout();
    try {
      expect(await reportCommand([dir])).toBe(0);
    } finally {
      stdout.restore();
    }
    expect(stdout.text()).toBe(`${path.join(dir, 'report.html')}\n`);
    expect(existsSync(path.join(dir, 'report.html'))).toBe(true);
  });

  test('no run directory, or two, is a usage error', async () => {
    for (const argv of [[], ['a', 'b']]) {
      const error = await reportCommand(argv).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AlloError);
      expect((error as AlloError).code).toBe('USAGE');
      expect((error as AlloError).message).toBe(
        `allo report takes exactly one run directory, got ${argv.length} (allo report --help)`,
      );
    }
  });

  test('a run directory that does not exist is an IO error naming it', async () => {
    const missing = path.join(tmpdir(), 'allo-report-cmd-missing');
    const error = await reportCommand([missing]).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as AlloError).code).toBe('IO');
    expect((error as AlloError).path).toBe(missing);
  });
});
