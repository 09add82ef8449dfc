// Loads the cacophony Noise test vectors kept in the repository
// (packages/core/test/vectors/noise, see SOURCES.md there: public domain).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One cacophony vector (hex strings). */
export interface NoiseVector {
  protocol_name: string;
  init_prologue: string;
  resp_prologue: string;
  init_psks?: string[];
  resp_psks?: string[];
  init_static?: string;
  resp_static?: string;
  init_ephemeral?: string;
  resp_ephemeral?: string;
  init_remote_static?: string;
  resp_remote_static?: string;
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
}

/** `packages/core/test/vectors/noise/cacophony.txt`. */
export const vectorsPath = join(import.meta.dirname, '..', 'vectors', 'noise', 'cacophony.txt');

/** The vectors; throws (failing the test) when the file is missing or not the expected JSON. */
export function loadVectors(): NoiseVector[] {
  return (JSON.parse(readFileSync(vectorsPath, 'utf8')) as { vectors: NoiseVector[] }).vectors;
}
