// Streams a JSONL file (plain or gzip) as parsed rows with 1-based line numbers. A bad row is an
// error naming file and line, or with `onInvalid: "skip"` a counted 'malformed' drop; a file that
// cannot be read to its end (missing, truncated or corrupt gzip, invalid UTF-8) is always an
// error, so that a partial file is never loaded silently.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

import { AlloError, errors } from '../errors.js';
import type { DropCounts } from '../types.js';
import { countDrop } from './drops.js';

export type OnInvalid = 'error' | 'skip';

export interface JsonlRow {
  /** 1-based line number in the (decompressed) file. */
  line: number;
  value: unknown;
}

export interface JsonlOptions {
  /** What a malformed row does: fail (default) or count it as 'malformed' and go on. */
  onInvalid?: OnInvalid;
  /** Receives the 'malformed' count of skipped rows. */
  drops?: DropCounts;
  /** Called with each skipped row's error (to log it). */
  onSkip?: (error: AlloError) => void;
}

/**
 * Either throws `error` (onInvalid "error") or counts the row as 'malformed'. Loaders call this
 * for rows that parse but lack a field, so that both kinds of bad row follow one policy. Anything
 * but a DATA_INVALID error is a bug, not a bad row, and is always rethrown.
 */
export function rejectRow(error: unknown, options: JsonlOptions): void {
  if (!(error instanceof AlloError) || error.code !== 'DATA_INVALID') throw error;
  if ((options.onInvalid ?? 'error') === 'error') throw error;
  if (options.drops !== undefined) countDrop(options.drops, 'malformed');
  options.onSkip?.(error);
}

async function isGzip(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw errors.dataInvalid(file, null, `cannot open the file: ${(error as Error).message}`);
  }
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

function openStream(file: string, gzip: boolean): Readable {
  const raw = createReadStream(file);
  if (!gzip) return raw;
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Yields every non-blank line of `file` parsed as JSON; gzip is recognised by its magic bytes. */
export async function* readJsonl(
  file: string,
  options: JsonlOptions = {},
): AsyncGenerator<JsonlRow> {
  const gzip = await isGzip(file);
  const stream = openStream(file, gzip);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let line = 0;

  const parse = (text: string, lineNo: number): JsonlRow | null => {
    const body = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (body.trim() === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      rejectRow(
        errors.dataInvalid(file, lineNo, `malformed JSON: ${(error as Error).message}`),
        options,
      );
      return null;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      rejectRow(
        errors.dataInvalid(file, lineNo, `expected a JSON object per line, got ${describe(value)}`),
        options,
      );
      return null;
    }
    return { line: lineNo, value };
  };

  try {
    for await (const chunk of stream) {
      pending += decoder.decode(chunk as Buffer, { stream: true });
      let start = 0;
      for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
        line += 1;
        const row = parse(pending.slice(start, end), line);
        start = end + 1;
        if (row !== null) yield row;
      }
      pending = pending.slice(start);
    }
    pending += decoder.decode();
  } catch (error) {
    if (error instanceof AlloError) throw error;
    const what = gzip
      ? `the gzip stream is truncated or corrupt after line ${line} (${(error as Error).message}); expected a complete gzip file`
      : `cannot read the file after line ${line}: ${(error as Error).message}`;
    throw errors.dataInvalid(file, null, what);
  } finally {
    // Also when the caller stops early (a limit): the file is closed either way.
    stream.destroy();
  }

  if (pending !== '') {
    line += 1;
    const row = parse(pending, line);
    if (row !== null) yield row;
  }
}
