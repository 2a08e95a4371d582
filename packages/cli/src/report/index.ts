// The run report: report.html of a run directory, plots rendered to inline SVG in Node.
export { renderReport, writeReport } from './render.js';
export { escapeHtml, formatCount, formatNumber, formatShare } from './html.js';
export { readRunDir } from './read.js';
export type { MetricsRow, RunFiles, RunJson, RunSummary, StageSummary } from './read.js';
