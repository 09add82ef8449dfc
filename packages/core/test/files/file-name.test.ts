import { describe, expect, it } from 'vitest';
import { clashName, sanitizeFileName } from '../../src/files/file-name.js';
import { mediaTypeFor } from '../../src/files/media-type.js';

describe('received file names', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\Windows\\system.ini', 'system.ini'],
    ['..', 'file'],
    ['.', 'file'],
    ['', 'file'],
    ['/', 'file'],
    ['.bashrc', 'bashrc'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['com1.tar.gz', '_com1.tar.gz'],
    ['LPT9', '_LPT9'],
    ['console.log', 'console.log'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['zero\u200Bwidth.txt', 'zerowidth.txt'],
    ['bell\u0007\u001b[31m.txt', 'bell[31m.txt'],
    ['a:b*c?.txt', 'a_b_c_.txt'],
    ['trailing. . ', 'trailing'],
    ['  spaced  ', 'spaced'],
  ])('%j becomes %j', (offered, safe) => {
    expect(sanitizeFileName(offered)).toBe(safe);
  });

  it('cuts long names to 200 bytes and keeps the extension', () => {
    const name = sanitizeFileName(`${'é'.repeat(300)}.jpeg`);
    expect(new TextEncoder().encode(name).length).toBeLessThanOrEqual(200);
    expect(name.endsWith('.jpeg')).toBe(true);
  });

  it('numbers clashes before the extension', () => {
    expect(clashName('report.pdf', 0)).toBe('report.pdf');
    expect(clashName('report.pdf', 2)).toBe('report (2).pdf');
    expect(clashName('README', 1)).toBe('README (1)');
  });

  it('offers a media type by extension', () => {
    expect(mediaTypeFor('cat.PNG')).toBe('image/png');
    expect(mediaTypeFor('noext')).toBe('application/octet-stream');
  });
});
