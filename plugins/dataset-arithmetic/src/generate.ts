// Generated arithmetic problems with checkable answers, for the paper's self-sampled setting at a
// size a 260K-parameter story model can learn (Chen et al., EMNLP 2024, Sec. 4.1 use GSM8K; this
// is its miniature). Prompts are short and regular ("Q: 23+45=? A:"); the worked solution
// spells out the column sums and ends "The answer is N." the way the verifier reads samples.
import { errors, seededRandom } from '@allo/core';
import type { ProblemRecord, SftRecord } from '@allo/core';

export type Operation = 'add' | 'add-sub';
export type Carries = 'any' | 'only' | 'without';

export interface GenerateSpec {
  /** Problems to generate; each (a, b[, c]) appears once. */
  count: number;
  /** a+b, or a+b-c. */
  operation: Operation;
  /** Whether the ones column of a+b carries: any, only carrying sums, or none. */
  carries: Carries;
  seed: number;
}

export interface Operands {
  a: number;
  b: number;
  /** The subtrahend of a+b-c; absent for plain addition. */
  c?: number;
}

const LOW = 10;
const HIGH = 99;

/** True when the ones digits of a and b sum past 9. */
export function carriesOnes(a: number, b: number): boolean {
  return (a % 10) + (b % 10) >= 10;
}

export function answerOf(operands: Operands): number {
  return operands.a + operands.b - (operands.c ?? 0);
}

export function promptOf(operands: Operands): string {
  const c = operands.c === undefined ? '' : `-${operands.c}`;
  return `Q: ${operands.a}+${operands.b}${c}=? A:`;
}

/**
 * The worked solution: ones column, then tens column with its carry, then (for a+b-c) the
 * subtraction, then "The answer is N.". For 27+45: " 7+5=12, 2+4+1=7. The answer is 72."
 */
export function solutionOf(operands: Operands): string {
  const { a, b } = operands;
  const ones = (a % 10) + (b % 10);
  const carry = ones >= 10 ? 1 : 0;
  const tensTerms = `${Math.floor(a / 10)}+${Math.floor(b / 10)}${carry === 1 ? '+1' : ''}`;
  const tens = Math.floor(a / 10) + Math.floor(b / 10) + carry;
  let steps = `${a % 10}+${b % 10}=${ones}, ${tensTerms}=${tens}.`;
  if (operands.c !== undefined) steps += ` ${a + b}-${operands.c}=${a + b - operands.c}.`;
  return ` ${steps} The answer is ${answerOf(operands)}.`;
}

function keep(a: number, b: number, carries: Carries): boolean {
  if (carries === 'any') return true;
  return carriesOnes(a, b) === (carries === 'only');
}

/** How many distinct problems the spec allows (the generator cannot make more). */
export function problemSpace(operation: Operation, carries: Carries): number {
  let pairs = 0;
  for (let a = LOW; a <= HIGH; a += 1)
    for (let b = LOW; b <= HIGH; b += 1) if (keep(a, b, carries)) pairs += 1;
  return operation === 'add' ? pairs : pairs * (HIGH - LOW + 1);
}

/**
 * Distinct operands drawn from the seed, in draw order: two-digit a and b (and c) uniformly,
 * rejecting those the carry rule excludes and repeats. Same spec, same list.
 */
export function generateOperands(spec: GenerateSpec): Operands[] {
  const space = problemSpace(spec.operation, spec.carries);
  if (spec.count > space) {
    throw errors.configInvalid('dataset-arithmetic', [
      {
        path: 'dataset.options.problems',
        message: `must be at most ${space}, the distinct problems of operation "${spec.operation}" with carries "${spec.carries}"`,
        got: String(spec.count),
      },
    ]);
  }
  const random = seededRandom(spec.seed);
  const draw = () => LOW + Math.floor(random() * (HIGH - LOW + 1));
  const seen = new Set<string>();
  const out: Operands[] = [];
  while (out.length < spec.count) {
    const a = draw();
    const b = draw();
    const c = spec.operation === 'add-sub' ? draw() : undefined;
    if (!keep(a, b, spec.carries)) continue;
    const key = `${a},${b},${c ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c === undefined ? { a, b } : { a, b, c });
  }
  return out;
}

/** The problems of a spec as records: prompt, normalised answer, worked solution. */
export function generateProblems(spec: GenerateSpec): ProblemRecord[] {
  return generateOperands(spec).map((operands, index) => ({
    kind: 'problem',
    id: `arithmetic:${spec.seed}:${index}`,
    prompt: promptOf(operands),
    answer: String(answerOf(operands)),
    solution: solutionOf(operands),
    meta: { ...operands, carries: carriesOnes(operands.a, operands.b) },
  }));
}

/** A problem's SFT example: its prompt and worked solution. */
export function sftRecordOf(problem: ProblemRecord): SftRecord {
  if (problem.solution === undefined) {
    const file = problem.source?.file ?? problem.id;
    throw errors.dataInvalid(
      file,
      problem.source?.line ?? null,
      `problem "${problem.id}": expected a worked solution to imitate, got none`,
    );
  }
  return {
    kind: 'sft',
    id: `${problem.id}#sft`,
    prompt: problem.prompt,
    response: problem.solution,
    source: problem.source,
    meta: problem.meta,
  };
}
