// What a viewer gets: one scene per sentence with cuts a scene detector sees, nothing held still
// for 4 s, word-by-word captions and the disclosure inside every platform's safe area, and the
// per-platform call to action. Pure layout checks first, then two real renders checked with ffmpeg.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutSentences, platformCuts } from '../../src/domain/platform-cuts.js';
import { captionStates } from '../../src/providers/renderer/ffmpeg-ass.js';
import { FfmpegRenderer, type FfmpegRenderOutput } from '../../src/providers/renderer/ffmpeg.js';
import { SAFE_AREA } from '../../src/providers/renderer/ffmpeg-layout.js';
import { buildComposition, featureCallouts, sceneRoles, textWidth, type SceneSentence } from '../../src/providers/renderer/scenes.js';
import { paginate, PAGE_MAX_WORDS, speechSpan, timeWords } from '../../src/providers/renderer/word-timing.js';
import { EspeakVoice } from '../../src/providers/voice/espeak.js';
import type { VoiceSegment } from '../../src/providers/voice/types.js';

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scenes-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SENTENCES = [
  'Still drinking lukewarm coffee by nine in the morning?',
  'This smart mug keeps your drink at the exact temperature you choose.',
  'Over twenty thousand reviewers give it four and a half stars.',
  'Right now it is about $129.95, but prices change.',
  "Tap the link in the description to check today's price.",
  'As an Amazon Associate we earn from qualifying purchases.',
];
const PRODUCT = {
  title: 'Ember Mug 2: the coffee stays hot',
  productTitle: 'Ember Temperature Control Smart Mug 2, 10 oz, App-Controlled Heated Coffee Mug with 80 Min Battery Life',
  brand: 'Ember',
  priceLabel: '$129.95',
  category: 'Home & Kitchen',
  rating: 4.4,
  reviewCount: 23_456,
  disclosure: 'Ad · As an Amazon Associate we earn from qualifying purchases.',
  language: 'en' as const,
  linkCue: 'Link in the description ↓',
};

describe('scene layout (pure)', () => {
  it('gives each sentence a scene by what it says: hook, feature, rating, price, call to action, disclosure', () => {
    expect(sceneRoles(SENTENCES, PRODUCT)).toEqual(['hook', 'feature', 'rating', 'price', 'call-to-action', 'disclosure']);
    // The price badge wins over a passing mention of the link; the call to action is its own sentence.
    expect(sceneRoles(['Hook?', 'It costs about $129.95, but prices change, so check the link.', 'Link in bio.', 'Ad.'], PRODUCT)).toEqual([
      'hook',
      'price',
      'call-to-action',
      'disclosure',
    ]);
    // A rated product shows its stars even when no sentence speaks of them (on the last feature scene).
    expect(sceneRoles(['Hook?', 'One.', 'Two.', 'Three.', 'Disclosure.'], { priceLabel: '$5', rating: 4.1 })).toEqual([
      'hook',
      'feature',
      'feature',
      'rating',
      'disclosure',
    ]);
  });

  it('takes feature callouts from the product title, keeping numbers with thousands separators whole', () => {
    const f = featureCallouts(PRODUCT.productTitle, 'Ember');
    expect(f.name).toBe('Temperature Control Smart Mug 2');
    expect(f.callouts).toEqual(expect.arrayContaining(['App-Controlled Heated Coffee Mug', '80 Min Battery Life', '10 oz']));
    expect(featureCallouts('Voltix 10,000mAh Power Bank, USB-C Fast Charging', 'Voltix').name).toBe('10,000mAh Power Bank');
  });

  it('times words inside the speech, in order, and pages them a few words at a time', () => {
    const words = timeWords(SENTENCES[1], 1.2, 4.0);
    expect(words.map((w) => w.text).join(' ')).toBe(SENTENCES[1]);
    expect(words[0].startSec).toBeCloseTo(1.2, 6);
    expect(words.at(-1)!.endSec).toBeCloseTo(4.0, 6);
    for (let i = 1; i < words.length; i++) expect(words[i].startSec).toBeCloseTo(words[i - 1].endSec, 6);
    // A longer word takes longer than a short one.
    const smart = words.find((w) => w.text === 'temperature')!;
    const the = words.find((w) => w.text === 'the')!;
    expect(smart.endSec - smart.startSec).toBeGreaterThan(2 * (the.endSec - the.startSec));
    const pages = paginate(words, 4.2);
    expect(pages.flatMap((p) => p.words.map((w) => w.text))).toEqual(words.map((w) => w.text));
    for (const p of pages) expect(p.words.length).toBeLessThanOrEqual(PAGE_MAX_WORDS);
    expect(pages.at(-1)!.endSec).toBe(4.2);
    // One caption state per word: the word being spoken is highlighted.
    expect(captionStates(pages)).toHaveLength(words.length);
  });

  it('keeps every text and the captions inside the area no platform covers', () => {
    const sentences: SceneSentence[] = SENTENCES.map((text, i) => ({
      text,
      audioPath: `/a/${i}.wav`,
      startSec: i * 4,
      durationSec: 3.8,
      speech: { startSec: 0.05, endSec: 3.7 },
    }));
    for (const imagePath of [undefined, '/img.png']) {
      const c = buildComposition(sentences, { ...PRODUCT, imagePath }, { fontFile: '/f.ttf', durationSec: 24.5 });
      expect(c.scenes.map((s) => [s.startSec, s.endSec])).toEqual(sentences.map((s, i) => [i * 4, i + 1 < sentences.length ? (i + 1) * 4 : 24.5]));
      for (const s of c.scenes) {
        // Pan scenes are drawn on a larger canvas; the window drifts at most the margin's half each way.
        const off = s.motion.kind === 'pan' ? { x: (1080 * 0.1) / 2, y: (1920 * 0.1) / 2 } : { x: 0, y: 0 };
        const drift = s.motion.kind === 'pan' ? { x: off.x / 2, y: off.y / 2 } : { x: 0, y: 0 };
        for (const t of s.texts) {
          const lines = t.text.split('\n');
          const half = Math.max(...lines.map((l) => textWidth(l, t.size))) / 2 + (t.box ? t.size * 0.28 : 0);
          const x = t.x - off.x;
          const y = t.y - off.y;
          expect(x - half - drift.x, `${s.role}: "${t.text}" left edge`).toBeGreaterThanOrEqual(SAFE_AREA.left - 40);
          expect(x + half + drift.x, `${s.role}: "${t.text}" right edge`).toBeLessThanOrEqual(SAFE_AREA.right + 40);
          expect(y - (lines.length * t.size) / 2 - drift.y, `${s.role}: "${t.text}" top`).toBeGreaterThanOrEqual(SAFE_AREA.top);
          expect(y + (lines.length * t.size) / 2 + drift.y, `${s.role}: "${t.text}" bottom`).toBeLessThanOrEqual(SAFE_AREA.captionY - 60);
        }
      }
      expect(c.captionStyle.centerX + c.captionStyle.maxWidth / 2).toBeLessThanOrEqual(SAFE_AREA.right + 1);
      expect(c.captionStyle.centerY + c.captionStyle.size * 1.2).toBeLessThanOrEqual(SAFE_AREA.bottom);
      expect(c.disclosure.centerY - c.disclosure.size).toBeGreaterThanOrEqual(SAFE_AREA.top);
    }
  });
});

describe('per-platform cuts', () => {
  it('says "link in bio" on TikTok and Instagram, "link in the description" on YouTube, one cut per difference', () => {
    const cuts = platformCuts(SENTENCES, 'en', ['YOUTUBE', 'TIKTOK', 'INSTAGRAM']);
    expect(cuts.map((c) => [c.key, c.platforms])).toEqual([
      ['description', ['YOUTUBE']],
      ['bio', ['TIKTOK', 'INSTAGRAM']],
    ]);
    expect(cuts[0].sentences).toEqual(SENTENCES);
    expect(cuts[1].sentences[4]).toBe("Tap the link in bio to check today's price.");
    expect(cuts[1].sentences.filter((s, i) => s !== SENTENCES[i])).toHaveLength(1);
    expect(cuts.map((c) => c.linkCue)).toEqual(['Link in the description ↓', 'Link in bio']);
    // Only TikTok and Instagram: one render.
    expect(platformCuts(SENTENCES, 'en', ['TIKTOK', 'INSTAGRAM'])).toHaveLength(1);
    expect(cutSentences(['Link in the description if you want it.'], 'en', 'bio')).toEqual(['Link in bio if you want it.']);
    expect(cutSentences(['Mira el precio de hoy con el enlace en la descripción.'], 'es', 'bio')).toEqual(['Mira el precio de hoy con el enlace en la bio.']);
  });
});

/** Raw RGB pixels of a region of the frame shown at `t` seconds. */
async function rgbRegion(file: string, t: number | null, crop: { w: number; h: number; x: number; y: number }): Promise<Buffer> {
  const seek = t === null ? [] : ['-ss', t.toFixed(3)];
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', ...seek, '-i', file, '-frames:v', '1', '-vf', `crop=${crop.w}:${crop.h}:${crop.x}:${crop.y},format=rgb24`, '-f', 'rawvideo', '-'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  expect(stdout.length).toBe(crop.w * crop.h * 3);
  return stdout;
}

/** Pixels of the caption highlight (yellow: red and green high, blue low). */
function yellowMask(rgb: Buffer): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < rgb.length; i += 3) out.push(rgb[i] > 200 && rgb[i + 1] > 180 && rgb[i + 2] < 90);
  return out;
}
const count = (m: boolean[]) => m.filter(Boolean).length;

async function ffmpegStderr(args: string[]): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostats', ...args], { maxBuffer: 1 << 26 });
  return String(stderr);
}

/** Cuts a scene detector sees (select gt(scene,0.25)); frames under 0.3 s apart are one cut. */
async function sceneCuts(file: string): Promise<number[]> {
  const out = await ffmpegStderr(['-i', file, '-an', '-vf', "select='gt(scene,0.25)',showinfo", '-f', 'null', '-']);
  const times = [...out.matchAll(/Parsed_showinfo.*pts_time:\s*([\d.]+)/g)].map((m) => Number(m[1]));
  return times.filter((t, i) => i === 0 || t - times[i - 1] > 0.3);
}

describe('rendered scenes (real ffmpeg)', () => {
  let segments: VoiceSegment[];
  const renders: Record<'image' | 'data', FfmpegRenderOutput> = {} as never;

  beforeAll(async () => {
    segments = await new EspeakVoice().synthesize(SENTENCES, 'en', path.join(tmp, 'voice'));
    const image = path.join(tmp, 'product.png');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=900x700:r=1', '-frames:v', '1', image]);
    const renderer = new FfmpegRenderer({ preset: 'ultrafast' });
    for (const kind of ['image', 'data'] as const) {
      renders[kind] = await renderer.render({
        videoId: `scenes-${kind}`,
        segments,
        ...PRODUCT,
        imagePath: kind === 'image' ? image : undefined,
        videoPath: path.join(tmp, kind, 'video.mp4'),
        thumbnailPath: path.join(tmp, kind, 'thumb.png'),
      });
    }
  }, 240_000);

  it('cuts to a new scene at every sentence (a scene detector sees at least sentences - 1 cuts)', async () => {
    for (const kind of ['image', 'data'] as const) {
      const cuts = await sceneCuts(renders[kind].videoPath);
      expect(cuts.length, `${kind}: cuts at ${cuts.join(', ')}`).toBeGreaterThanOrEqual(SENTENCES.length - 1);
      // Each cut is where a sentence starts (within the 0.1 s slide).
      for (const c of renders[kind].timeline.slice(1))
        expect(
          cuts.some((t) => Math.abs(t - c.startSec) < 0.25),
          `${kind}: a cut near ${c.startSec}`,
        ).toBe(true);
    }
  });

  it('never holds a picture still for 4 s (freezedetect)', async () => {
    for (const kind of ['image', 'data'] as const) {
      const out = await ffmpegStderr(['-i', renders[kind].videoPath, '-an', '-vf', 'freezedetect=n=0.003:d=4', '-f', 'null', '-']);
      expect(out, kind).not.toMatch(/freeze_start/);
    }
  });

  it('highlights the word being spoken, inside the caption area, and clears the captions after the last word', async () => {
    const video = renders.data.videoPath;
    const band = { w: 1080, h: 170, x: 0, y: SAFE_AREA.captionY - 85 };
    const s2 = renders.data.timeline[1];
    const at = (f: number) => s2.startSec + 0.15 + (s2.endSec - s2.startSec - 0.3) * f;
    const masks = await Promise.all([0.1, 0.5, 0.9].map(async (f) => yellowMask(await rgbRegion(video, at(f), band))));
    for (const m of masks) expect(count(m)).toBeGreaterThan(300);
    // The highlight moved from word to word.
    const moved = (a: boolean[], b: boolean[]) => a.filter((v, i) => v !== b[i]).length;
    expect(moved(masks[0], masks[2])).toBeGreaterThan(300);
    // Nothing in the tail after the disclosure is spoken.
    expect(count(yellowMask(await rgbRegion(video, renders.data.durationSec - 0.08, band)))).toBe(0);
    // The thumbnail shows the hook with its first words.
    expect(count(yellowMask(await rgbRegion(renders.data.thumbnailPath, null, band)))).toBeGreaterThan(300);
  });

  it('shows the disclosure for the whole video, in a dark box inside the safe area', async () => {
    for (const t of [0.1, renders.image.durationSec / 2, renders.image.durationSec - 0.1]) {
      const px = await rgbRegion(renders.image.videoPath, t, { w: 1080, h: 90, x: 0, y: SAFE_AREA.top + 5 });
      let bright = 0;
      let dark = 0;
      for (let i = 0; i < px.length; i += 3) {
        const g = (px[i] + px[i + 1] + px[i + 2]) / 3;
        if (g >= 230) bright++;
        if (g <= 90) dark++;
      }
      expect(bright, `text at ${t}`).toBeGreaterThan(1500);
      expect(dark, `box at ${t}`).toBeGreaterThan(8000);
    }
  });

  it("lays an optional music bed under the voice: heard after the last word, still at the platforms' loudness", async () => {
    const rmsDb = async (file: string, from: number) => {
      const out = await ffmpegStderr(['-ss', from.toFixed(3), '-i', file, '-vn', '-af', 'astats=measure_perchannel=none', '-f', 'null', '-']);
      const m = /RMS level dB:\s*(-?[\d.]+|-inf)/.exec(out);
      return m && m[1] !== '-inf' ? Number(m[1]) : -Infinity;
    };
    const bed = await new FfmpegRenderer({ preset: 'ultrafast', musicBed: { kind: 'generated' } }).render({
      videoId: 'scenes-music',
      segments: [segments[0], segments[1], segments.at(-1)!],
      ...PRODUCT,
      videoPath: path.join(tmp, 'music', 'video.mp4'),
      thumbnailPath: path.join(tmp, 'music', 'thumb.png'),
    });
    // The 0.5 s tail after the disclosure: silence without a bed, music with one.
    expect(await rmsDb(renders.data.videoPath, renders.data.durationSec - 0.3)).toBeLessThan(-70);
    expect(await rmsDb(bed.videoPath, bed.durationSec - 0.3)).toBeGreaterThan(-60);
    const loud = await ffmpegStderr(['-i', bed.videoPath, '-af', 'ebur128=peak=true', '-f', 'null', '-']);
    const summary = loud.slice(loud.lastIndexOf('Summary:'));
    expect(Math.abs(Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]) - -14)).toBeLessThanOrEqual(1.5);
    expect(Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)?.[1])).toBeLessThanOrEqual(-1);
  });

  it('finds the speech inside a WAV (leading and trailing silence cut off)', async () => {
    const span = await speechSpan(segments[0].audioPath);
    expect(span.startSec).toBeGreaterThanOrEqual(0);
    expect(span.startSec).toBeLessThan(0.3);
    expect(span.endSec).toBeGreaterThan(span.startSec + 1);
    expect(span.endSec).toBeLessThanOrEqual(segments[0].durationSec);
  });
});
