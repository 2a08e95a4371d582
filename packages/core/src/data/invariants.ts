// The tokenisation invariants, as a checker: what tests assert over every real row, and what a
// `--check` run of `allo data` can report. An empty list means the pair is sound.
import type { PreferenceRecord, Tokenizer, TokenizedPair } from '../types.js';
import { encodePrompt } from './tokenize.js';

function count(ids: readonly number[], id: number | null): number {
  return id === null ? 0 : ids.reduce((n, x) => n + (x === id ? 1 : 0), 0);
}

function responseProblems(
  tokenizer: Tokenizer,
  name: string,
  ids: readonly number[],
  text: string,
): string[] {
  const problems: string[] = [];
  const eos = tokenizer.eosId;
  if (eos !== null) {
    if (ids[ids.length - 1] !== eos) problems.push(`${name}: does not end with EOS`);
    if (count(ids, eos) !== 1) problems.push(`${name}: has ${count(ids, eos)} EOS, expected 1`);
  }
  if (count(ids, tokenizer.bosId) !== 0) problems.push(`${name}: holds a BOS`);
  const body = eos !== null && ids[ids.length - 1] === eos ? ids.slice(0, -1) : ids;
  const decoded = tokenizer.decode(body);
  if (decoded.replace(/^ /, '') !== text.replace(/^ /, '')) {
    problems.push(
      `${name}: decodes to ${JSON.stringify(decoded.slice(0, 80))}, expected ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  return problems;
}

/**
 * What is wrong with a tokenised pair: one BOS, at position 0; one EOS, ending each response (a
 * multi-turn chat prompt may hold EOS after earlier turns); the
 * prompt ids a left-cut of the encoded prompt (so chosen and rejected share them); each response
 * decoding to its text up to one leading space. Chat-templated responses that end with the EOS
 * text are compared without it.
 */
export function pairProblems(
  tokenizer: Tokenizer,
  record: Pick<PreferenceRecord, 'prompt' | 'chosen' | 'rejected'>,
  pair: TokenizedPair,
): string[] {
  const problems: string[] = [];
  const bos = tokenizer.bosId;
  if (bos !== null && pair.promptIds[0] !== bos) problems.push('prompt: does not start with BOS');
  if (bos !== null && count(pair.promptIds, bos) !== 1)
    problems.push(`prompt: has ${count(pair.promptIds, bos)} BOS, expected 1`);

  const full = encodePrompt(tokenizer, record.prompt);
  const P = pair.promptIds.length;
  const start = bos !== null ? 1 : 0;
  const tail = full.slice(full.length - (P - start));
  const isCut = pair.promptIds.slice(start).every((id, i) => id === tail[i]) && P <= full.length;
  if (!isCut) problems.push('prompt: is not a left-cut of the encoded prompt');

  const eosText = tokenizer.eosId === null ? '' : tokenizer.decode([tokenizer.eosId]);
  const strip = (text: string) =>
    eosText !== '' && text.endsWith(eosText) ? text.slice(0, -eosText.length) : text;
  problems.push(...responseProblems(tokenizer, 'chosen', pair.chosenIds, strip(record.chosen)));
  problems.push(
    ...responseProblems(tokenizer, 'rejected', pair.rejectedIds, strip(record.rejected)),
  );
  return problems;
}
