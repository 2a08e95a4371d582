// Sampled responses to held-out prompts, before (the reference) and after (each trained model).
import { escapeHtml, note, section } from './html.js';
import { modelOrder } from './evaluation.js';
import type { RunFiles } from './read.js';

export const CONTENT_NOTE =
  "Content note: prompts come from the run's dataset and responses from the models it trained. HH-RLHF (the default run's data) was collected to elicit harmful replies: its prompts and the responses to them may be offensive or upsetting.";

export function samplesSection(files: RunFiles): string {
  const title = 'Sampled responses';
  const samples = files.summary?.samples ?? [];
  if (samples.length === 0) {
    const why =
      files.summary === null
        ? 'no summary.json in the run directory'
        : 'the run sampled no response (interrupted before evaluation, or eval.showSamples is 0)';
    return section('samples', title, note(`No samples: ${escapeHtml(why)}.`));
  }
  const parts = [note(escapeHtml(CONTENT_NOTE), 'warn')];
  samples.forEach((sample, i) => {
    const models = modelOrder(Object.keys(sample.responses ?? {}));
    const responses = models
      .map((m) => {
        const label = m === 'reference' ? 'reference (before)' : `${m} (after)`;
        return `<div class="response"><h4>${escapeHtml(label)}</h4><pre>${escapeHtml(sample.responses[m])}</pre></div>`;
      })
      .join('\n');
    parts.push(
      `<article class="sample"><h3>Prompt ${i + 1}</h3><pre class="prompt">${escapeHtml(sample.prompt.replace(/^\n+/, ''))}</pre>\n<div class="responses">${responses}</div></article>`,
    );
  });
  return section('samples', title, parts.join('\n'));
}
