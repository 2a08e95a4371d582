// The run's identity and outcome: name, status, seed, backend, times, versions, error.
import { escapeHtml, note, section, table } from './html.js';
import type { RunFiles } from './read.js';

const STATUS_TEXT: Record<string, string> = {
  ok: 'finished',
  interrupted: 'interrupted: the results below stop at the last finished stage',
  failed: 'failed: the results below stop where the run did',
  running:
    'still running (or killed without a chance to record its end): the results below are partial',
};

function duration(start: unknown, end: unknown): string {
  if (typeof start !== 'string' || typeof end !== 'string') return 'n/a';
  const ms = Date.parse(end) - Date.parse(start);
  if (!Number.isFinite(ms) || ms < 0) return 'n/a';
  const seconds = Math.round(ms / 1000);
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m} min ${seconds % 60} s` : `${seconds} s`;
}

export function statusSection(files: RunFiles): string {
  const { run } = files;
  const status = run.status;
  const badge = `<span class="status status-${escapeHtml(status.replace(/[^a-z]/gi, ''))}">${escapeHtml(status)}</span>`;
  const rows: string[][] = [
    ['status', `${badge} ${escapeHtml(STATUS_TEXT[status] ?? '')}`],
    ['seed', escapeHtml(run.seed)],
    ['backend', escapeHtml(run.backend ?? 'not chosen yet')],
    ['started', escapeHtml(run.startedAt ?? 'n/a')],
    ['ended', escapeHtml(run.endedAt ?? 'n/a')],
    ['duration', escapeHtml(duration(run.startedAt, run.endedAt))],
  ];
  const versions = Object.entries(run.versions ?? {})
    .map(([name, version]) => `${escapeHtml(name)} ${escapeHtml(version)}`)
    .join(', ');
  if (versions) rows.push(['versions', versions]);
  const present: Array<[string, boolean]> = [
    ['run.json', true],
    ['metrics.jsonl', files.metrics !== null],
    ['eval.json', files.eval !== null],
    ['summary.json', files.summary !== null],
  ];
  const links = present.map(([name, there]) =>
    there ? `<a href="${name}"><code>${name}</code></a>` : `<s><code>${name}</code></s> (missing)`,
  );
  rows.push(['files', links.join(', ')]);
  const parts = [table(['', ''], rows, { className: 'keyvalue' })];
  if (typeof run.error === 'string') parts.push(note(`error: ${escapeHtml(run.error)}`, 'warn'));
  if (status !== 'ok')
    parts.push(
      note(
        `This run is <strong>${escapeHtml(status)}</strong>; sections whose files it did not write say so.`,
        'warn',
      ),
    );
  return section('run', 'Run', parts.join('\n'));
}
