// Benchmark: render a ~30 s 1080x1920 short (espeak-ng speech, product image,
// burned-in captions) with FfmpegRenderer, and the same ffmpeg command bare.
//
//   npx tsx bench/render.ts          (BENCH_RUNS=n runs, default 3)
//
// "ours" is the whole FfmpegRenderer.render() call: render key, image probe,
// ASS generation, ffmpeg through the wrapper with -progress parsing, atomic
// renames. "bare" is ffmpeg spawned directly with the SAME two runs (built by
// the same planRender function, subtitle files written once beforehand),
// output to /dev/null-like temp files, no progress. Runs alternate (ours, bare)
// after one untimed warm-up of each, so both see the same machine load.
// Targets: ours renders at >= 2x real time, and ours/bare <= 1.5.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EspeakVoice } from '../src/providers/voice/espeak.js';
import { FfmpegRenderer, fitSegments, planRender, probeVideo } from '../src/providers/renderer/ffmpeg.js';
import { speechSpan } from '../src/providers/renderer/word-timing.js';
import type { RenderInput } from '../src/providers/renderer/types.js';
import { BENCH_VAR_DIR, benchRuns, fmtMs, isMain, measurement, onInterrupt, printJsonLine, printMeasurements, round1, type Measurement } from './lib.js';

const TARGET_SEC = 30;
const TARGET_REALTIME_X = 2;
const TARGET_RATIO = 1.5;

const SENTENCES = [
  'Still drinking lukewarm coffee by nine in the morning?',
  'This smart mug keeps your drink at the exact temperature you choose.',
  'The battery lasts up to eighty minutes, or all day on its charging coaster.',
  'Set your favourite temperature from the app on your phone.',
  'It is hand wash only, and the ceramic coating feels great to hold.',
  'Over ten thousand reviewers give it four and a half stars.',
  'It makes a thoughtful gift for the coffee lover in your life.',
  "Tap the link in the description to check today's price.",
  'Prices change often, so grab it while the deal lasts.',
  'Follow for more finds like this one every day.',
];
const DISCLOSURE = 'As an Amazon Associate we earn from qualifying purchases.';

export interface RenderBenchResult {
  machine: { cpuModel: string; logicalCores: number; totalRamGiB: number; platform: string; node: string; ffmpeg: string; espeak: string; loadAvg1m: number };
  videoSec: number;
  sentences: number;
  preset: string;
  espeakColdMs: number;
  measurements: Measurement[];
  realtimeMultiple: number;
  /** median(ours) / median(bare): the target. */
  oursOverBare: number;
  /** min(ours) / min(bare) and the median of the per-pair ratios: steadier when other work shares the CPU. */
  oursOverBareMin: number;
  oursOverBarePairedMedian: number;
  peakRss: { nodeMiB: number; ffmpegOursMiB: number | null; ffmpegBareMiB: number | null };
  videoBytes: number;
  withinTargets: { realtime: boolean; ratio: boolean };
}

function toolVersion(cmd: string, args: string[], re: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8' });
    return re.exec(out)?.[1] ?? out.split('\n')[0];
  } catch {
    return 'not installed';
  }
}

/** Runs ffmpeg with exactly `args`, under GNU time when available for the peak RSS. */
function bareFfmpeg(args: string[]): Promise<{ ms: number; peakRssBytes: number | null }> {
  const gnuTime = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const [cmd, fullArgs] = gnuTime ? [gnuTime, ['-f', 'MAXRSS_KB=%M', 'ffmpeg', ...args]] : ['ffmpeg', args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, fullArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`bare ffmpeg exited with ${code}: ${stderr}`));
      const kb = /MAXRSS_KB=(\d+)/.exec(stderr)?.[1];
      resolve({ ms, peakRssBytes: kb ? Number(kb) * 1024 : null });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export async function runRenderBench(runs: number): Promise<RenderBenchResult> {
  const dir = path.join(BENCH_VAR_DIR, 'render');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const unhook = onInterrupt(() => fs.rmSync(dir, { recursive: true, force: true }));
  try {
    // Speech for ~30 s: sentences from the pool until the video would be at least TARGET_SEC long.
    const voice = new EspeakVoice();
    const texts: string[] = [];
    for (const s of SENTENCES) {
      texts.push(s);
      const trial = await voice.synthesize([...texts, DISCLOSURE], 'en', path.join(dir, 'voice-trial'));
      const total = trial.reduce((a, x) => a + x.durationSec, 0) + 0.15 * (trial.length - 1) + 0.5;
      if (total >= TARGET_SEC) break;
    }
    // Timed: all sentences, cold (a fresh directory), as the voice activity would do it.
    const t0 = performance.now();
    const segments = await voice.synthesize([...texts, DISCLOSURE], 'en', path.join(dir, 'voice'));
    const espeakColdMs = performance.now() - t0;

    const image = path.join(dir, 'product.png');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1000x1000:r=1', '-frames:v', '1', image]);

    const renderer = new FfmpegRenderer({ measureMemory: true });
    const input = (n: string): RenderInput => ({
      videoId: `bench-${n}`,
      language: 'en',
      segments,
      title: 'Ember Mug 2: coffee at the exact temperature you choose',
      productTitle: 'Ember Temperature Control Smart Mug 2, 10 oz, App-Controlled Heated Coffee Mug',
      brand: 'Ember',
      priceLabel: '$129.95',
      category: 'Home & Kitchen',
      rating: 4.4,
      reviewCount: 23_456,
      linkCue: 'Link in the description ↓',
      imagePath: image,
      imageFormat: 'png',
      disclosure: `Ad · ${DISCLOSURE}`,
      videoPath: path.join(dir, 'ours', 'video.mp4'),
      thumbnailPath: path.join(dir, 'ours', 'thumb.png'),
    });

    // The bare command: the same planRender call the renderer makes, files written once.
    const workDir = path.join(dir, 'bare-work');
    fs.mkdirSync(workDir, { recursive: true });
    const fit = fitSegments(
      segments.map((s) => s.durationSec),
      60,
      renderer.options.gapSec,
      renderer.options.tailPadSec,
    );
    // The same speech spans and image size the renderer measures before planning.
    const speech = await Promise.all(fit.keep.map((k) => speechSpan(segments[k].audioPath)));
    const plan = planRender(input('bare'), renderer.options, {
      fit,
      imagePath: image,
      imageFormat: 'png',
      imageSize: { width: 1000, height: 1000 },
      speech,
      workDir,
      videoOut: path.join(dir, 'bare', 'video.mp4'),
      thumbnailOut: path.join(dir, 'bare', 'thumb.png'),
      renderKey: 'bench',
    });
    fs.mkdirSync(path.join(dir, 'bare'), { recursive: true });
    for (const f of plan.files) fs.writeFileSync(f.path, f.content);

    const oursMs: number[] = [];
    const bareMs: number[] = [];
    let ffmpegOursPeak = 0;
    let ffmpegBarePeak = 0;
    let videoSec = 0;
    for (let i = 0; i <= runs; i++) {
      const warmup = i === 0;
      fs.rmSync(path.join(dir, 'ours'), { recursive: true, force: true });
      const t = performance.now();
      const out = await renderer.render(input(String(i)));
      const ms = performance.now() - t;
      if (out.reused) throw new Error('the renderer reused a finished file: the benchmark must render');
      // The same two runs as the renderer: the sound track, then the video.
      const a = await bareFfmpeg(plan.audioArgs);
      const v = await bareFfmpeg(plan.args);
      const b = { ms: a.ms + v.ms, peakRssBytes: a.peakRssBytes === null || v.peakRssBytes === null ? null : Math.max(a.peakRssBytes, v.peakRssBytes) };
      videoSec = out.durationSec;
      if (warmup) continue;
      oursMs.push(ms);
      bareMs.push(b.ms);
      ffmpegOursPeak = Math.max(ffmpegOursPeak, renderer.lastRun?.peakRssBytes ?? 0);
      ffmpegBarePeak = Math.max(ffmpegBarePeak, b.peakRssBytes ?? 0);
    }
    const probe = await probeVideo(path.join(dir, 'ours', 'video.mp4'));
    if (probe.width !== 1080 || probe.height !== 1920 || probe.fps !== 30) throw new Error(`unexpected output: ${JSON.stringify(probe)}`);

    const cpus = os.cpus();
    const realtimeMultiple = videoSec / (median(oursMs) / 1000);
    const oursOverBare = median(oursMs) / median(bareMs);
    const mib = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
    return {
      machine: {
        cpuModel: cpus[0]?.model.trim() ?? 'unknown',
        logicalCores: os.availableParallelism?.() ?? cpus.length,
        totalRamGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        node: process.version,
        ffmpeg: toolVersion('ffmpeg', ['-version'], /ffmpeg version (\S+)/),
        espeak: toolVersion('espeak-ng', ['--version'], /text-to-speech: (\S+)/),
        loadAvg1m: Math.round(os.loadavg()[0] * 100) / 100,
      },
      videoSec: Math.round(videoSec * 100) / 100,
      sentences: segments.length,
      preset: renderer.options.preset,
      espeakColdMs: round1(espeakColdMs),
      measurements: [
        measurement('render_ours', `render ${videoSec.toFixed(1)} s short (FfmpegRenderer)`, oursMs, (videoSec / TARGET_REALTIME_X) * 1000),
        measurement('render_bare', 'same ffmpeg command, bare', bareMs),
      ],
      realtimeMultiple: Math.round(realtimeMultiple * 100) / 100,
      oursOverBare: Math.round(oursOverBare * 1000) / 1000,
      oursOverBareMin: Math.round((Math.min(...oursMs) / Math.min(...bareMs)) * 1000) / 1000,
      oursOverBarePairedMedian: Math.round(median(oursMs.map((o, i) => o / bareMs[i])) * 1000) / 1000,
      peakRss: {
        nodeMiB: mib(process.resourceUsage().maxRSS * 1024),
        ffmpegOursMiB: ffmpegOursPeak ? mib(ffmpegOursPeak) : null,
        ffmpegBareMiB: ffmpegBarePeak ? mib(ffmpegBarePeak) : null,
      },
      videoBytes: probe.sizeBytes,
      withinTargets: { realtime: realtimeMultiple >= TARGET_REALTIME_X, ratio: oursOverBare <= TARGET_RATIO },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    unhook();
  }
}

export function printRenderBench(r: RenderBenchResult): void {
  const m = r.machine;
  console.log('\n=== render: 1080x1920 30 fps H.264/AAC short, two ffmpeg runs (sound, video) ===');
  console.log(`  machine: ${m.cpuModel}, ${m.logicalCores} logical cores, ${m.totalRamGiB} GiB RAM, ${m.platform}`);
  console.log(`           node ${m.node}, ffmpeg ${m.ffmpeg}, espeak-ng ${m.espeak}, load average (1 min) ${m.loadAvg1m}`);
  console.log(
    `  video: ${r.videoSec} s, ${r.sentences} sentences, x264 preset ${r.preset}, ${(r.videoBytes / 1024 / 1024).toFixed(2)} MiB; espeak-ng (cold, all sentences): ${fmtMs(r.espeakColdMs)}\n`,
  );
  printMeasurements(r.measurements);
  console.log(
    `\n  real-time multiple (video s / median wall s): ${r.realtimeMultiple}x (target >= ${TARGET_REALTIME_X}x: ${r.withinTargets.realtime ? 'yes' : 'NO'})` +
      `\n  ours / bare (medians): ${r.oursOverBare} (target <= ${TARGET_RATIO}: ${r.withinTargets.ratio ? 'yes' : 'NO'}); minimums ${r.oursOverBareMin}, median of paired runs ${r.oursOverBarePairedMedian}` +
      `\n  peak RSS: node ${r.peakRss.nodeMiB} MiB, ffmpeg (ours) ${r.peakRss.ffmpegOursMiB ?? '-'} MiB, ffmpeg (bare) ${r.peakRss.ffmpegBareMiB ?? '-'} MiB\n`,
  );
}

if (isMain(import.meta.url)) {
  const result = await runRenderBench(benchRuns({ BENCH_RUNS: process.env.BENCH_RUNS ?? '3' }));
  printRenderBench(result);
  printJsonLine({ bench: 'render', ...result });
}
