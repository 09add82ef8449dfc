/**
 * The constants of the Cryptully wire protocol, version 2 (docs/protocol.md). Changing any of
 * them changes the protocol: both peers must agree.
 * @module
 */

/** The protocol version carried in the prelude. */
export const PROTOCOL_VERSION = 2;

/** ASCII magic at the start of the prelude. */
export const PRELUDE_MAGIC = 'CRYPTULLY';

/** ASCII label prepended to the prelude bytes to form the Noise prologue. */
export const PROLOGUE_LABEL = 'Cryptully/2';

/** Length of an invite id in the prelude (mode XXpsk3). */
export const INVITE_ID_BYTES = 16;

/** CPace session id the joiner draws for a join-code handshake (mode `code`). */
export const CODE_SID_BYTES = 16;

/** Mode `code`'s prelude data: the CPace session id, then the joiner's 32-byte share `Ya`. */
export const CODE_DATA_BYTES = CODE_SID_BYTES + 32;

/** Length of a pre-shared key (the invite secret). */
export const PSK_BYTES = 32;

/**
 * ASCII label in front of the handshake commitment's input: msg1 carries
 * `BLAKE2b-512("Cryptully commit v1" || initiator static public key || nonce)[0..32]`.
 */
export const COMMITMENT_LABEL = 'Cryptully commit v1';

/** Length of the handshake commitment (msg1's payload): the first 32 bytes of a BLAKE2b-512. */
export const COMMITMENT_BYTES = 32;

/** Length of the initiator's fresh random commitment nonce (msg3's payload). */
export const COMMITMENT_NONCE_BYTES = 32;

/**
 * ASCII label in front of the host's commitment: msg2's status carries
 * `BLAKE2b-512("Cryptully host commit v1" || responder static public key || host nonce)[0..32]`,
 * and the host's session `hello` reveals the nonce once the joiner's request is shown.
 */
export const HOST_COMMITMENT_LABEL = 'Cryptully host commit v1';

/** Size of the big-endian length prefix in front of every Noise message. */
export const FRAME_HEADER_BYTES = 2;

/** Largest Noise message (handshake or transport), the Noise spec's limit (§3). */
export const MAX_FRAME_BYTES = 65535;

/** Length of the AEAD tag at the end of every transport frame. */
export const TAG_BYTES = 16;

/** Size of the record header (the record type byte) at the start of every transport plaintext. */
export const RECORD_HEADER_BYTES = 1;

/**
 * Most message-stream bytes (length prefixes and message bytes) one `data` frame carries:
 * 65535 - 16 - 1 = 65518. A sender fills frames to this size while it has bytes to send.
 */
export const MAX_FRAGMENT_BYTES = MAX_FRAME_BYTES - TAG_BYTES - RECORD_HEADER_BYTES;

/** Size of the big-endian length in front of every message in the message stream. */
export const MESSAGE_HEADER_BYTES = 4;

/** Smallest valid transport frame: a record header and a tag. */
export const MIN_TRANSPORT_FRAME_BYTES = RECORD_HEADER_BYTES + TAG_BYTES;

/** Largest application message (1 MiB); larger ones are refused on both ends. */
export const MAX_CHANNEL_MESSAGE_BYTES = 1024 * 1024;

/**
 * Automatic rekey (Noise §11.3): each direction calls `rekey()` after this many transport
 * frames since its last rekey, whichever of this and {@link REKEY_AFTER_BYTES} comes first.
 */
export const REKEY_AFTER_FRAMES = 2 ** 20;

/** Automatic rekey after this many transport-frame bytes (Noise messages, 1 GiB) per direction. */
export const REKEY_AFTER_BYTES = 2 ** 30;

/**
 * A sender that has used this many nonces in one direction sends its close record and stops,
 * so the nonce can never reach 2^64 - 1 (which Noise reserves) nor wrap. The margin of 2^16
 * leaves room to finish the message in progress (at most 17 frames) and the close record.
 */
export const NONCE_CLOSE_THRESHOLD = 2n ** 64n - 2n ** 16n;

/**
 * Record types: the first plaintext byte of every transport frame. `data` carries the next
 * bytes of the message stream (each message behind its 4-byte length; a frame may end one
 * message and begin the next), `rekey` asks both ends to rekey this direction after it,
 * `close` is the clean goodbye. (`0x01`, version 1's `dataMore`, is no longer valid.)
 */
export const RecordType = {
  data: 0x00,
  rekey: 0x02,
  close: 0x03,
} as const;

/** One of the {@link RecordType} values. */
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];
