import { CryptullyError, type KnownPeerSummary, type OpenInvite } from '@cryptully/core/protocol';
import type { AppEvent } from './app-protocol.js';

/**
 * Raised for an event that does not match the vocabulary (a bug or a hostile sender): a
 * {@link CryptullyError} with the stable code `ERR_BAD_EVENT`.
 */
export class EventError extends CryptullyError<'ERR_BAD_EVENT'> {
  /** Always `ERR_BAD_EVENT`. */
  declare readonly code: 'ERR_BAD_EVENT';
  constructor(message: string) {
    super('ERR_BAD_EVENT', message);
    // Spelled out: a minified renderer bundle may rename the class.
    this.name = 'EventError';
  }
}

/** Longest string field an event may carry (chat text is bounded far below this by core). */
const MAX_EVENT_STRING = 64 * 1024;

type Kind =
  | 'string'
  | 'number'
  | 'boolean'
  | 'strings'
  | 'verification'
  | 'typing'
  | 'phase'
  | 'peers'
  | 'result'
  | 'invites'
  | 'codeChange';
interface Field<K extends Kind = Kind, Optional extends boolean = boolean> {
  kind: K;
  optional: Optional;
}
const req = <K extends Kind>(kind: K): Field<K, false> => ({ kind, optional: false });
const opt = <K extends Kind>(kind: K): Field<K, true> => ({ kind, optional: true });

/** The kinds that can check a value of type `T` (a string union may be checked as any string). */
type KindFor<T> = [T] extends [boolean]
  ? 'boolean'
  : [T] extends [number]
    ? 'number'
    : [T] extends [readonly KnownPeerSummary[]]
      ? 'peers'
      : [T] extends [readonly OpenInvite[]]
        ? 'invites'
        : [T] extends [readonly string[]]
          ? 'strings'
          : [T] extends [string]
            ? string extends T
              ? 'string'
              : 'string' | 'verification' | 'typing' | 'phase' | 'result' | 'codeChange'
            : never;

/**
 * The field table of one event, derived from its type in core's `ChatEvent` (or the app's own
 * events): a field missing from the table, one the type lacks, the wrong kind or the wrong
 * optionality fails to compile, so the validator cannot drift from the vocabulary.
 */
type FieldsOf<E> = {
  [F in Exclude<keyof E, 'event'>]-?: Field<
    KindFor<NonNullable<E[F]>>,
    undefined extends E[F] ? true : false
  >;
};

// Data, not branches: every event's fields, read by one validator; typed from the events.
const EVENTS: { [N in AppEvent['event']]: FieldsOf<Extract<AppEvent, { event: N }>> } = {
  'app-state': { state: req('phase'), name: opt('string'), fingerprint: opt('string') },
  settings: {
    dht: req('boolean'),
    relay: req('string'),
    bootstrap: req('string'),
    portMapping: req('boolean'),
  },
  ready: { fingerprint: req('string'), name: req('string') },
  listening: {
    host: req('string'),
    port: req('number'),
    invite: req('string'),
    addresses: req('strings'),
    dhtKey: opt('string'),
    mapped: opt('string'),
    code: opt('string'),
  },
  code: { code: req('string'), reason: req('codeChange'), message: req('string') },
  invite: { invite: req('string'), expiresAt: req('number') },
  connecting: { target: req('string') },
  warning: { kind: req('string'), message: req('string') },
  invites: { invites: req('invites') },
  request: {
    peer: req('string'),
    name: req('string'),
    fingerprint: req('string'),
    code: req('string'),
    known: req('boolean'),
    invited: req('boolean'),
    keyChanged: req('boolean'),
    looksLike: opt('string'),
  },
  waiting: {
    peer: req('string'),
    name: req('string'),
    fingerprint: req('string'),
    code: req('string'),
    known: req('boolean'),
  },
  connected: {
    peer: req('string'),
    name: req('string'),
    fingerprint: req('string'),
    code: req('string'),
    verified: req('boolean'),
    verification: req('verification'),
    verifiedBy: opt('string'),
    path: opt('string'),
    remoteAddress: opt('string'),
  },
  message: { peer: req('string'), id: req('string'), text: req('string'), at: req('number') },
  sent: {
    peer: req('string'),
    id: req('string'),
    text: req('string'),
    at: req('number'),
    queued: req('boolean'),
  },
  delivered: { peer: req('string'), id: req('string') },
  undelivered: { peer: req('string'), ids: req('strings') },
  typing: { peer: req('string'), state: req('typing') },
  verified: { peer: req('string'), verification: req('verification') },
  asked: { peer: req('string'), question: req('string') },
  verification: { peer: req('string'), result: req('result') },
  'key-changed': {
    peer: req('string'),
    name: req('string'),
    old: req('string'),
    new: req('string'),
  },
  disconnected: { peer: req('string'), reason: req('string'), message: req('string') },
  peers: { peers: req('peers') },
  'file-offer': {
    peer: req('string'),
    id: req('string'),
    name: req('string'),
    size: req('number'),
    sha256: req('string'),
    type: req('string'),
    kind: opt('string'),
    entries: opt('number'),
  },
  'file-offered': {
    peer: req('string'),
    id: req('string'),
    name: req('string'),
    size: req('number'),
    sha256: req('string'),
    path: req('string'),
    kind: opt('string'),
    entries: opt('number'),
    skipped: opt('number'),
  },
  'file-preparing': {
    peer: req('string'),
    id: req('string'),
    name: req('string'),
    path: req('string'),
    bytes: req('number'),
    size: req('number'),
  },
  'file-progress': {
    peer: req('string'),
    id: req('string'),
    bytes: req('number'),
    size: req('number'),
  },
  'file-done': {
    peer: req('string'),
    id: req('string'),
    path: req('string'),
    sha256: req('string'),
  },
  'file-failed': {
    peer: req('string'),
    id: req('string'),
    reason: req('string'),
    message: req('string'),
  },
  error: { code: req('string'), message: req('string'), peer: opt('string') },
  'upload-ack': { upload: req('string'), bytes: req('number') },
  'upload-done': { upload: req('string') },
  'upload-failed': { upload: req('string'), message: req('string') },
};

const PEER_SUMMARY: FieldsOf<KnownPeerSummary> = {
  peer: req('string'),
  name: req('string'),
  fingerprint: req('string'),
  verification: req('verification'),
  firstSeen: req('number'),
  lastSeen: req('number'),
  online: req('boolean'),
};

const OPEN_INVITE: FieldsOf<OpenInvite> = {
  id: req('string'),
  createdAt: req('number'),
  expiresAt: req('number'),
};

const isString = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_EVENT_STRING;

const CHECKS: Record<Kind, (v: unknown) => boolean> = {
  string: isString,
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  strings: (v) => Array.isArray(v) && v.length <= 10_000 && v.every(isString),
  verification: (v) =>
    v === 'invite' ||
    v === 'code' ||
    v === 'question' ||
    v === 'join-code' ||
    v === 'unverified' ||
    v === 'key-changed',
  codeChange: (v) => v === 'used' || v === 'burnt',
  result: (v) => v === 'match' || v === 'mismatch' || v === 'aborted',
  typing: (v) => v === 'typing' || v === 'paused' || v === 'idle',
  phase: (v) => v === 'setup' || v === 'locked' || v === 'ready',
  peers: (v) =>
    Array.isArray(v) &&
    v.length <= 10_000 &&
    v.every((p) => isRecord(p) && checkFields(p, PEER_SUMMARY) !== null),
  invites: (v) =>
    Array.isArray(v) &&
    v.length <= 10_000 &&
    v.every((i) => isRecord(i) && checkFields(i, OPEN_INVITE) !== null),
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Copies the known fields of `record` after checking them; null when one is wrong. */
function checkFields(
  record: Record<string, unknown>,
  fields: object,
): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields) as [string, Field][]) {
    const value = record[name];
    if (value === undefined) {
      if (field.optional) continue;
      return null;
    }
    if (!CHECKS[field.kind](value)) return null;
    const nested =
      field.kind === 'peers' ? PEER_SUMMARY : field.kind === 'invites' ? OPEN_INVITE : undefined;
    out[name] = nested
      ? (value as unknown[]).map((p) => checkFields(p as Record<string, unknown>, nested))
      : value;
  }
  return out;
}

/**
 * Validates an untrusted value as an {@link AppEvent}, the way `parseCommand` validates
 * commands: the renderer only ever sees events that passed this check. Unknown fields are
 * dropped.
 * @throws {EventError} when the value is not a valid event.
 * @example parseAppEvent({ event: 'delivered', peer: 'ab12', id: 'm1' })
 */
export function parseAppEvent(value: unknown): AppEvent {
  if (!isRecord(value)) throw new EventError('an event must be an object with an "event" field');
  const name = value.event;
  if (typeof name !== 'string' || !Object.hasOwn(EVENTS, name)) {
    throw new EventError(`unknown event ${JSON.stringify(name)}`);
  }
  const fields = EVENTS[name as AppEvent['event']];
  const checked = checkFields(value, fields);
  if (checked === null) throw new EventError(`event ${name} has a missing or malformed field`);
  return { event: name, ...checked } as AppEvent;
}
