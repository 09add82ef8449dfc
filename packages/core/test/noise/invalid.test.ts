// Protects fail-closed behaviour: every way a handshake can go wrong ends in a typed
// NoiseError with a stable code, never in two sides holding different (silently wrong) keys.
import { describe, expect, it } from 'vitest';
import { randomBytes, toHex, x25519 } from '../../src/crypto/index.js';
import {
  type HandshakePattern,
  HandshakeState,
  NoiseError,
  PATTERNS,
  parseProtocolName,
  validatePattern,
} from '../../src/noise/index.js';
import { makePair, pairOptions, runHandshake } from './pair.js';

const XX = 'Noise_XX_25519_ChaChaPoly_BLAKE2b';
const code = (c: string) => expect.objectContaining({ code: c });

/** Runs fn, expecting a NoiseError; returns its code. */
function noiseErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(NoiseError);
    return (error as NoiseError).code;
  }
  throw new Error('expected a NoiseError, but the call succeeded');
}

describe('handshake failures are typed errors', () => {
  it('wrong psk (XXpsk3): the responder rejects message 3', () => {
    const { init, resp } = makePair('Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b', {
      responderOverrides: { psks: [randomBytes(32)] },
    });
    resp.readMessage(init.writeMessage(new Uint8Array(0)));
    init.readMessage(resp.writeMessage(new Uint8Array(0)));
    expect(() => resp.readMessage(init.writeMessage(new Uint8Array(0)))).toThrow(
      code('ERR_NOISE_DECRYPT'),
    );
    expect(resp.isComplete).toBe(false);
  });

  it('wrong psk (NNpsk0): the responder rejects message 1', () => {
    const { init, resp } = makePair('Noise_NNpsk0_25519_ChaChaPoly_BLAKE2b', {
      initiatorOverrides: { psks: [randomBytes(32)] },
    });
    expect(() => resp.readMessage(init.writeMessage(new Uint8Array(0)))).toThrow(
      code('ERR_NOISE_DECRYPT'),
    );
  });

  it('wrong prologue (XX): the initiator rejects message 2', () => {
    const { init, resp } = makePair(XX, {
      initiatorOverrides: { prologue: new TextEncoder().encode('Cryptully/1 a') },
      responderOverrides: { prologue: new TextEncoder().encode('Cryptully/1 b') },
    });
    resp.readMessage(init.writeMessage(new Uint8Array(0)));
    expect(() => init.readMessage(resp.writeMessage(new Uint8Array(0)))).toThrow(
      code('ERR_NOISE_DECRYPT'),
    );
  });

  for (const name of ['IK', 'XK', 'NK', 'KK']) {
    it(`wrong remote static key (${name}): the responder rejects message 1`, () => {
      const { init, resp } = makePair(`Noise_${name}_25519_ChaChaPoly_BLAKE2b`, {
        initiatorOverrides: { rs: x25519.generateKeyPair().publicKey },
      });
      expect(() => resp.readMessage(init.writeMessage(new Uint8Array(0)))).toThrow(
        code('ERR_NOISE_DECRYPT'),
      );
    });
  }

  it('a low-order ephemeral key from the peer is a typed DH error', () => {
    const { init, resp } = makePair(XX);
    const msg1 = init.writeMessage(new Uint8Array(0));
    msg1.fill(0, 0, 32);
    resp.readMessage(msg1); // msg1 is not authenticated; the responder's ee DH fails next
    expect(() => resp.writeMessage(new Uint8Array(0))).toThrow(code('ERR_NOISE_DH'));
  });

  for (const name of ['XX', 'IK', 'XXpsk3', 'NK']) {
    it(`every truncation of every ${name} message fails with a typed error`, () => {
      const protocolName = `Noise_${name}_25519_ChaChaPoly_BLAKE2b`;
      const keys = pairOptions(protocolName);
      const total = keys.protocol.pattern.messages.length;
      const payload = new TextEncoder().encode('payload');
      for (let target = 0; target < total; target++) {
        const length = messageLength(keys, target, payload);
        for (let cut = 0; cut < length; cut++) {
          const init = new HandshakeState(keys.initiator);
          const resp = new HandshakeState(keys.responder);
          const failure = noiseErrorCode(() =>
            runHandshake(
              init,
              resp,
              () => payload,
              (i, m) => (i === target ? m.subarray(0, cut) : m),
            ),
          );
          expect(['ERR_NOISE_MESSAGE', 'ERR_NOISE_DECRYPT']).toContain(failure);
        }
      }
    });
  }

  // Every bit of every handshake message (for XX message 1 is cleartext: the flip is caught by
  // the next authenticated message, which binds it through h).
  for (const name of ['XX', 'IK']) {
    it(`every single-bit flip in every ${name} message is detected`, () => {
      const protocolName = `Noise_${name}_25519_ChaChaPoly_BLAKE2b`;
      const base = pairOptions(protocolName);
      // Fixed ephemerals make every run produce the same messages.
      const keys = {
        initiator: { ...base.initiator, e: randomBytes(32) },
        responder: { ...base.responder, e: randomBytes(32) },
      };
      const total = base.protocol.pattern.messages.length;
      let flips = 0;
      for (let target = 0; target < total; target++) {
        const length = messageLength(keys, target, new Uint8Array(0));
        for (let bit = 0; bit < length * 8; bit++) {
          const init = new HandshakeState(keys.initiator);
          const resp = new HandshakeState(keys.responder);
          const failure = noiseErrorCode(() =>
            runHandshake(init, resp, undefined, (i, m) => {
              if (i !== target) return m;
              const flipped = Uint8Array.from(m);
              flipped[bit >> 3]! ^= 1 << (bit & 7);
              return flipped;
            }),
          );
          expect(['ERR_NOISE_DECRYPT', 'ERR_NOISE_DH']).toContain(failure);
          flips++;
        }
      }
      expect(flips).toBeGreaterThan(100);
    });
  }
});

function messageLength(
  keys: {
    initiator: ConstructorParameters<typeof HandshakeState>[0];
    responder: ConstructorParameters<typeof HandshakeState>[0];
  },
  target: number,
  payload: Uint8Array,
): number {
  const init = new HandshakeState(keys.initiator);
  const resp = new HandshakeState(keys.responder);
  let length = 0;
  runHandshake(
    init,
    resp,
    () => payload,
    (i, m) => {
      if (i === target) length = m.length;
      return m;
    },
  );
  return length;
}

describe('calls out of order are ERR_NOISE_STATE and change nothing', () => {
  it('rejects reading first as initiator and writing first as responder', () => {
    const { init, resp } = makePair(XX);
    expect(() => init.readMessage(new Uint8Array(48))).toThrow(code('ERR_NOISE_STATE'));
    expect(() => resp.writeMessage(new Uint8Array(0))).toThrow(code('ERR_NOISE_STATE'));
    const msg1 = init.writeMessage(new Uint8Array(0));
    expect(() => init.writeMessage(new Uint8Array(0))).toThrow(code('ERR_NOISE_STATE'));
    // Nothing changed: the handshake still completes.
    resp.readMessage(msg1);
    init.readMessage(resp.writeMessage(new Uint8Array(0)));
    resp.readMessage(init.writeMessage(new Uint8Array(0)));
    expect(toHex(init.handshakeHash)).toBe(toHex(resp.handshakeHash));
  });

  it('rejects writeMessage/readMessage after completion, split twice, early split and hash', () => {
    const { init, resp } = makePair(XX);
    expect(() => init.handshakeHash).toThrow(code('ERR_NOISE_STATE'));
    expect(() => init.split()).toThrow(code('ERR_NOISE_STATE'));
    runHandshake(init, resp);
    expect(() => init.writeMessage(new Uint8Array(0))).toThrow(code('ERR_NOISE_STATE'));
    expect(() => resp.writeMessage(new Uint8Array(0))).toThrow(code('ERR_NOISE_STATE'));
    expect(() => resp.readMessage(new Uint8Array(64))).toThrow(code('ERR_NOISE_STATE'));
    init.split();
    expect(() => init.split()).toThrow(code('ERR_NOISE_STATE'));
    expect(() => init.writeMessage(new Uint8Array(0))).toThrow(code('ERR_NOISE_STATE'));
  });

  it('a failed handshake stays failed', () => {
    const { init, resp } = makePair(XX);
    resp.readMessage(init.writeMessage(new Uint8Array(0)));
    const msg2 = resp.writeMessage(new Uint8Array(0));
    msg2[40]! ^= 1;
    expect(() => init.readMessage(msg2)).toThrow(code('ERR_NOISE_DECRYPT'));
    msg2[40]! ^= 1;
    expect(() => init.readMessage(msg2)).toThrow(code('ERR_NOISE_STATE'));
    expect(() => init.writeMessage(new Uint8Array(0))).toThrow(code('ERR_NOISE_STATE'));
  });

  it('forgets a remote static key whose message then failed to authenticate', () => {
    // XX message 2 is e | enc(s) | enc(payload). Flipping the payload tag leaves enc(s)
    // decryptable (its key comes from ee alone) while the tag bound to es fails, so the key was
    // never proven to be the responder's and must not be handed out.
    const { init, resp } = makePair(XX);
    resp.readMessage(init.writeMessage(new Uint8Array(0)));
    const msg2 = resp.writeMessage(new Uint8Array(0));
    msg2[msg2.length - 1]! ^= 1;
    expect(() => init.readMessage(msg2)).toThrow(code('ERR_NOISE_DECRYPT'));
    expect(init.remoteStaticPublicKey).toBeUndefined();
  });

  it('one-way patterns: the second CipherState is discarded (spec §7.4)', () => {
    for (const name of ['N', 'K', 'X', 'Xpsk1']) {
      const { init, resp } = makePair(`Noise_${name}_25519_ChaChaPoly_BLAKE2b`);
      runHandshake(init, resp);
      const [i1, i2] = init.split();
      const [r1, r2] = resp.split();
      const text = new TextEncoder().encode('one way');
      expect(
        toHex(r1.decryptWithAd(new Uint8Array(0), i1.encryptWithAd(new Uint8Array(0), text))),
      ).toBe(toHex(text));
      expect(() => r2.encryptWithAd(new Uint8Array(0), text), name).toThrow(
        code('ERR_NOISE_STATE'),
      );
      expect(() => i2.decryptWithAd(new Uint8Array(0), text), name).toThrow(
        code('ERR_NOISE_STATE'),
      );
    }
  });

  it('refuses a handshake message over 65535 bytes before changing anything', () => {
    const { init, resp } = makePair(XX);
    expect(() => init.writeMessage(new Uint8Array(65535 - 32 + 1))).toThrow(
      code('ERR_NOISE_MESSAGE'),
    );
    const msg1 = init.writeMessage(new Uint8Array(65535 - 32));
    expect(msg1.length).toBe(65535);
    expect(resp.readMessage(msg1).length).toBe(65535 - 32);
  });
});

describe('invalid protocol names and configurations are ERR_NOISE_PROTOCOL', () => {
  const badNames = [
    '',
    'Noise_ZZ_25519_ChaChaPoly_BLAKE2b', // unknown pattern
    'Noise_xx_25519_ChaChaPoly_BLAKE2b',
    'Noise_XX_25518_ChaChaPoly_BLAKE2b', // unknown DH
    'Noise_XX_25519_AES_BLAKE2b', // unknown cipher
    'Noise_XX_25519_ChaChaPoly_MD5', // unknown hash
    'Noise_XX_25519_ChaChaPoly_constructor', // not a table key, whatever the prototype has
    'Noise_XX_25519_ChaChaPoly', // missing part
    'Noise_XX_25519_ChaChaPoly_BLAKE2b_x',
    'Nosie_XX_25519_ChaChaPoly_BLAKE2b',
    'Noise_XXpsk4_25519_ChaChaPoly_BLAKE2b', // XX has 3 messages
    'Noise_NNpsk3_25519_ChaChaPoly_BLAKE2b',
    'Noise_Npsk2_25519_ChaChaPoly_BLAKE2b',
    'Noise_XXpsk0+psk0_25519_ChaChaPoly_BLAKE2b', // repeated
    'Noise_XXpsk01_25519_ChaChaPoly_BLAKE2b',
    'Noise_XXpsk_25519_ChaChaPoly_BLAKE2b',
    'Noise_XXpsk0+_25519_ChaChaPoly_BLAKE2b',
    'Noise_XXfallback_25519_ChaChaPoly_BLAKE2b', // unsupported modifier
    'Noise_XXhfs_25519+Kyber1024_ChaChaPoly_BLAKE2b',
  ];
  for (const name of badNames) {
    it(`rejects "${name}"`, () => {
      expect(() => parseProtocolName(name)).toThrow(code('ERR_NOISE_PROTOCOL'));
      expect(() => new HandshakeState({ protocolName: name, initiator: true })).toThrow(
        code('ERR_NOISE_PROTOCOL'),
      );
    });
  }

  it('accepts psk modifiers at every position and in combination', () => {
    expect(
      parseProtocolName('Noise_XXpsk0+psk3_25519_ChaChaPoly_BLAKE2b').pattern.messages,
    ).toEqual([
      ['psk', 'e'],
      ['e', 'ee', 's', 'es'],
      ['s', 'se', 'psk'],
    ]);
    expect(parseProtocolName('Noise_XXpsk0+psk1+psk2+psk3_448_AESGCM_SHA512').pskCount).toBe(4);
    expect(parseProtocolName('Noise_Npsk1_25519_ChaChaPoly_SHA256').pattern.messages).toEqual([
      ['e', 'es', 'psk'],
    ]);
  });

  const missing: [string, string, Partial<ConstructorParameters<typeof HandshakeState>[0]>][] = [
    ['XX without s', XX, { s: undefined }],
    ['IK initiator without rs', 'Noise_IK_25519_ChaChaPoly_BLAKE2b', { rs: undefined }],
    ['XXpsk3 without psks', 'Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b', { psks: undefined }],
    [
      'XXpsk3 with two psks',
      'Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b',
      { psks: [randomBytes(32), randomBytes(32)] },
    ],
    ['a 31-byte psk', 'Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b', { psks: [randomBytes(31)] }],
    ['a 31-byte s', XX, { s: randomBytes(31) }],
    ['a 448 key for 25519', XX, { s: randomBytes(56) }],
    ['rs for XX', XX, { rs: randomBytes(32) }],
    ['s for NN', 'Noise_NN_25519_ChaChaPoly_BLAKE2b', { s: randomBytes(32) }],
    ['initiator not a boolean', XX, { initiator: 'yes' as unknown as boolean }],
    ['prologue a string', XX, { prologue: 'x' as unknown as Uint8Array }],
  ];
  for (const [what, name, override] of missing) {
    it(`rejects ${what}`, () => {
      const { initiator } = pairOptions(name);
      expect(() => new HandshakeState({ ...initiator, ...override })).toThrow(
        code('ERR_NOISE_PROTOCOL'),
      );
    });
  }

  it('never puts key material in error messages', () => {
    const { initiator } = pairOptions('Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b');
    const secrets = [initiator.s!, initiator.psks![0]!].map(toHex);
    const messages: string[] = [];
    for (const override of [{ psks: [initiator.psks![0]!.subarray(1)] }, { rs: initiator.s }]) {
      try {
        new HandshakeState({ ...initiator, ...override });
      } catch (error) {
        messages.push((error as Error).message);
      }
    }
    expect(messages).toHaveLength(2);
    for (const m of messages) for (const s of secrets) expect(m).not.toContain(s.slice(0, 8));
  });
});

describe('pattern validity rules (spec §7.3, §9.3)', () => {
  it('every pattern of the table is valid, alone and with every psk position', () => {
    for (const [name, pattern] of Object.entries(PATTERNS)) {
      expect(() => validatePattern(pattern)).not.toThrow();
      for (let n = 0; n <= pattern.messages.length; n++) {
        expect(() => parseProtocolName(`Noise_${name}psk${n}_25519_AESGCM_SHA256`)).not.toThrow();
      }
    }
    expect(Object.keys(PATTERNS)).toHaveLength(3 + 12 + 23);
  });

  const invalid: [
    string,
    Partial<HandshakePattern> & { messages: HandshakePattern['messages'] },
  ][] = [
    ['sends e twice', { messages: [['e', 'e']] }],
    [
      'sends s twice (pre-message and message)',
      { initiatorPreMessage: ['s'], messages: [['e', 's']] },
    ],
    ['repeats a DH', { messages: [['e'], ['e', 'ee', 'ee']] }],
    ['uses a key never sent', { messages: [['e', 'es']] }],
    ['responder encrypts after es without ee', { messages: [['e'], ['s', 'es']] }],
    ['initiator encrypts after se without ee', { messages: [['e'], ['e'], ['s', 'se']] }],
    [
      'initiator encrypts after ss without es',
      { messages: [['e'], ['e', 'ee', 's'], ['s', 'ss']] },
    ],
    ['encrypts after psk without e (§9.3)', { messages: [['psk']] }],
  ];
  for (const [why, partial] of invalid) {
    it(`rejects a pattern that ${why}`, () => {
      const pattern: HandshakePattern = {
        name: 'test',
        initiatorPreMessage: [],
        responderPreMessage: [],
        ...partial,
      };
      expect(() => validatePattern(pattern)).toThrow(code('ERR_NOISE_PROTOCOL'));
    });
  }
});
