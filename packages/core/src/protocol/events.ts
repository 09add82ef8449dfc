/**
 * The event and command vocabulary shared by every Cryptully front end: the CLI's `--json`
 * mode prints these events and reads these commands line by line, the desktop app sends them
 * across its preload bridge and WebSocket, and the test harness drives every client with them.
 * Pure data and validation: safe to import in a browser.
 * @module
 */
import type { ErrorCode } from './error-codes.js';

/** A conversation's stable id: derived from the peer's public key, so it survives reconnects. */
export type PeerId = string;

/**
 * How a peer's identity was checked: `invite` (joined with an invite), `code` (the
 * verification code was compared), `question` (the peer answered our question, or we theirs,
 * with a match: docs/protocol-verification.md §2), `join-code` (joined with a join code, whose
 * CPace run authenticated both keys: §1), `unverified`, `key-changed`.
 */
export type Verification =
  | 'invite'
  | 'code'
  | 'question'
  | 'join-code'
  | 'unverified'
  | 'key-changed';

/**
 * How a verified peer was verified, as `connected.verifiedBy` says it: `invite` (an invite
 * pinned the key), `code` (a join code's PAKE authenticated both keys), `question` (an SMP question matched), `compared` (people compared the
 * verification code, `/verify`).
 */
export type VerifiedBy = 'invite' | 'code' | 'question' | 'compared';

/** The outcome of one question (SMP run): both sides learn only this. */
export type VerificationResult = 'match' | 'mismatch' | 'aborted';

/**
 * Typing state, as the original Cryptully had it: `typing` while keys are pressed, `paused`
 * when typing stopped with text left in the input, `idle` when the input was emptied.
 */
export type TypingState = 'typing' | 'paused' | 'idle';

/**
 * How a connection runs: `lan` on the same network (a private, loopback or link-local
 * address), `direct` over TCP to a public address, `holepunch` through the DHT with both
 * routers punched, `mapped` through a port mapped on the host's router, `relay` through a
 * blind relay (which sees only ciphertext).
 */
export type ConnectionPath = 'lan' | 'direct' | 'holepunch' | 'mapped' | 'relay';

/** Events a chat node emits, told apart by `event`. */
export type ChatEvent =
  | { event: 'ready'; fingerprint: string; name: string }
  | {
      event: 'listening';
      host: string;
      port: number;
      invite: string;
      addresses: string[];
      /** The host's DHT public key (64 hex characters), when it listens on the DHT too. */
      dhtKey?: string;
      /** The public address of a port mapped on the router (`host:port`), if any. */
      mapped?: string;
      /** The join code to read out (`7-purple-sausage`); works once (then a `code` event). */
      code?: string;
    }
  /**
   * The host's join code changed: the last one was `used` (someone joined with it) or `burnt`
   * (someone tried a wrong code). `code` is the new one; `message` says what happened.
   */
  | { event: 'code'; code: string; reason: 'used' | 'burnt'; message: string }
  | { event: 'invite'; invite: string; expiresAt: number }
  /**
   * The host's open invites (after `invites` or `revoke`): each one's id (32 hex digits, the
   * id that travels in the prelude, not the secret), when it was made and when it expires.
   */
  | { event: 'invites'; invites: OpenInvite[] }
  | { event: 'connecting'; target: string }
  | {
      event: 'request';
      peer: PeerId;
      name: string;
      fingerprint: string;
      code: string;
      known: boolean;
      invited: boolean;
      keyChanged: boolean;
      /**
       * The name of a known peer this unknown key's name looks like (UTS #39 skeletons:
       * "Bоb" with a Cyrillic о beside a known "Bob"): show a warning.
       */
      looksLike?: string;
    }
  | {
      event: 'waiting';
      peer: PeerId;
      name: string;
      fingerprint: string;
      code: string;
      /** The host's key is in our known peers. */
      known: boolean;
    }
  | {
      event: 'connected';
      peer: PeerId;
      name: string;
      fingerprint: string;
      code: string;
      verified: boolean;
      verification: Verification;
      /** Present when `verified`: how (see {@link VerifiedBy}). */
      verifiedBy?: VerifiedBy;
      /** How the connection runs (see {@link ConnectionPath}). */
      path?: ConnectionPath;
      /** The other end's address as this side sees it (`host:port`). */
      remoteAddress?: string;
    }
  | { event: 'message'; peer: PeerId; id: string; text: string; at: number }
  | { event: 'sent'; peer: PeerId; id: string; text: string; at: number; queued: boolean }
  | { event: 'delivered'; peer: PeerId; id: string }
  | { event: 'undelivered'; peer: PeerId; ids: string[] }
  | { event: 'typing'; peer: PeerId; state: TypingState }
  | { event: 'verified'; peer: PeerId; verification: Verification }
  /** The peer asks a question: answer it with the `answer` command. */
  | { event: 'asked'; peer: PeerId; question: string }
  /** A question (SMP run) ended, on both sides: `match` also marks the peer verified. */
  | { event: 'verification'; peer: PeerId; result: VerificationResult }
  | { event: 'key-changed'; peer: PeerId; name: string; old: string; new: string }
  | { event: 'disconnected'; peer: PeerId; reason: string; message: string }
  | { event: 'peers'; peers: KnownPeerSummary[] }
  /** A peer offers a file; `name` is already sanitised (safe to show and to create). */
  | {
      event: 'file-offer';
      peer: PeerId;
      id: string;
      name: string;
      size: number;
      sha256: string;
      type: string;
      /** `folder` for a folder offer (capability `folder`); absent for a file. */
      kind?: 'folder';
      /** A folder offer's number of files. */
      entries?: number;
    }
  /** Our offer went out (`send-file`): its id names the transfer in the events that follow. */
  | {
      event: 'file-offered';
      peer: PeerId;
      id: string;
      name: string;
      size: number;
      sha256: string;
      path: string;
      /** `folder` when a folder was offered; absent for a file. */
      kind?: 'folder';
      /** A folder offer's number of files. */
      entries?: number;
      /** Symbolic links and special files in the folder that were left out. */
      skipped?: number;
    }
  /**
   * A file (or folder) we are about to offer is being read for its hash: `bytes` read so far of
   * `size`. Only once that has taken a moment, then at most 4 a second; `file-offered` follows
   * with the same `id` (or the command fails, or a `cancel-file` of this `id` stops the reading
   * and ends it with `file-failed` `cancelled`).
   */
  | {
      event: 'file-preparing';
      peer: PeerId;
      id: string;
      name: string;
      path: string;
      bytes: number;
      size: number;
    }
  /** Bytes verified so far (receiver: written; sender: acknowledged); a few per second at most. */
  | { event: 'file-progress'; peer: PeerId; id: string; bytes: number; size: number }
  /** Finished with the hash checked: receiver's `path` is the saved file, sender's the source. */
  | { event: 'file-done'; peer: PeerId; id: string; path: string; sha256: string }
  /** The transfer ended without the file: `reason` is a stable name, `message` a sentence. */
  | { event: 'file-failed'; peer: PeerId; id: string; reason: FileFailure; message: string }
  | { event: 'error'; code: ErrorCode; message: string; peer?: PeerId }
  /**
   * Something the host's user should know that is not about one conversation, said once per
   * episode. `kind` `request-flood`: many requests from unknown keys (a possible attempt to
   * match a verification code); they are turned away for now.
   */
  | { event: 'warning'; kind: string; message: string };

/**
 * Why a transfer failed: `declined` (the receiver said no), `cancelled` (either side),
 * `hash-mismatch`, `size-mismatch` (more or fewer bytes than offered), `protocol` (the
 * sender broke the transfer rules), `disk-full`, `permission`, `io-error` (the disk),
 * `read-error` (the sender's file changed or went away), `busy` (too many offers at once).
 */
export type FileFailure =
  | 'declined'
  | 'cancelled'
  | 'hash-mismatch'
  | 'size-mismatch'
  | 'protocol'
  | 'disk-full'
  | 'permission'
  | 'io-error'
  | 'read-error'
  | 'busy';

/** An invite the host made that can still be used (no secret in it). */
export interface OpenInvite {
  id: string;
  createdAt: number;
  expiresAt: number;
}

/** What a front end shows about a remembered peer. */
export interface KnownPeerSummary {
  peer: PeerId;
  name: string;
  fingerprint: string;
  verification: Verification;
  firstSeen: number;
  lastSeen: number;
  online: boolean;
}

/** Commands a front end sends to a chat node, told apart by `cmd`. */
export type ChatCommand =
  /**
   * `invitesOnly`: refuse joins without one of our invites before msg2, so a scanner learns
   * nothing, not even our key (docs/protocol-session.md §6).
   */
  | { cmd: 'host'; port?: number; bind?: string; invitesOnly?: boolean }
  | { cmd: 'join'; target: string }
  | { cmd: 'accept'; peer: PeerId; confirmKeyChange?: boolean }
  | { cmd: 'reject'; peer: PeerId }
  | { cmd: 'send'; peer?: PeerId; text: string }
  | { cmd: 'typing'; peer?: PeerId; state: TypingState }
  | { cmd: 'invite' }
  /** Lists the invites still open (answered by `invites`). */
  | { cmd: 'invites' }
  /** Withdraws an open invite by its id (or a unique prefix of it, at least 6 hex digits). */
  | { cmd: 'revoke'; invite: string }
  | { cmd: 'verify'; peer: PeerId }
  /** Asks a connected peer a question; `answer` is our own answer, compared with theirs. */
  | { cmd: 'ask'; peer: PeerId; question: string; answer: string }
  /** Answers the question a peer asked (`asked`). */
  | { cmd: 'answer'; peer: PeerId; answer: string }
  | { cmd: 'peers' }
  | { cmd: 'forget'; peer: PeerId }
  | { cmd: 'name'; name: string }
  | { cmd: 'disconnect'; peer: PeerId }
  | { cmd: 'send-file'; peer?: PeerId; path: string; name?: string }
  | { cmd: 'accept-file'; peer: PeerId; id: string; dir?: string }
  | { cmd: 'decline-file'; peer: PeerId; id: string }
  /** Either direction; also our file still being read before its offer (`file-preparing`'s id). */
  | { cmd: 'cancel-file'; peer: PeerId; id: string }
  | { cmd: 'quit' };

/** The names of every command, for completion and help. */
export type CommandName = ChatCommand['cmd'];
/** The names of every event. */
export type EventName = ChatEvent['event'];
