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
  const bars = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: ' {model}/{stage} [{bar}] {value}/{total} | loss {loss} | {tps} tok/s | ETA {eta_formatted}',
      barsize: 24,
      hideCursor: interactive,
      clearOnComplete: false,
      noTTYOutput: !interactive,
      notTTYSchedule: 5000,
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
  ];
  return () => {
    offs.forEach((off) => off());
    bars.stop();
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
