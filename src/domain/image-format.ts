/**
 * Which picture formats a product image may have, recognised by their first
 * bytes (never by a file name, a URL or a Content-Type header), and the ffmpeg
 * demuxer that reads each one. ffmpeg and ffprobe are always told the demuxer
 * explicitly, so a hostile file can never make them guess a format (an HLS
 * playlist, a concat script, an SVG …) and follow what is inside it.
 * Pure: no I/O.
 */

export const IMAGE_FORMATS = ['png', 'jpeg', 'webp', 'gif'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** The ffmpeg demuxer for each format (`ffmpeg -demuxers`). */
export const IMAGE_DEMUXERS: Readonly<Record<ImageFormat, string>> = Object.freeze({
  png: 'png_pipe',
  jpeg: 'jpeg_pipe',
  webp: 'webp_pipe',
  gif: 'gif',
});

/** The file extension we store each format under. */
export const IMAGE_EXTENSIONS: Readonly<Record<ImageFormat, string>> = Object.freeze({
  png: '.png',
  jpeg: '.jpg',
  webp: '.webp',
  gif: '.gif',
});

/** How many leading bytes detectImageFormat needs at most. */
export const IMAGE_MAGIC_BYTES = 12;

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ascii = (bytes: Uint8Array, at: number, text: string) =>
  bytes.length >= at + text.length && [...text].every((ch, i) => bytes[at + i] === ch.charCodeAt(0));

/**
 * PNG, JPEG, WebP or GIF from the magic bytes; anything else (SVG, HTML, text,
 * video, an empty body) is undefined.
 */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= PNG.length && PNG.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'webp';
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return 'gif';
  return undefined;
}
