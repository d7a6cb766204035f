// Pure helpers of the TikTok publisher: the chunk plan of a FILE_UPLOAD, the duration of an MP4
// (read from its mvhd box, so publishing needs no ffprobe) and the caption.
import fs from 'node:fs/promises';

// Chunk restrictions, "Media Transfer Guide" (developers.tiktok.com/doc/content-posting-api-media-transfer-guide):
//   total_chunk_count = floor(video_size / chunk_size); each chunk 5 MB..64 MB, except the final one, which
//   takes the trailing bytes and may reach 128 MB; a video under 5 MB goes whole (chunk_size = video_size);
//   a video over 64 MB must be split; 1..1000 chunks; chunks are uploaded sequentially.
// [guess] The guide does not say whether "MB" means 10^6 or 2^20 bytes: each limit takes the stricter
// reading (minimum 5 MiB, maximum 64 * 10^6, final chunk at most 128 * 10^6), valid under both.
export const MIN_CHUNK_BYTES = 5 * 1024 * 1024;
export const MAX_CHUNK_BYTES = 64 * 1000 * 1000;
export const MAX_FINAL_CHUNK_BYTES = 128 * 1000 * 1000;
export const MAX_CHUNKS = 1000;
/** 10 MiB: within the rules, few requests for a short video, and a cheap retry when one chunk fails. */
export const DEFAULT_CHUNK_BYTES = 10 * 1024 * 1024;

export interface ChunkPlan {
  /** source_info.chunk_size */
  chunkSize: number;
  /** source_info.total_chunk_count */
  totalChunkCount: number;
  /** Byte ranges, `end` inclusive as in Content-Range; the last one absorbs the remainder. */
  ranges: { start: number; end: number }[];
}

/** The FILE_UPLOAD chunk plan of a `size`-byte video with chunks of `chunkBytes`, by the documented rules. */
export function planChunks(size: number, chunkBytes: number): ChunkPlan {
  if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`planChunks: the video size must be a positive whole number of bytes, got ${size}`);
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
    throw new RangeError(`planChunks: chunkBytes must be between ${MIN_CHUNK_BYTES} (5 MiB) and ${MAX_CHUNK_BYTES} (64 MB), got ${chunkBytes}`);
  }
  // Under 5 MB the video must go whole; up to chunkBytes (at most 64 MB) one chunk is a valid chunk too.
  if (size <= chunkBytes) return { chunkSize: size, totalChunkCount: 1, ranges: [{ start: 0, end: size - 1 }] };
  const totalChunkCount = Math.floor(size / chunkBytes);
  if (totalChunkCount > MAX_CHUNKS) {
    throw new RangeError(`planChunks: ${size} bytes make ${totalChunkCount} chunks of ${chunkBytes}, over TikTok's ${MAX_CHUNKS}: use larger chunks`);
  }
  const ranges = Array.from({ length: totalChunkCount }, (_, i) => ({
    start: i * chunkBytes,
    end: i === totalChunkCount - 1 ? size - 1 : (i + 1) * chunkBytes - 1,
  }));
  // The remainder is below chunkBytes, so the final chunk is under 2 x 64 MB: within its 128 MB.
  return { chunkSize: chunkBytes, totalChunkCount, ranges };
}

/**
 * The duration of an MP4/MOV file in seconds, from the movie header (moov/mvhd: timescale and
 * duration, ISO/IEC 14496-12 §8.2.2); null when the file is not an ISO media file or has no mvhd.
 */
export async function mp4DurationSec(file: string): Promise<number | null> {
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(16);
    for (let offset = 0; offset + 8 <= size;) {
      const { bytesRead } = await fh.read(head, 0, 16, offset);
      if (bytesRead < 8) return null;
      let boxSize = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      let headerSize = 8;
      if (boxSize === 1) {
        if (bytesRead < 16) return null;
        boxSize = Number(head.readBigUInt64BE(8));
        headerSize = 16;
      } else if (boxSize === 0) {
        boxSize = size - offset;
      }
      if (boxSize < headerSize || !/^[\x20-\x7e]{4}$/.test(type)) return null;
      if (type === 'moov') {
        const length = Math.min(boxSize - headerSize, 64 * 1024 * 1024);
        const moov = Buffer.alloc(length);
        await fh.read(moov, 0, length, offset + headerSize);
        return mvhdDuration(moov);
      }
      offset += boxSize;
    }
    return null;
  } finally {
    await fh.close();
  }
}

function mvhdDuration(moov: Buffer): number | null {
  for (let at = 0; at + 8 <= moov.length;) {
    const size = moov.readUInt32BE(at);
    const type = moov.toString('latin1', at + 4, at + 8);
    if (type === 'mvhd') {
      const version = moov[at + 8];
      // v0: creation(4) modification(4) timescale(4) duration(4); v1: creation(8) modification(8) timescale(4) duration(8).
      const timescale = moov.readUInt32BE(at + (version === 1 ? 28 : 20));
      const duration = version === 1 ? Number(moov.readBigUInt64BE(at + 32)) : moov.readUInt32BE(at + 24);
      return timescale > 0 ? duration / timescale : null;
    }
    if (size < 8) return null;
    at += size;
  }
  return null;
}

// ---------------------------------------------------------------------------
// The caption

/** post_info.title: "The video caption ... max 2200 characters in UTF-16 runes" (Direct Post reference). */
export const MAX_CAPTION_UTF16 = 2200;

const LINK_IN_BIO: Record<string, string> = { en: 'link in bio', es: 'enlace en la bio' };
const URL_RE = /\b(?:https?:\/\/|www\.)\S+/gi;
const HAS_URL = /\b(?:https?:\/\/|www\.)\S+/i;

export interface CaptionInput {
  title: string;
  description: string;
  hashtags: string[];
  language: string;
}

/**
 * The TikTok caption: the title, the description with its links replaced by "link in bio" (a
 * TikTok caption shows no clickable link, so the tracked link lives in the profile), the hashtags the
 * description lacks, and the description's last paragraph (the affiliate disclosure) always kept.
 * Longer than 2200 UTF-16 units, the text before the link line is shortened first.
 */
export function buildCaption(input: CaptionInput): string {
  const linkInBio = LINK_IN_BIO[input.language] ?? LINK_IN_BIO.en;
  let saidLinkInBio = false;
  const lines: string[] = [];
  for (const raw of input.description.split(/\r?\n/)) {
    if (!HAS_URL.test(raw)) {
      lines.push(raw.trimEnd());
      continue;
    }
    const rest = raw.replace(URL_RE, '').replace(/\s+/g, ' ').trim();
    if (!saidLinkInBio) lines.push(rest ? `${rest} ${linkInBio}` : linkInBio);
    else if (rest && !/^[\p{P}\s]*$/u.test(rest)) lines.push(rest);
    saidLinkInBio = true;
  }
  const firstLine = lines.find((l) => l.trim())?.trim();
  const title = input.title.trim();
  if (title && firstLine !== title) lines.unshift(title, '');
  let text = lines.join('\n');
  const missing = input.hashtags.filter((tag) => tag.trim() && !new RegExp(`(^|\\s)${escapeRe(tag.trim())}(?=\\s|$)`, 'i').test(text));
  if (missing.length) text = insertBeforeLastParagraph(text, missing.join(' '));
  text = text.replace(/\n{3,}/g, '\n\n').trim();
  return fitCaption(text, linkInBio);
}

function insertBeforeLastParagraph(text: string, extra: string): string {
  const paragraphs = text.trim().split(/\n\s*\n/);
  if (paragraphs.length < 2) return `${text.trim()}\n\n${extra}`;
  const last = paragraphs.pop()!;
  return [...paragraphs, extra, last].join('\n\n');
}

/** Keeps the caption within 2200 UTF-16 units: shortens the head (before the link line), never the disclosure. */
function fitCaption(text: string, linkInBio: string): string {
  if (text.length <= MAX_CAPTION_UTF16) return text;
  const paragraphs = text.split(/\n\s*\n/);
  const last = paragraphs.pop() ?? '';
  const body = paragraphs.join('\n\n');
  const linkAt = body.indexOf(linkInBio);
  const cutAt = linkAt >= 0 ? body.lastIndexOf('\n', linkAt) : -1;
  const head = cutAt > 0 ? body.slice(0, cutAt) : body;
  const tail = cutAt > 0 ? body.slice(cutAt) : '';
  const room = MAX_CAPTION_UTF16 - tail.length - last.length - 2;
  if (room >= 20) return `${truncateUtf16(head, room)}${tail}\n\n${last}`;
  // The tail alone is too long (hundreds of hashtags): cut everything but the disclosure.
  return `${truncateUtf16(body, MAX_CAPTION_UTF16 - last.length - 2)}\n\n${last}`.slice(0, MAX_CAPTION_UTF16);
}

/** At most `max` UTF-16 units, ending in '…' when cut, never splitting a surrogate pair. */
export function truncateUtf16(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out.trimEnd()}…`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
