// Atomic writes: a temporary file beside the target, then a rename, so that nothing already
// written is lost or half-written.
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

let counter = 0;

function temporaryPath(target: string): string {
  counter += 1;
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${counter}.tmp`);
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = temporaryPath(target);
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = temporaryPath(target);
  writeFileSync(tmp, data);
  renameSync(tmp, target);
}

/** Writes a directory by filling a temporary sibling and renaming it over the target. */
export async function writeDirAtomic(target: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmp = temporaryPath(target);
  await mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Appends one line durably (metrics.jsonl): whole lines only. */
export async function appendLine(target: string, line: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const handle = await open(target, 'a');
  try {
    await handle.write(line.endsWith('\n') ? line : `${line}\n`);
  } finally {
    await handle.close();
  }
}
