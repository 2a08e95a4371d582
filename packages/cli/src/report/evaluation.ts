// Held-out metrics per model (eval.json): one row per metric, one column per model, the
// reference first.
import { escapeHtml, formatNumber, note, section, table } from './html.js';
import type { RunFiles } from './read.js';

/** TRL's metric names first, in TRL's order, then the NLL and KL the evaluation adds. */
export const EVAL_METRICS = [
  'rewards/accuracies',
  'rewards/margins',
  'rewards/chosen',
  'rewards/rejected',
  'logps/chosen',
  'logps/rejected',
  'nll/chosen',
  'kl/reference',
];

const WHY_MISSING: Record<string, string> = {
  ok: 'the run had no held-out pairs to evaluate on',
  interrupted: 'the run was interrupted before its evaluation',
  failed: 'the run failed before its evaluation',
  running: 'the run has not reached its evaluation',
};

/** Models in the order the table shows them: reference first, then eval.json's order. */
export function modelOrder(models: string[]): string[] {
  return [...models.filter((m) => m === 'reference'), ...models.filter((m) => m !== 'reference')];
}

export function evaluationSection(files: RunFiles): string {
  const title = 'Held-out evaluation';
  if (files.eval === null) {
    const why = WHY_MISSING[files.run.status] ?? `the run's status is "${files.run.status}"`;
    return section(
      'evaluation',
      title,
      note(
        `No held-out evaluation: eval.json is not in the run directory (${escapeHtml(why)}).`,
        'warn',
      ),
    );
  }
  const models = modelOrder(Object.keys(files.eval));
  const present = new Set(models.flatMap((m) => Object.keys(files.eval![m])));
  const metrics = [
    ...EVAL_METRICS.filter((k) => present.has(k)),
    ...[...present].filter((k) => !EVAL_METRICS.includes(k)).sort(),
  ];
  const rows = metrics.map((metric) => [
    escapeHtml(metric),
    ...models.map((m) => formatNumber(files.eval![m][metric])),
  ]);
  const pairs = files.run.data?.kept?.eval;
  const caption = `<p>On ${pairs === undefined ? 'the' : `${escapeHtml(pairs)}`} held-out pairs, against the reference model; means over pairs of β-scaled log-ratios to the reference (rewards, as in TRL) and of log-probs summed over response tokens (logps); nll/chosen is per chosen-response token.</p>`;
  return section(
    'evaluation',
    title,
    `${caption}\n${table(['metric', ...models.map(escapeHtml)], rows, { numeric: true, className: 'eval' })}`,
  );
}
