// Loads the cacophony Noise test vectors from beside the repository (see
// /work/shared/vectors/noise/SOURCES.md). A stranger's clone does not have them.
import { existsSync, readFileSync } from 'node:fs';
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

const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');

/** `NOISE_VECTORS`, else `<repo>/../shared/vectors/noise/cacophony.txt`. */
export const vectorsPath =
  process.env.NOISE_VECTORS ?? join(repoRoot, '..', 'shared', 'vectors', 'noise', 'cacophony.txt');

/** The vectors, or undefined when the file is absent. */
export function loadVectors(): NoiseVector[] | undefined {
  if (!existsSync(vectorsPath)) return undefined;
  return (JSON.parse(readFileSync(vectorsPath, 'utf8')) as { vectors: NoiseVector[] }).vectors;
}
