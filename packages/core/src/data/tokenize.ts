// The one tokenisation path every stage uses. Prompt and response are encoded separately and
// concatenated, so that the loss mask follows from lengths alone:
//
//   promptIds   = [BOS] + encode(prompt)          (exactly one BOS at position 0, if the
//                                                  tokenizer has one)
//   responseIds = encode(response) + [EOS]        (one EOS; not added again when the encoded
//                                                  response, e.g. a chat template's turn,
//                                                  already ends with it)
//
// Dummy prefix: SentencePiece-style tokenizers (llama2.c's tok512) put a space before every
// non-empty text they encode, so a response encoded on its own already starts with a word-initial
// piece. When such a tokenizer meets a response that itself starts with one space (HH-RLHF's
// "Assistant: I ..." split after the colon), that one space is left to the dummy prefix instead of
// being encoded twice. Decoding the response ids then gives the response text, up to one leading
// space: exactly the text when it began with a space, " " + text otherwise.
//
// Too long: the prompt is cut from the LEFT (BOS kept first) to fit maxPromptLength and
// maxLength minus the longer response; the responses are never cut, and a row whose response
// cannot fit after a one-token prompt is dropped as 'too-long'.
import type {
  DropReason,
  PreferenceRecord,
  Tokenizer,
  TokenizedPair,
  TokenizedResponse,
} from '../types.js';

export interface TokenizeOptions {
  /** Most tokens in prompt + response (BOS and EOS included). */
  maxLength: number;
  /** Most tokens in the prompt (BOS included); 0 or absent for no limit beyond maxLength. */
  maxPromptLength?: number;
}

const dummyPrefixCache = new WeakMap<Tokenizer, boolean>();

/**
 * True when the tokenizer adds a dummy-prefix space to every text it encodes. The probe: with a
 * dummy prefix, "a a" encodes as encode("a") twice (the second word carries its space like the
 * first carries the dummy one); a byte-level BPE (GPT-2) or a plain character tokenizer differ.
 */
export function addsDummyPrefix(tokenizer: Tokenizer): boolean {
  const cached = dummyPrefixCache.get(tokenizer);
  if (cached !== undefined) return cached;
  const word = tokenizer.encode('a');
  const twice = tokenizer.encode('a a');
  const result =
    word.length > 0 &&
    twice.length === 2 * word.length &&
    twice.every((id, i) => id === word[i % word.length]);
  dummyPrefixCache.set(tokenizer, result);
  return result;
}

/** [BOS] + encode(prompt); a BOS the text already encodes to (a chat template's) is not doubled. */
export function encodePrompt(tokenizer: Tokenizer, prompt: string): number[] {
  const ids = prompt === '' ? [] : tokenizer.encode(prompt);
  const bos = tokenizer.bosId;
  if (bos === null || ids[0] === bos) return ids;
  return [bos, ...ids];
}

/** encode(response) + [EOS]; see the file comment for the dummy-prefix rule. */
export function encodeResponse(tokenizer: Tokenizer, response: string): number[] {
  const text =
    response.startsWith(' ') && addsDummyPrefix(tokenizer) ? response.slice(1) : response;
  const ids = text === '' ? [] : tokenizer.encode(text);
  const eos = tokenizer.eosId;
  if (eos !== null && ids[ids.length - 1] !== eos) ids.push(eos);
  return ids;
}

/** Keeps the last `budget` prompt tokens, with BOS (when present) still first. */
export function cutPromptLeft(promptIds: number[], budget: number, bosId: number | null): number[] {
  if (promptIds.length <= budget) return promptIds;
  if (bosId !== null && promptIds[0] === bosId) {
    return [bosId, ...promptIds.slice(promptIds.length - (budget - 1))];
  }
  return promptIds.slice(promptIds.length - budget);
}

function isEmpty(text: string): boolean {
  return text.trim() === '';
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** The prompt budget left by a response of `responseLength` tokens, or null when none fits. */
function promptBudget(responseLength: number, options: TokenizeOptions): number | null {
  const fit = options.maxLength - responseLength;
  if (fit < 1) return null;
  const limit =
    options.maxPromptLength !== undefined && options.maxPromptLength > 0
      ? options.maxPromptLength
      : fit;
  return Math.max(1, Math.min(fit, limit));
}

/** Tokenises a preference pair, or says why it is dropped. */
export function tokenizePair(
  tokenizer: Tokenizer,
  record: Pick<PreferenceRecord, 'id' | 'prompt' | 'chosen' | 'rejected'>,
  options: TokenizeOptions,
): TokenizedPair | DropReason {
  if (isEmpty(record.chosen) || isEmpty(record.rejected)) return 'empty-response';
  if (record.chosen === record.rejected) return 'chosen-equals-rejected';

  const chosenIds = encodeResponse(tokenizer, record.chosen);
  const rejectedIds = encodeResponse(tokenizer, record.rejected);
  if (sameIds(chosenIds, rejectedIds)) return 'chosen-equals-rejected';

  const budget = promptBudget(Math.max(chosenIds.length, rejectedIds.length), options);
  if (budget === null) return 'too-long';
  const promptIds = cutPromptLeft(encodePrompt(tokenizer, record.prompt), budget, tokenizer.bosId);
  return { id: record.id, promptIds, chosenIds, rejectedIds };
}

/** Tokenises one response (an SFT target, or a rejected response for NPO), or says why it is dropped. */
export function tokenizeResponse(
  tokenizer: Tokenizer,
  record: { id: string; prompt: string; response: string },
  options: TokenizeOptions,
): TokenizedResponse | DropReason {
  if (isEmpty(record.response)) return 'empty-response';

  const responseIds = encodeResponse(tokenizer, record.response);
  const budget = promptBudget(responseIds.length, options);
  if (budget === null) return 'too-long';
  const promptIds = cutPromptLeft(encodePrompt(tokenizer, record.prompt), budget, tokenizer.bosId);
  return { id: record.id, promptIds, responseIds };
}
