/**
 * The DHT key seeds: every Ed25519 key pair Cryptully uses on the DHT comes from a 32-byte seed
 * derived here (the DHT transport turns a seed into a key pair with libsodium's
 * `crypto_sign_seed_keypair`). Pure: BLAKE2b-512 and X25519 only. docs/protocol-identity.md §8.
 *
 * - The host key: where a host is found on the DHT. Stable for an identity, so a known peer can
 *   find it again without a new invite; invites carry its public key.
 * - The invite key: what a joiner holding an invite dials with. The host's DHT firewall admits
 *   it only while that invite is open, so an old invite gets nobody a handshake.
 * - The peer key: what a known peer dials with. Both peers derive it from their X25519 shared
 *   secret, so the host knows every known peer's key without any message telling it.
 * @module
 */
import { abytes, blake2b, concatBytes, x25519 } from '../crypto/index.js';
import { INVITE_SECRET_BYTES } from './invite.js';

/** Length of a DHT key seed (and of a DHT public key). */
export const DHT_SEED_BYTES = 32;

const encoder = new TextEncoder();
const HOST_DOMAIN = encoder.encode('cryptully dht host key v1');
const INVITE_DOMAIN = encoder.encode('cryptully dht invite key v1');
const PEER_DOMAIN = encoder.encode('cryptully dht peer key v1');

const seedOf = (...parts: Uint8Array[]) => blake2b.hash(...parts).slice(0, DHT_SEED_BYTES);

/**
 * The seed of a host's DHT key pair: the first 32 bytes of BLAKE2b-512(`"cryptully dht host
 * key v1"` ‖ the identity's X25519 private key).
 */
export function dhtHostSeed(identityPrivateKey: Uint8Array): Uint8Array {
  abytes(identityPrivateKey, 32, 'identity private key');
  return seedOf(HOST_DOMAIN, identityPrivateKey);
}

/**
 * The seed of the key pair a joiner dials an invite's host with: the first 32 bytes of
 * BLAKE2b-512(`"cryptully dht invite key v1"` ‖ the invite secret).
 */
export function dhtInviteSeed(inviteSecret: Uint8Array): Uint8Array {
  abytes(inviteSecret, INVITE_SECRET_BYTES, 'invite secret');
  return seedOf(INVITE_DOMAIN, inviteSecret);
}

/**
 * The seed of the key pair a known peer dials a host with: the first 32 bytes of
 * BLAKE2b-512(`"cryptully dht peer key v1"` ‖ X25519(own private, other's public) ‖ dialer's
 * identity public key ‖ host's identity public key). Both sides compute the same seed: the
 * dialer with `(dialer private, host public)`, the host with `(host private, dialer public)`.
 * @param ourPrivateKey our identity's X25519 private key.
 * @param theirPublicKey the other identity's X25519 public key.
 * @param role whether we are the one dialing or the host being dialed.
 * @throws {DhError} for a low-order public key.
 */
export function dhtPeerSeed(
  ourPrivateKey: Uint8Array,
  theirPublicKey: Uint8Array,
  role: 'dialer' | 'host',
): Uint8Array {
  abytes(ourPrivateKey, 32, 'identity private key');
  abytes(theirPublicKey, 32, 'peer public key');
  const ourPublicKey = x25519.publicKeyFromPrivate(ourPrivateKey);
  const shared = x25519.dh(ourPrivateKey, theirPublicKey);
  const [dialer, host] =
    role === 'dialer' ? [ourPublicKey, theirPublicKey] : [theirPublicKey, ourPublicKey];
  const seed = seedOf(concatBytes(PEER_DOMAIN, shared, dialer, host));
  shared.fill(0);
  return seed;
}

const CODE_DOMAIN = encoder.encode('cryptully dht join code key v1');

/**
 * The seed of the key pair a joiner dials a join code's host with: the first 32 bytes of
 * BLAKE2b-512(`"cryptully dht join code key v1"` ‖ ASCII decimal number). It depends on the
 * code's public number only, never on its words (a host that saw it could otherwise test
 * words offline); the host's DHT firewall admits it while its code has that number.
 */
export function dhtCodeSeed(number: number): Uint8Array {
  return seedOf(CODE_DOMAIN, encoder.encode(String(number)));
}
