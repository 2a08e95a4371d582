// report.html of a run directory: read the run's files, render each section, write atomically.
import { stat } from 'node:fs/promises';
import path from 'node:path';

import { errors, writeFileAtomic } from '@allo/core';

import { dataSection } from './data.js';
import { evaluationSection } from './evaluation.js';
import { escapeHtml } from './html.js';
import { masksSection, overlapSection } from './masks.js';
import { page } from './page.js';
import { readRunDir } from './read.js';
import { samplesSection } from './samples.js';
import { statusSection } from './status.js';
import { curvesSection, stagesSection } from './training.js';

const NAV: Array<[string, string]> = [
  ['run', 'Run'],
  ['evaluation', 'Evaluation'],
  ['curves', 'Curves'],
  ['stages', 'Stages'],
  ['masks', 'Masks'],
  ['overlap', 'Overlap'],
  ['samples', 'Samples'],
  ['data', 'Data'],
];

async function checkDirectory(runDir: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(runDir)).isDirectory();
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException)?.code === 'ENOENT';
    throw errors.io(
      runDir,
      missing ? 'no such run directory' : `cannot be read (${(error as Error).message})`,
      error,
    );
  }
  if (!isDirectory)
    throw errors.io(runDir, 'expected a run directory (written by `allo run`), got a file');
}

/** The HTML of `runDir`'s report: self-contained, no script, no resource from elsewhere. */
export async function renderReport(runDir: string): Promise<string> {
  await checkDirectory(runDir);
  const files = await readRunDir(runDir);
  const sections = [
    statusSection(files),
    evaluationSection(files),
    await curvesSection(files),
    stagesSection(files),
    await masksSection(files),
    await overlapSection(files),
    samplesSection(files),
    dataSection(files),
  ];
  const subtitle = `run directory <code>${escapeHtml(path.resolve(runDir))}</code>, status <strong>${escapeHtml(files.run.status)}</strong>`;
  return page(`allo run ${files.run.name}`, subtitle, NAV, sections);
}

/** Writes `<runDir>/report.html` (temporary file, then rename) and returns its path. */
export async function writeReport(runDir: string): Promise<string> {
  const html = await renderReport(runDir);
  const target = path.join(runDir, 'report.html');
  await writeFileAtomic(target, html);
  return target;
}
