// What a viewer gets, measured on one rendered short (issue 13's proof, as numbers):
//   - loudness: integrated LUFS and true peak (ffmpeg ebur128), against the platforms' -14 LUFS / -1 dBTP;
//   - scene cuts: frames where the picture changes a lot (select='gt(scene,0.25)'; frames < 0.3 s apart count once), against sentences - 1;
//   - still stretches: freezedetect segments longer than 4 s (a picture held still is a picture people swipe away);
//   - render speed as a multiple of real time.
//
//   npx tsx bench/video-quality.ts            (one render with the product image, one drawn from the product data only)
//
// It asserts nothing: it prints what it measured, for the note and for comparing renderer changes.
// Each render also leaves a contact sheet (one frame every 3 s) next to it under var/bench/video-quality/.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { FfmpegRenderer } from '../src/providers/renderer/ffmpeg.js';
import { EspeakVoice } from '../src/providers/voice/espeak.js';
import { checkPiper, PiperVoice } from '../src/providers/voice/piper.js';
import { TemplateScriptWriter } from '../src/providers/writer/template.js';
import { BENCH_VAR_DIR, isMain, machineInfo, printMachine } from './lib.js';

const run = promisify(execFile);

export interface VideoQuality {
  variant: string;
  durationSec: number;
  sentences: number;
  renderMs: number;
  realTimeMultiple: number;
  integratedLufs: number;
  truePeakDb: number;
  sceneCuts: number;
  /** Still stretches of more than 4 s, with their lengths. */
  stillOver4s: number[];
}

async function ffmpegStderr(args: string[]): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostats', ...args], { maxBuffer: 1 << 26 });
  return String(stderr);
}

/** Frames over the threshold less than 0.3 s apart are one cut (a 3-frame slide can score on two frames). */
export function countCuts(times: number[]): number {
  let cuts = 0;
  let last = -Infinity;
  for (const t of times) {
    if (t - last > 0.3) cuts++;
    last = t;
  }
  return cuts;
}

export async function measureVideo(file: string): Promise<Pick<VideoQuality, 'integratedLufs' | 'truePeakDb' | 'sceneCuts' | 'stillOver4s'>> {
  const loud = await ffmpegStderr(['-i', file, '-af', 'ebur128=peak=true', '-f', 'null', '-']);
  const summary = loud.slice(loud.lastIndexOf('Summary:'));
  const scenes = await ffmpegStderr(['-i', file, '-an', '-vf', "select='gt(scene,0.25)',showinfo", '-f', 'null', '-']);
  const freezes = await ffmpegStderr(['-i', file, '-an', '-vf', 'freezedetect=n=0.003:d=4', '-f', 'null', '-']);
  return {
    integratedLufs: Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]),
    truePeakDb: Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)?.[1]),
    sceneCuts: countCuts([...scenes.matchAll(/Parsed_showinfo.*pts_time:\s*([\d.]+)/g)].map((m) => Number(m[1]))),
    stillOver4s: [...freezes.matchAll(/freeze_duration: ([\d.]+)/g)].map((m) => Number(m[1])),
  };
}

/** The product both video benches script and render (bench/moviepy-compare.ts uses it too). */
export const BENCH_PRODUCT = {
  asin: 'B0JRTY546N',
  title: 'Voltix PowerCore Slim 10000mAh Portable Charger',
  brand: 'Voltix',
  category: 'Electronics',
  price: 29.99,
  currency: 'USD',
  rating: 4.6,
  reviewCount: 12_345,
};

export async function runVideoQuality(): Promise<VideoQuality[]> {
  const dir = path.join(BENCH_VAR_DIR, 'video-quality');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const script = new TemplateScriptWriter().writeSync({
    product: BENCH_PRODUCT,
    language: 'en',
    trackedUrl: 'https://links.example.com/r/AbCd1234-yt',
    seed: 'bench:video-quality',
  });
  // The default voice: Piper when installed (npm run setup), else espeak-ng.
  const voice = checkPiper().ok ? new PiperVoice() : new EspeakVoice();
  const segments = await voice.synthesize(script.sentences, 'en', path.join(dir, 'voice'));
  console.log(`voice: ${voice.name}`);
  const image = path.join(dir, 'product.png');
  await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=1000x1000:r=1', '-frames:v', '1', image]);
  const out: VideoQuality[] = [];
  for (const variant of ['product image', 'product data'] as const) {
    const base = path.join(dir, variant.replace(' ', '-'));
    const t0 = performance.now();
    const r = await new FfmpegRenderer().render({
      videoId: `bench-${variant}`,
      language: 'en',
      segments,
      title: script.title,
      brand: 'Voltix',
      priceLabel: '$29.99',
      productTitle: 'Voltix PowerCore Slim 10000mAh Portable Charger, USB-C Power Bank with 20W Fast Charging, Black',
      category: 'Electronics',
      rating: 4.6,
      reviewCount: 12_345,
      linkCue: 'Link in the description ↓',
      disclosure: script.disclosure,
      imagePath: variant === 'product image' ? image : undefined,
      imageFormat: variant === 'product image' ? 'png' : undefined,
      videoPath: `${base}.mp4`,
      thumbnailPath: `${base}.png`,
      maxDurationSec: 60,
    });
    const renderMs = performance.now() - t0;
    // A contact sheet, one frame every 3 s, to look at what a viewer sees.
    await run('ffmpeg', ['-v', 'error', '-y', '-i', `${base}.mp4`, '-vf', 'fps=1/3,scale=270:480,tile=5x2', '-frames:v', '1', `${base}-sheet.png`]);
    out.push({
      variant,
      durationSec: r.durationSec,
      sentences: script.sentences.length,
      renderMs,
      realTimeMultiple: r.durationSec / (renderMs / 1000),
      ...(await measureVideo(`${base}.mp4`)),
    });
  }
  return out;
}

export function printVideoQuality(rows: VideoQuality[]): void {
  console.log('\nvideo quality (one rendered short per variant)');
  printMachine(machineInfo('not used'));
  for (const r of rows) {
    console.log(
      `  ${r.variant}: ${r.durationSec.toFixed(1)} s, ${r.sentences} sentences; rendered in ${(r.renderMs / 1000).toFixed(1)} s (${r.realTimeMultiple.toFixed(2)}x real time)\n` +
        `    loudness ${r.integratedLufs} LUFS (target -14 ± 1.5), true peak ${r.truePeakDb} dBTP (target ≤ -1)\n` +
        `    scene cuts ${r.sceneCuts} (target ≥ ${r.sentences - 1}), still stretches over 4 s: ${r.stillOver4s.length ? r.stillOver4s.map((d) => `${d.toFixed(1)} s`).join(', ') : 'none'} (target: none)`,
    );
  }
  console.log(JSON.stringify({ bench: 'video-quality', rows }));
}

if (isMain(import.meta.url)) printVideoQuality(await runVideoQuality());
