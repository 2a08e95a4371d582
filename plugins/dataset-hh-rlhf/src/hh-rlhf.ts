// Anthropic HH-RLHF transcripts: each row holds only `chosen` and `rejected`, two whole
// conversations that share every turn but the last Assistant reply. The prompt is everything up to
// and including the LAST "\n\nAssistant:"; the response is the rest (it keeps its leading space,
// which the tokenisation path leaves to a dummy-prefix tokenizer). A pair whose two prompts differ
// is skipped and counted as 'prompts-differ'.
import path from 'node:path';

import { countDrop, errors, readJsonl, rejectRow, requireString } from '@allo/core';
import type {
  DatasetContext,
  DatasetLoader,
  DatasetRecord,
  DropCounts,
  JsonlOptions,
  Logger,
} from '@allo/core';

export interface HhRlhfOptions {
  /** JSONL or JSONL.gz file of {chosen, rejected} rows; relative paths resolve against the config. */
  path: string;
  onInvalid?: 'error' | 'skip';
}

export const ASSISTANT_MARKER = '\n\nAssistant:';

/** Splits one transcript at its last Assistant turn, or null when it has none. */
export function splitTranscript(text: string): { prompt: string; response: string } | null {
  const at = text.lastIndexOf(ASSISTANT_MARKER);
  if (at === -1) return null;
  const cut = at + ASSISTANT_MARKER.length;
  return { prompt: text.slice(0, cut), response: text.slice(cut) };
}

export class HhRlhfLoader implements DatasetLoader {
  private drops: DropCounts = {};

  constructor(
    private readonly options: HhRlhfOptions,
    private readonly configDir: string,
    private readonly logger?: Logger,
  ) {}

  dropped(): DropCounts {
    return { ...this.drops };
  }

  async *records(context: DatasetContext): AsyncGenerator<DatasetRecord> {
    this.drops = {};
    const file = path.resolve(this.configDir, this.options.path);
    const logger = this.logger ?? context.logger;
    const jsonl: JsonlOptions = {
      onInvalid: this.options.onInvalid ?? 'error',
      drops: this.drops,
      onSkip: (error) => logger.debug(`skipped: ${error.message}`),
    };
    const base = path.basename(file);
    for await (const { line, value } of readJsonl(file, jsonl)) {
      let chosen: string;
      let rejected: string;
      try {
        chosen = requireString(value, 'chosen', file, line);
        rejected = requireString(value, 'rejected', file, line);
      } catch (error) {
        rejectRow(error, jsonl);
        continue;
      }
      const c = splitTranscript(chosen);
      const r = splitTranscript(rejected);
      if (c === null || r === null) {
        const field = c === null ? 'chosen' : 'rejected';
        rejectRow(
          errors.dataInvalid(
            file,
            line,
            `field "${field}": expected a transcript with an "\\n\\nAssistant:" turn, found none`,
          ),
          jsonl,
        );
        continue;
      }
      if (c.prompt !== r.prompt) {
        countDrop(this.drops, 'prompts-differ');
        logger.debug(
          `${file}:${line}: chosen and rejected prompts differ before the last Assistant turn; skipped`,
        );
        continue;
      }
      yield {
        kind: 'preference',
        id: `${base}:${line}`,
        prompt: c.prompt,
        chosen: c.response,
        rejected: r.response,
        source: { file, line },
      };
    }
  }
}
