import { describe, expect, it } from 'vitest';

import { assetPath } from '../assets.js';
import type { ModelConfig } from '../types.js';
// The real tok512 and GPT-2 tokenizers, from the model package's sources (core cannot depend on it).
import { loadTokenizer } from '../../../model/src/tokenizers.js';
import { charTokenizer } from './char-tokenizer.js';
import { readJsonl } from './jsonl.js';
import { spaceChunked } from './space-chunked.js';
import { addsDummyPrefix, encodeResponse } from './tokenize.js';

describe('spaceChunked', () => {
  it('gives the ids of the real tok512 encode on real texts and edge cases', async () => {
    const tok = loadTokenizer(assetPath('stories260K', 'tok512.bin'));
    const fast = spaceChunked(tok);
    expect(fast).not.toBe(tok);
    const texts = [
      '',
      ' ',
      '  ',
      'a',
      ' a',
      'a  b',
      ' lead',
      'trail ',
      'x\n\nHuman: why?  ok',
      'caf\u00e9 \u{1F600} !',
    ];
    let n = 0;
    for await (const { value } of readJsonl(
      assetPath('orca-dpo-pairs-validation', 'validation.jsonl'),
    )) {
      const row = value as {
        preferred_output: Array<{ content: string }>;
        input: { messages: Array<{ content: string }> };
      };
      texts.push(row.preferred_output[0].content, row.input.messages[1].content);
      n += 1;
      if (n === 8) break;
    }
    for (const text of texts) expect(fast.encode(text)).toEqual(tok.encode(text));
    expect(fast.decode(fast.encode('Once upon a time'))).toBe(
      tok.decode(tok.encode('Once upon a time')),
    );
  });

  it('leaves tokenizers without a dummy prefix unchanged', () => {
    const plain = charTokenizer();
    expect(spaceChunked(plain)).toBe(plain);
    const sp = charTokenizer({ dummyPrefix: true, vocabSize: 300 });
    expect(spaceChunked(sp).encode(' a  b')).toEqual(sp.encode(' a  b'));
  });
});

describe('the dummy-prefix probe on the shipped tokenizers', () => {
  it('finds it in tok512 and not in GPT-2 tokenizer.json', () => {
    const tok512 = loadTokenizer(assetPath('stories260K', 'tok512.bin'));
    // GPT-2's config names <|endoftext|> (50256) as BOS and EOS.
    const ids = { bosTokenId: 50256, eosTokenId: 50256 } as unknown as ModelConfig;
    const gpt2 = loadTokenizer(assetPath('gpt2-tokenizer-json', 'tokenizer.json'), ids);
    expect(addsDummyPrefix(tok512)).toBe(true);
    expect(addsDummyPrefix(gpt2)).toBe(false);
    expect(spaceChunked(gpt2)).toBe(gpt2);
    // GPT-2 keeps a response's own leading space: " Hello" is one token, "Ġ" + "Hello".
    expect(gpt2.encode(' Hello')).toHaveLength(1);
    expect(encodeResponse(gpt2, ' Hello')).toEqual([...gpt2.encode(' Hello'), 50256]);
    expect(gpt2.decode(encodeResponse(gpt2, ' Hello').slice(0, -1))).toBe(' Hello');
  });
});
