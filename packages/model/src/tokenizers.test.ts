import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { assetPath } from '@allo/core';
import type { Tokenizer } from '@allo/core';
import { afterAll, describe, expect, it } from 'vitest';

import { findTokenizer, loadTokenizer } from './tokenizers.js';
import { Llama2cTokenizer } from './tokenizer-llama2c.js';

const work = mkdtempSync(path.join(tmpdir(), 'allo-tokenizers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('llama2.c tokenizer (tok512.bin), as run.c encodes', () => {
  const tokenizer = Llama2cTokenizer.fromFile(assetPath('stories260K', 'tok512.bin'));

  it('reads 512 pieces; empty text encodes to nothing, other text starts with the dummy-prefix merge', () => {
    expect(tokenizer.vocabSize).toBe(512);
    expect(tokenizer.encode('')).toEqual([]);
    expect(tokenizer.encode('Once')).toEqual([403]);
    // A lone space: the dummy prefix (410) then the space itself (410) merge no further.
    expect(tokenizer.encode(' ')).toEqual([410, 410]);
  });

  it('falls back to bytes for code points that are not pieces and decodes them back', () => {
    const text = 'Lily ☃ said\nhi';
    const ids = tokenizer.encode(text);
    // ☃ is U+2603, UTF-8 e2 98 83: three byte pieces, id = byte + 3; the newline is <0x0A> = 13.
    expect(ids).toEqual(expect.arrayContaining([0xe2 + 3, 0x98 + 3, 0x83 + 3, 13]));
    expect(tokenizer.decode([1, ...ids])).toBe(text);
    // Without BOS in front, the dummy-prefix space stays.
    expect(tokenizer.decode(ids)).toBe(` ${text}`);
  });

  it('skips BOS and EOS when decoding', () => {
    expect(tokenizer.decode([1, 403, 407, 2])).toBe('Once upon');
  });
});

describe('finding and loading tokenizers', () => {
  it('finds tokenizer.json before .bin files and renders a chat template from tokenizer_config.json', () => {
    copyFileSync(
      assetPath('gpt2-tokenizer-json', 'tokenizer.json'),
      path.join(work, 'tokenizer.json'),
    );
    copyFileSync(assetPath('stories260K', 'tok512.bin'), path.join(work, 'tok512.bin'));
    writeFileSync(
      path.join(work, 'tokenizer_config.json'),
      JSON.stringify({
        bos_token: '<|endoftext|>',
        eos_token: { content: '<|endoftext|>' },
        chat_template:
          "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}",
      }),
    );
    expect(findTokenizer(work)).toBe(path.join(work, 'tokenizer.json'));
    const tokenizer = loadTokenizer(work);
    expect([tokenizer.bosId, tokenizer.eosId, tokenizer.padId]).toEqual([50256, 50256, 50256]);
    const text = tokenizer.applyChatTemplate!([{ role: 'user', content: 'Hi' }], {
      addGenerationPrompt: true,
    });
    expect(text).toBe('user: Hi\nassistant:');
    expect(loadTokenizer(path.join(work, 'tok512.bin')).vocabSize).toBe(512);
    const plain: Tokenizer = Llama2cTokenizer.fromFile(path.join(work, 'tok512.bin'));
    expect(plain.applyChatTemplate).toBeUndefined();
  });
});
