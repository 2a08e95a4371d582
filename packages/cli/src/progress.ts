// The terminal display of a run: one progress bar per stage (step, loss, tokens/s, ETA), log
// lines printed above the bars, or one JSON event per line for scripts. Besides the core
// logger, this is the only module that writes to the terminal.
import cliProgress from 'cli-progress';

import { setLogSinks } from '@allo/core';
import type { EventBus, LogRecord } from '@allo/core';

export type DisplayMode = 'bars' | 'quiet' | 'json';

function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(4);
}

/** Subscribes a display to the run's events; returns a function that closes it. */
export function attachDisplay(events: EventBus, mode: DisplayMode): () => void {
  if (mode === 'json') {
    setLogSinks([(record: LogRecord) => process.stdout.write(`${JSON.stringify({ event: 'log', ...record })}\n`)]);
    const off = events.onAny((name, payload) => {
      const body = name === 'run:start' ? { ...(payload as object), config: undefined } : payload;
      process.stdout.write(`${JSON.stringify({ event: name, time: new Date().toISOString(), ...(body as object) })}\n`);
    });
    return () => {
      off();
      setLogSinks([]);
    };
  }
  if (mode === 'quiet') {
    setLogSinks([(record: LogRecord) => {
      if (record.level === 'warn' || record.level === 'error') process.stderr.write(`[${record.tag}] ${record.level}: ${record.message}\n`);
    }]);
    return () => setLogSinks([]);
  }

  const interactive = process.stderr.isTTY === true;
  if (!interactive) return attachLines(events);
  const bars = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: ' {model}/{stage} [{bar}] {value}/{total} | loss {loss} | {tps} tok/s | ETA {eta_formatted}',
      barsize: 24,
      hideCursor: interactive,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  setLogSinks([(record: LogRecord) => {
    const prefix = record.level === 'info' ? '' : `${record.level}: `;
    bars.log(`[${record.tag}] ${prefix}${record.message}\n`);
  }]);
  let model = '';
  let bar: cliProgress.SingleBar | null = null;
  const offs = [
    events.on('schedule:start', (p) => {
      model = p.model;
    }),
    events.on('stage:start', (p) => {
      bar?.stop();
      bar = bars.create(p.totalSteps, 0, { model, stage: p.stage, loss: '-', tps: '-' });
    }),
    events.on('step:end', (p) => {
      bar?.update(p.step, {
        loss: formatNumber(p.metrics.loss),
        tps: formatNumber(p.seconds > 0 ? p.tokens / p.seconds : undefined),
      });
    }),
    events.on('stage:end', () => {
      bar?.stop();
      bar = null;
    }),
    events.on('eval:start', (p) => bars.log(`evaluating ${p.model} on ${p.size} held-out pairs\n`)),
  ];
  return () => {
    offs.forEach((off) => off());
    bars.stop();
    setLogSinks([]);
  };
}

/**
 * Without a terminal (CI, a pipe): one line when a stage starts, one every ~10 s with the step,
 * loss, tokens/s and ETA, and one when it ends — no redrawn bars.
 */
function attachLines(events: EventBus): () => void {
  const write = (text: string) => process.stderr.write(`${text}\n`);
  setLogSinks([(record: LogRecord) => write(`[${record.tag}] ${record.level === 'info' ? '' : `${record.level}: `}${record.message}`)]);
  let model = '';
  let started = 0;
  let last = 0;
  const offs = [
    events.on('schedule:start', (p) => {
      model = p.model;
    }),
    events.on('stage:start', (p) => {
      started = Date.now();
      last = started;
      write(`${model}/${p.stage}: ${p.totalSteps} steps${p.maskShare === null ? '' : `, mask share ${p.maskShare.toFixed(4)}`}`);
    }),
    events.on('eval:start', (p) => write(`evaluating ${p.model} on ${p.size} held-out pairs`)),
    events.on('step:end', (p) => {
      const now = Date.now();
      if (now - last < 10_000 && p.step !== p.totalSteps) return;
      last = now;
      const eta = ((now - started) / p.step) * (p.totalSteps - p.step) / 1000;
      const tps = p.seconds > 0 ? p.tokens / p.seconds : undefined;
      write(`${model}/${p.stage} ${p.step}/${p.totalSteps} | loss ${formatNumber(p.metrics.loss)} | ${formatNumber(tps)} tok/s | ETA ${eta.toFixed(0)} s`);
    }),
  ];
  return () => {
    offs.forEach((off) => off());
    setLogSinks([]);
  };
}

/** The held-out metrics as an aligned text table: one row per metric, one column per model. */
export function evalTable(evaluation: Record<string, Record<string, number>>): string {
  const models = Object.keys(evaluation);
  const metrics = [...new Set(models.flatMap((m) => Object.keys(evaluation[m])))];
  const rows = metrics.map((metric) => [metric, ...models.map((m) => formatNumber(evaluation[m][metric]))]);
  const header = ['metric', ...models];
  const widths = header.map((_, i) => Math.max(header[i].length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
