// A node prepares its static key once for all its handshakes (`preparedStaticKey`): the
// handshake must be byte for byte the one made from the key bytes, and a prepared key that
// belongs to another identity must be refused before anything is sent.
import { describe, expect, it, vi } from 'vitest';
import { MemoryNetwork, memoryTransport } from '../../src/adapters/memory-transport.js';
import { secureInitiate, secureRespond } from '../../src/adapters/secure-connection.js';
import {
  type HandshakeResult,
  InitiatorHandshake,
  ResponderHandshake,
} from '../../src/channel/index.js';
import { x25519 } from '../../src/crypto/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { FIXED, OK, stream } from './helpers.js';

/** One handshake with fixed ephemerals; each side's static key prepared or not. */
function run(prepare: boolean) {
  const prepared = (pair: typeof FIXED.initiatorStatic) =>
    prepare ? { preparedStaticKey: x25519.preparePrivateKey(pair.privateKey) } : {};
  const initiator = new InitiatorHandshake({
    staticKeyPair: FIXED.initiatorStatic,
    ...prepared(FIXED.initiatorStatic),
    psk: FIXED.psk,
    inviteId: FIXED.inviteId,
    ephemeralPrivateKey: FIXED.initiatorEphemeral,
    commitmentNonce: FIXED.commitmentNonce,
  });
  const responder = new ResponderHandshake({
    staticKeyPair: FIXED.responderStatic,
    ...prepared(FIXED.responderStatic),
    ephemeralPrivateKey: FIXED.responderEphemeral,
    onPrelude: () => ({ payload: OK, psk: FIXED.psk }),
  });
  const written = [...initiator.start()];
  const r1 = responder.receive(stream(written));
  written.push(...r1.frames);
  const i1 = initiator.receive(stream(r1.frames));
  written.push(...i1.frames);
  const r2 = responder.receive(stream(i1.frames));
  const results = [i1.result, r2.result] as HandshakeResult[];
  return { written, results };
}

describe('a prepared static key', () => {
  it('makes the very same handshake as the key bytes (every frame, both results)', () => {
    const plain = run(false);
    const prepared = run(true);
    expect(prepared.written).toEqual(plain.written);
    for (const [i, result] of prepared.results.entries()) {
      expect(result.handshakeHash).toEqual(plain.results[i]!.handshakeHash);
      expect(result.remoteStaticPublicKey).toEqual(plain.results[i]!.remoteStaticPublicKey);
    }
  });

  it('is refused when it belongs to another key pair', () => {
    const other = x25519.preparePrivateKey(x25519.generateKeyPair().privateKey);
    expect(
      () =>
        new InitiatorHandshake({ staticKeyPair: FIXED.initiatorStatic, preparedStaticKey: other }),
    ).toThrow(InvalidArgumentError);
    const responder = new ResponderHandshake({
      staticKeyPair: FIXED.responderStatic,
      preparedStaticKey: other,
      onPrelude: () => ({ payload: OK }),
    });
    const initiator = new InitiatorHandshake({ staticKeyPair: FIXED.initiatorStatic });
    // The responder checks when it builds its HandshakeState (on the prelude): nothing is sent.
    expect(() => responder.receive(stream(initiator.start()))).toThrow(InvalidArgumentError);
  });

  it('is taken by secureInitiate and secureRespond (both ends prepared, over streams)', async () => {
    const transport = memoryTransport({ network: new MemoryNetwork() });
    const host = x25519.generateKeyPair();
    const joiner = x25519.generateKeyPair();
    const hostKey = x25519.preparePrivateKey(host.privateKey);
    const joinerKey = x25519.preparePrivateKey(joiner.privateKey);
    // From here on, only the two ephemeral keys may be imported.
    const imports = vi.spyOn(x25519, 'preparePrivateKey');
    let responding: ReturnType<typeof secureRespond> | undefined;
    const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, (stream) => {
      responding = secureRespond(stream, {
        staticKeyPair: host,
        preparedStaticKey: hostKey,
        onPrelude: () => ({ payload: OK }),
      });
    });
    const stream = await transport.dial(listener.address);
    const initiated = await secureInitiate(stream, {
      staticKeyPair: joiner,
      preparedStaticKey: joinerKey,
    });
    const responded = await responding!;
    expect(initiated.remoteStaticPublicKey).toEqual(host.publicKey);
    expect(responded.remoteStaticPublicKey).toEqual(joiner.publicKey);
    expect(initiated.handshakeHash).toEqual(responded.handshakeHash);
    expect(imports).toHaveBeenCalledTimes(2);
    imports.mockRestore();
    initiated.destroy();
    responded.destroy();
    await listener.close();
  });
});
