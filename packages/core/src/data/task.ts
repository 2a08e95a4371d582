// Tasks with checkable answers (GSM8K, generated arithmetic): where problems come from and how a
// response's final answer is read and compared. The self-sampled dataset builds preference pairs
// from these; other task plugins implement them without depending on it.
import type { PluginContext } from '../extension-points.js';
import type { DropCounts, ProblemRecord } from '../types.js';

/** Reads a response's final answer and compares it with a problem's reference answer. */
export interface Verifier {
  readonly id: string;
  /** The final answer the response states, normalised; null when it states none. */
  extract(response: string): string | null;
  /** True when the response states the reference answer (already normalised by the task). */
  isCorrect(response: string, answer: string): boolean;
}

/** A stream of problems with normalised reference answers. */
export interface TaskSource {
  readonly id: string;
  problems(context: PluginContext): AsyncIterable<ProblemRecord>;
  /** Rows dropped while streaming, by reason; complete once iteration ends. */
  dropped(): DropCounts;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Normalises a written number: thousands commas, a leading "$" or "+", a Unicode minus and a
 * trailing period go; "-0" is "0"; "5.50" is "5.5"; "7.0" is "7". Null when it is not a number.
 */
export function normaliseNumber(text: string): string | null {
  let s = text
    .trim()
    .replace(/\u2212/g, '-')
    .replace(/,/g, '')
    .replace(/\.$/, '');
  s = s.replace(/^([+-]?)\$/, '$1').replace(/^\$/, '');
  if (!NUMBER.test(s)) return null;
  let sign = '';
  if (s[0] === '-' || s[0] === '+') {
    sign = s[0] === '-' ? '-' : '';
    s = s.slice(1);
  }
  let [whole, fraction = ''] = s.split('.');
  whole = whole.replace(/^0+(?=\d)/, '') || '0';
  fraction = fraction.replace(/0+$/, '');
  const body = fraction === '' ? whole : `${whole}.${fraction}`;
  return body === '0' ? '0' : `${sign}${body}`;
}

const ANSWER_IS = /the (?:final )?answer is\s*:?\s*\$?\s*([+\-\u2212]?\$?[\d,]*\.?\d+)/gi;

/**
 * The "The answer is N" verifier of the paper's math setting: the last such statement in the
 * response, its number normalised (commas, signs, "$", trailing period).
 */
export const answerIsVerifier: Verifier = {
  id: 'answer-is',
  extract(response: string): string | null {
    let last: string | null = null;
    for (const match of response.matchAll(ANSWER_IS)) last = match[1];
    return last === null ? null : normaliseNumber(last);
  },
  isCorrect(response: string, answer: string): boolean {
    const stated = this.extract(response);
    return stated !== null && stated === (normaliseNumber(answer) ?? answer);
  },
};
