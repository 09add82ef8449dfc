import { CryptullyError } from '../errors.js';

/**
 * `ERR_SMP_MALFORMED`: an SMP message (an OTR TLV) that does not parse: wrong type, wrong count
 * of integers, an integer longer than the group, trailing bytes, a question that is not UTF-8.
 */
export class SmpMalformedError extends CryptullyError {
  constructor(detail: string) {
    super('ERR_SMP_MALFORMED', `Malformed SMP message: ${detail}.`);
  }
}

/** `ERR_SMP_STATE`: the local program asked for an SMP step the current state does not allow. */
export class SmpStateError extends CryptullyError {
  constructor(message: string) {
    super('ERR_SMP_STATE', message);
  }
}
