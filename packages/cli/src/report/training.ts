// Training curves (loss and rewards/margins per step, one plot per model, a colour per stage)
// and the stages' outcomes from summary.json.
import {
  escapeHtml,
  formatCount,
  formatNumber,
  formatShare,
  note,
  section,
  table,
} from './html.js';
import { metricSpec, plotFigure } from './plots.js';
import type { MetricsRow, RunFiles } from './read.js';

function byModel(rows: MetricsRow[]): Map<string, MetricsRow[]> {
  const out = new Map<string, MetricsRow[]>();
  for (const row of rows) {
    const list = out.get(row.model) ?? [];
    list.push(row);
    out.set(row.model, list);
  }
  return out;
}

async function plotOrNote(
  rows: MetricsRow[],
  metric: string,
  model: string,
  absent: string,
): Promise<string> {
  const spec = metricSpec(rows, metric, `${model}: ${metric}`);
  if (spec === null) return note(escapeHtml(absent));
  const key = `${metric === 'loss' ? 'loss' : 'margins'}-${model}`;
  return plotFigure(key, spec, `${model} ${metric} per step`);
}

export async function curvesSection(files: RunFiles): Promise<string> {
  const title = 'Training curves';
  if (files.metrics === null)
    return section(
      'curves',
      title,
      note('No metrics.jsonl in the run directory: no optimizer step finished.', 'warn'),
    );
  if (files.metrics.length === 0)
    return section(
      'curves',
      title,
      note('metrics.jsonl is empty: no optimizer step finished.', 'warn'),
    );
  const parts: string[] = [];
  if (files.metricsTruncated)
    parts.push(
      note(
        'The last line of metrics.jsonl was cut off (the run stopped while writing it) and is left out.',
        'warn',
      ),
    );
  for (const [model, rows] of byModel(files.metrics)) {
    parts.push(`<h3>${escapeHtml(model)}</h3>`);
    parts.push(await plotOrNote(rows, 'loss', model, `${model}: no step recorded a loss.`));
    parts.push(
      await plotOrNote(
        rows,
        'rewards/margins',
        model,
        `${model}: no stage records rewards/margins (an NPO or SFT objective has none).`,
      ),
    );
  }
  return section('curves', title, parts.join('\n'));
}

export function stagesSection(files: RunFiles): string {
  const title = 'Stages';
  if (files.summary === null)
    return section(
      'stages',
      title,
      note(
        'No summary.json in the run directory: the run stopped before recording its stages.',
        'warn',
      ),
    );
  if (files.summary.stages.length === 0)
    return section('stages', title, note('No stage finished.', 'warn'));
  const rows = files.summary.stages.map((s) => [
    escapeHtml(s.model),
    escapeHtml(s.stage),
    formatCount(s.steps),
    formatNumber(s.metrics?.loss),
    formatNumber(s.metrics?.['rewards/margins']),
    s.mask === null
      ? 'all (no mask)'
      : `${formatShare(s.mask.share)} (${formatCount(s.mask.selected)} of ${formatCount(s.mask.total)})`,
    s.checkpoint === null
      ? 'discarded'
      : `<a href="${escapeHtml(s.checkpoint)}/"><code>${escapeHtml(s.checkpoint)}</code></a>`,
  ]);
  const head = [
    'model',
    'stage',
    'steps',
    'mean loss',
    'mean rewards/margins',
    'mask share',
    'checkpoint',
  ];
  const body = table(head, rows, { className: 'stages' });
  const masks = files.maskFiles
    .map((f) => `<a href="${escapeHtml(f)}"><code>${escapeHtml(f)}</code></a>`)
    .join(', ');
  return section(
    'stages',
    title,
    `${body}${masks ? `\n<p>Masks (safetensors, Hugging Face parameter names): ${masks}</p>` : ''}`,
  );
}
