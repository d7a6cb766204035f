// ffprobe-based checks: whether a product image can be used (checkImage) and what a rendered video holds (probeVideo, moovBeforeMdat).
import fs from 'node:fs/promises';
import path from 'node:path';
import { ffprobeJson, parseRate } from './ffmpeg-run.js';
import { detectImageFormat, IMAGE_DEMUXERS, IMAGE_MAGIC_BYTES, type ImageFormat } from '../../domain/image-format.js';

/**
 * The image's format when it can be used: its magic bytes say PNG, JPEG, WebP or
 * GIF (and agree with the declared format, if any), and ffprobe, told that
 * demuxer explicitly, decodes a picture. Otherwise why not.
 */
export async function checkImage(
  imagePath: string,
  declared: ImageFormat | undefined,
  ffprobePath: string,
): Promise<{ format: ImageFormat; width: number; height: number } | { problem: string }> {
  const name = path.basename(imagePath);
  let head: Buffer;
  try {
    const fh = await fs.open(imagePath, 'r');
    try {
      const { buffer, bytesRead } = await fh.read(Buffer.alloc(IMAGE_MAGIC_BYTES), 0, IMAGE_MAGIC_BYTES, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    return { problem: (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${imagePath} does not exist` : `${name} cannot be read: ${(err as Error).message}` };
  }
  const format = detectImageFormat(head);
  if (!format) return { problem: `${name} is not a PNG, JPEG, WebP or GIF file` };
  if (declared && declared !== format) return { problem: `${name} was declared ${declared} but its bytes are ${format}` };
  try {
    const out = await ffprobeJson(imagePath, ['-f', IMAGE_DEMUXERS[format], '-show_streams', '-select_streams', 'v:0'], ffprobePath);
    const s = out.streams?.[0];
    if (!s || !s.width || !s.height) return { problem: `${name} has no picture` };
    return { format, width: s.width, height: s.height };
  } catch (err) {
    return { problem: `${name} cannot be decoded: ${(err as Error).message.split('\n').slice(-1)[0]}` };
  }
}

export interface VideoProbe {
  width: number;
  height: number;
  fps: number;
  videoCodec: string | undefined;
  audioCodec: string | undefined;
  pixelFormat: string | undefined;
  durationSec: number;
  sizeBytes: number;
  /** The moov atom comes before mdat (`-movflags +faststart`): playback starts before the download ends. */
  hasFaststart: boolean | undefined;
  comment: string | undefined;
}

/** ffprobe's view of a video file, plus a walk of the top-level MP4 boxes for faststart. */
export async function probeVideo(file: string, ffprobePath = 'ffprobe'): Promise<VideoProbe> {
  const [out, stat, faststart] = await Promise.all([ffprobeJson(file, ['-show_format', '-show_streams'], ffprobePath), fs.stat(file), moovBeforeMdat(file)]);
  const v = out.streams?.find((s) => s.codec_type === 'video');
  const a = out.streams?.find((s) => s.codec_type === 'audio');
  const tags = out.format?.tags ?? {};
  return {
    width: v?.width ?? 0,
    height: v?.height ?? 0,
    fps: Math.round(parseRate(v?.avg_frame_rate || v?.r_frame_rate) * 1000) / 1000,
    videoCodec: v?.codec_name,
    audioCodec: a?.codec_name,
    pixelFormat: v?.pix_fmt,
    durationSec: Number(out.format?.duration ?? v?.duration ?? 0),
    sizeBytes: stat.size,
    hasFaststart: faststart,
    comment: tags.comment ?? tags.COMMENT,
  };
}

/** Walks the top-level ISO-BMFF boxes: true when moov precedes mdat, undefined when not an MP4. */
export async function moovBeforeMdat(file: string): Promise<boolean | undefined> {
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(16);
    let pos = 0;
    for (let n = 0; n < 1000 && pos + 8 <= size; n++) {
      const { bytesRead } = await fh.read(head, 0, 16, pos);
      if (bytesRead < 8) break;
      let boxSize = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (type === 'moov') return true;
      if (type === 'mdat') return false;
      if (boxSize === 1) {
        if (bytesRead < 16) break;
        boxSize = Number(head.readBigUInt64BE(8));
      } else if (boxSize === 0) {
        break;
      }
      if (boxSize < 8) break;
      pos += boxSize;
    }
    return undefined;
  } finally {
    await fh.close();
  }
}
