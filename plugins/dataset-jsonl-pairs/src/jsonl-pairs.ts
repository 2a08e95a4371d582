// Preference pairs from JSONL (plain or gzip). Each row gives a prompt, a chosen and a rejected
// response, found through field paths (default "prompt", "chosen", "rejected"; e.g.
// "input.messages", "preferred_output[0].content"). A field may be a string or a list of chat
// messages. With messages, the prompt is rendered with the tokenizer's chat template when it has
// one ("template"), or as the messages' contents joined by `separator` ("plain"); when the prompt
// field is absent and chosen/rejected are whole conversations, the prompt is their shared prefix.
import path from 'node:path';

import { countDrop, errors, getField, readJsonl, rejectRow, requireText } from '@allo/core';
import type {
  ChatMessage,
  DatasetContext,
  DatasetLoader,
  DatasetRecord,
  DropCounts,
  JsonlOptions,
  Logger,
  Tokenizer,
} from '@allo/core';

export interface JsonlPairsOptions {
  /** JSONL or JSONL.gz file; relative paths resolve against the config file's folder. */
  path: string;
  /** Field paths of the three parts; `id` names a row id field (default: file:line). */
  fields?: { prompt?: string; chosen?: string; rejected?: string; id?: string };
  /** How message lists become text: the tokenizer's chat template, plain contents, or auto. */
  chat?: 'auto' | 'template' | 'plain';
  /** Joins message contents in plain mode. */
  separator?: string;
  onInvalid?: 'error' | 'skip';
}

export const JSONL_PAIRS_DEFAULTS = {
  fields: { prompt: 'prompt', chosen: 'chosen', rejected: 'rejected' },
  chat: 'auto',
  separator: '\n\n',
  onInvalid: 'error',
} as const;

type Text = string | ChatMessage[];

interface Rendered {
  prompt: string;
  chosen: string;
  rejected: string;
}

function sameMessage(a: ChatMessage, b: ChatMessage): boolean {
  return a.role === b.role && a.content === b.content;
}

/** The longest shared prefix of two conversations, and what follows it in each. */
export function sharedPrefix(chosen: ChatMessage[], rejected: ChatMessage[]) {
  let n = 0;
  while (n < chosen.length && n < rejected.length && sameMessage(chosen[n], rejected[n])) n += 1;
  return { prompt: chosen.slice(0, n), chosen: chosen.slice(n), rejected: rejected.slice(n) };
}

function asMessages(text: Text, role: string): ChatMessage[] {
  return typeof text === 'string' ? [{ role, content: text }] : text;
}

/** Renders prompt messages and a reply with a chat template; the reply is the added text. */
function renderTemplate(
  tokenizer: Tokenizer,
  prompt: ChatMessage[],
  reply: ChatMessage[],
): { prompt: string; response: string } | null {
  const apply = tokenizer.applyChatTemplate!.bind(tokenizer);
  const full = apply([...prompt, ...reply], { addGenerationPrompt: false });
  for (const addGenerationPrompt of [true, false]) {
    const head = apply(prompt, { addGenerationPrompt });
    // Whitespace after a turn's end (a template's trailing newline) is not part of the reply.
    if (full.startsWith(head)) return { prompt: head, response: full.slice(head.length).trimEnd() };
  }
  return null;
}

export class JsonlPairsLoader implements DatasetLoader {
  private drops: DropCounts = {};

  constructor(
    private readonly options: JsonlPairsOptions,
    private readonly configDir: string,
    private readonly logger?: Logger,
  ) {}

  dropped(): DropCounts {
    return { ...this.drops };
  }

  async *records(context: DatasetContext): AsyncGenerator<DatasetRecord> {
    this.drops = {};
    const file = path.resolve(this.configDir, this.options.path);
    const fields = { ...JSONL_PAIRS_DEFAULTS.fields, ...this.options.fields };
    const chat = this.options.chat ?? JSONL_PAIRS_DEFAULTS.chat;
    const separator = this.options.separator ?? JSONL_PAIRS_DEFAULTS.separator;
    const logger = this.logger ?? context.logger;
    const useTemplate = chat !== 'plain' && context.tokenizer.applyChatTemplate !== undefined;
    if (chat === 'template' && !useTemplate) {
      throw errors.dataInvalid(
        file,
        null,
        'options.chat is "template" but the tokenizer has no chat template; use chat "plain" or a model whose tokenizer has one',
      );
    }
    const jsonl: JsonlOptions = {
      onInvalid: this.options.onInvalid ?? JSONL_PAIRS_DEFAULTS.onInvalid,
      drops: this.drops,
      onSkip: (error) => logger.debug(`skipped: ${error.message}`),
    };
    const base = path.basename(file);

    for await (const { line, value } of readJsonl(file, jsonl)) {
      let rendered: Rendered | 'prompts-differ';
      try {
        rendered = this.render(
          value,
          file,
          line,
          fields,
          useTemplate,
          separator,
          context.tokenizer,
        );
      } catch (error) {
        rejectRow(error, jsonl);
        continue;
      }
      if (rendered === 'prompts-differ') {
        countDrop(this.drops, 'prompts-differ');
        continue;
      }
      const idValue = fields.id === undefined ? undefined : getField(value, fields.id);
      const id =
        typeof idValue === 'string' || typeof idValue === 'number'
          ? String(idValue)
          : `${base}:${line}`;
      yield { kind: 'preference', id, ...rendered, source: { file, line } };
    }
  }

  private render(
    row: unknown,
    file: string,
    line: number,
    fields: { prompt: string; chosen: string; rejected: string },
    useTemplate: boolean,
    separator: string,
    tokenizer: Tokenizer,
  ): Rendered | 'prompts-differ' {
    const chosen = requireText(row, fields.chosen, file, line);
    const rejected = requireText(row, fields.rejected, file, line);
    const promptAbsent = getField(row, fields.prompt) === undefined;
    const prompt: Text | null =
      promptAbsent && Array.isArray(chosen) && Array.isArray(rejected)
        ? null
        : requireText(row, fields.prompt, file, line);

    if (typeof prompt === 'string' && typeof chosen === 'string' && typeof rejected === 'string') {
      return { prompt, chosen, rejected };
    }

    let parts: { prompt: ChatMessage[]; chosen: ChatMessage[]; rejected: ChatMessage[] };
    if (prompt === null) {
      parts = sharedPrefix(chosen as ChatMessage[], rejected as ChatMessage[]);
      if (parts.prompt.length === 0) return 'prompts-differ';
    } else {
      parts = {
        prompt: asMessages(prompt, 'user'),
        chosen: asMessages(chosen, 'assistant'),
        rejected: asMessages(rejected, 'assistant'),
      };
    }

    if (!useTemplate) {
      const join = (messages: ChatMessage[]) => messages.map((m) => m.content).join(separator);
      return {
        prompt: join(parts.prompt),
        chosen: join(parts.chosen),
        rejected: join(parts.rejected),
      };
    }
    const c = renderTemplate(tokenizer, parts.prompt, parts.chosen);
    const r = renderTemplate(tokenizer, parts.prompt, parts.rejected);
    if (c === null || r === null) {
      throw errors.dataInvalid(
        file,
        line,
        'the chat template renders the prompt messages differently inside the whole conversation, so the reply cannot be cut off it; use chat "plain"',
      );
    }
    if (c.prompt !== r.prompt) return 'prompts-differ';
    return { prompt: c.prompt, chosen: c.response, rejected: r.response };
  }
}
