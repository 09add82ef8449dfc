import { CryptullyError } from '../errors.js';

/**
 * `ERR_PAKE_FAILED`: the peer's CPace share is not a valid ristretto255 encoding, or the shared
 * point is the identity (an invalid or malicious share). Deliberately says nothing more.
 */
export class PakeError extends CryptullyError {
  constructor(message = 'The key exchange with the code failed.') {
    super('ERR_PAKE_FAILED', message);
  }
}
