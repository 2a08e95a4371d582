// A small, exact Tokenizer for tests and examples that need no model files: one id per Unicode
// code point (below `vocabSize`; others map to <unk>), with optional BOS/EOS, an optional
// llama2.c-style dummy-prefix space, and an optional chat template.
import type { ChatMessage, Tokenizer } from '../types.js';

export interface CharTokenizerOptions {
  /** Ids 0..3 are <unk>, BOS, EOS and <pad>; code point c is id c + 4. Default 0x110004 (every code point). */
  vocabSize?: number;
  /** Default true: BOS is id 1. */
  bos?: boolean;
  /** Default true: EOS is id 2. */
  eos?: boolean;
  /** Adds a space before every non-empty encoded text, as SentencePiece does. Default false. */
  dummyPrefix?: boolean;
  /**
   * A ChatML-like template, "<|role|>content" per message, ending each assistant turn with the
   * EOS text "</s>" (which encodes to the EOS id). Default false (no applyChatTemplate).
   */
  chatTemplate?: boolean;
}

const SPECIAL = 4;
const EOS_TEXT = '</s>';

export function charTokenizer(options: CharTokenizerOptions = {}): Tokenizer {
  const vocabSize = options.vocabSize ?? 0x110004;
  const bosId = options.bos === false ? null : 1;
  const eosId = options.eos === false ? null : 2;
  const dummyPrefix = options.dummyPrefix ?? false;

  const encodeCodePoints = (text: string, out: number[]): void => {
    for (const ch of text) {
      const id = (ch.codePointAt(0) ?? 0) + SPECIAL;
      out.push(id < vocabSize ? id : 0);
    }
  };

  const tokenizer: Tokenizer = {
    vocabSize,
    bosId,
    eosId,
    padId: 3,
    encode(text: string): number[] {
      const ids: number[] = [];
      if (text === '') return ids;
      if (dummyPrefix) ids.push(0x20 + SPECIAL);
      const parts = eosId === null ? [text] : text.split(EOS_TEXT);
      parts.forEach((part, i) => {
        if (i > 0 && eosId !== null) ids.push(eosId);
        encodeCodePoints(part, ids);
      });
      return ids;
    },
    decode(ids: readonly number[]): string {
      let text = '';
      for (const id of ids) {
        if (id === bosId || id === 3) continue;
        if (id === eosId) text += EOS_TEXT;
        else if (id >= SPECIAL) text += String.fromCodePoint(id - SPECIAL);
        else text += '\uFFFD';
      }
      return text;
    },
  };
  if (options.chatTemplate === true) {
    tokenizer.applyChatTemplate = (messages: ChatMessage[], { addGenerationPrompt }) => {
      let text = '';
      for (const m of messages) {
        text += `<|${m.role}|>${m.content}${m.role === 'assistant' ? EOS_TEXT : '\n'}`;
      }
      return addGenerationPrompt ? `${text}<|assistant|>` : text;
    };
  }
  return tokenizer;
}
