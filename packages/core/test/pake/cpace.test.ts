// CPace (draft-irtf-cfrg-cpace) against the draft's published test vectors for ristretto255 and
// SHA-512 (Appendix "Test vector for CPace using group ristretto255 and hash SHA-512", copied
// from the draft's source, cfrg/draft-irtf-cfrg-cpace at 8fb4056e1b92, April 2026).
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/crypto/index.js';
import {
  CPACE_DSI,
  calculateGenerator,
  cpaceIsk,
  cpaceShare,
  generatorString,
  PakeError,
  prependLen,
  reduceScalar,
  scalarMultVfy,
  transcriptIr,
} from '../../src/pake/index.js';

const hex = (s: string) => fromHex(s.replace(/\s+/g, ''));
const ascii = (s: string) => new TextEncoder().encode(s);

const PRS = ascii('Password');
const CI = hex('0b415f696e69746961746f720b425f726573706f6e646572');
const SID = hex('7e4b4791d6a8ef019b936c79fb7f2c57');
const ADA = ascii('ADa');
const ADB = ascii('ADb');
const YA_SCALAR = hex('da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08');
const YB_SCALAR = hex('d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d');

describe('CPace ristretto255/SHA-512 test vectors (draft-irtf-cfrg-cpace)', () => {
  it('builds the generator string and the generator g', () => {
    const gs = generatorString(CPACE_DSI, PRS, CI, SID);
    expect(gs.length).toBe(170);
    expect(toHex(gs)).toBe(
      '11435061636552697374726574746f3235350850617373776f726464' +
        '00'.repeat(100) +
        '180b415f696e69746961746f720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f2c57',
    );
    expect(toHex(calculateGenerator(PRS, CI, SID))).toBe(
      '222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56',
    );
  });

  it('computes Ya, Yb, K and both ISKs', () => {
    const a = cpaceShare(PRS, CI, SID, reduceScalar(YA_SCALAR));
    const b = cpaceShare(PRS, CI, SID, reduceScalar(YB_SCALAR));
    expect(toHex(a.share)).toBe('d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157');
    expect(toHex(b.share)).toBe('3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258');
    const k = '80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f';
    expect(toHex(scalarMultVfy(a.scalar, b.share))).toBe(k);
    expect(toHex(scalarMultVfy(b.scalar, a.share))).toBe(k);
    expect(toHex(transcriptIr(a.share, ADA, b.share, ADB))).toBe(
      '20d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b915703414461' +
        '203ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f725803414462',
    );
    const isk =
      'b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dcae7b35cd' +
      '2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c3fa2068af7900447';
    expect(toHex(cpaceIsk(a, b.share, 'initiator', SID, ADA, ADB))).toBe(isk);
    expect(toHex(cpaceIsk(b, a.share, 'responder', SID, ADB, ADA))).toBe(isk);
  });

  it('runs scalar_mult_vfy on the valid input and refuses both invalid ones', () => {
    const s = reduceScalar(hex('7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88cf538a05'));
    expect(
      toHex(
        scalarMultVfy(s, hex('2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c')),
      ),
    ).toBe('7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e7f6b600e');
    const invalid = hex('2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c');
    expect(() => scalarMultVfy(s, invalid)).toThrow(PakeError);
    expect(() => scalarMultVfy(s, new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: 'ERR_PAKE_FAILED' }),
    );
  });

  it('encodes lengths as LEB128', () => {
    expect(toHex(prependLen(new Uint8Array(0)))).toBe('00');
    expect(toHex(prependLen(new Uint8Array(127))).slice(0, 2)).toBe('7f');
    expect(toHex(prependLen(new Uint8Array(128))).slice(0, 4)).toBe('8001');
    expect(toHex(prependLen(new Uint8Array(300))).slice(0, 4)).toBe('ac02');
  });
});

describe('CPace between two parties', () => {
  it('agrees on the key with the same password and not with different ones', () => {
    const ci = ascii('ci');
    const sid = ascii('sid');
    const a = cpaceShare(ascii('7-purple-sausage'), ci, sid);
    const b = cpaceShare(ascii('7-purple-sausage'), ci, sid);
    const c = cpaceShare(ascii('7-purple-sausages'), ci, sid);
    expect(toHex(cpaceIsk(a, b.share, 'initiator', sid))).toBe(
      toHex(cpaceIsk(b, a.share, 'responder', sid)),
    );
    expect(toHex(cpaceIsk(a, c.share, 'initiator', sid))).not.toBe(
      toHex(cpaceIsk(c, a.share, 'responder', sid)),
    );
  });
});
