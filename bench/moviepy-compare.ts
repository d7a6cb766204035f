// Benchmark (issue 13's proof): the same ~30 s short rendered by our renderer (one ffmpeg run) and by
// MoviePy 2.x, the peers' renderer (MoneyPrinterTurbo and similar projects), side by side in one run.
//
//   npx tsx bench/moviepy-compare.ts                  (BENCH_RUNS=n pairs, default 3)
//   npx tsx bench/moviepy-compare.ts --composition bench/moviepy/sample-composition.json
//                                                     (MoviePy only, on a composition file)
//
// Ours renders a template script spoken by espeak-ng with a product image; the composition it drew
// (renderer.lastComposition: scenes, texts, motion, caption pages, audio) is written as JSON and
// bench/moviepy/render.py draws the same composition with MoviePy. Runs alternate (ours, MoviePy)
// after one untimed warm-up of each, so both see the same machine load. Measured per run: wall time,
// and peak memory of everything that renders: ours is one ffmpeg process (its VmHWM); MoviePy is
// python plus the ffmpeg processes it spawns (readers of each WAV, the audio and video writers), so
// the RSS of the whole process tree is summed every 50 ms (/usr/bin/time would report only the
// largest single process). Both outputs are checked: 1080x1920, 30 fps, H.264 + AAC, same length.
//
// The bench venv (.tools/bench-venv, bench/moviepy/requirements.txt) is created when missing
// (bench/moviepy/moviepy-run.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Composition } from '../src/providers/renderer/composition.js';
import { FfmpegRenderer, probeVideo, type VideoProbe } from '../src/providers/renderer/ffmpeg.js';
import type { RenderInput } from '../src/providers/renderer/types.js';
import { EspeakVoice } from '../src/providers/voice/espeak.js';
import { TemplateScriptWriter } from '../src/providers/writer/template.js';
import {
  BENCH_VAR_DIR,
  benchRuns,
  fmtMiB,
  isMain,
  machineInfo,
  measurement,
  median,
  memoryMeasurement,
  printJsonLine,
  printMachine,
  printMeasurements,
  printTable,
  PROJECT_ROOT,
  type MachineInfo,
  type Measurement,
  type MemoryMeasurement,
} from './lib.js';
import { BENCH_PRODUCT } from './video-quality.js';
import { ensureBenchVenv, MEMORY_POLL_MS, renderWithMoviePy, type MoviePyRun } from './moviepy/moviepy-run.js';

const DURATION_TOLERANCE_SEC = 0.1;
const MIB = 1024 * 1024;

// ---------------------------------------------------------------- our render and its composition

/** The input of our render (the template script of bench/video-quality.ts, about 30 s spoken by espeak-ng). */
async function prepareOurInput(dir: string): Promise<(run: string) => RenderInput> {
  const script = new TemplateScriptWriter().writeSync({
    product: BENCH_PRODUCT,
    language: 'en',
    trackedUrl: 'https://links.example.com/r/AbCd1234-yt',
    seed: 'bench:video-quality',
  });
  const segments = await new EspeakVoice().synthesize(script.sentences, 'en', path.join(dir, 'voice'));
  const image = path.join(dir, 'product.png');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'mandelbrot=s=1000x1000', '-frames:v', '1', image]);
  return (run) => ({
    videoId: `bench-moviepy-${run}`,
    language: 'en',
    segments,
    title: script.title,
    brand: BENCH_PRODUCT.brand,
    priceLabel: '$29.99',
    productTitle: 'Voltix PowerCore Slim 10000mAh Portable Charger, USB-C Power Bank with 20W Fast Charging, Black',
    category: BENCH_PRODUCT.category,
    rating: BENCH_PRODUCT.rating,
    reviewCount: BENCH_PRODUCT.reviewCount,
    linkCue: 'Link in the description ↓',
    imagePath: image,
    imageFormat: 'png',
    disclosure: script.disclosure,
    videoPath: path.join(dir, 'ours', 'video.mp4'),
    thumbnailPath: path.join(dir, 'ours', 'thumb.png'),
  });
}

/** The files a composition refers to that do not exist (relative paths are from the repository root, as render.py runs there). */
function missingFiles(comp: Composition): string[] {
  const files = [comp.fontFile, ...comp.audio.map((a) => a.path), ...comp.scenes.flatMap((s) => (s.image ? [s.image.path] : []))];
  return [...new Set(files)].filter((f) => !fs.existsSync(path.resolve(PROJECT_ROOT, f)));
}

// The fields the bench reads; render.py reads the rest (and fails loudly on a malformed file).
const CompositionFile = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  fps: z.number().positive(),
  durationSec: z.number().positive(),
  captions: z.array(z.unknown()),
  fontFile: z.string(),
  audio: z.array(z.object({ path: z.string() })).min(1),
  scenes: z.array(z.object({ image: z.object({ path: z.string() }).optional() })).min(1),
});

function readCompositionFile(file: string): Composition {
  const raw: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  const check = CompositionFile.safeParse(raw);
  if (!check.success) throw new Error(`${file} is not a composition: ${check.error.message}`);
  return raw as Composition;
}

// ---------------------------------------------------------------- the comparison

export type OutputSummary = Pick<VideoProbe, 'durationSec' | 'sizeBytes' | 'width' | 'height' | 'fps' | 'videoCodec' | 'audioCodec'> & { file: string };

export interface MoviePyCompareResult {
  machine: MachineInfo & { ffmpeg: string; python: string; moviepy: string };
  mode: 'ours-vs-moviepy' | 'moviepy-only';
  composition: string;
  videoSec: number;
  scenes: number;
  captionPages: number;
  measurements: Measurement[];
  memory: MemoryMeasurement[];
  /** median(MoviePy) / median(ours), and the median of the per-pair ratios (steadier under other load). */
  timeRatio: number | null;
  timeRatioPairedMedian: number | null;
  realTimeMultiple: { ours: number | null; moviepy: number };
  /** Medians of render.py's own phases: interpreter and imports, building the clips, writing the file. */
  moviepyPhasesSec: { import: number; build: number; write: number };
  outputs: { ours: OutputSummary | null; moviepy: OutputSummary };
  problems: string[];
}

function summarize(p: VideoProbe, file: string): OutputSummary {
  const { durationSec, sizeBytes, width, height, fps, videoCodec, audioCodec } = p;
  return { durationSec: Math.round(durationSec * 1000) / 1000, sizeBytes, width, height, fps, videoCodec, audioCodec, file: path.relative(PROJECT_ROOT, file) };
}

function outputProblems(label: string, o: OutputSummary, comp: Composition): string[] {
  const problems: string[] = [];
  if (o.width !== comp.width || o.height !== comp.height) problems.push(`${label}: ${o.width}x${o.height}, expected ${comp.width}x${comp.height}`);
  if (o.fps !== comp.fps) problems.push(`${label}: ${o.fps} fps, expected ${comp.fps}`);
  if (o.videoCodec !== 'h264' || o.audioCodec !== 'aac')
    problems.push(`${label}: ${o.videoCodec ?? 'no video'} + ${o.audioCodec ?? 'no audio'}, expected h264 + aac`);
  if (Math.abs(o.durationSec - comp.durationSec) > DURATION_TOLERANCE_SEC)
    problems.push(`${label}: ${o.durationSec} s, the composition says ${comp.durationSec} s`);
  return problems;
}

function toolVersion(cmd: string, args: string[], re: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return re.exec(out)?.[1] ?? out.split('\n')[0];
  } catch {
    return 'not installed';
  }
}

const mib = (bytes: number) => bytes / MIB;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Both renderers encode with our default x264 preset. */
const X264_PRESET = new FfmpegRenderer().options.preset;

export async function runMoviePyCompare(opts: { runs: number; compositionFile?: string }): Promise<MoviePyCompareResult> {
  const venv = ensureBenchVenv();
  const dir = path.join(BENCH_VAR_DIR, 'moviepy-compare');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const moviepyOut = path.join(dir, 'moviepy', 'video.mp4');
  const oursOut = path.join(dir, 'ours', 'video.mp4');

  let comp: Composition;
  let compositionFile: string;
  let renderOurs: (() => Promise<{ ms: number; peakBytes: number }>) | undefined;
  if (opts.compositionFile) {
    compositionFile = path.resolve(opts.compositionFile);
    comp = readCompositionFile(compositionFile);
  } else {
    const input = await prepareOurInput(dir);
    const renderer = new FfmpegRenderer({ measureMemory: true });
    let run = 0;
    renderOurs = async () => {
      fs.rmSync(path.dirname(oursOut), { recursive: true, force: true });
      const t0 = performance.now();
      const out = await renderer.render(input(String(run++)));
      const ms = performance.now() - t0;
      if (out.reused) throw new Error('the renderer reused a finished file: the benchmark must render');
      return { ms, peakBytes: renderer.lastRun?.peakRssBytes ?? 0 };
    };
    console.log('  warm-up: ours …');
    await renderOurs();
    const last = renderer.lastComposition;
    if (!last) throw new Error('FfmpegRenderer.render() left no lastComposition: the renderer must expose the composition it drew');
    comp = last;
    compositionFile = path.join(dir, 'composition.json');
    fs.writeFileSync(compositionFile, JSON.stringify(comp, null, 2));
  }
  const missing = missingFiles(comp);
  if (missing.length) {
    const hint = opts.compositionFile
      ? 'for the sample, run bash bench/moviepy/make-sample-media.sh first'
      : 'the composition must refer to files that outlive the render (the voice WAVs and the input image, not the renderer’s work directory)';
    throw new Error(`the composition refers to missing files: ${missing.join(', ')}: ${hint}`);
  }

  console.log(`  warm-up: MoviePy ${venv.moviepy} …`);
  await renderWithMoviePy(venv.python, compositionFile, moviepyOut, X264_PRESET);
  const oursMs: number[] = [];
  const oursPeak: number[] = [];
  const mp: MoviePyRun[] = [];
  for (let i = 1; i <= opts.runs; i++) {
    let line = `  run ${i}/${opts.runs}:`;
    if (renderOurs) {
      const o = await renderOurs();
      oursMs.push(o.ms);
      oursPeak.push(o.peakBytes);
      line += ` ours ${(o.ms / 1000).toFixed(1)} s (ffmpeg ${fmtMiB(mib(o.peakBytes))}) ·`;
    }
    const m = await renderWithMoviePy(venv.python, compositionFile, moviepyOut, X264_PRESET);
    mp.push(m);
    console.log(`${line} MoviePy ${(m.ms / 1000).toFixed(1)} s (tree ${fmtMiB(mib(m.treePeakBytes))})`);
  }

  const moviepySummary = summarize(await probeVideo(moviepyOut), moviepyOut);
  const oursSummary = renderOurs ? summarize(await probeVideo(oursOut), oursOut) : null;
  const problems = outputProblems('MoviePy', moviepySummary, comp);
  if (oursSummary) {
    problems.push(...outputProblems('ours', oursSummary, comp));
    const diff = Math.abs(oursSummary.durationSec - moviepySummary.durationSec);
    if (diff > DURATION_TOLERANCE_SEC) problems.push(`the two outputs differ in length by ${diff.toFixed(3)} s (tolerance ${DURATION_TOLERANCE_SEC} s)`);
  }

  const mpMs = mp.map((m) => m.ms);
  const measurements = [
    ...(oursMs.length ? [measurement('render_ours', `ours: FfmpegRenderer.render() (one ffmpeg run)`, oursMs)] : []),
    measurement('render_moviepy', `MoviePy ${venv.moviepy}: render.py (python + ffmpeg)`, mpMs),
  ];
  const memory = [
    ...(oursPeak.length ? [memoryMeasurement('peak_rss_ours', 'ours: ffmpeg peak RSS (VmHWM)', oursPeak.map(mib))] : []),
    memoryMeasurement(
      'peak_rss_moviepy_tree',
      `MoviePy: python + children, summed RSS (sampled every ${MEMORY_POLL_MS} ms)`,
      mp.map((m) => mib(m.treePeakBytes)),
    ),
    memoryMeasurement(
      'peak_rss_moviepy_python',
      'MoviePy: python alone (ru_maxrss)',
      mp.map((m) => mib(m.pythonPeakBytes)),
    ),
    memoryMeasurement(
      'peak_rss_moviepy_child',
      'MoviePy: its largest child, the encoding ffmpeg (ru_maxrss)',
      mp.map((m) => mib(m.largestChildPeakBytes)),
    ),
  ];
  const videoSec = oursSummary?.durationSec ?? moviepySummary.durationSec;
  return {
    machine: {
      ...machineInfo('not used'),
      ffmpeg: toolVersion('ffmpeg', ['-version'], /ffmpeg version (\S+)/),
      python: toolVersion(venv.python, ['--version'], /Python (\S+)/),
      moviepy: venv.moviepy,
    },
    mode: renderOurs ? 'ours-vs-moviepy' : 'moviepy-only',
    composition: path.relative(PROJECT_ROOT, compositionFile),
    videoSec,
    scenes: comp.scenes.length,
    captionPages: comp.captions.length,
    measurements,
    memory,
    timeRatio: oursMs.length ? round2(median(mpMs) / median(oursMs)) : null,
    timeRatioPairedMedian: oursMs.length ? round2(median(mpMs.map((m, i) => m / oursMs[i]))) : null,
    realTimeMultiple: { ours: oursMs.length ? round2(videoSec / (median(oursMs) / 1000)) : null, moviepy: round2(videoSec / (median(mpMs) / 1000)) },
    moviepyPhasesSec: {
      import: round2(median(mp.map((m) => m.report.importSec))),
      build: round2(median(mp.map((m) => m.report.buildSec))),
      write: round2(median(mp.map((m) => m.report.writeSec))),
    },
    outputs: { ours: oursSummary, moviepy: moviepySummary },
    problems,
  };
}

export function printMoviePyCompare(r: MoviePyCompareResult): void {
  const m = r.machine;
  const what = r.mode === 'ours-vs-moviepy' ? 'ours vs MoviePy: the same' : 'MoviePy alone: a';
  console.log(`\n=== ${what} ${r.videoSec.toFixed(1)} s 1080x1920 30 fps short ===`);
  printMachine(m);
  console.log(`           ffmpeg ${m.ffmpeg} (both renderers), python ${m.python}, moviepy ${m.moviepy}`);
  console.log(`  composition: ${r.composition} (${r.scenes} scenes, ${r.captionPages} caption pages)\n`);
  printMeasurements(r.measurements);
  console.log('');
  printTable(
    ['peak memory', 'runs', 'median', 'min', 'max'],
    r.memory.map((x) => [x.label, String(x.samplesMiB.length), fmtMiB(x.medianMiB), fmtMiB(x.minMiB), fmtMiB(x.maxMiB)]),
  );
  const ratio = r.timeRatio === null ? '' : `  time MoviePy / ours: ${r.timeRatio}x (medians), ${r.timeRatioPairedMedian}x (median of paired runs)\n`;
  const rt = r.realTimeMultiple;
  const ph = r.moviepyPhasesSec;
  console.log(
    `\n${ratio}  real-time multiple: ${rt.ours === null ? '' : `ours ${rt.ours}x, `}MoviePy ${rt.moviepy}x` +
      `\n  MoviePy phases (medians): python start + imports ${ph.import} s, building the clips ${ph.build} s, writing ${ph.write} s`,
  );
  const rows = Object.entries(r.outputs)
    .filter((e): e is [string, OutputSummary] => e[1] !== null)
    .map(([k, o]) => [
      k,
      `${o.width}x${o.height}`,
      `${o.fps}`,
      `${o.videoCodec}+${o.audioCodec}`,
      `${o.durationSec.toFixed(3)} s`,
      fmtMiB(mib(o.sizeBytes)),
      o.file,
    ]);
  console.log('');
  printTable(['output', 'size', 'fps', 'codecs', 'duration', 'file size', 'file'], rows);
  console.log(
    r.problems.length
      ? `\n  CHECKS FAILED:\n${r.problems.map((p) => `    - ${p}`).join('\n')}\n`
      : `\n  checks: ${r.outputs.ours ? 'both outputs' : 'the output'} as expected\n`,
  );
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({ options: { composition: { type: 'string' } } });
  const result = await runMoviePyCompare({ runs: benchRuns({ BENCH_RUNS: process.env.BENCH_RUNS ?? '3' }), compositionFile: values.composition });
  printMoviePyCompare(result);
  printJsonLine({ bench: 'moviepy-compare', ...result });
  if (result.problems.length) process.exitCode = 1;
}
