// Where the inputs that ship with allo live: the repository's assets/ folder (stories260K, its
// tokenizer, HH-RLHF harmless test pairs, Orca pairs, GSM8K, the GPT-2 tokenizer, and the
// reference fixtures), copied with their licenses from the project's shared inputs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/** The repository root: the nearest folder above this module holding nx.json. */
export function repoRoot(): string {
  if (cached !== null) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'nx.json')) && existsSync(path.join(dir, 'assets'))) break;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the allo repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  cached = dir;
  return dir;
}

/** A path inside assets/, e.g. assetPath('stories260K', 'stories260K.bin'). */
export function assetPath(...parts: string[]): string {
  return path.join(repoRoot(), 'assets', ...parts);
}
