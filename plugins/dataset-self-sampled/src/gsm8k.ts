// GSM8K (openai/grade-school-math) as a task source: rows {question, answer}, where the answer is a
// worked solution with calculator annotations "<<16-3-4=9>>" and a last line "#### 9". The
// reference answer is the number after "####" (thousands commas and signs normalised); the
// solution keeps the reasoning without annotations and ends with "The answer is 9." so that an SFT
// target states its answer the way the verifier reads samples.
import path from 'node:path';

import { errors, normaliseNumber, readJsonl, rejectRow, requireString } from '@allo/core';
import type { DropCounts, JsonlOptions, Logger, ProblemRecord, TaskSource } from '@allo/core';

const CALCULATOR = /<<[^>]*>>/g;
const FINAL = /####\s*(.*)$/;

/** Removes GSM8K's "<<expression=result>>" calculator annotations. */
export function stripCalculator(text: string): string {
  return text.replace(CALCULATOR, '');
}

/** The normalised final answer of a GSM8K reference solution ("#### 1,000" -> "1000"), or null. */
export function gsm8kReferenceAnswer(solution: string): string | null {
  const match = FINAL.exec(solution.trim());
  return match === null ? null : normaliseNumber(match[1]);
}

/** The reference solution as natural text: no annotations, "#### N" turned into "The answer is N." */
export function gsm8kSolutionText(solution: string, answer: string): string {
  const at = solution.lastIndexOf('####');
  const reasoning = stripCalculator(at === -1 ? solution : solution.slice(0, at)).trimEnd();
  return `${reasoning}\nThe answer is ${answer}.`;
}

export interface Gsm8kOptions {
  /** GSM8K JSONL (train.jsonl or test.jsonl), plain or gzip. */
  path: string;
  onInvalid?: 'error' | 'skip';
}

/** Streams GSM8K problems: prompt = question, answer = the normalised number after "####". */
export class Gsm8kSource implements TaskSource {
  readonly id = 'gsm8k';
  private drops: DropCounts = {};

  constructor(
    private readonly options: Gsm8kOptions,
    private readonly configDir: string,
    private readonly logger?: Logger,
  ) {}

  dropped(): DropCounts {
    return { ...this.drops };
  }

  async *problems(): AsyncGenerator<ProblemRecord> {
    this.drops = {};
    const file = path.resolve(this.configDir, this.options.path);
    const jsonl: JsonlOptions = {
      onInvalid: this.options.onInvalid ?? 'error',
      drops: this.drops,
      onSkip: (error) => this.logger?.debug(`skipped: ${error.message}`),
    };
    const base = path.basename(file);
    for await (const { line, value } of readJsonl(file, jsonl)) {
      let question: string;
      let raw: string;
      try {
        question = requireString(value, 'question', file, line);
        raw = requireString(value, 'answer', file, line);
      } catch (error) {
        rejectRow(error, jsonl);
        continue;
      }
      const answer = gsm8kReferenceAnswer(raw);
      if (answer === null) {
        const tail = JSON.stringify(raw.slice(-40));
        rejectRow(
          errors.dataInvalid(
            file,
            line,
            `field "answer": expected a final line "#### <number>", got ...${tail}`,
          ),
          jsonl,
        );
        continue;
      }
      yield {
        kind: 'problem',
        id: `${base}:${line}`,
        prompt: question,
        answer,
        solution: gsm8kSolutionText(raw, answer),
        source: { file, line },
      };
    }
  }
}

/** Reads a whole GSM8K file into memory. */
export async function loadGsm8k(
  file: string,
  options: { onInvalid?: 'error' | 'skip'; logger?: Logger } = {},
) {
  const source = new Gsm8kSource(
    { path: file, onInvalid: options.onInvalid },
    process.cwd(),
    options.logger,
  );
  const problems: ProblemRecord[] = [];
  for await (const problem of source.problems()) problems.push(problem);
  return { problems, dropped: source.dropped() };
}
