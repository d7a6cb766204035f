import fs from 'node:fs/promises';
import path from 'node:path';
import { ffprobeJson, runFfmpeg } from './ffmpeg-run.js';

export interface PreviewOptions {
  /** The preview must not be larger than this (bytes). */
  maxBytes: number;
  ffmpegPath?: string;
  ffprobePath?: string;
  timeoutMs?: number;
}

export interface PreviewResult {
  sizeBytes: number;
  width: number;
  height: number;
  videoKbps: number;
}

const AUDIO_KBPS = 64;

/**
 * Encodes a smaller copy of a rendered short for a chat platform's attachment
 * limit (Discord's 10 MiB): same duration and sound, a lower resolution and a
 * bitrate computed from the size budget (two thirds of 1080x1920 when the budget
 * allows, else 540x960), H.264 + AAC with +faststart so it plays while loading.
 * If the result still exceeds the budget (x264 overshoots a little on short clips),
 * it is encoded again at 70 % of the bitrate, at most three times.
 */
export async function encodePreview(input: string, output: string, opts: PreviewOptions): Promise<PreviewResult> {
  const probe = await ffprobeJson(input, ['-show_format'], opts.ffprobePath);
  const duration = Math.max(1, Number(probe.format?.duration ?? 0));
  // 8 % headroom for the container and the encoder's overshoot.
  let videoKbps = Math.floor(((opts.maxBytes * 8 * 0.92) / duration - AUDIO_KBPS * 1000) / 1000);
  await fs.mkdir(path.dirname(output), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    if (videoKbps < 100) throw new Error(`a ${duration.toFixed(1)} s video cannot fit in ${opts.maxBytes} bytes at a watchable bitrate`);
    const [width, height] = videoKbps >= 1500 ? [720, 1280] : [540, 960];
    const tmp = `${output}.tmp.mp4`;
    await runFfmpeg(
      // prettier-ignore
      [
        '-y', '-i', input,
        '-vf', `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`,
        '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', `${videoKbps}k`, '-maxrate', `${videoKbps}k`, '-bufsize', `${videoKbps * 2}k`, '-pix_fmt', 'yuv420p',
        '-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`, '-ac', '2',
        '-movflags', '+faststart', tmp,
      ],
      { ffmpegPath: opts.ffmpegPath, durationSec: duration, timeoutMs: opts.timeoutMs ?? 300_000 },
    );
    const { size } = await fs.stat(tmp);
    if (size <= opts.maxBytes) {
      await fs.rename(tmp, output);
      return { sizeBytes: size, width, height, videoKbps };
    }
    await fs.rm(tmp, { force: true });
    videoKbps = Math.floor(videoKbps * 0.7);
  }
  throw new Error(`could not encode a preview of ${input} under ${opts.maxBytes} bytes`);
}
