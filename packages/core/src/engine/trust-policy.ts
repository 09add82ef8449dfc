/**
 * The chat node's trust policy, pure: what to make of a peer that introduced itself (the name
 * to show, known or not, a changed key), who must decide before the conversation opens, and
 * what the known-peers book remembers once it does. No I/O and no events: `conversations.ts`
 * applies the decisions. docs/protocol-session.md and docs/protocol-identity.md §5.
 * @module
 */
import {
  assessPeer,
  cleanPeerName,
  type KnownPeer,
  type KnownPeerBook,
  rememberPeer,
  replacePeerKey,
} from '../identity/known-peers.js';
import type { SessionRole } from '../session/session.js';

/** The name shown for a peer whose name is nothing but invisible characters. */
export const UNNAMED = '(no name)';

/** What the policy makes of a peer's hello. */
export interface Introduction {
  /**
   * The name shown: the one its hello gave, cleaned of bidi overrides and invisible
   * characters, unless that is the name of another known peer (then the name we already know
   * this key by).
   */
  name: string;
  /** The key is in the known-peers book. */
  known: boolean;
  /** The book's entry for this name under another key: the user must confirm the change. */
  keyChangedFrom?: KnownPeer;
  /** Set when the claimed name was replaced because another known peer has it. */
  claimedNameOfAnother?: string;
  /**
   * A known peer whose name looks like the claimed one (UTS #39 skeletons), for a key we do
   * not know: "Bоb" (Cyrillic о) beside a known "Bob". Flagged to the user; a joiner holds
   * the conversation until its user accepts, as for a changed key.
   */
  looksLike?: KnownPeer;
  /**
   * Who decides now. `ask`: the local user (a `request` event): every host, and a joiner whose
   * host's key changed. `wait`: nothing to decide here; the joiner waits for the host.
   */
  decision: 'ask' | 'wait';
  /**
   * Keep the conversation held (show nothing, acknowledge nothing, send nothing) until the
   * user confirms: a joiner facing a changed host key.
   */
  hold: boolean;
}

/** Reads a peer's hello against the known-peers book. */
export function introduce(
  book: KnownPeerBook,
  publicKey: Uint8Array,
  claimed: string,
  role: SessionRole,
): Introduction {
  const assessment = assessPeer(book, publicKey, claimed);
  let name = cleanPeerName(claimed) || UNNAMED;
  let claimedNameOfAnother: string | undefined;
  if (assessment.status === 'known' && assessment.nameTakenBy) {
    // A known peer calling itself by another known peer's name would be shown (and saved) as
    // that peer: keep the name we know this key by.
    name = assessment.peer.name;
    claimedNameOfAnother = claimed;
  }
  const keyChangedFrom = assessment.status === 'key-changed' ? assessment.previous : undefined;
  const looksLike = assessment.status === 'new' ? assessment.looksLike : undefined;
  const suspicious = keyChangedFrom !== undefined || looksLike !== undefined;
  return {
    name,
    known: assessment.status === 'known',
    ...(keyChangedFrom ? { keyChangedFrom } : {}),
    ...(claimedNameOfAnother !== undefined ? { claimedNameOfAnother } : {}),
    ...(looksLike ? { looksLike } : {}),
    decision: role === 'host' || suspicious ? 'ask' : 'wait',
    hold: role === 'joiner' && suspicious,
  };
}

/**
 * The book once a conversation opened: the peer remembered (as verified by invite when it
 * came with one), or, after a confirmed key change, the old entry moved to the new key.
 */
export function rememberConnected(
  book: KnownPeerBook,
  peer: {
    publicKey: Uint8Array;
    name: string;
    now: number;
    invited: boolean;
    /** Joined by join code: both keys were authenticated by the code's CPace run. */
    byCode?: boolean;
    keyChangedFrom?: KnownPeer;
    /** Where we dialled and met this key (joiners): pinned to it. */
    dialled?: string | readonly string[];
  },
): KnownPeerBook {
  const entry = {
    publicKey: peer.publicKey,
    name: peer.name,
    now: peer.now,
    ...(peer.byCode
      ? { verification: 'join-code' as const }
      : peer.invited
        ? { verification: 'invite' as const }
        : {}),
    ...(peer.dialled !== undefined ? { dialled: peer.dialled } : {}),
  };
  return peer.keyChangedFrom
    ? replacePeerKey(book, peer.keyChangedFrom.peerId, entry)
    : rememberPeer(book, entry);
}

/** The book once a conversation that opened ended: a known peer's last-seen time moves on. */
export function rememberLastSeen(
  book: KnownPeerBook,
  peerId: string,
  publicKey: Uint8Array,
  now: number,
): KnownPeerBook {
  const known = book.peers.get(peerId);
  return known ? rememberPeer(book, { publicKey, name: known.name, now }) : book;
}
