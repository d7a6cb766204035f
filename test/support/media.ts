import { execFileSync } from 'node:child_process';

export interface Probe {
  width: number;
  height: number;
  fps: number;
  videoCodec: string;
  audioCodec: string | undefined;
  durationSec: number;
}

/** ffprobe, the real one: what a platform would see when it ingests the file. */
export function ffprobe(file: string): Probe {
  const out = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]).toString());
  const v = out.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
  const a = out.streams.find((s: { codec_type: string }) => s.codec_type === 'audio');
  const [num, den] = String(v.r_frame_rate).split('/').map(Number);
  return {
    width: v.width,
    height: v.height,
    fps: num / (den || 1),
    videoCodec: v.codec_name,
    audioCodec: a?.codec_name,
    durationSec: Number(out.format.duration),
  };
}
