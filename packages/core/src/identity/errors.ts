import { CryptullyError } from '../errors.js';

/** The base of every identity-file error; switch on `code`, not on the class. */
export class IdentityError extends CryptullyError {}

/**
 * The identity file is encrypted and could not be opened: the base of
 * {@link PassphraseRequiredError} and {@link WrongPassphraseError}.
 */
export class IdentityLockedError extends IdentityError {}

/** `ERR_IDENTITY_PASSPHRASE_REQUIRED`: the file is encrypted and no passphrase was given. */
export class PassphraseRequiredError extends IdentityLockedError {
  constructor() {
    super(
      'ERR_IDENTITY_PASSPHRASE_REQUIRED',
      'This identity is protected by a passphrase. Enter it, or set CRYPTULLY_PASSPHRASE.',
    );
  }
}

/**
 * `ERR_IDENTITY_WRONG_PASSPHRASE`: the passphrase does not open the file. (A file whose salt or
 * scrypt parameters were altered looks the same: without the right key nobody can tell.)
 */
export class WrongPassphraseError extends IdentityLockedError {
  constructor() {
    super('ERR_IDENTITY_WRONG_PASSPHRASE', 'Wrong passphrase for this identity.');
  }
}

/**
 * `ERR_IDENTITY_NOT_SEALED`: a passphrase was given but the file is not sealed with one. A
 * sealed file does not turn unsealed by itself: someone may have swapped it for one holding a
 * key they know. Refused, never loaded silently.
 */
export class IdentityNotSealedError extends IdentityError {
  constructor() {
    super(
      'ERR_IDENTITY_NOT_SEALED',
      'This identity file is not protected by a passphrase, although one was given: it may have been swapped for another. Check it with "cryptully id"; if it is yours, protect it with "cryptully id passphrase", or unset CRYPTULLY_PASSPHRASE.',
    );
  }
}

/**
 * `ERR_IDENTITY_CORRUPT`: the file is ours but damaged (truncated, bad JSON, bad base64, wrong
 * lengths, tampered with). `detail` says which check failed, for the local log; it never holds
 * key material.
 */
export class CorruptIdentityError extends IdentityError {
  /** Which check failed, e.g. `publicKey is not 32 bytes`. */
  readonly detail: string;
  constructor(detail: string) {
    super('ERR_IDENTITY_CORRUPT', `The identity file is damaged (${detail}).`);
    this.detail = detail;
  }
}

/** `ERR_IDENTITY_FOREIGN`: valid JSON, but not a Cryptully identity file. */
export class ForeignIdentityFileError extends IdentityError {
  constructor() {
    super('ERR_IDENTITY_FOREIGN', 'This file is not a Cryptully identity file.');
  }
}

/** `ERR_IDENTITY_NEWER_VERSION`: written by a newer Cryptully; upgrade to open it. */
export class NewerIdentityVersionError extends IdentityError {
  /** The version found in the file. */
  readonly version: number;
  constructor(version: number) {
    super(
      'ERR_IDENTITY_NEWER_VERSION',
      `This identity file has format version ${version}, newer than this Cryptully understands. Update Cryptully to open it.`,
    );
    this.version = version;
  }
}

/**
 * `ERR_JOIN_CODE_INVALID`: text that is not a join code (`7-purple-sausage`: a number from 1 to
 * 999 and two or three words of the join-code word list). `message` says which part is wrong.
 */
export class JoinCodeError extends IdentityError {
  constructor(message: string) {
    super('ERR_JOIN_CODE_INVALID', message);
  }
}
