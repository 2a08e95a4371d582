import { readFileSync } from 'node:fs';

import { assetPath } from '@allo/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { generateCommand } from './generate.js';

const greedy = JSON.parse(
  readFileSync(assetPath('stories260K', 'greedy-reference.json'), 'utf8'),
) as {
  greedy_from_bos_65_tokens: number[];
  greedy_text: string;
};
const STORIES = assetPath('stories260K', 'stories260K.bin');

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    const code = await generateCommand(argv);
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

describe('allo generate', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints the fixture greedy text for stories260K with the tokenizer found beside it', async () => {
    const { code, out } = await run([STORIES, '--temperature', '0', '--max-tokens', '64']);
    expect(code).toBe(0);
    expect(out).toBe(`${greedy.greedy_text}\n`);
  });

  it('prints the same for hf-stories260K with --tokenizer, and the ids with --json', async () => {
    const dir = assetPath('fixtures', 'hf-stories260K');
    const tokenizer = assetPath('stories260K', 'tok512.bin');
    const { code, out } = await run([
      dir,
      '--tokenizer',
      tokenizer,
      '--temperature',
      '0',
      '--max-tokens',
      '64',
      '--json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      text: greedy.greedy_text,
      ids: greedy.greedy_from_bos_65_tokens,
      finish: 'length',
    });
  });

  it('continues a prompt and samples reproducibly with a seed', async () => {
    const args = [
      STORIES,
      '--prompt',
      'Once upon a time',
      '--max-tokens',
      '12',
      '--temperature',
      '0.8',
      '--top-p',
      '0.9',
      '--seed',
      '11',
    ];
    const first = await run(args);
    const second = await run(args);
    expect(first.code).toBe(0);
    expect(first.out.startsWith('Once upon a time')).toBe(true);
    expect(second.out).toBe(first.out);
  });

  it('returns 2 on usage errors, 1 on a model it cannot load, 0 for --help', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run([STORIES, '--max-tokens', 'ten'])).code).toBe(2);
    expect((await run([STORIES, '--top-p', '0'])).code).toBe(2);
    expect((await run([STORIES, '--bogus'])).code).toBe(2);
    expect((await run([assetPath('stories260K', 'no-such.bin')])).code).toBe(1);
    expect(
      (await run([STORIES, '--tokenizer', assetPath('gpt2-tokenizer-json', 'tokenizer.json')]))
        .code,
    ).toBe(1);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: allo generate <model>');
  });
});
