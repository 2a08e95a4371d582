// The report's plots: vega-lite specs compiled to vega and rendered to SVG strings in Node, with
// no renderer in the page (the report runs no script). Data is always inline `values`, so vega's
// loader never reads a file or URL.
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

import { escapeHtml } from './html.js';
import type { MetricsRow } from './read.js';

const WIDTH = 560;
const HEIGHT = 200;

/**
 * Vega names clip paths and gradients from counters of its own (some restart with every render,
 * some run for the life of the process), so two plots in one page could share ids and the same
 * run would not give the same bytes twice: each plot's ids are renamed `<prefix>-<n>` in order.
 */
function scopeIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const [, id] of svg.matchAll(/\sid="([^"]+)"/g))
    if (!ids.has(id)) ids.set(id, `${prefix}-${ids.size}`);
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (whole, lead: string, id: string) =>
    ids.has(id) ? `${lead}${ids.get(id)}` : whole,
  );
}

/**
 * Compiles a vega-lite spec and renders it to an SVG string; `label` names it for readers, and
 * `key` (unique in the page) prefixes its ids, so that the same run gives the same bytes.
 */
export async function renderSvg(spec: TopLevelSpec, label: string, key: string): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    const scoped = scopeIds(svg, `plot-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    return scoped.replace('<svg ', `<svg role="img" aria-label="${escapeHtml(label)}" `);
  } finally {
    view.finalize();
  }
}

/** A plot as the report embeds it: a figure named by `key` (tests and styles find it by that). */
export async function plotFigure(key: string, spec: TopLevelSpec, label: string): Promise<string> {
  return `<figure class="plot" data-plot="${escapeHtml(key)}">${await renderSvg(spec, label, key)}</figure>`;
}

/** Steps of one model on one axis: each stage continues where the previous one ended. */
export function runSteps(rows: MetricsRow[]): Array<MetricsRow & { x: number }> {
  const offsets = new Map<string, number>();
  let next = 0;
  const out: Array<MetricsRow & { x: number }> = [];
  for (const row of rows) {
    if (!offsets.has(row.stage)) offsets.set(row.stage, next);
    const x = offsets.get(row.stage)! + row.step;
    next = Math.max(next, x);
    out.push({ ...row, x });
  }
  return out;
}

/** A line per stage of `metric` against the run's step; null when no row has the metric. */
export function metricSpec(rows: MetricsRow[], metric: string, title: string): TopLevelSpec | null {
  const values = runSteps(rows)
    .filter((r) => typeof r.values[metric] === 'number' && Number.isFinite(r.values[metric]))
    .map((r) => ({ step: r.x, stageStep: r.step, stage: r.stage, value: r.values[metric] }));
  if (values.length === 0) return null;
  // Every stage of the model in the colour domain, so that a stage keeps its colour in each plot.
  const stages = [...new Set(rows.map((r) => r.stage))];
  return {
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', point: values.length <= 60 },
    encoding: {
      x: {
        field: 'step',
        type: 'quantitative',
        title: 'optimizer step (stages in run order)',
        axis: { tickMinStep: 1, format: 'd' },
      },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
      color: {
        field: 'stage',
        type: 'nominal',
        title: 'stage',
        scale: { domain: stages },
        legend: { values: [...new Set(values.map((v) => v.stage))] },
      },
    },
  };
}

export interface HeatmapCell {
  row: string;
  group: string;
  share: number;
  selected: number;
  total: number;
  label: string;
}

/** Layer × parameter group, share as colour and as printed text in each cell. */
export function heatmapSpec(
  cells: HeatmapCell[],
  rows: string[],
  groups: string[],
  title: string,
): TopLevelSpec {
  const max = Math.max(...cells.map((c) => c.share), 1e-12);
  const values = cells.map((c) => ({ ...c, dark: c.share > max * 0.6 }));
  return {
    title,
    data: { values },
    width: Math.max(80 * groups.length, 240),
    height: Math.max(24 * rows.length, 60),
    encoding: {
      x: {
        field: 'group',
        type: 'nominal',
        sort: groups,
        title: 'parameter group',
        axis: { labelAngle: 0, orient: 'top' },
      },
      y: { field: 'row', type: 'nominal', sort: rows, title: null },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white' },
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            title: 'share',
            scale: { scheme: 'blues', domain: [0, max] },
            legend: { format: '.1%' },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'label', type: 'nominal' },
          color: { condition: { test: 'datum.dark', value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

/** One stacked bar: elements only in A, in both, only in B. */
export function overlapSpec(
  a: string,
  b: string,
  onlyA: number,
  both: number,
  onlyB: number,
  title: string,
): TopLevelSpec {
  const values = [
    { part: `only ${a}`, order: 0, elements: onlyA },
    { part: 'both', order: 1, elements: both },
    { part: `only ${b}`, order: 2, elements: onlyB },
  ];
  return {
    title,
    width: WIDTH,
    height: 28,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'elements', type: 'quantitative', stack: 'zero', title: 'selected elements' },
      color: {
        field: 'part',
        type: 'nominal',
        sort: values.map((v) => v.part),
        title: null,
        scale: { range: ['#4c78a8', '#7b4ea3', '#e45756'] },
      },
      order: { field: 'order', type: 'quantitative' },
    },
  };
}
