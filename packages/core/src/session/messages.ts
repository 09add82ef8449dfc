/**
 * The session's inner messages: what two Cryptully peers say to each other inside the
 * encrypted channel, one message per channel application message.
 *
 * Encoding (docs/protocol-session.md): one UTF-8 JSON object per message, with a short type
 * field `t`. Known types are described by the table {@link MESSAGE_TYPES} and checked by one
 * strict decoder; unknown fields of a known type are ignored (a newer peer may add optional
 * fields), unknown *types* are ignored only when the sender marked them optional with
 * `"o": true`, and are a protocol error otherwise.
 * @module
 */
import { CryptullyError } from '../errors.js';
import type { TypingState } from '../protocol/events.js';

/** The session protocol version carried in `hello.v`. */
export const SESSION_PROTOCOL_VERSION = 1;

/**
 * The capabilities this implementation announces in `hello.caps`. Later versions add e.g.
 * `smp`, `file`, `pake`; a peer only uses a feature both sides announced.
 */
export const CAPABILITIES: readonly string[] = Object.freeze([
  'typing',
  'receipts',
  'file',
  'smp',
  'folder',
]);

/** The capability that enables file transfer (docs/protocol-session.md §8). */
export const FILE_CAPABILITY = 'file';
/**
 * The capability that allows folder offers (`file-offer` with `kind: "folder"`,
 * docs/protocol-session.md §8); meaningful only beside {@link FILE_CAPABILITY}.
 */
export const FOLDER_CAPABILITY = 'folder';
/** The most entries (files) one folder offer may list. */
export const MAX_FOLDER_ENTRIES = 4096;
/** The longest entry path of a folder offer, in UTF-8 bytes. */
export const MAX_ENTRY_PATH_BYTES = 1024;
/** The largest file a peer may offer: 2^53 − 1 bytes (any size JSON can carry exactly). */
export const MAX_FILE_BYTES = Number.MAX_SAFE_INTEGER;

/**
 * The longest chat text, in UTF-8 bytes: a wire rule (a longer `chat.text` is malformed), and
 * the limit on what a user may send (`ERR_TEXT_TOO_LONG`). See docs/protocol-session.md.
 */
export const MAX_TEXT_BYTES = 16 * 1024;

/**
 * The largest encoded inner message, in bytes. Generous enough for a {@link MAX_TEXT_BYTES}
 * chat text whose every byte JSON escapes to `\u00XX` (6 bytes), far below the channel's
 * 1 MiB application message limit (`MAX_CHANNEL_MESSAGE_BYTES`).
 */
export const MAX_SESSION_MESSAGE_BYTES = 128 * 1024;
/** The longest display name, client name or reason string, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 256;
/** The longest message id, in characters (ids are `[A-Za-z0-9_-]`). */
export const MAX_ID_CHARS = 64;
/** The most ids one receipt may carry. */
export const MAX_RECEIPT_IDS = 256;
/** The most capabilities one hello may list. */
export const MAX_CAPABILITIES = 32;
/** The longest `error.message` / `goodbye.message`, in UTF-8 bytes. */
export const MAX_REASON_MESSAGE_BYTES = 512;

/** First message each side sends once the channel is up. */
export interface HelloMessage {
  t: 'hello';
  /** Session protocol version ({@link SESSION_PROTOCOL_VERSION}). */
  v: number;
  /** The sender's display name. */
  name: string;
  /** The sender's client software, e.g. `cryptully-cli`. */
  client: string;
  /** The client's version, e.g. `0.1.0`. */
  version: string;
  /** Capabilities the sender supports ({@link CAPABILITIES}). */
  caps: string[];
  /**
   * Host only: the nonce its msg2 commitment hides (64 lower-case hex digits), revealed once
   * the joiner's request is shown; the verification code is derived from `h || nonce`.
   */
  nonce?: string;
}
/** The host lets the joiner in. */
export interface AcceptMessage {
  t: 'accept';
}
/** The host turns the joiner away; the host closes the channel right after. */
export interface RejectMessage {
  t: 'reject';
  /** A short machine-readable reason, e.g. `rejected`, `busy`. */
  reason: string;
  /** Optional sentence for people. */
  message?: string;
}
/** A chat message. */
export interface ChatMessage {
  t: 'chat';
  /** Unique per sender; unchanged when re-sent, so the receiver can drop duplicates. */
  id: string;
  /** When the sender's user sent it (ms since the Unix epoch, sender's clock). */
  at: number;
  /** UTF-8 text, at most {@link MAX_TEXT_BYTES} bytes. */
  text: string;
}
/** The sender's typing state changed. Optional: an older peer may ignore it. */
export interface TypingMessage {
  t: 'typing';
  state: TypingState;
}
/** Acknowledges chat messages by id (the receiver displayed or stored them). */
export interface ReceiptMessage {
  t: 'receipt';
  ids: string[];
}
/** Keep-alive probe; the peer answers `pong`. */
export interface PingMessage {
  t: 'ping';
}
/** Keep-alive answer. */
export interface PongMessage {
  t: 'pong';
}
/** Graceful end of the session; the sender closes the channel after it. */
export interface GoodbyeMessage {
  t: 'goodbye';
  /** Machine-readable reason, e.g. `quit`, `closed`. */
  reason: string;
  message?: string;
}
/** Fatal protocol error; the sender closes the channel after it. */
export interface ErrorMessage {
  t: 'error';
  /** Stable code, e.g. `ERR_SESSION_MALFORMED`. */
  code: string;
  message: string;
}

/** Offers a file (capability `file`): nothing is sent or written until the peer accepts. */
export interface FileOfferMessage {
  t: 'file-offer';
  /** The transfer's id, chosen by the sender, unique per sender; kept across reconnects. */
  id: string;
  /** The file name the sender proposes (the receiver sanitises it). */
  name: string;
  /** Exact size in bytes. */
  size: number;
  /** Media type, e.g. `image/png` (`application/octet-stream` when unknown). */
  type: string;
  /** SHA-256 of the whole content, 64 lower-case hex digits. */
  sha256: string;
  /**
   * `folder` (capability `folder`): the offer is a folder named `name`, its content the
   * concatenation of `entries` in order. Absent: a file.
   */
  kind?: 'folder';
  /** The folder's files, in order: `/`-separated paths below the folder and sizes. */
  entries?: FolderEntry[];
}
/** One file of a folder offer. */
export interface FolderEntry {
  /** Relative path with `/` between segments (the receiver checks and sanitises each). */
  path: string;
  /** Exact size in bytes. */
  size: number;
}
/** The receiver accepted: send from `offset` (0, or what it verified before a cut). */
export interface FileAcceptMessage {
  t: 'file-accept';
  id: string;
  offset: number;
}
/** The receiver declined the offer. */
export interface FileDeclineMessage {
  t: 'file-decline';
  id: string;
}
/** Either side abandons a transfer; `reason` is a short name such as `cancelled`. */
export interface FileCancelMessage {
  t: 'file-cancel';
  id: string;
  reason: string;
}
/** The receiver has written `bytes` bytes: flow control credit, and the resume point. */
export interface FileAckMessage {
  t: 'file-ack';
  id: string;
  bytes: number;
}
/** The receiver checked the whole content against the offer's SHA-256 and kept the file. */
export interface FileReceivedMessage {
  t: 'file-received';
  id: string;
}

/** The file-transfer messages (capability `file`). */
export type FileMessage =
  | FileOfferMessage
  | FileAcceptMessage
  | FileDeclineMessage
  | FileCancelMessage
  | FileAckMessage
  | FileReceivedMessage;

/**
 * One message of the Socialist Millionaires' Protocol (the question; docs/protocol-verification.md
 * §2): an OTR SMP TLV, base64. Optional: a peer that does not do SMP ignores it (and does not
 * announce the `smp` capability, so it is not asked).
 */
export interface SmpMessage {
  t: 'smp';
  /** The TLV, standard base64 with padding, at most {@link MAX_SMP_TLV_CHARS} characters. */
  tlv: string;
}

/** The longest `smp.tlv`, in base64 characters (SMP message 2 with 192-byte MPIs is ~2.9k). */
export const MAX_SMP_TLV_CHARS = 8192;

/** Every inner message this implementation understands. */
export type SessionMessage =
  | FileMessage
  | HelloMessage
  | AcceptMessage
  | RejectMessage
  | ChatMessage
  | TypingMessage
  | ReceiptMessage
  | PingMessage
  | PongMessage
  | GoodbyeMessage
  | ErrorMessage
  | SmpMessage;

/** The `t` of every known message. */
export type SessionMessageType = SessionMessage['t'];

/** Raised for a malformed inner message, or an unknown type the sender marked mandatory. */
export class SessionProtocolError extends CryptullyError {
  constructor(code: 'ERR_SESSION_MALFORMED' | 'ERR_SESSION_UNKNOWN_TYPE', message: string) {
    super(code, message);
  }
}

type FieldKind =
  | 'name'
  | 'reason'
  | 'text'
  | 'id'
  | 'time'
  | 'version'
  | 'caps'
  | 'ids'
  | 'typing'
  | 'size'
  | 'sha256'
  | 'media'
  | 'base64'
  | 'nonce'
  | 'kind'
  | 'entries';
interface FieldSpec {
  kind: FieldKind;
  optional?: boolean;
}
interface TypeSpec {
  /** A peer that does not know this type must close the session (false: may ignore it). */
  mandatory: boolean;
  fields: Record<string, FieldSpec>;
}

/**
 * Data, not branches: every message type, whether a peer that does not know it must refuse
 * it, and its fields. Read by {@link encodeMessage} and {@link decodeMessage}.
 */
export const MESSAGE_TYPES: Readonly<Record<SessionMessageType, TypeSpec>> = Object.freeze({
  hello: {
    mandatory: true,
    fields: {
      v: { kind: 'version' },
      name: { kind: 'name' },
      client: { kind: 'name' },
      version: { kind: 'name' },
      caps: { kind: 'caps' },
      nonce: { kind: 'nonce', optional: true },
    },
  },
  accept: { mandatory: true, fields: {} },
  reject: {
    mandatory: true,
    fields: { reason: { kind: 'name' }, message: { kind: 'reason', optional: true } },
  },
  chat: {
    mandatory: true,
    fields: { id: { kind: 'id' }, at: { kind: 'time' }, text: { kind: 'text' } },
  },
  typing: { mandatory: false, fields: { state: { kind: 'typing' } } },
  receipt: { mandatory: true, fields: { ids: { kind: 'ids' } } },
  ping: { mandatory: true, fields: {} },
  pong: { mandatory: true, fields: {} },
  goodbye: {
    mandatory: true,
    fields: { reason: { kind: 'name' }, message: { kind: 'reason', optional: true } },
  },
  error: { mandatory: true, fields: { code: { kind: 'name' }, message: { kind: 'reason' } } },
  'file-offer': {
    mandatory: true,
    fields: {
      id: { kind: 'id' },
      name: { kind: 'name' },
      size: { kind: 'size' },
      type: { kind: 'media' },
      sha256: { kind: 'sha256' },
      kind: { kind: 'kind', optional: true },
      entries: { kind: 'entries', optional: true },
    },
  },
  'file-accept': { mandatory: true, fields: { id: { kind: 'id' }, offset: { kind: 'size' } } },
  'file-decline': { mandatory: true, fields: { id: { kind: 'id' } } },
  'file-cancel': { mandatory: true, fields: { id: { kind: 'id' }, reason: { kind: 'name' } } },
  'file-ack': { mandatory: true, fields: { id: { kind: 'id' }, bytes: { kind: 'size' } } },
  'file-received': { mandatory: true, fields: { id: { kind: 'id' } } },
  smp: { mandatory: false, fields: { tlv: { kind: 'base64' } } },
});

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ID_PATTERN = /^[A-Za-z0-9_-]+$/;
const TYPE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
const LONE_SURROGATE = /\p{Surrogate}/u;
/** C0, DEL and C1 control characters. */
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** The same, except tab, line feed and carriage return, which chat text may contain. */
const TEXT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const TYPING_STATES: readonly string[] = ['typing', 'paused', 'idle'];
const SHA256_PATTERN = /^[0-9a-f]{64}$/;
/** `type/subtype`, as RFC 6838 restricts the names (parameters are not allowed). */
const MEDIA_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function malformed(message: string): SessionProtocolError {
  return new SessionProtocolError('ERR_SESSION_MALFORMED', message);
}

/** The UTF-8 length of a string, counted without encoding it. */
function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Whether `text` takes more than `maxBytes` bytes of UTF-8. A UTF-16 unit takes 1 to 3 bytes,
 * so a long string is refused without counting and a short one needs no counting.
 * @example utf8LengthOver('héllo', 5) // => true (6 bytes)
 */
export function utf8LengthOver(text: string, maxBytes: number): boolean {
  return text.length > maxBytes || (text.length * 3 > maxBytes && byteLength(text) > maxBytes);
}

function checkString(where: string, value: unknown, maxBytes: number, allowEmpty: boolean): void {
  if (typeof value !== 'string') throw malformed(`${where} must be a string`);
  if (!allowEmpty && value.length === 0) throw malformed(`${where} must not be empty`);
  // A lone surrogate cannot be encoded as UTF-8: refuse it rather than send U+FFFD.
  if (LONE_SURROGATE.test(value)) throw malformed(`${where} is not valid Unicode`);
  if (utf8LengthOver(value, maxBytes)) {
    throw malformed(`${where} is longer than ${maxBytes} bytes`);
  }
}

function checkId(where: string, value: unknown): void {
  if (typeof value !== 'string' || value.length > MAX_ID_CHARS || !ID_PATTERN.test(value)) {
    throw malformed(`${where} must be 1 to ${MAX_ID_CHARS} characters of [A-Za-z0-9_-]`);
  }
}

function checkStringList(
  where: string,
  value: unknown,
  maxItems: number,
  check: (where: string, item: unknown) => void,
): void {
  if (!Array.isArray(value)) throw malformed(`${where} must be a list`);
  if (value.length > maxItems) throw malformed(`${where} has more than ${maxItems} items`);
  for (let index = 0; index < value.length; index++) check(`${where}[${index}]`, value[index]);
}

/**
 * Why a chat text cannot be sent, or undefined when it can: over {@link MAX_TEXT_BYTES}, a
 * lone surrogate, or a control character other than tab, line feed and carriage return
 * (terminal escape sequences from a peer must never reach a terminal).
 */
export function chatTextProblem(text: string): string | undefined {
  try {
    FIELD_CHECKS.text('text', text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function checkNoControls(where: string, value: unknown, allowed: RegExp): void {
  if (allowed.test(value as string)) throw malformed(`${where} contains a control character`);
}

const FIELD_CHECKS: Record<FieldKind, (where: string, value: unknown) => void> = {
  name: (where, value) => {
    checkString(where, value, MAX_NAME_BYTES, false);
    checkNoControls(where, value, ANY_CONTROL);
  },
  reason: (where, value) => {
    checkString(where, value, MAX_REASON_MESSAGE_BYTES, true);
    checkNoControls(where, value, ANY_CONTROL);
  },
  text: (where, value) => {
    checkString(where, value, MAX_TEXT_BYTES, true);
    checkNoControls(where, value, TEXT_CONTROL);
  },
  id: checkId,
  nonce: (where, value) => {
    if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) {
      throw malformed(`${where} must be 64 lower-case hex digits`);
    }
  },
  time: (where, value) => {
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      throw malformed(`${where} must be a whole number of milliseconds`);
    }
  },
  version: (where, value) => {
    if (!Number.isSafeInteger(value) || (value as number) < 1) {
      throw malformed(`${where} must be a positive whole number`);
    }
  },
  caps: (where, value) =>
    checkStringList(where, value, MAX_CAPABILITIES, (w, item) => {
      if (typeof item !== 'string' || !TYPE_PATTERN.test(item)) {
        throw malformed(`${w} must be a short lower-case name`);
      }
    }),
  ids: (where, value) => checkStringList(where, value, MAX_RECEIPT_IDS, checkId),
  typing: (where, value) => {
    if (typeof value !== 'string' || !TYPING_STATES.includes(value)) {
      throw malformed(`${where} must be "typing", "paused" or "idle"`);
    }
  },
  size: (where, value) => {
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      throw malformed(`${where} must be a whole number of bytes`);
    }
  },
  sha256: (where, value) => {
    if (typeof value !== 'string' || !SHA256_PATTERN.test(value)) {
      throw malformed(`${where} must be 64 lower-case hex digits`);
    }
  },
  kind: (where, value) => {
    if (value !== 'folder') throw malformed(`${where} must be "folder"`);
  },
  entries: (where, value) =>
    checkStringList(where, value, MAX_FOLDER_ENTRIES, (w, item) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw malformed(`${w} must be an object`);
      }
      const entry = item as Record<string, unknown>;
      checkString(`${w}.path`, entry.path, MAX_ENTRY_PATH_BYTES, false);
      checkNoControls(`${w}.path`, entry.path, ANY_CONTROL);
      FIELD_CHECKS.size(`${w}.size`, entry.size);
    }),
  media: (where, value) => {
    if (typeof value !== 'string' || !MEDIA_PATTERN.test(value)) {
      throw malformed(`${where} must be a media type such as "image/png"`);
    }
  },
  base64: (where, value) => {
    if (
      typeof value !== 'string' ||
      value.length === 0 ||
      value.length > MAX_SMP_TLV_CHARS ||
      !BASE64.test(value)
    ) {
      throw malformed(`${where} must be 1 to ${MAX_SMP_TLV_CHARS} characters of base64`);
    }
  },
};

/** One field of a type, with its check and its name in errors, prepared once. */
interface PreparedField {
  field: string;
  optional: boolean;
  where: string;
  check: (where: string, value: unknown) => void;
}

/** Each type's fields in table order, flattened once (not an `Object.entries` per message). */
const PREPARED_FIELDS: ReadonlyMap<string, readonly PreparedField[]> = new Map(
  Object.entries(MESSAGE_TYPES).map(([type, spec]) => [
    type,
    Object.entries(spec.fields).map(([field, fieldSpec]) => ({
      field,
      optional: fieldSpec.optional === true,
      where: `${type}.${field}`,
      check: FIELD_CHECKS[fieldSpec.kind],
    })),
  ]),
);

/** Checks a record against a type's field table; returns only the known fields. */
function checkFields(type: SessionMessageType, record: Record<string, unknown>): SessionMessage {
  const out: Record<string, unknown> = { t: type };
  for (const { field, optional, where, check } of PREPARED_FIELDS.get(type)!) {
    const value = record[field];
    if (value === undefined) {
      if (!optional) throw malformed(`${type} needs a "${field}" field`);
      continue;
    }
    check(where, value);
    out[field] = Array.isArray(value) ? [...value] : value;
  }
  return out as unknown as SessionMessage;
}

/** The JSON text of a message (fields checked, unknown ones dropped), before UTF-8. */
function messageJson(message: SessionMessage): string {
  const spec = MESSAGE_TYPES[message.t];
  if (spec === undefined) throw malformed(`unknown message type ${JSON.stringify(message.t)}`);
  const checked = checkFields(message.t, message as unknown as Record<string, unknown>) as object;
  return JSON.stringify(spec.mandatory ? checked : { ...checked, o: true });
}

/**
 * Encodes a message. Optional types carry `"o": true` so that a peer that does not know
 * them may ignore them.
 * @throws {SessionProtocolError} when a field is invalid (e.g. text over {@link MAX_TEXT_BYTES}).
 * @example encodeMessage({ t: 'chat', id: 'a1', at: 0, text: 'hi' })
 */
export function encodeMessage(message: SessionMessage): Uint8Array {
  const bytes = utf8Encoder.encode(messageJson(message));
  if (bytes.length > MAX_SESSION_MESSAGE_BYTES) throw malformed('message too large');
  return bytes;
}

/**
 * The sizes inner messages are padded to (docs/protocol-session.md §1, "Padding"): the
 * smallest of these at least as long as the message; above the last, the next multiple of it
 * (never beyond {@link MAX_SESSION_MESSAGE_BYTES}).
 */
export const PAD_BUCKETS: readonly number[] = Object.freeze([
  128, 256, 512, 1024, 2048, 4096, 8192, 16384,
]);

const PAD_MEMBER = ',"pad":""';
const SPACE = 0x20;

/** The padded length of an `n`-byte message, or `n` when it cannot be padded. */
export function paddedLength(n: number): number {
  const least = n + PAD_MEMBER.length;
  const largest = PAD_BUCKETS[PAD_BUCKETS.length - 1]!;
  let bucket = Math.ceil(least / largest) * largest;
  for (const b of PAD_BUCKETS) {
    if (b >= least) {
      bucket = b;
      break;
    }
  }
  return bucket <= MAX_SESSION_MESSAGE_BYTES ? bucket : n;
}

/**
 * Pads an encoded message (from {@link encodeMessage}) to its bucket with a `"pad"` member of
 * spaces, which receivers ignore as they ignore every unknown member, so a frame's length no
 * longer tells a typing notice from a short message, or one short text from another.
 * @example padMessage(encodeMessage({ t: 'ping' })).length // => 128
 */
export function padMessage(bytes: Uint8Array): Uint8Array {
  const target = paddedLength(bytes.length);
  if (target === bytes.length) return bytes;
  const out = new Uint8Array(target);
  // `{...}` becomes `{...,"pad":"   "}`: the member goes before the closing brace.
  out.set(bytes.subarray(0, bytes.length - 1), 0);
  fillPad(out, bytes.length - 1);
  return out;
}

const PAD_OPEN = utf8Encoder.encode(',"pad":"');

/** Writes `,"pad":"  …  "}` from `at` to the end of `out`. */
function fillPad(out: Uint8Array, at: number): void {
  out.set(PAD_OPEN, at);
  out.fill(SPACE, at + PAD_OPEN.length, out.length - 2);
  out[out.length - 2] = 0x22; // "
  out[out.length - 1] = 0x7d; // }
}

/**
 * {@link encodeMessage} and {@link padMessage} in one pass, byte for byte the same result:
 * the JSON is encoded once, straight into the padded buffer.
 * @throws {SessionProtocolError} as {@link encodeMessage}.
 * @example encodePaddedMessage({ t: 'ping' }).length // => 128
 */
export function encodePaddedMessage(message: SessionMessage): Uint8Array {
  const json = messageJson(message);
  const length = byteLength(json);
  if (length > MAX_SESSION_MESSAGE_BYTES) throw malformed('message too large');
  const target = paddedLength(length);
  if (target === length) return utf8Encoder.encode(json);
  const out = new Uint8Array(target);
  // The JSON without its closing brace, then the pad member and the brace.
  utf8Encoder.encodeInto(json, out.subarray(0, length - 1));
  fillPad(out, length - 1);
  return out;
}

/** What {@link decodeMessage} found. */
export type DecodeResult =
  | { kind: 'message'; message: SessionMessage }
  /** An unknown type the sender marked optional: ignore it. */
  | { kind: 'ignored'; type: string };

/**
 * Decodes one inner message, strictly: bad UTF-8, bad JSON, a field of the wrong type or
 * size, or an unknown type without `"o": true` is an error, never a crash.
 * @throws {SessionProtocolError} `ERR_SESSION_MALFORMED` or `ERR_SESSION_UNKNOWN_TYPE`.
 * @example decodeMessage(encodeMessage({ t: 'ping' })) // => { kind: 'message', message: { t: 'ping' } }
 */
export function decodeMessage(bytes: Uint8Array): DecodeResult {
  if (bytes.length > MAX_SESSION_MESSAGE_BYTES) throw malformed('message too large');
  let text: string;
  try {
    text = utf8Decoder.decode(bytes);
  } catch {
    throw malformed('message is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed('message is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed('message must be a JSON object');
  }
  const record = value as Record<string, unknown>;
  const type = record.t;
  if (typeof type !== 'string' || !TYPE_PATTERN.test(type)) {
    throw malformed('message needs a type "t" of lower-case letters');
  }
  if (!Object.hasOwn(MESSAGE_TYPES, type)) {
    if (record.o === true) return { kind: 'ignored', type };
    throw new SessionProtocolError(
      'ERR_SESSION_UNKNOWN_TYPE',
      `the peer sent a message type this version does not know ("${type}")`,
    );
  }
  return { kind: 'message', message: checkFields(type as SessionMessageType, record) };
}
