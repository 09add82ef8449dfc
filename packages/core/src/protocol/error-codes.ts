/**
 * Every error code core puts in an `error {code, message}` event or on a thrown
 * {@link CryptullyError}, as data: front ends switch on these, so they are typed, and a test
 * (`test/protocol/error-codes.test.ts`) proves that this list and the codes core's sources
 * raise are the same set. Browser-safe.
 * @module
 */

/** Every code core raises, grouped by the layer that raises it. */
export const ERROR_CODES = Object.freeze([
  // Programming errors and the engine's last resort.
  'ERR_INVALID_ARGUMENT',
  'ERR_INTERNAL',
  // Primitives (crypto/, noise/).
  'ERR_DECRYPT',
  'ERR_DH',
  'ERR_NOISE_DECRYPT',
  'ERR_NOISE_DH',
  'ERR_NOISE_MESSAGE',
  'ERR_NOISE_NONCE_EXHAUSTED',
  'ERR_NOISE_PROTOCOL',
  'ERR_NOISE_STATE',
  // The encrypted channel (channel/, adapters/secure-connection.ts).
  'ERR_FRAME_TOO_LARGE',
  'ERR_MESSAGE_TOO_LARGE',
  'ERR_CHANNEL_CLOSED',
  'ERR_CHANNEL_TRUNCATED',
  'ERR_CHANNEL_EXHAUSTED',
  'ERR_CHANNEL_DECRYPT',
  'ERR_CHANNEL_PROTOCOL',
  'ERR_PRELUDE_MALFORMED',
  'ERR_PRELUDE_VERSION',
  'ERR_PRELUDE_MODE',
  'ERR_HANDSHAKE_FAILED',
  'ERR_HANDSHAKE_REJECTED',
  'ERR_HANDSHAKE_TIMEOUT',
  'ERR_CONNECTION_FAILED',
  // Verification protocols (pake/, smp/).
  'ERR_PAKE_FAILED',
  'ERR_SMP_MALFORMED',
  'ERR_SMP_STATE',
  // Session (session/).
  'ERR_SESSION_MALFORMED',
  'ERR_SESSION_UNKNOWN_TYPE',
  'ERR_SESSION_STATE',
  'ERR_TEXT_TOO_LONG',
  'ERR_BAD_TEXT',
  // Identity, invites, addresses, known peers (identity/, storage/).
  'ERR_BAD_ADDRESS',
  'ERR_BAD_INVITE',
  'ERR_INVITE_EXPIRED',
  'ERR_JOIN_CODE_INVALID',
  'ERR_IDENTITY_CORRUPT',
  'ERR_IDENTITY_FOREIGN',
  'ERR_IDENTITY_NEWER_VERSION',
  'ERR_IDENTITY_PASSPHRASE_REQUIRED',
  'ERR_IDENTITY_WRONG_PASSPHRASE',
  'ERR_IDENTITY_NOT_SEALED',
  'ERR_IDENTITY_EXISTS',
  'ERR_IDENTITY_NOT_FOUND',
  'ERR_FILE_EXISTS',
  'ERR_KNOWN_PEERS_CORRUPT',
  'ERR_KNOWN_PEERS_NEWER_VERSION',
  'ERR_KNOWN_PEERS_BUSY',
  'ERR_PROFILE_CORRUPT',
  'ERR_BAD_NAME',
  // Transports (adapters/).
  'ERR_ADDRESS_IN_USE',
  'ERR_PERMISSION',
  'ERR_UNREACHABLE',
  'ERR_DHT_UNAVAILABLE',
  'ERR_BAD_BOOTSTRAP',
  'ERR_BAD_RELAY',
  // Commands to the chat node (protocol/, engine/).
  'ERR_BAD_COMMAND',
  'ERR_CLOSED',
  'ERR_NO_NAME',
  'ERR_NO_SUCH_PEER',
  'ERR_ALREADY_HOSTING',
  'ERR_NOT_HOSTING',
  'ERR_NO_SUCH_INVITE',
  'ERR_NOTHING_TO_ACCEPT',
  'ERR_NOTHING_TO_REJECT',
  'ERR_CONFIRM_KEY_CHANGE',
  'ERR_QUEUE_FULL',
  'ERR_SMP_UNSUPPORTED',
  'ERR_BAD_QUESTION',
  'ERR_NOTHING_TO_ANSWER',
  // File transfer (engine/file-transfers.ts, adapters/file-disk.ts).
  'ERR_NO_SUCH_FILE',
  'ERR_FILE_UNSUPPORTED',
  'ERR_BAD_FILE_NAME',
  'ERR_FILE_DISK_FULL',
  'ERR_FILE_PERMISSION',
  'ERR_FILE_NOT_FOUND',
  'ERR_FILE_NOT_A_FILE',
  'ERR_FILE_IO_ERROR',
  'ERR_FOLDER_UNSUPPORTED',
  'ERR_FOLDER_EMPTY',
  'ERR_FOLDER_TOO_LARGE',
  // A join that failed (engine/joiner.ts): see JOIN_ENDING_CODES.
  'ERR_INVITE_UNKNOWN',
  'ERR_INVITE_USED',
  'ERR_HOST_BUSY',
  'ERR_HOST_REFUSED',
  'ERR_KEY_MISMATCH',
  'ERR_KEY_CHANGED',
  'ERR_NO_ADDRESS',
  'ERR_SELF',
  // A join by join code that failed (docs/protocol-verification.md §1).
  'ERR_JOIN_CODE_NOT_FOUND',
  'ERR_JOIN_CODE_UNAVAILABLE',
  'ERR_JOIN_CODE_REFUSED',
] as const);

/** A code core raises: the `code` of an `error` event and of core's thrown errors. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The codes of an `error` event that ends a `join` attempt (after `connecting`, or instead of
 * it): the target could not be read, or the join failed before the host's key was known. A
 * join that fails once the host's key is known ends with `disconnected {peer, reason}`
 * instead. A front end that shows "connecting" leaves that state on any of these.
 */
export const JOIN_ENDING_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  // The target itself (nothing was dialed).
  'ERR_BAD_ADDRESS',
  'ERR_BAD_INVITE',
  'ERR_INVITE_EXPIRED',
  'ERR_SELF',
  'ERR_NO_ADDRESS',
  // The dial and the handshake (the msg2 statuses included).
  'ERR_UNREACHABLE',
  'ERR_HANDSHAKE_TIMEOUT',
  'ERR_HANDSHAKE_FAILED',
  'ERR_KEY_MISMATCH',
  'ERR_KEY_CHANGED',
  'ERR_INVITE_UNKNOWN',
  'ERR_INVITE_USED',
  'ERR_HOST_BUSY',
  'ERR_HOST_REFUSED',
  // Join codes.
  'ERR_JOIN_CODE_INVALID',
  'ERR_JOIN_CODE_NOT_FOUND',
  'ERR_JOIN_CODE_UNAVAILABLE',
  'ERR_JOIN_CODE_REFUSED',
]);

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

/** Whether `value` is a code core raises. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN.has(value);
}

/**
 * The core code an error (or any value) carries, or undefined: for front ends that catch what
 * core throws and switch on it with the compiler checking the names.
 * @example if (errorCodeOf(error) === 'ERR_IDENTITY_WRONG_PASSPHRASE') askAgain();
 */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return isErrorCode(code) ? code : undefined;
}

/** Whether an `error` event's code ends a join attempt (see {@link JOIN_ENDING_CODES}). */
export function endsJoin(code: string): boolean {
  return (JOIN_ENDING_CODES as ReadonlySet<string>).has(code);
}
