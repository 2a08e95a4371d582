// Reading fields out of parsed rows by a mapping path (`input.messages`, `preferred_output[0].content`),
// with errors that name the file, line and field.
import { errors } from '../errors.js';
import type { ChatMessage } from '../types.js';

/** Splits `a.b[0].c` or `a.b.0.c` into keys. */
export function parseFieldPath(path: string): string[] {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((key) => key !== '');
}

/** The value at `path` inside `row`, or undefined when any step is missing. */
export function getField(row: unknown, path: string): unknown {
  let value: unknown = row;
  for (const key of parseFieldPath(path)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return 'a string';
  return `a ${typeof value}`;
}

/** The string at `path`, or a DATA_INVALID error naming file, line and field. */
export function requireString(row: unknown, path: string, file: string, line: number) {
  const value = getField(row, path);
  if (typeof value === 'string') return value;
  throw errors.dataInvalid(
    file,
    line,
    `field "${path}": expected a string, got ${describeValue(value)}`,
  );
}

function isMessage(value: unknown): value is ChatMessage {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.role === 'string' && typeof v.content === 'string';
}

/**
 * A string field, or a chat field: a list of {role, content} messages (or one message object).
 * Anything else is a DATA_INVALID error naming file, line and field.
 */
export function requireText(
  row: unknown,
  path: string,
  file: string,
  line: number,
): string | ChatMessage[] {
  const value = getField(row, path);
  if (typeof value === 'string') return value;
  if (isMessage(value)) return [{ role: value.role, content: value.content }];
  if (Array.isArray(value) && value.length > 0 && value.every(isMessage)) {
    return value.map((m) => ({ role: m.role, content: m.content }));
  }
  throw errors.dataInvalid(
    file,
    line,
    `field "${path}": expected a string or a non-empty list of {role, content} messages with string values, got ${describeValue(value)}`,
  );
}
