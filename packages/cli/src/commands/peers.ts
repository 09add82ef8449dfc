/**
 * `cryptully peers …`: the friends this computer remembers (like SSH's known hosts).
 * @module
 */
import { fingerprint, forgetPeer, type KnownPeer, markVerified } from '@cryptully/core/identity';
import { cryptullyHome, KnownPeersStore } from '@cryptully/core/storage';
import type { ParsedArgs } from '../args/parse-args.js';
import { CliError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatTime } from '../format.js';
import type { CliIo } from '../io.js';
import { ask } from '../prompt.js';
import { safeName } from '../sanitize.js';

const HOW_VERIFIED: Record<KnownPeer['verification'], string> = {
  invite: 'verified by invite',
  code: 'code compared',
  question: 'verified by question',
  'join-code': 'verified by join code',
  unverified: 'not verified',
};

function date(at: number): string {
  return `${new Date(at).toISOString().slice(0, 10)} ${formatTime(at)}`;
}

/** Finds a known peer by peer id (or its start) or by name (case-insensitive). */
export function findKnownPeer(peers: readonly KnownPeer[], word: string): KnownPeer {
  const wanted = word.toLowerCase();
  const matches = peers.filter(
    (peer) => peer.peerId.startsWith(wanted) || peer.name.toLowerCase() === wanted,
  );
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new CliError(
      'ERR_NO_SUCH_PEER',
      `no friend called "${word}"; "cryptully peers" lists them`,
    );
  }
  throw new CliError(
    'ERR_AMBIGUOUS_PEER',
    `several friends match "${word}": use the peer id from "cryptully peers"`,
  );
}

/** `cryptully peers`. */
export async function listPeers(_parsed: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const book = await new KnownPeersStore(cryptullyHome(io.env)).load();
  const peers = [...book.peers.values()];
  if (peers.length === 0) {
    io.stdout.write('You have not chatted with anyone yet.\n');
    return EXIT.ok;
  }
  for (const peer of peers) {
    io.stdout.write(
      `${safeName(peer.name)}  (peer id ${peer.peerId})\n` +
        `  ${HOW_VERIFIED[peer.verification]}; last seen ${date(peer.lastSeen)}\n` +
        `  fingerprint ${fingerprint(peer.publicKey)}\n`,
    );
  }
  return EXIT.ok;
}

/** `cryptully peers verify <peer>`: compare fingerprints, then mark verified. */
export async function verifyPeer(parsed: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const store = new KnownPeersStore(cryptullyHome(io.env));
  const peer = findKnownPeer([...(await store.load()).peers.values()], parsed.args[0]!);
  const name = safeName(peer.name);
  io.stdout.write(
    `${name}'s fingerprint as this computer knows it:\n  ${fingerprint(peer.publicKey)}\n` +
      `Ask ${name} to run "cryptully id" and read you their fingerprint (by phone or in person).\n`,
  );
  if (!io.interactive) {
    throw new CliError(
      'ERR_NEEDS_TERMINAL',
      'confirming a fingerprint needs a terminal; run this command in one',
    );
  }
  const answer = await ask(io, `Is it exactly the same? Type yes to mark ${name} verified: `);
  if (answer.trim().toLowerCase() !== 'yes') {
    io.stdout.write('Nothing changed. If the fingerprints differ, do not trust this key.\n');
    return EXIT.ok;
  }
  await store.update((book) => markVerified(book, peer.peerId, 'code'));
  io.stdout.write(`${name} is now marked verified.\n`);
  return EXIT.ok;
}

/** `cryptully peers forget <peer>`. */
export async function forgetKnownPeer(parsed: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const store = new KnownPeersStore(cryptullyHome(io.env));
  const peer = findKnownPeer([...(await store.load()).peers.values()], parsed.args[0]!);
  await store.update((book) => forgetPeer(book, peer.peerId));
  io.stdout.write(
    `Forgot ${safeName(peer.name)}. Next time they connect, compare the code again.\n`,
  );
  return EXIT.ok;
}
