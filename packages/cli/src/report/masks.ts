// Where each masked stage's parameters are: a layer × parameter-group heatmap of the mask
// share, the share per group and per tensor, and the overlap of each model's two masks
// (the forgetting and learning stages' in the allo schedule).
import { PARAMETER_GROUPS } from '@allo/core';
import type { MaskSummary } from '@allo/core';

import { escapeHtml, formatCount, formatShare, note, section, table } from './html.js';
import { heatmapSpec, overlapSpec, plotFigure } from './plots.js';
import type { HeatmapCell } from './plots.js';
import type { RunFiles, StageSummary } from './read.js';

/** The heatmap's last column: a row's share over every group (the share per layer). */
export const ALL_GROUPS = 'all groups';

export function layerLabel(layer: number | null): string {
  return layer === null ? 'outside layers' : `layer ${layer}`;
}

/** Sums the tensors of each (layer, group) cell, then each row; cells with no parameter are left out. */
export function heatmapCells(summary: MaskSummary): {
  cells: HeatmapCell[];
  rows: string[];
  groups: string[];
} {
  const sums = new Map<string, { row: string; group: string; selected: number; total: number }>();
  for (const t of summary.tensors) {
    const row = layerLabel(t.layer);
    const key = `${row}\u0000${t.group}`;
    const cell = sums.get(key) ?? { row, group: t.group, selected: 0, total: 0 };
    cell.selected += t.selected;
    cell.total += t.total;
    sums.set(key, cell);
  }
  const cells = [...sums.values()]
    .filter((c) => c.total > 0)
    .map((c) => {
      const share = c.selected / c.total;
      return { ...c, share, label: formatShare(share) };
    });
  const present = new Set(cells.map((c) => c.group));
  const known: readonly string[] = PARAMETER_GROUPS;
  const groups = [
    ...known.filter((g) => present.has(g)),
    ...[...present].filter((g) => !known.includes(g)).sort(),
  ];
  // A last column with each row's share over all its groups: the mask share per layer.
  const perRow = new Map<string, { selected: number; total: number }>();
  for (const c of cells) {
    const r = perRow.get(c.row) ?? { selected: 0, total: 0 };
    r.selected += c.selected;
    r.total += c.total;
    perRow.set(c.row, r);
  }
  for (const [row, r] of perRow) {
    const share = r.selected / r.total;
    cells.push({ row, group: ALL_GROUPS, ...r, share, label: formatShare(share) });
  }
  if (perRow.size > 0) groups.push(ALL_GROUPS);
  const rowsInSummary = summary.layers.map((l) => layerLabel(l.layer));
  const rowSet = new Set(cells.map((c) => c.row));
  const rows = [
    ...rowsInSummary.filter((r) => rowSet.has(r)),
    ...[...rowSet].filter((r) => !rowsInSummary.includes(r)),
  ];
  return { cells, rows, groups };
}

async function stageMask(stage: StageSummary): Promise<string> {
  const mask = stage.mask!;
  const name = `${stage.model} / ${stage.stage}`;
  const parts = [`<h3>${escapeHtml(name)}</h3>`];
  parts.push(
    `<p>${formatShare(mask.share)} of all parameter elements (${formatCount(mask.selected)} of ${formatCount(mask.total)}).</p>`,
  );
  const summary = mask.summary;
  if (summary === undefined || summary.tensors.length === 0) {
    parts.push(note('summary.json has no per-tensor breakdown for this mask.', 'warn'));
    return parts.join('\n');
  }
  const { cells, rows, groups } = heatmapCells(summary);
  const spec = heatmapSpec(cells, rows, groups, `${name}: mask share per layer and group`);
  parts.push(
    await plotFigure(`heatmap-${stage.model}-${stage.stage}`, spec, `${name} mask share heatmap`),
  );
  const groupRows = Object.entries(summary.groups ?? {}).map(([g, s]) => [
    escapeHtml(g),
    formatShare(s!.share),
    formatCount(s!.selected),
    formatCount(s!.total),
  ]);
  parts.push(table(['group', 'share', 'selected', 'elements'], groupRows, { numeric: true }));
  const tensorRows = summary.tensors.map((t) => [
    `<code>${escapeHtml(t.name)}</code>`,
    escapeHtml(t.group),
    escapeHtml(t.layer ?? '—'),
    formatShare(t.share),
    formatCount(t.selected),
    formatCount(t.total),
  ]);
  parts.push(
    `<details><summary>per tensor (${summary.tensors.length})</summary>\n${table(['tensor', 'group', 'layer', 'share', 'selected', 'elements'], tensorRows, { numeric: true })}\n</details>`,
  );
  return parts.join('\n');
}

export async function masksSection(files: RunFiles): Promise<string> {
  const title = 'Masks';
  if (files.summary === null)
    return section(
      'masks',
      title,
      note('No summary.json in the run directory: no mask to show.', 'warn'),
    );
  const masked = files.summary.stages.filter((s) => s.mask !== null);
  if (masked.length === 0)
    return section(
      'masks',
      title,
      note(
        'No stage of this run updates a masked share of the parameters: every stage trained all of them.',
      ),
    );
  const parts: string[] = [];
  for (const stage of masked) parts.push(await stageMask(stage));
  return section('masks', title, parts.join('\n'));
}

function shareOf(files: RunFiles, model: string, stage: string, selected: number): string {
  const record = files.summary?.stages.find((s) => s.model === model && s.stage === stage);
  const total = record?.mask?.total;
  return total === undefined ? 'n/a' : formatShare(total === 0 ? 0 : selected / total);
}

export async function overlapSection(files: RunFiles): Promise<string> {
  const title = 'Mask overlap';
  if (files.summary === null)
    return section(
      'overlap',
      title,
      note('No summary.json in the run directory: no overlap to show.', 'warn'),
    );
  const overlaps = files.summary.overlaps;
  if (overlaps.length === 0)
    return section(
      'overlap',
      title,
      note('No model of this run has two masked stages, so there is no overlap to show.'),
    );
  const parts: string[] = [];
  for (const { model, a, b, overlap } of overlaps) {
    const name = `${model}: ${a} ∩ ${b}`;
    const { intersection, union, jaccard, selectedA, selectedB } = overlap;
    const rows = [
      [`${escapeHtml(a)} mask`, formatCount(selectedA), shareOf(files, model, a, selectedA)],
      [`${escapeHtml(b)} mask`, formatCount(selectedB), shareOf(files, model, b, selectedB)],
      ['intersection', formatCount(intersection), shareOf(files, model, a, intersection)],
      ['union', formatCount(union), shareOf(files, model, a, union)],
    ];
    parts.push(`<h3>${escapeHtml(name)}</h3>`);
    parts.push(
      `<p>Jaccard index <strong>${jaccard.toFixed(4)}</strong>; the intersection holds ${formatShare(selectedA === 0 ? 0 : intersection / selectedA)} of the ${escapeHtml(a)} mask and ${formatShare(selectedB === 0 ? 0 : intersection / selectedB)} of the ${escapeHtml(b)} mask.</p>`,
    );
    parts.push(table(['', 'elements', 'share of all parameters'], rows, { numeric: true }));
    const spec = overlapSpec(
      a,
      b,
      selectedA - intersection,
      intersection,
      selectedB - intersection,
      `${name}: selected elements`,
    );
    parts.push(await plotFigure(`overlap-${model}`, spec, `${name} overlap`));
  }
  return section('overlap', title, parts.join('\n'));
}
