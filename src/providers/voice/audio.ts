// What every voice adapter shares: text clean-up, bounded concurrency, WAV headers
// (read for durations, written around raw PCM).
import fs from 'node:fs/promises';

/** One line of plain text: engines read line by line, and control characters are not speech. */
export function normalizeText(text: string): string {
  return (
    text
      // Control characters are exactly what this removes.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** Runs fn over items with at most `limit` in flight; rejects with the first error once running tasks have settled. */
export async function mapLimit<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { err: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failed.err;
}

export interface WavInfo {
  /** 1 = PCM, 3 = IEEE float, 0xFFFE = extensible. */
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  byteRate: number;
  blockAlign: number;
  dataOffset: number;
  dataBytes: number;
  durationSec: number;
}

/**
 * Reads a RIFF/WAVE header: walks the chunks to `fmt ` and `data`. A data size
 * that is missing or larger than the file (a streamed header) is taken from the
 * file size instead.
 */
export async function readWavInfo(file: string): Promise<WavInfo> {
  const fh = await fs.open(file, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const read = async (pos: number, len: number) => {
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      return buf.subarray(0, bytesRead);
    };
    const head = await read(0, 12);
    if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
      throw new Error(`${file} is not a RIFF/WAVE file`);
    }
    let pos = 12;
    let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'durationSec'> | undefined;
    while (pos + 8 <= fileSize) {
      const h = await read(pos, 8);
      if (h.length < 8) break;
      const id = h.toString('latin1', 0, 4);
      const size = h.readUInt32LE(4);
      const body = pos + 8;
      if (id === 'fmt ') {
        const f = await read(body, Math.min(size, 40));
        if (f.length < 16) throw new Error(`${file}: the fmt chunk is truncated`);
        fmt = {
          audioFormat: f.readUInt16LE(0),
          channels: f.readUInt16LE(2),
          sampleRate: f.readUInt32LE(4),
          byteRate: f.readUInt32LE(8),
          blockAlign: f.readUInt16LE(12),
          bitsPerSample: f.readUInt16LE(14),
        };
      } else if (id === 'data') {
        if (!fmt) throw new Error(`${file}: the data chunk comes before the fmt chunk`);
        const available = fileSize - body;
        const dataBytes = size === 0 || size === 0xffffffff || size > available ? available : size;
        const byteRate = fmt.byteRate || fmt.sampleRate * fmt.blockAlign || (fmt.sampleRate * fmt.channels * fmt.bitsPerSample) / 8;
        if (!byteRate) throw new Error(`${file}: the fmt chunk has no sample rate`);
        const usable = fmt.blockAlign ? dataBytes - (dataBytes % fmt.blockAlign) : dataBytes;
        return { ...fmt, dataOffset: body, dataBytes: usable, durationSec: usable / byteRate };
      }
      pos = body + size + (size % 2);
    }
    throw new Error(`${file}: no data chunk`);
  } finally {
    await fh.close();
  }
}

/** The duration of a WAV file in seconds, from its header (no decoding). */
export async function wavDurationSec(file: string): Promise<number> {
  return (await readWavInfo(file)).durationSec;
}

/** A RIFF/WAVE file around raw 16-bit little-endian PCM (what OpenAI's `pcm` format gives: 24 kHz mono). */
export function pcm16ToWav(pcm: Buffer, sampleRate: number, channels = 1): Buffer {
  const bytes = pcm.length - (pcm.length % (2 * channels));
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + bytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(bytes, 40);
  return Buffer.concat([h, pcm.subarray(0, bytes)]);
}
