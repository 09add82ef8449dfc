/**
 * The media type a sender offers for a file, from its extension. Pure; only a hint for the
 * receiver's interface (the receiver never executes or opens anything because of it).
 * @module
 */

/** What an unknown extension is offered as. */
export const DEFAULT_MEDIA_TYPE = 'application/octet-stream';

const BY_EXTENSION: Readonly<Record<string, string>> = Object.freeze({
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  json: 'application/json',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
});

/**
 * The media type for a file name, by its extension.
 * @example mediaTypeFor('cat.PNG') // => 'image/png'
 */
export function mediaTypeFor(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return DEFAULT_MEDIA_TYPE;
  return BY_EXTENSION[name.slice(dot + 1).toLowerCase()] ?? DEFAULT_MEDIA_TYPE;
}
