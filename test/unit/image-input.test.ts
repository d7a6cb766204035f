// The product image reaches ffmpeg and ffprobe with an explicit demuxer chosen
// from its magic bytes, never a format ffmpeg guesses (a playlist or a script
// saved as product.png is not followed, it is refused). Real ffmpeg renders.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_DEMUXERS, IMAGE_FORMATS, type ImageFormat } from '../../src/domain/image-format.js';
import { FfmpegRenderer, fitSegments, planRender } from '../../src/providers/renderer/ffmpeg.js';
import type { RenderInput } from '../../src/providers/renderer/types.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-input-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);

let audio: string;
const renderer = new FfmpegRenderer({ preset: 'ultrafast' });

beforeAll(() => {
  audio = path.join(tmp, 'speech.wav');
  ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=1.2', '-ac', '1', '-ar', '22050', audio);
});

const input = (over: Partial<RenderInput> & { name: string }): RenderInput => ({
  videoId: `img-${over.name}`,
  language: 'en',
  segments: [{ text: 'Look at this.', audioPath: audio, durationSec: 1.2 }],
  title: 'Test Product',
  brand: 'Brand',
  priceLabel: '$9.99',
  disclosure: 'Ad · As an Amazon Associate we earn from qualifying purchases.',
  videoPath: path.join(tmp, over.name, 'video.mp4'),
  thumbnailPath: path.join(tmp, over.name, 'thumb.png'),
  ...over,
});

/** A real picture of the given format, stored under a misleading name on purpose. */
function picture(format: ImageFormat, file: string): string {
  const out = path.join(tmp, file);
  const codec = {
    png: ['-c:v', 'png', '-f', 'image2'],
    jpeg: ['-c:v', 'mjpeg', '-f', 'image2'],
    webp: ['-c:v', 'libwebp', '-f', 'webp'],
    gif: ['-c:v', 'gif', '-f', 'gif'],
  }[format];
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=320x320:r=1',
    '-frames:v',
    '1',
    '-pix_fmt',
    format === 'gif' ? 'rgb8' : format === 'jpeg' ? 'yuvj420p' : format === 'webp' ? 'yuv420p' : 'rgb24',
    ...codec,
    out,
  );
  return out;
}

describe('planRender', () => {
  const plan = (imageFormat?: ImageFormat, imagePath: string | null = '/media/work/product-image.jpg') =>
    planRender(input({ name: 'plan' }), renderer.options, {
      fit: fitSegments([1.2], 60, renderer.options.gapSec, renderer.options.tailPadSec),
      imagePath: imagePath ?? undefined,
      imageFormat,
      workDir: '/tmp/plan',
      videoOut: '/tmp/plan/v.mp4',
      thumbnailOut: '/tmp/plan/t.png',
      renderKey: 'k',
    });

  it.each(IMAGE_FORMATS.map((f) => [f, IMAGE_DEMUXERS[f]]))('gives ffmpeg the %s image with -f %s right before its -i', (format, demuxer) => {
    const { args } = plan(format as ImageFormat);
    const i = args.indexOf('file:/media/work/product-image.jpg');
    expect(i).toBeGreaterThan(2);
    expect(args.slice(i - 3, i + 1)).toEqual(['-f', demuxer, '-i', 'file:/media/work/product-image.jpg']);
  });

  it('makes the sound track in its own run, which the video run reads back (loudnorm never runs beside the video graph)', () => {
    const p = plan('png');
    const graphOf = (args: string[]) => args[args.indexOf('-filter_complex') + 1];
    expect(graphOf(p.audioArgs)).toMatch(/loudnorm=/);
    expect(p.audioArgs.slice(-3)).toEqual(['-f', 'wav', `file:${p.audioOut}`]);
    expect(graphOf(p.args)).not.toMatch(/loudnorm|\[\d+:a\]/);
    const i = p.args.indexOf(`file:${p.audioOut}`);
    expect(p.args.slice(i - 3, i + 1)).toEqual(['-f', 'wav', '-i', `file:${p.audioOut}`]);
    // The image is input 0, the sound track input 1.
    expect(p.args[p.args.indexOf('[vout]') + 2]).toBe('1:a');
  });

  it('uses png_pipe when no format is given, and no image input at all for the title card', () => {
    const { args } = plan(undefined);
    expect(args.slice(args.indexOf('file:/media/work/product-image.jpg') - 3).slice(0, 2)).toEqual(['-f', 'png_pipe']);
    const card = plan(undefined, null);
    expect(card.background).toBe('product-data');
    expect(card.args.filter((a) => /_pipe$|^gif$/.test(a))).toEqual([]);
  });
});

describe('FfmpegRenderer with a product image', () => {
  it.each(IMAGE_FORMATS)(
    'renders a %s picture stored as product.bin by its bytes',
    async (format) => {
      const file = picture(format, `${format}-product.bin`);
      const out = await renderer.render(input({ name: `ok-${format}`, imagePath: file }));
      // Decoded by ffprobe and ffmpeg through the demuxer its bytes name (a wrong one would fail the render).
      expect(out.warnings).toEqual([]);
      expect(out.sizeBytes).toBeGreaterThan(0);
    },
    60_000,
  );

  it('refuses a playlist saved as product.png (title card, with the reason), never handing it to ffmpeg to guess', async () => {
    const file = path.join(tmp, 'playlist.png');
    fs.writeFileSync(file, '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n');
    const out = await renderer.render(input({ name: 'playlist', imagePath: file }));
    expect(out.warnings).toEqual([
      "product image not used (playlist.png is not a PNG, JPEG, WebP or GIF file): the scenes were generated from the product's data",
    ]);
  }, 60_000);

  it('refuses an SVG (title card)', async () => {
    const file = path.join(tmp, 'vector.png');
    fs.writeFileSync(file, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    const out = await renderer.render(input({ name: 'svg', imagePath: file }));
    expect(out.warnings[0]).toMatch(/vector\.png is not a PNG, JPEG, WebP or GIF file/);
  }, 60_000);

  it('refuses a picture whose bytes disagree with the declared format', async () => {
    const file = picture('jpeg', 'declared-png.png');
    const out = await renderer.render(input({ name: 'mismatch', imagePath: file, imageFormat: 'png' }));
    expect(out.warnings).toEqual([
      "product image not used (declared-png.png was declared png but its bytes are jpeg): the scenes were generated from the product's data",
    ]);
  }, 60_000);

  it('refuses a file with a valid PNG signature that does not decode as PNG', async () => {
    const file = path.join(tmp, 'broken.png');
    fs.writeFileSync(file, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('#EXTM3U\nfile:///etc/passwd\n')]));
    const out = await renderer.render(input({ name: 'broken', imagePath: file }));
    expect(out.warnings[0]).toMatch(/^product image not used \(broken\.png (cannot be decoded|has no picture)/);
  }, 60_000);
});
