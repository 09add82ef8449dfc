/**
 * Display names as the chat node accepts them.
 * @module
 */
import { CryptullyError } from '../errors.js';
import { MAX_NAME_BYTES } from '../session/messages.js';

/**
 * Checks a display name against the wire's limits; returns it NFC-normalized and trimmed.
 * @throws {CryptullyError} `ERR_BAD_NAME`.
 */
export function checkDisplayName(name: string): string {
  const clean = name.normalize('NFC').trim();
  if (
    clean.length === 0 ||
    new TextEncoder().encode(clean).length > MAX_NAME_BYTES ||
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(clean)
  ) {
    throw new CryptullyError(
      'ERR_BAD_NAME',
      'A name must be 1 to 64 characters, without control characters.',
    );
  }
  return clean;
}
