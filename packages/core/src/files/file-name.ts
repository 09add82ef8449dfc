/**
 * Receiving side: what a file offered by a peer may be called on our disk. Pure.
 * A hostile sender can propose any name: path separators, `..`, Windows device names,
 * control characters, bidi overrides that make `exe.txt` read as `txt.exe`. None survives.
 * @module
 */

/** The name used when nothing of the offered name is left. */
export const FALLBACK_FILE_NAME = 'file';
/** The longest name kept, in UTF-8 bytes (most file systems allow 255). */
export const MAX_FILE_NAME_BYTES = 200;

/** Reserved device names on Windows, with or without an extension (`NUL.txt` too). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])$/i;
/** C0, DEL, C1 controls; format characters (bidi overrides, zero-width, BOM); line/para separators. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/gu;
/** Characters Windows forbids in names (the separators among them). */
const FORBIDDEN = /[<>:"/\\|?*]/g;

const utf8 = new TextEncoder();

function cutToBytes(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const point of text) {
    const size = utf8.encode(point).length;
    if (bytes + size > maxBytes) break;
    out += point;
    bytes += size;
  }
  return out;
}

/**
 * Makes an offered name safe to create in a downloads folder: the last path component only,
 * no control, format or bidi characters, no characters Windows forbids, no leading or
 * trailing dots and spaces (so never `.`, `..` or a hidden file), no Windows device name, at
 * most {@link MAX_FILE_NAME_BYTES} bytes with the extension kept.
 * @example sanitizeFileName('../../etc/passwd') // => 'passwd'
 * @example sanitizeFileName('CON.txt') // => '_CON.txt'
 */
export function sanitizeFileName(offered: string): string {
  const parts = offered.normalize('NFC').split(/[/\\]/);
  let name = parts[parts.length - 1] ?? '';
  name = name.replace(INVISIBLE, '').replace(FORBIDDEN, '_');
  name = name.replace(/^[\s.]+/u, '').replace(/[\s.]+$/u, '');
  if (name.length === 0) return FALLBACK_FILE_NAME;
  const dot = name.indexOf('.');
  const stem = dot < 0 ? name : name.slice(0, dot);
  if (WINDOWS_DEVICE.test(stem.trimEnd())) name = `_${name}`;
  if (utf8.encode(name).length > MAX_FILE_NAME_BYTES) {
    const { base, ext } = splitExtension(name);
    const keptExt = utf8.encode(ext).length <= 32 ? ext : '';
    name = cutToBytes(base, MAX_FILE_NAME_BYTES - utf8.encode(keptExt).length) + keptExt;
  }
  return name;
}

/** `photo.tar.gz` → `{ base: 'photo.tar', ext: '.gz' }`; no extension → `ext: ''`. */
export function splitExtension(name: string): { base: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { base: name, ext: '' };
  return { base: name.slice(0, dot), ext: name.slice(dot) };
}

/**
 * The name to try for the `attempt`-th clash: `report.pdf`, `report (1).pdf`, `report (2).pdf`…
 * @example clashName('report.pdf', 2) // => 'report (2).pdf'
 */
export function clashName(name: string, attempt: number): string {
  if (attempt === 0) return name;
  const { base, ext } = splitExtension(name);
  return `${base} (${attempt})${ext}`;
}
