// Hugging Face tokenizer.json through @huggingface/tokenizers, with tokenizer_config.json for the
// special tokens and the chat template (rendered by @huggingface/jinja).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { Template } from '@huggingface/jinja';
import { Tokenizer as HfTokenizerCore } from '@huggingface/tokenizers';
import { errors } from '@allo/core';
import type { ChatMessage, Tokenizer } from '@allo/core';

type TokenSetting = string | { content?: string } | null | undefined;

function tokenContent(value: TokenSetting): string | null {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && typeof value.content === 'string')
    return value.content;
  return null;
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw errors.modelInvalid(file, `cannot read JSON: ${(cause as Error).message}`);
  }
}

export interface HfTokenizerDefaults {
  /** Ids from the model's config.json, used where tokenizer_config.json names no token. */
  bosTokenId?: number | null;
  eosTokenId?: number | null;
}

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number;
  /** tokenizer.json, and tokenizer_config.json when there is one: what a saver copies. */
  readonly files: string[];
  private readonly core: HfTokenizerCore;
  private readonly template: Template | null;
  private readonly bosToken: string | null;
  private readonly eosToken: string | null;

  constructor(
    tokenizerJson: Record<string, unknown>,
    tokenizerConfig: Record<string, unknown>,
    files: string[],
    defaults: HfTokenizerDefaults = {},
  ) {
    this.core = new HfTokenizerCore(tokenizerJson, tokenizerConfig);
    this.files = files;
    this.vocabSize = this.core.get_vocab(true).size;
    const idOf = (setting: TokenSetting, fallback: number | null | undefined): number | null => {
      const content = tokenContent(setting);
      const id = content === null ? undefined : this.core.token_to_id(content);
      return id ?? fallback ?? null;
    };
    this.bosId = idOf(tokenizerConfig.bos_token as TokenSetting, defaults.bosTokenId);
    this.eosId = idOf(tokenizerConfig.eos_token as TokenSetting, defaults.eosTokenId);
    this.padId = idOf(tokenizerConfig.pad_token as TokenSetting, this.eosId) ?? 0;
    this.bosToken = this.bosId === null ? null : (this.core.id_to_token(this.bosId) ?? null);
    this.eosToken = this.eosId === null ? null : (this.core.id_to_token(this.eosId) ?? null);
    this.template = parseTemplate(tokenizerConfig.chat_template, files[1] ?? files[0]);
  }

  /** Reads tokenizer.json and, beside it, tokenizer_config.json when present. */
  static fromFile(file: string, defaults: HfTokenizerDefaults = {}): HfTokenizer {
    const json = readJson(file);
    const configFile = path.join(path.dirname(file), 'tokenizer_config.json');
    const hasConfig = existsSync(configFile);
    const config = hasConfig ? readJson(configFile) : {};
    return new HfTokenizer(json, config, hasConfig ? [file, configFile] : [file], defaults);
  }

  encode(text: string): number[] {
    return this.core.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    return this.core.decode([...ids], { skip_special_tokens: true });
  }

  get applyChatTemplate(): Tokenizer['applyChatTemplate'] {
    const template = this.template;
    if (template === null) return undefined;
    return (messages: ChatMessage[], options: { addGenerationPrompt: boolean }) =>
      template.render({
        messages,
        add_generation_prompt: options.addGenerationPrompt,
        bos_token: this.bosToken ?? '',
        eos_token: this.eosToken ?? '',
      });
  }
}

function parseTemplate(value: unknown, file: string): Template | null {
  let source: string | null = null;
  if (typeof value === 'string') source = value;
  // Newer configs list named templates; the one named "default" is the chat template.
  if (Array.isArray(value)) {
    const named = value.find((entry) => (entry as { name?: string }).name === 'default') as
      { template?: string } | undefined;
    source = named?.template ?? null;
  }
  if (source === null) return null;
  try {
    return new Template(source);
  } catch (cause) {
    throw errors.modelInvalid(file, `chat_template does not parse: ${(cause as Error).message}`);
  }
}
