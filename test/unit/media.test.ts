// The media pipeline for real: espeak-ng speech, one-pass ffmpeg renders
// checked with ffprobe and pixel reads, the local media storage and the
// /media route (ranges, conditional requests, errors).
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaRoutes, parseRange } from '../../src/api/routes/media.js';
import {
  FfmpegRenderer,
  RenderTooLongError,
  escapeAssText,
  escapeFilterValue,
  fitSegments,
  probeVideo,
  type FfmpegRenderOutput,
} from '../../src/providers/renderer/ffmpeg.js';
import { LOUDNESS } from '../../src/providers/renderer/ffmpeg.js';
import { FfmpegError, MediaToolMissingError } from '../../src/providers/renderer/ffmpeg-run.js';
import type { RenderInput } from '../../src/providers/renderer/types.js';
import { InvalidMediaKeyError, LocalMediaStorage, assertValidMediaKey } from '../../src/providers/storage/local.js';
import { EspeakVoice, readWavInfo, wavDurationSec } from '../../src/providers/voice/espeak.js';
import type { VoiceSegment } from '../../src/providers/voice/types.js';

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'media-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const EN = [
  'Tired of lukewarm coffee by nine in the morning?',
  'This smart mug keeps your drink hot for up to eighty minutes.',
  'Set the exact temperature you like from your phone.',
  'Tap the link below to check the price today.',
  'As an Amazon Associate we earn from qualifying purchases.',
];
const ES = [
  '¿Cansado del café tibio?',
  'Esta taza mantiene tu bebida caliente durante ochenta minutos.',
  'Como afiliado de Amazon, ganamos con las compras que califican.',
];
const DISCLOSURE = 'Ad · As an Amazon Associate we earn from qualifying purchases.';

/** Raw 8-bit gray pixels of a region of the frame shown at `t` seconds. */
async function grayRegion(video: string, t: number, crop: { w: number; h: number; x: number; y: number }): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-ss',
      t.toFixed(3),
      '-i',
      video,
      '-frames:v',
      '1',
      '-vf',
      `crop=${crop.w}:${crop.h}:${crop.x}:${crop.y},format=gray`,
      '-f',
      'rawvideo',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  expect(stdout.length).toBe(crop.w * crop.h);
  return stdout;
}

const countAtLeast = (a: Buffer, v: number) => a.reduce((n, p) => n + (p >= v ? 1 : 0), 0);

/** Offsets of the first `moov` and `mdat` in the file's bytes. */
function atomOffsets(file: string) {
  const buf = fs.readFileSync(file);
  return { moov: buf.indexOf('moov'), mdat: buf.indexOf('mdat') };
}

async function pngSize(file: string) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', file]);
  return JSON.parse(stdout).streams[0] as { codec_name: string; width: number; height: number };
}

describe('wavDurationSec', () => {
  function wav(opts: { rate: number; samples: number; listChunk?: boolean; streamedSize?: boolean }): string {
    const data = Buffer.alloc(opts.samples * 2);
    const fmt = Buffer.alloc(24);
    fmt.write('fmt ', 0, 'latin1');
    fmt.writeUInt32LE(16, 4);
    fmt.writeUInt16LE(1, 8);
    fmt.writeUInt16LE(1, 10);
    fmt.writeUInt32LE(opts.rate, 12);
    fmt.writeUInt32LE(opts.rate * 2, 16);
    fmt.writeUInt16LE(2, 20);
    fmt.writeUInt16LE(16, 22);
    const list = opts.listChunk ? Buffer.concat([Buffer.from('LIST', 'latin1'), Buffer.from([5, 0, 0, 0]), Buffer.from('INFOx\0', 'latin1')]) : Buffer.alloc(0);
    const dataHead = Buffer.alloc(8);
    dataHead.write('data', 0, 'latin1');
    dataHead.writeUInt32LE(opts.streamedSize ? 0xffffffff : data.length, 4);
    const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), fmt, list, dataHead, data]);
    const riff = Buffer.alloc(8);
    riff.write('RIFF', 0, 'latin1');
    riff.writeUInt32LE(body.length, 4);
    const file = path.join(tmp, `w-${opts.rate}-${opts.samples}-${opts.listChunk}-${opts.streamedSize}.wav`);
    fs.writeFileSync(file, Buffer.concat([riff, body]));
    return file;
  }

  it('reads the duration from the fmt and data chunks', async () => {
    expect(await wavDurationSec(wav({ rate: 22050, samples: 44100 }))).toBeCloseTo(2, 9);
  });

  it('skips other chunks (an odd-sized LIST) before the data', async () => {
    expect(await wavDurationSec(wav({ rate: 16000, samples: 8000, listChunk: true }))).toBeCloseTo(0.5, 9);
  });

  it('takes the size from the file when the header has a streamed (unknown) data size', async () => {
    expect(await wavDurationSec(wav({ rate: 8000, samples: 12000, streamedSize: true }))).toBeCloseTo(1.5, 9);
  });

  it('rejects a file that is not a WAV', async () => {
    const f = path.join(tmp, 'not.wav');
    fs.writeFileSync(f, 'hello, I am text and not audio');
    await expect(wavDurationSec(f)).rejects.toThrow(/not a RIFF\/WAVE file/);
  });
});

describe('EspeakVoice', () => {
  const voice = new EspeakVoice();

  it('speaks English sentences into one WAV each with plausible durations (matching ffprobe)', async () => {
    const dir = path.join(tmp, 'voice-en');
    const segs = await voice.synthesize(EN, 'en', dir);
    expect(segs.map((s) => s.text)).toEqual(EN);
    for (const s of segs) {
      const words = s.text.split(/\s+/).length;
      // Between 75 and 300 words per minute.
      expect(s.durationSec).toBeGreaterThan(words / 5);
      expect(s.durationSec).toBeLessThan(words / 1.25 + 1);
      const info = await readWavInfo(s.audioPath);
      expect(info.audioFormat).toBe(1);
      expect(info.channels).toBe(1);
      const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=duration', '-of', 'csv=p=0', s.audioPath]);
      expect(Math.abs(Number(stdout.trim()) - s.durationSec)).toBeLessThan(0.002);
    }
    expect(new Set(segs.map((s) => s.audioPath)).size).toBe(EN.length);
  });

  it('speaks Spanish (accents and inverted marks) with the Spanish voice', async () => {
    const segs = await voice.synthesize(ES, 'es', path.join(tmp, 'voice-es'));
    expect(segs).toHaveLength(3);
    for (const s of segs) {
      expect(s.durationSec).toBeGreaterThan(0.5);
      expect(s.durationSec).toBeLessThan(12);
    }
    // Named by language, and hashed with the voice: never mixed up with an English take of the same text.
    expect(path.basename(segs[0].audioPath)).toMatch(/^sentence-es-000-[0-9a-f]{12}\.wav$/);
    expect(voice.fileName(0, ES[0], 'en')).not.toBe(path.basename(segs[0].audioPath));
  });

  it('reuses the WAVs of a second call (same files, untouched) and re-speaks only a changed sentence', async () => {
    const dir = path.join(tmp, 'voice-reuse');
    const first = await voice.synthesize(EN.slice(0, 3), 'en', dir);
    const mtimes = first.map((s) => fs.statSync(s.audioPath).mtimeMs);
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    const second = await voice.synthesize(EN.slice(0, 3), 'en', dir);
    const reuseMs = performance.now() - t0;
    expect(second).toEqual(first);
    expect(second.map((s) => fs.statSync(s.audioPath).mtimeMs)).toEqual(mtimes);
    expect(reuseMs).toBeLessThan(200);

    const changed = await voice.synthesize([EN[0], 'A different second sentence.', EN[2]], 'en', dir);
    expect(changed[0].audioPath).toBe(first[0].audioPath);
    expect(changed[1].audioPath).not.toBe(first[1].audioPath);
    expect(fs.existsSync(first[1].audioPath)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.wav'))).toHaveLength(3);
  });

  it('refuses an empty sentence', async () => {
    await expect(voice.synthesize(['Fine.', '   '], 'en', path.join(tmp, 'voice-empty'))).rejects.toThrow(/sentence 2 of 2 is empty/);
  });

  it('says how to install espeak-ng when it is missing', async () => {
    const missing = new EspeakVoice({ binary: '/nonexistent/espeak-ng' });
    await expect(missing.synthesize(['Hello.'], 'en', path.join(tmp, 'voice-missing'))).rejects.toThrow(
      'espeak-ng is not installed: run npm run setup or apt-get install espeak-ng',
    );
  });
});

describe('FfmpegRenderer', () => {
  const renderer = new FfmpegRenderer();
  let segments: VoiceSegment[];
  let productPng: string;

  const input = (over: Partial<RenderInput> & Pick<RenderInput, 'videoPath' | 'thumbnailPath'>): RenderInput => ({
    videoId: 'v-test',
    language: 'en',
    segments,
    title: 'Ember Temperature Control Smart Mug 2, 10 oz, App-Controlled Heated Coffee Mug',
    brand: 'Ember',
    priceLabel: '$129.95',
    disclosure: DISCLOSURE,
    ...over,
  });
  const speechSec = () => segments.reduce((s, x) => s + x.durationSec, 0);

  beforeAll(async () => {
    segments = await new EspeakVoice().synthesize(EN, 'en', path.join(tmp, 'render-voice'));
    productPng = path.join(tmp, 'product.png');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=800x800:r=1', '-frames:v', '1', productPng]);
  }, 60_000);

  async function expectValidShort(out: FfmpegRenderOutput) {
    const p = await probeVideo(out.videoPath);
    expect(p).toMatchObject({ width: 1080, height: 1920, fps: 30, videoCodec: 'h264', audioCodec: 'aac', pixelFormat: 'yuv420p', hasFaststart: true });
    const expected = speechSec() + 0.15 * (segments.length - 1) + 0.5;
    expect(Math.abs(p.durationSec - expected)).toBeLessThan(1);
    expect(p.durationSec).toBeLessThanOrEqual(60);
    expect(Math.abs(out.durationSec - p.durationSec)).toBeLessThan(0.1);
    expect(out.sizeBytes).toBe(fs.statSync(out.videoPath).size);
    // faststart, checked on the raw bytes: the moov atom comes before mdat.
    const { moov, mdat } = atomOffsets(out.videoPath);
    expect(moov).toBeGreaterThan(0);
    expect(moov).toBeLessThan(mdat);
    expect(await pngSize(out.thumbnailPath)).toEqual({ codec_name: 'png', width: 1080, height: 1920 });
    // No temporary files are left next to the outputs.
    expect(fs.readdirSync(path.dirname(out.videoPath)).filter((f) => f.includes('.partial-'))).toEqual([]);
    return p;
  }

  let imageRender: FfmpegRenderOutput;
  let imageRenderMs: number;

  it('renders a 1080x1920 30 fps H.264/AAC short with faststart and a PNG thumbnail from the product image', async () => {
    const dir = path.join(tmp, 'render-image');
    const progress: number[] = [];
    const t0 = performance.now();
    imageRender = await renderer.render(
      input({ imagePath: productPng, videoPath: path.join(dir, 'video.mp4'), thumbnailPath: path.join(dir, 'thumb.png'), onProgress: (f) => progress.push(f) }),
    );
    imageRenderMs = performance.now() - t0;
    expect(imageRender.reused).toBe(false);
    expect(imageRender.droppedSentences).toBe(0);
    expect(imageRender.warnings).toEqual([]);
    await expectValidShort(imageRender);
    // Progress: increasing fractions, ending at 1.
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    // The sound-track run reports too (the first 5 %, ending at 0.05): the render activity heartbeats
    // on progress, so a run without reports longer than the heartbeat timeout would fail the activity.
    expect(progress).toContain(0.05);
    // Speed is measured by bench/render.ts (a number, not a pass/fail): a timed assertion here
    // would only measure how busy the machine is.
    void imageRenderMs;
  });

  it('renders scenes drawn from the product data when there is no image', async () => {
    const dir = path.join(tmp, 'render-card');
    const out = await renderer.render(input({ videoPath: path.join(dir, 'video.mp4'), thumbnailPath: path.join(dir, 'thumb.png') }));
    await expectValidShort(out);
    // Without a picture the hook scene is drawn from the product's data: its name in white mid-screen.
    const middle = await grayRegion(out.videoPath, 0.5, { w: 1080, h: 400, x: 0, y: 560 });
    expect(countAtLeast(middle, 230)).toBeGreaterThan(5000);
  });

  it('sounds as loud as the platforms play: about -14 LUFS integrated, true peak at most -1 dBTP (ffmpeg ebur128)', async () => {
    // The platforms normalize to about -14 LUFS; a quieter video sounds weak next to the others, a louder one is turned down.
    const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostats', '-i', imageRender.videoPath, '-af', 'ebur128=peak=true', '-f', 'null', '-'], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const summary = String(stderr).slice(String(stderr).lastIndexOf('Summary:'));
    const integrated = Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]);
    const truePeak = Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)?.[1]);
    expect(Math.abs(integrated - -14)).toBeLessThanOrEqual(1.5);
    expect(LOUDNESS.truePeakDb).toBeLessThan(-1);
    expect(truePeak).toBeLessThanOrEqual(-1);
  });

  // What the video shows (scenes, cuts, motion, word-by-word captions, the disclosure) is checked in video-scenes.test.ts.

  it('returns finished files of a retried render at once, without running ffmpeg again', async () => {
    const before = [fs.statSync(imageRender.videoPath).mtimeMs, fs.statSync(imageRender.thumbnailPath).mtimeMs];
    const t0 = performance.now();
    const again = await renderer.render(input({ imagePath: productPng, videoPath: imageRender.videoPath, thumbnailPath: imageRender.thumbnailPath }));
    const ms = performance.now() - t0;
    expect(again.reused).toBe(true);
    expect(renderer.lastRun).toBeUndefined();
    expect(ms).toBeLessThan(Math.min(1000, imageRenderMs / 3));
    expect([fs.statSync(again.videoPath).mtimeMs, fs.statSync(again.thumbnailPath).mtimeMs]).toEqual(before);
    expect(again).toMatchObject({ width: 1080, height: 1920, sizeBytes: imageRender.sizeBytes });
    expect(Math.abs(again.durationSec - imageRender.durationSec)).toBeLessThan(0.1);
  });

  it('renders again when the finished files belong to different input (or are broken)', async () => {
    const dir = path.join(tmp, 'render-changed');
    const short = segments.slice(-2);
    const base = { segments: short, videoPath: path.join(dir, 'video.mp4'), thumbnailPath: path.join(dir, 'thumb.png') };
    const first = await renderer.render(input(base));
    expect(first.reused).toBe(false);
    const changed = await renderer.render(input({ ...base, priceLabel: '$99.00' }));
    expect(changed.reused).toBe(false);
    fs.writeFileSync(base.videoPath, 'not a video');
    const repaired = await renderer.render(input({ ...base, priceLabel: '$99.00' }));
    expect(repaired.reused).toBe(false);
    expect((await probeVideo(base.videoPath)).videoCodec).toBe('h264');
  });

  it('length guard: drops trailing sentences but keeps the last one (the disclosure) to stay within maxDurationSec', async () => {
    const long = 'This is a long sentence about the product that goes on and on, describing every feature in great detail for the viewer.';
    const many = await new EspeakVoice().synthesize(
      [...Array.from({ length: 8 }, (_, i) => `${i + 1}. ${long}`), 'As an Amazon Associate we earn from qualifying purchases.'],
      'en',
      path.join(tmp, 'voice-long'),
    );
    const dir = path.join(tmp, 'render-long');
    const out = await renderer.render(
      input({ segments: many, maxDurationSec: 20, videoPath: path.join(dir, 'video.mp4'), thumbnailPath: path.join(dir, 'thumb.png') }),
    );
    expect(out.droppedSentences).toBeGreaterThan(0);
    expect(out.timeline.at(-1)!.text).toBe(many.at(-1)!.text);
    expect(out.timeline[0].text).toBe(many[0].text);
    const p = await probeVideo(out.videoPath);
    expect(p.durationSec).toBeLessThanOrEqual(20);
    expect(p.durationSec).toBeGreaterThan(10);
  });

  it('length guard at the default 60 s: keeps a prefix plus the disclosure, or fails clearly when even that does not fit', () => {
    const fit = fitSegments([...Array(20).fill(6), 4], 60, 0.15, 0.5);
    expect(fit.keep.at(-1)).toBe(20);
    expect(fit.keep).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 20]);
    expect(fit.totalSec).toBeLessThanOrEqual(60);
    expect(fitSegments([5, 5, 4], 60, 0.15, 0.5)).toMatchObject({ keep: [0, 1, 2], dropped: 0 });
    expect(() => fitSegments([50, 20], 60, 0.15, 0.5)).toThrow(RenderTooLongError);
    expect(() => fitSegments([50, 20], 60, 0.15, 0.5)).toThrow(/first sentence and the disclosure alone take 70\.7 s/);
  });

  it('renders text with quotes, colons, percent signs, backslashes, braces and commas (work files in a directory named with them too)', async () => {
    const weird = await new EspeakVoice().synthesize(
      [
        'Save 50% today: "best" price, it\'s {really} C:\\deals\\mug; [limited]!',
        'Ratio 3:2, 100%% sure \\N no break {\\b1}not bold{\\b0}.',
        'As an Amazon Associate we earn from qualifying purchases.',
      ],
      'en',
      path.join(tmp, 'voice-weird'),
    );
    const weirdDir = path.join(tmp, "it's: a, [weird]; 100% dir\\x");
    const r = new FfmpegRenderer({ tmpDir: weirdDir });
    const out = await r.render({
      videoId: 'weird',
      language: 'en',
      segments: weird,
      title: 'Quote "this": it\'s 100% {braces} \\N C:\\path, [x]; y',
      brand: "O'Brien & Co: {Best}",
      priceLabel: '$1,299.99 (20% off)',
      disclosure: 'Ad: we earn 5% \\ commission, {always}.',
      imagePath: path.join(tmp, 'does-not-exist.png'),
      videoPath: path.join(weirdDir, 'out', 'video.mp4'),
      thumbnailPath: path.join(weirdDir, 'out', 'thumb.png'),
    });
    expect(out.warnings.join()).toMatch(/does not exist.*generated from the product's data/);
    expect((await probeVideo(out.videoPath)).videoCodec).toBe('h264');
    // The work directory (with the ASS files) was removed.
    expect(fs.readdirSync(weirdDir).filter((f) => f.startsWith('ae-render-'))).toEqual([]);
  });

  it('escapes filter values for both levels of ffmpeg parsing, and ASS text so libass shows it literally', () => {
    expect(escapeFilterValue("/a b/it's:x,[y];z\\w")).toBe("/a b/it\\\\\\'s\\\\:x\\,\\[y\\]\\;z\\\\\\\\w");
    expect(escapeAssText('{\\b1}bold\nline \\N')).toBe('\\{\\\u2060b1\\}bold line \\\u2060N');
  });

  it("fails clearly, with ffmpeg's own error and without leaving files, when an input is broken", async () => {
    const bad = path.join(tmp, 'broken.wav');
    fs.writeFileSync(bad, 'RIFF....WAVEjunk');
    const dir = path.join(tmp, 'render-broken');
    const err = await renderer
      .render(
        input({
          segments: [{ text: 'x', audioPath: bad, durationSec: 1 }],
          videoPath: path.join(dir, 'video.mp4'),
          thumbnailPath: path.join(dir, 'thumb.png'),
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(FfmpegError);
    expect((err as FfmpegError).message).toMatch(/ffmpeg exited with code \d+: .*broken\.wav/s);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('stops ffmpeg when the render is aborted and leaves nothing behind; removes stale partial files of crashed renders', async () => {
    const dir = path.join(tmp, 'render-abort');
    fs.mkdirSync(dir, { recursive: true });
    const stale = path.join(dir, 'video.mp4.partial-1-deadbeef');
    fs.writeFileSync(stale, 'half a video');
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(stale, old, old);
    const fresh = path.join(dir, 'thumb.png.partial-2-cafebabe');
    fs.writeFileSync(fresh, 'a render running elsewhere');
    const ac = new AbortController();
    const t0 = performance.now();
    const err = await renderer
      .render(
        input({
          imagePath: productPng,
          videoPath: path.join(dir, 'video.mp4'),
          thumbnailPath: path.join(dir, 'thumb.png'),
          signal: ac.signal,
          onProgress: (f) => f > 0.1 && ac.abort(new Error('activity cancelled')),
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((err as Error).message).toBe('activity cancelled');
    expect(performance.now() - t0).toBeLessThan(imageRenderMs);
    expect(fs.readdirSync(dir).sort()).toEqual(['thumb.png.partial-2-cafebabe']);
  });

  it('says how to install ffmpeg when it is missing', async () => {
    const r = new FfmpegRenderer({ ffmpegPath: '/nonexistent/ffmpeg' });
    const dir = path.join(tmp, 'render-missing');
    await expect(
      r.render(input({ segments: segments.slice(0, 1), videoPath: path.join(dir, 'v.mp4'), thumbnailPath: path.join(dir, 't.png') })),
    ).rejects.toThrow(MediaToolMissingError);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('LocalMediaStorage', () => {
  const root = path.join(tmp, 'media-root');
  const storage = new LocalMediaStorage({ root, publicBaseUrl: 'http://127.0.0.1:3000/' });

  it.each([
    ['../etc/passwd', /"\.\." is not allowed/],
    ['videos/../../x', /"\.\." is not allowed/],
    ['/etc/passwd', /relative path/],
    ['videos\\x.mp4', /backslashes/],
    ['videos/a b.mp4', /only letters/],
    ['videos/é.mp4', /only letters/],
    ['videos//x.mp4', /empty or "\."/],
    ['./x.mp4', /empty or "\."/],
    ['videos/x.mp4?y', /only letters/],
    ['', /empty/],
  ])('rejects the key %j', (key, reason) => {
    expect(() => assertValidMediaKey(key)).toThrow(InvalidMediaKeyError);
    expect(() => assertValidMediaKey(key)).toThrow(reason);
    expect(() => storage.localPath(key)).toThrow(InvalidMediaKeyError);
  });

  it('maps keys under the root and to public URLs at /media', () => {
    expect(storage.localPath('videos/v1/video.mp4')).toBe(path.join(root, 'videos', 'v1', 'video.mp4'));
    expect(storage.publicUrl('videos/v1/video.mp4')).toBe('http://127.0.0.1:3000/media/videos/v1/video.mp4');
    expect(LocalMediaStorage.fromConfig({ dataDir: '/data', PORT: 8080 }).localPath('a/b.png')).toBe('/data/media/a/b.png');
    expect(LocalMediaStorage.fromConfig({ dataDir: '/data', PORT: 8080 }).publicUrl('a/b.png')).toBe('http://127.0.0.1:8080/media/a/b.png');
  });

  it('commits an existing file (returns its URL), refuses a missing one, stats, reads ranges and removes', async () => {
    await expect(storage.commit('videos/v1/missing.mp4')).rejects.toThrow(/does not exist/);
    const key = 'videos/v1/notes.txt';
    fs.mkdirSync(path.dirname(storage.localPath(key)), { recursive: true });
    fs.writeFileSync(storage.localPath(key), '0123456789');
    expect(await storage.commit(key)).toBe('http://127.0.0.1:3000/media/videos/v1/notes.txt');
    expect(await storage.exists(key)).toBe(true);
    expect((await storage.stat(key))?.size).toBe(10);
    expect(await storage.stat('videos/v1')).toBeUndefined();
    const chunks: Buffer[] = [];
    for await (const c of storage.createReadStream(key, { start: 2, end: 4 })) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('234');
    await storage.remove(key);
    expect(await storage.exists(key)).toBe(false);
    await storage.remove(key);
  });
});

describe('GET /media/*', () => {
  const root = path.join(tmp, 'route-root');
  const storage = new LocalMediaStorage({ root });
  let app: FastifyInstance;
  const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

  beforeAll(async () => {
    fs.mkdirSync(path.join(root, 'videos', 'v1'), { recursive: true });
    fs.writeFileSync(path.join(root, 'videos', 'v1', 'video.mp4'), body);
    fs.writeFileSync(path.join(root, 'videos', 'v1', 'thumb.png'), body.subarray(0, 10));
    fs.writeFileSync(path.join(root, 'videos', 'v1', 'meta.json'), '{"a":1}');
    fs.writeFileSync(path.join(root, 'videos', 'v1', 'speech.wav'), 'RIFF');
    fs.writeFileSync(path.join(root, 'videos', 'v1', 'notes.txt'), 'hi');
    app = Fastify();
    mediaRoutes(app, { storage, access: { isPublic: async () => true } });
    await app.ready();
  });
  afterAll(() => app.close());

  it('serves the whole file with type, length, Accept-Ranges, ETag, Last-Modified and an hour of public caching', async () => {
    const res = await app.inject({ url: '/media/videos/v1/video.mp4' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers['content-length']).toBe('1000');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    expect(res.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(new Date(String(res.headers['last-modified'])).getTime()).toBeGreaterThan(0);
    expect(res.rawPayload.equals(body)).toBe(true);
  });

  it.each([
    ['videos/v1/thumb.png', 'image/png'],
    ['videos/v1/meta.json', 'application/json; charset=utf-8'],
    ['videos/v1/speech.wav', 'audio/wav'],
    ['videos/v1/notes.txt', 'text/plain; charset=utf-8'],
  ])('serves %s as %s', async (key, type) => {
    const res = await app.inject({ url: `/media/${key}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
  });

  it('answers a single byte range with 206, Content-Range and exactly those bytes', async () => {
    const res = await app.inject({ url: '/media/videos/v1/video.mp4', headers: { range: 'bytes=100-199' } });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 100-199/1000');
    expect(res.headers['content-length']).toBe('100');
    expect(res.rawPayload.equals(body.subarray(100, 200))).toBe(true);

    const open = await app.inject({ url: '/media/videos/v1/video.mp4', headers: { range: 'bytes=990-' } });
    expect(open.statusCode).toBe(206);
    expect(open.headers['content-range']).toBe('bytes 990-999/1000');
    expect(open.rawPayload.equals(body.subarray(990))).toBe(true);

    const suffix = await app.inject({ url: '/media/videos/v1/video.mp4', headers: { range: 'bytes=-5' } });
    expect(suffix.statusCode).toBe(206);
    expect(suffix.headers['content-range']).toBe('bytes 995-999/1000');
    expect(suffix.rawPayload.equals(body.subarray(995))).toBe(true);

    const clipped = await app.inject({ url: '/media/videos/v1/video.mp4', headers: { range: 'bytes=900-5000' } });
    expect(clipped.headers['content-range']).toBe('bytes 900-999/1000');
  });

  it('answers 416 with Content-Range */size for a range beyond the end', async () => {
    const res = await app.inject({ url: '/media/videos/v1/video.mp4', headers: { range: 'bytes=1000-1010' } });
    expect(res.statusCode).toBe(416);
    expect(res.headers['content-range']).toBe('bytes */1000');
    expect(res.json()).toMatchObject({ error: { code: 'range_not_satisfiable' } });
  });

  it('ignores malformed and multi-range headers (the whole file), and a range whose If-Range is stale', async () => {
    for (const range of ['bytes=5-2', 'items=0-1', 'bytes=0-1,5-6']) {
      const res = await app.inject({ url: '/media/videos/v1/video.mp4', headers: { range } });
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.length).toBe(1000);
    }
    const stale = await app.inject({ url: '/media/videos/v1/video.mp4', headers: { range: 'bytes=0-9', 'if-range': '"old-etag"' } });
    expect(stale.statusCode).toBe(200);
    const etag = (await app.inject({ method: 'HEAD', url: '/media/videos/v1/video.mp4' })).headers.etag as string;
    const fresh = await app.inject({ url: '/media/videos/v1/video.mp4', headers: { range: 'bytes=0-9', 'if-range': etag } });
    expect(fresh.statusCode).toBe(206);
  });

  it('answers 304 to If-None-Match with the current ETag and to a later If-Modified-Since', async () => {
    const first = await app.inject({ url: '/media/videos/v1/video.mp4' });
    const byTag = await app.inject({ url: '/media/videos/v1/video.mp4', headers: { 'if-none-match': String(first.headers.etag) } });
    expect(byTag.statusCode).toBe(304);
    expect(byTag.rawPayload.length).toBe(0);
    const byDate = await app.inject({ url: '/media/videos/v1/video.mp4', headers: { 'if-modified-since': new Date(Date.now() + 60_000).toUTCString() } });
    expect(byDate.statusCode).toBe(304);
    const changed = await app.inject({ url: '/media/videos/v1/video.mp4', headers: { 'if-none-match': '"something-else"' } });
    expect(changed.statusCode).toBe(200);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/media/videos/v1/video.mp4' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe('1000');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.rawPayload.length).toBe(0);
  });

  it('answers 404 not_found for a missing file and 400 invalid_path for a key with ..', async () => {
    const missing = await app.inject({ url: '/media/videos/v1/nope.mp4' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    for (const url of [
      '/media/..%2F..%2Fetc%2Fpasswd',
      '/media/videos/v1/a%5Cb.mp4',
      '/media/videos/v1/..',
      '/media/%2Fetc%2Fpasswd',
      '/media/videos/v1/a%20b.mp4',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'invalid_path', message: expect.any(String) } });
    }
  });

  it('answers 400 invalid_path to a raw ../ path sent over the network (not normalized by a client)', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/media/../../etc/passwd', method: 'GET' }, (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (d: string) => (body += d));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_path' } });
  });

  it('parses Range headers (unit)', () => {
    expect(parseRange(undefined, 10)).toEqual({ kind: 'none' });
    expect(parseRange('bytes=0-0', 10)).toEqual({ kind: 'range', start: 0, end: 0 });
    expect(parseRange('bytes=-20', 10)).toEqual({ kind: 'range', start: 0, end: 9 });
    expect(parseRange('bytes=-0', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});
