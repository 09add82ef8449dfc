import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { keepSessionToken, sessionTokenOf, takeToken } from '../src/renderer/client.js';
import { qrPath } from '../src/renderer/views/qr-code.js';

/** A tab's location, sessionStorage and history, as far as takeToken uses them. */
function tab(hash: string) {
  const stored = new Map<string, string>();
  const location = { hash, pathname: '/' } as Location;
  const replaced: string[] = [];
  const storage = {
    getItem: (key: string) => stored.get(key) ?? null,
    setItem: (key: string, value: string) => {
      stored.set(key, value);
    },
  } as unknown as Storage;
  const history = {
    replaceState: (_data: unknown, _title: string, url: string) => {
      replaced.push(url);
      location.hash = '';
    },
  } as unknown as History;
  return { location, storage, history, replaced };
}

describe('the access token in the browser', () => {
  it('takes the token from the fragment, keeps it for the tab and clears the address bar', () => {
    const t = tab('#token=abc_DEF-123');
    expect(takeToken(t.location, t.storage, t.history)).toBe('abc_DEF-123');
    expect(t.replaced).toEqual(['/']);
    // A reload (the fragment is gone) still finds it.
    expect(takeToken(t.location, t.storage, t.history)).toBe('abc_DEF-123');
  });

  it('has no token when opened without one, and ignores malformed fragments', () => {
    expect(takeToken(tab('').location, tab('').storage, tab('').history)).toBeNull();
    const t = tab('#token=<script>');
    expect(takeToken(t.location, t.storage, t.history)).toBeNull();
  });
});

describe('the session token that replaces the one-time token', () => {
  it('is stored in place of the printed token, so a reload uses it', () => {
    const t = tab('#token=printed_once');
    expect(takeToken(t.location, t.storage, t.history)).toBe('printed_once');
    keepSessionToken(t.storage, 'session_of_this_tab');
    expect(takeToken(t.location, t.storage, t.history)).toBe('session_of_this_tab');
  });

  it('is recognised only in a well-formed grant', () => {
    expect(sessionTokenOf({ event: 'session', token: 'abc_DEF-1' })).toBe('abc_DEF-1');
    expect(sessionTokenOf({ event: 'session', token: 'a b' })).toBeNull();
    expect(sessionTokenOf({ event: 'session', token: 7 })).toBeNull();
    expect(sessionTokenOf({ event: 'message', token: 'abc' })).toBeNull();
    expect(sessionTokenOf(null)).toBeNull();
    expect(sessionTokenOf('session')).toBeNull();
  });
});

describe('the QR code of the invite', () => {
  it('draws one square per dark module inside a 4-module quiet zone', () => {
    const text = 'cryptully://join/AQCFeQAAAABrCVAKaM5IOaGvo4GA5';
    const { size, path } = qrPath(text);
    const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
    expect(size).toBe(modules.size + 8);
    const dark = Array.from(modules.data).filter(Boolean).length;
    expect(path.match(/M/g)).toHaveLength(dark);
    expect(path.startsWith('M4 4h1v1h-1z')).toBe(true); // the finder pattern's corner
  });
});
