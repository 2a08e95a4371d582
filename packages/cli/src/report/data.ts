// The data a run trained and evaluated on: rows kept per split, rows dropped by reason, and
// prompt / response lengths in tokens (from run.json's `data`).
import { escapeHtml, formatCount, note, section, table } from './html.js';
import type { RunFiles } from './read.js';

const SPLITS = ['total', 'train', 'validation', 'eval', 'rejected', 'sft'];

const oneDecimal = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? value.toFixed(1) : 'n/a';

export function dataSection(files: RunFiles): string {
  const data = files.run.data;
  if (data === undefined)
    return section(
      'data',
      'Data',
      note(
        'run.json has no data counts: the run stopped before its datasets were prepared.',
        'warn',
      ),
    );

  const parts: string[] = [];
  const kept = data.kept ?? {};
  const splits = [
    ...SPLITS.filter((s) => s in kept),
    ...Object.keys(kept).filter((s) => !SPLITS.includes(s)),
  ];
  parts.push('<h3>Rows kept</h3>');
  parts.push(
    table(
      ['split', 'rows'],
      splits.map((s) => [escapeHtml(s), formatCount(kept[s])]),
      { numeric: true },
    ),
  );

  const dropped = Object.entries(data.dropped ?? {}).sort(
    (x, y) => y[1] - x[1] || x[0].localeCompare(y[0]),
  );
  parts.push('<h3>Rows dropped</h3>');
  if (dropped.length === 0) parts.push('<p>none</p>');
  else {
    const total = dropped.reduce((sum, [, n]) => sum + n, 0);
    const rows = dropped.map(([reason, n]) => [escapeHtml(reason), formatCount(n)]);
    rows.push(['<em>all reasons</em>', formatCount(total)]);
    parts.push(table(['reason', 'rows'], rows, { numeric: true }));
  }

  const lengths = Object.entries(data.lengths ?? {});
  if (lengths.length > 0) {
    parts.push('<h3>Lengths in tokens</h3>');
    const rows = lengths.map(([what, s]) => [
      escapeHtml(what),
      formatCount(s.count),
      formatCount(s.min),
      oneDecimal(s.mean),
      oneDecimal(s.median),
      formatCount(s.max),
    ]);
    parts.push(table(['', 'count', 'min', 'mean', 'median', 'max'], rows, { numeric: true }));
  }
  return section('data', 'Data', parts.join('\n'));
}
