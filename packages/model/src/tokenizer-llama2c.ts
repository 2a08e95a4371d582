// llama2.c tokenizer.bin: int32 max_token_length, then per id a float32 score, an int32 length
// and the piece's raw bytes. Encoding follows llama2.c run.c: a dummy-prefix " " for non-empty
// text, one piece per UTF-8 code point (byte fallback <0xXX> = id byte + 3 otherwise), then
// greedy merges of the adjacent pair with the best score. BOS/EOS are the caller's to add.
import { readFileSync } from 'node:fs';

import { errors } from '@allo/core';
import type { Tokenizer } from '@allo/core';

/** Pieces are kept as "binary strings" (one char per byte) so that lookups are byte-exact. */
function toBinary(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

export class Llama2cTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId = 1;
  readonly eosId = 2;
  readonly padId = 0;
  /** Story models are trained with BOS between stories: run.c stops when it samples BOS. */
  readonly stopIds: readonly number[] = [1];
  readonly file: string;
  private readonly pieces: string[];
  private readonly scores: Float32Array;
  private readonly lookup = new Map<string, number>();

  constructor(pieces: string[], scores: Float32Array, file: string) {
    this.pieces = pieces;
    this.scores = scores;
    this.file = file;
    this.vocabSize = pieces.length;
    // First id wins for a duplicated piece.
    pieces.forEach((piece, id) => {
      if (!this.lookup.has(piece)) this.lookup.set(piece, id);
    });
  }

  /** Reads tokenizer.bin; the vocabulary size is whatever the file holds (checked against the model by the loader). */
  static fromFile(file: string): Llama2cTokenizer {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (cause) {
      throw errors.io(
        file,
        `cannot read the llama2.c tokenizer: ${(cause as Error).message}`,
        cause,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const pieces: string[] = [];
    const scores: number[] = [];
    let offset = 4;
    while (offset < bytes.byteLength) {
      if (offset + 8 > bytes.byteLength) {
        throw errors.modelInvalid(
          file,
          `tokenizer entry ${pieces.length} is cut off at byte ${offset} of ${bytes.byteLength}`,
        );
      }
      const score = view.getFloat32(offset, true);
      const length = view.getInt32(offset + 4, true);
      offset += 8;
      if (length < 0 || offset + length > bytes.byteLength) {
        throw errors.modelInvalid(
          file,
          `tokenizer entry ${pieces.length} has length ${length}, which runs past the end of the ${bytes.byteLength}-byte file`,
        );
      }
      pieces.push(toBinary(bytes.subarray(offset, offset + length)));
      scores.push(score);
      offset += length;
    }
    if (pieces.length < 3)
      throw errors.modelInvalid(
        file,
        `tokenizer holds ${pieces.length} entries, expected at least <unk>, BOS and EOS`,
      );
    return new Llama2cTokenizer(pieces, Float32Array.from(scores), file);
  }

  encode(text: string): number[] {
    if (text.length === 0) return [];
    const ids: number[] = [];
    const space = this.lookup.get(' ');
    if (space !== undefined) ids.push(space);
    const bytes = toBinary(new TextEncoder().encode(text));
    for (let i = 0; i < bytes.length;) {
      // A code point: a lead byte and its continuation bytes (10xxxxxx), at most 4.
      let end = i + 1;
      while (end < bytes.length && end - i < 4 && (bytes.charCodeAt(end) & 0xc0) === 0x80) end += 1;
      const codePoint = bytes.slice(i, end);
      const id = this.lookup.get(codePoint);
      if (id !== undefined) {
        ids.push(id);
      } else {
        for (let j = i; j < end; j += 1) ids.push(bytes.charCodeAt(j) + 3);
      }
      i = end;
    }
    for (;;) {
      let bestScore = -1e10;
      let bestId = -1;
      let bestAt = -1;
      for (let i = 0; i + 1 < ids.length; i += 1) {
        const id = this.lookup.get(this.pieces[ids[i]] + this.pieces[ids[i + 1]]);
        if (id !== undefined && this.scores[id] > bestScore) {
          bestScore = this.scores[id];
          bestId = id;
          bestAt = i;
        }
      }
      if (bestAt === -1) break;
      ids.splice(bestAt, 2, bestId);
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    let previous = -1;
    for (const id of ids) {
      if (id < 0 || id >= this.vocabSize) {
        throw errors.modelInvalid(
          this.file,
          `cannot decode token id ${id}, expected an id in [0, ${this.vocabSize})`,
        );
      }
      const afterBos = previous === this.bosId;
      previous = id;
      if (id === this.bosId || id === this.eosId) continue;
      let piece = this.pieces[id];
      if (afterBos && piece.startsWith(' ')) piece = piece.slice(1);
      const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
      if (byte !== null) {
        bytes.push(parseInt(byte[1], 16));
        continue;
      }
      for (let i = 0; i < piece.length; i += 1) bytes.push(piece.charCodeAt(i));
    }
    return new TextDecoder().decode(Uint8Array.from(bytes));
  }
}
