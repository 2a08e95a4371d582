import { describe, expect, it } from 'vitest';

import { charTokenizer } from './char-tokenizer.js';
import {
  addsDummyPrefix,
  cutPromptLeft,
  encodePrompt,
  encodeResponse,
  tokenizePair,
  tokenizeResponse,
} from './tokenize.js';

const ids = (text: string) => [...text].map((c) => c.codePointAt(0)! + 4);
const SPACE = 0x20 + 4;

describe('tokenizePair', () => {
  const tok = charTokenizer();

  it('puts one BOS first, one EOS after each response, and encodes the parts separately', () => {
    const pair = tokenizePair(
      tok,
      { id: 'a', prompt: 'Q:', chosen: 'yes', rejected: 'no' },
      { maxLength: 64 },
    );
    expect(pair).toEqual({
      id: 'a',
      promptIds: [1, ...ids('Q:')],
      chosenIds: [...ids('yes'), 2],
      rejectedIds: [...ids('no'), 2],
    });
  });

  it('drops empty responses and identical responses with their reasons', () => {
    expect(
      tokenizePair(tok, { id: 'a', prompt: 'Q', chosen: ' \n', rejected: 'no' }, { maxLength: 64 }),
    ).toBe('empty-response');
    expect(
      tokenizePair(tok, { id: 'a', prompt: 'Q', chosen: 'no', rejected: 'no' }, { maxLength: 64 }),
    ).toBe('chosen-equals-rejected');
  });

  it('cuts the prompt from the left, keeps BOS first and the responses whole', () => {
    // responses: 'abcd'+EOS = 5 and 'xy'+EOS = 3 tokens; maxLength 9 leaves 4 prompt tokens.
    const pair = tokenizePair(
      tok,
      { id: 'a', prompt: '0123456789', chosen: 'abcd', rejected: 'xy' },
      { maxLength: 9 },
    );
    expect(pair).toEqual({
      id: 'a',
      promptIds: [1, ...ids('789')],
      chosenIds: [...ids('abcd'), 2],
      rejectedIds: [...ids('xy'), 2],
    });
  });

  it('applies maxPromptLength before maxLength', () => {
    const pair = tokenizePair(
      tok,
      { id: 'a', prompt: '0123456789', chosen: 'a', rejected: 'b' },
      { maxLength: 64, maxPromptLength: 3 },
    ) as { promptIds: number[] };
    expect(pair.promptIds).toEqual([1, ...ids('89')]);
  });

  it('drops a row whose longer response cannot fit beside a one-token prompt as too-long', () => {
    // 'abcd' + EOS = 5 tokens: fits with BOS in 6, not in 5.
    expect(
      tokenizePair(tok, { id: 'a', prompt: 'Q', chosen: 'abcd', rejected: 'x' }, { maxLength: 5 }),
    ).toBe('too-long');
    const fits = tokenizePair(
      tok,
      { id: 'a', prompt: 'Q', chosen: 'abcd', rejected: 'x' },
      { maxLength: 6 },
    ) as {
      promptIds: number[];
    };
    expect(fits.promptIds).toEqual([1]);
  });

  it('does not double BOS or EOS that a chat template already encodes', () => {
    const chat = charTokenizer({ chatTemplate: true });
    expect(encodeResponse(chat, 'Hi</s>')).toEqual([...ids('Hi'), 2]);
    expect(encodePrompt(chat, '\u0001x'.replace('\u0001', ''))).toEqual([1, ...ids('x')]);
    const bosText = {
      ...chat,
      encode: (t: string) => (t.startsWith('<s>') ? [1, ...ids(t.slice(3))] : ids(t)),
    };
    expect(encodePrompt(bosText, '<s>Q')).toEqual([1, ...ids('Q')]);
  });

  it('has no BOS or EOS when the tokenizer has none', () => {
    const bare = charTokenizer({ bos: false, eos: false });
    const pair = tokenizePair(
      bare,
      { id: 'a', prompt: 'Q', chosen: 'y', rejected: 'n' },
      { maxLength: 8 },
    );
    expect(pair).toEqual({
      id: 'a',
      promptIds: ids('Q'),
      chosenIds: ids('y'),
      rejectedIds: ids('n'),
    });
    expect(cutPromptLeft(ids('abc'), 2, null)).toEqual(ids('bc'));
  });
});

describe('the dummy-prefix rule', () => {
  const sp = charTokenizer({ dummyPrefix: true });

  it('detects tokenizers that add a dummy prefix', () => {
    expect(addsDummyPrefix(sp)).toBe(true);
    expect(addsDummyPrefix(charTokenizer())).toBe(false);
  });

  it('lets the dummy prefix stand for one leading space of a response', () => {
    expect(encodeResponse(sp, ' I can')).toEqual([SPACE, ...ids('I can'), 2]);
    expect(encodeResponse(sp, 'Sure')).toEqual([SPACE, ...ids('Sure'), 2]);
    expect(encodeResponse(sp, '  two')).toEqual([SPACE, ...ids(' two'), 2]);
    // Without a dummy prefix the space is the response's own.
    expect(encodeResponse(charTokenizer(), ' I')).toEqual([...ids(' I'), 2]);
  });

  it('decodes the response back to its text up to one leading space', () => {
    for (const text of [' I can', 'Sure', '  two', ' ']) {
      const r = tokenizeResponse(sp, { id: 'a', prompt: 'P', response: text }, { maxLength: 32 });
      if (text.trim() === '') {
        expect(r).toBe('empty-response');
        continue;
      }
      const decoded = sp.decode((r as { responseIds: number[] }).responseIds.slice(0, -1));
      expect(decoded.replace(/^ /, '')).toBe(text.replace(/^ /, ''));
    }
  });
});
