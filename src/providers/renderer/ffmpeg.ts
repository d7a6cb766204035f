// The offline video renderer: two ffmpeg runs per video, the sound track
// (a WAV in the render's work directory) and then the video: one -filter_complex
// graph, two outputs (the MP4 and a PNG thumbnail from the same graph).
//
// The video is one scene per sentence (hook, features, rating, price, call to
// action, disclosure) laid out from the product's data (scenes.ts), with the
// product image when there is one, camera motion, slide transitions, and
// word-by-word captions timed inside each sentence's audio (word-timing.ts).
// How the graph stays cheap on 2 cores is explained at planRender
// (ffmpeg-plan.ts): every still is composed once, motion is a crop or a small
// scale, captions are drawn once per word. Audio is the sentence WAVs joined by
// the concat filter with a 0.15 s gap, loudness-normalized, in the first run.
//
// Length guard: when the speech is longer than maxDurationSec (default 60),
// trailing sentences are dropped but the LAST one (the disclosure) is always
// kept; when even the first sentence plus the disclosure do not fit, the render
// fails with a RenderTooLongError (nothing is written).
//
// This file holds FfmpegRenderer and its options; the plan is in ffmpeg-plan.ts,
// the subtitle files in ffmpeg-ass.ts, the ffprobe checks in ffmpeg-probe.ts.
import { createHash, randomBytes } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { VoiceSegment } from '../voice/types.js';
import type { RenderInput, RenderOutput, VideoRenderer } from './types.js';
import { ffprobeJson, runFfmpeg, type FfmpegRunResult } from './ffmpeg-run.js';
import { HEIGHT, WIDTH } from './ffmpeg-layout.js';
import { commentFor, fitSegments, planRender, type SegmentFit } from './ffmpeg-plan.js';
import { checkImage, probeVideo, type VideoProbe } from './ffmpeg-probe.js';
import type { Composition } from './composition.js';
import { speechSpan } from './word-timing.js';
import type { ImageFormat } from '../../domain/image-format.js';

export { FPS, HEIGHT, WIDTH } from './ffmpeg-layout.js';
export { fitSegments, LOUDNESS, planRender, RenderTooLongError, type PlanFiles, type RenderPlan, type SegmentFit } from './ffmpeg-plan.js';
export { assTime, buildCaptionsAss, buildSceneAss, captionStates, escapeAssText, escapeFilterValue } from './ffmpeg-ass.js';
export type { Composition, CompScene, CaptionPage } from './composition.js';
export { moovBeforeMdat, probeVideo, type VideoProbe } from './ffmpeg-probe.js';

export const DEFAULT_FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
/** Bump when the look changes: a finished video from an older version is rendered again. */
export const RENDER_VERSION = 4;

/**
 * An optional quiet music bed under the voice, ducked while someone speaks: off, a generated pad,
 * or an audio file (looped, cut to length, faded), read with the demuxer of its extension.
 */
export type MusicBed = { kind: 'off' } | { kind: 'generated' } | { kind: 'file'; path: string; demuxer: string };

export type X264Preset = 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium';

export interface FfmpegRendererOptions {
  ffmpegPath?: string;
  ffprobePath?: string;
  /** x264 preset (default ultrafast: every frame of the scenes moves; superfast and veryfast are near 2x real time on 2 cores). */
  preset?: X264Preset;
  /** x264 constant rate factor (default 23). */
  crf?: number;
  /** x264 threads (0: ffmpeg's default, about 1.5 × cores). Fewer threads use less memory. */
  threads?: number;
  /** The caption font file (default DejaVu Sans Bold); libass loads the fonts of its directory. */
  fontFile?: string;
  /** The family name of fontFile (default "DejaVu Sans"; the styles are bold). */
  fontName?: string;
  /** Silence between sentences in seconds (default 0.15). */
  gapSec?: number;
  /** Silence after the last sentence in seconds (default 0.5). */
  tailPadSec?: number;
  /** Kill ffmpeg after this long (default 10 min). */
  timeoutMs?: number;
  /** Where the per-render working directory (the generated subtitle files) is made (default the OS temp dir). */
  tmpDir?: string;
  /** Record ffmpeg's peak RSS (Linux /proc) in lastRun (benchmarks). */
  measureMemory?: boolean;
  /** A music bed under the voice (default off). */
  musicBed?: MusicBed;
}

export type ResolvedRendererOptions = Required<FfmpegRendererOptions>;

export interface FfmpegRenderOutput extends RenderOutput {
  droppedSentences: number;
  reused: boolean;
  warnings: string[];
  /** Where each kept sentence is in the video: its caption is on screen from startSec to endSec. */
  timeline: { text: string; startSec: number; endSec: number }[];
}

export class FfmpegRenderer implements VideoRenderer {
  readonly name = 'ffmpeg';
  readonly options: ResolvedRendererOptions;
  /** The last ffmpeg run (timings and, with measureMemory, peak RSS); undefined after a reuse. */
  lastRun: FfmpegRunResult | undefined;
  /** The composition the last render drew (scenes, captions, audio); undefined after a reuse. */
  lastComposition: Composition | undefined;

  constructor(opts: FfmpegRendererOptions = {}) {
    this.options = {
      ffmpegPath: opts.ffmpegPath ?? 'ffmpeg',
      ffprobePath: opts.ffprobePath ?? 'ffprobe',
      preset: opts.preset ?? 'ultrafast',
      crf: opts.crf ?? 23,
      threads: opts.threads ?? 0,
      fontFile: opts.fontFile ?? DEFAULT_FONT_FILE,
      fontName: opts.fontName ?? 'DejaVu Sans',
      gapSec: opts.gapSec ?? 0.15,
      tailPadSec: opts.tailPadSec ?? 0.5,
      timeoutMs: opts.timeoutMs ?? 600_000,
      tmpDir: opts.tmpDir ?? os.tmpdir(),
      measureMemory: opts.measureMemory ?? false,
      musicBed: opts.musicBed ?? { kind: 'off' },
    };
    const o = this.options;
    if (!Number.isFinite(o.crf) || o.crf < 0 || o.crf > 51) throw new RangeError(`crf must be 0..51, got ${o.crf}`);
    if (!(o.gapSec >= 0 && o.gapSec <= 5)) throw new RangeError(`gapSec must be 0..5, got ${o.gapSec}`);
    if (!(o.tailPadSec >= 0 && o.tailPadSec <= 5)) throw new RangeError(`tailPadSec must be 0..5, got ${o.tailPadSec}`);
  }

  async render(input: RenderInput): Promise<FfmpegRenderOutput> {
    this.lastRun = undefined;
    this.lastComposition = undefined;
    validateInput(input);
    const videoPath = path.resolve(input.videoPath);
    const thumbnailPath = path.resolve(input.thumbnailPath);
    const fit = fitSegments(
      input.segments.map((s) => s.durationSec),
      input.maxDurationSec ?? 60,
      this.options.gapSec,
      this.options.tailPadSec,
    );
    const key = await renderKey(input, this.options);

    const existing = await this.reusable(videoPath, thumbnailPath, key);
    if (existing) {
      input.onProgress?.(1);
      return {
        videoPath,
        thumbnailPath,
        durationSec: existing.durationSec,
        width: existing.width,
        height: existing.height,
        sizeBytes: existing.sizeBytes,
        droppedSentences: fit.dropped,
        reused: true,
        warnings: [],
        timeline: timelineOf(input.segments, fit, this.options.gapSec),
      };
    }

    const bed = this.options.musicBed;
    if (bed.kind === 'file' && !fsSync.existsSync(bed.path))
      throw new Error(`the music bed ${bed.path} does not exist: fix MUSIC_BED (a file path, generated or off)`);
    if (!fsSync.existsSync(this.options.fontFile)) {
      throw new Error(`font not found: ${this.options.fontFile}: run npm run setup or apt-get install fonts-dejavu-core`);
    }
    const warnings: string[] = [];
    let image: string | undefined;
    let imageFormat: ImageFormat | undefined;
    let imageSize: { width: number; height: number } | undefined;
    if (input.imagePath) {
      const checked = await checkImage(input.imagePath, input.imageFormat, this.options.ffprobePath);
      if ('problem' in checked) warnings.push(`product image not used (${checked.problem}): the scenes were generated from the product's data`);
      else {
        image = path.resolve(input.imagePath);
        imageFormat = checked.format;
        imageSize = { width: checked.width, height: checked.height };
      }
    }
    // Where the speech is in each sentence's file: the words of the captions are timed inside it.
    // A file that cannot be read here is left to ffmpeg, whose own error names the problem.
    const speech = await Promise.all(
      fit.keep.map((i) => speechSpan(input.segments[i].audioPath).catch(() => ({ startSec: 0, endSec: input.segments[i].durationSec }))),
    );

    await Promise.all([fs.mkdir(path.dirname(videoPath), { recursive: true }), fs.mkdir(path.dirname(thumbnailPath), { recursive: true })]);
    await Promise.all([removeStalePartials(videoPath, this.options.timeoutMs), removeStalePartials(thumbnailPath, this.options.timeoutMs)]);
    await fs.mkdir(this.options.tmpDir, { recursive: true });
    const workDir = await fs.mkdtemp(path.join(this.options.tmpDir, 'ae-render-'));
    const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const videoTmp = `${videoPath}.partial-${suffix}`;
    const thumbTmp = `${thumbnailPath}.partial-${suffix}`;
    try {
      const plan = planRender(input, this.options, {
        fit,
        imagePath: image,
        imageFormat,
        imageSize,
        speech,
        workDir,
        videoOut: videoTmp,
        thumbnailOut: thumbTmp,
        renderKey: key,
      });
      this.lastComposition = plan.composition;
      await Promise.all(plan.files.map((f) => fs.writeFile(f.path, f.content, 'utf8')));
      const started = Date.now();
      const run = { ffmpegPath: this.options.ffmpegPath, signal: input.signal, measureMemory: this.options.measureMemory };
      // Progress through both runs (the sound track is the first 5 %): the render activity heartbeats on it.
      const progress = (from: number, span: number) => (input.onProgress ? (f: number) => input.onProgress!(from + span * f) : undefined);
      const sound = await runFfmpeg(plan.audioArgs, {
        ...run,
        durationSec: plan.durationSec,
        onProgress: progress(0, 0.05),
        timeoutMs: this.options.timeoutMs,
      });
      const video = await runFfmpeg(plan.args, {
        ...run,
        durationSec: plan.durationSec,
        onProgress: progress(0.05, 0.95),
        timeoutMs: Math.max(1000, this.options.timeoutMs - (Date.now() - started)),
      });
      this.lastRun = {
        elapsedMs: sound.elapsedMs + video.elapsedMs,
        peakRssBytes:
          sound.peakRssBytes === undefined && video.peakRssBytes === undefined ? undefined : Math.max(sound.peakRssBytes ?? 0, video.peakRssBytes ?? 0),
        stderrTail: [sound.stderrTail, video.stderrTail].filter(Boolean).join('\n'),
      };
      const [vStat, tStat] = await Promise.all([fs.stat(videoTmp), fs.stat(thumbTmp)]);
      if (!vStat.size || !tStat.size) throw new Error(`ffmpeg finished but wrote an empty ${!vStat.size ? 'video' : 'thumbnail'}`);
      // The thumbnail first: a video under its final name means both are complete.
      await fs.rename(thumbTmp, thumbnailPath);
      await fs.rename(videoTmp, videoPath);
      return {
        videoPath,
        thumbnailPath,
        durationSec: round3(plan.durationSec),
        width: WIDTH,
        height: HEIGHT,
        sizeBytes: vStat.size,
        droppedSentences: fit.dropped,
        reused: false,
        warnings,
        timeline: plan.timeline.map((c) => ({ text: c.text, startSec: round3(c.startSec), endSec: round3(c.endSec) })),
      };
    } finally {
      await Promise.all([fs.rm(workDir, { recursive: true, force: true }), fs.rm(videoTmp, { force: true }), fs.rm(thumbTmp, { force: true })]);
    }
  }

  /** Both final files exist, the video carries this render's key and both probe as expected. */
  private async reusable(videoPath: string, thumbnailPath: string, key: string): Promise<VideoProbe | undefined> {
    if (!fsSync.existsSync(videoPath) || !fsSync.existsSync(thumbnailPath)) return undefined;
    try {
      const [video, thumb] = await Promise.all([
        probeVideo(videoPath, this.options.ffprobePath),
        ffprobeJson(thumbnailPath, ['-show_streams'], this.options.ffprobePath),
      ]);
      const t = thumb.streams?.[0];
      const ok =
        video.comment === commentFor(key) &&
        video.width === WIDTH &&
        video.height === HEIGHT &&
        video.videoCodec === 'h264' &&
        video.audioCodec === 'aac' &&
        video.durationSec > 0 &&
        t?.codec_name === 'png' &&
        t.width === WIDTH &&
        t.height === HEIGHT;
      return ok ? video : undefined;
    } catch {
      return undefined;
    }
  }
}

function timelineOf(segments: VoiceSegment[], fit: SegmentFit, gapSec: number) {
  let t = 0;
  return fit.keep.map((i) => {
    const s = segments[i];
    const entry = { text: s.text, startSec: round3(t), endSec: round3(t + s.durationSec) };
    t += s.durationSec + gapSec;
    return entry;
  });
}

// ---------------------------------------------------------------- inputs, keys, partial files

function validateInput(input: RenderInput): void {
  if (!input.segments.length) throw new Error('render: no speech segments (the voice step produced nothing)');
  input.segments.forEach((s, i) => {
    if (!(Number.isFinite(s.durationSec) && s.durationSec > 0)) throw new Error(`render: segment ${i + 1} has an invalid duration ${s.durationSec}`);
    if (!fsSync.existsSync(s.audioPath)) throw new Error(`render: the audio of segment ${i + 1} is missing: ${s.audioPath}`);
  });
  if (path.resolve(input.videoPath) === path.resolve(input.thumbnailPath)) throw new Error('render: videoPath and thumbnailPath are the same file');
}

/** A hash of everything that shapes the output: a finished file with another key is rendered again. */
async function renderKey(input: RenderInput, opts: ResolvedRendererOptions): Promise<string> {
  const h = createHash('sha1');
  let imageHash: string | null = null;
  if (input.imagePath) {
    try {
      imageHash = createHash('sha1')
        .update(await fs.readFile(input.imagePath))
        .digest('hex');
    } catch {
      imageHash = 'unreadable';
    }
  }
  const bed =
    opts.musicBed.kind === 'file'
      ? await fs.stat(opts.musicBed.path).then(
          (st) => ({ size: st.size, mtime: st.mtimeMs }),
          () => null,
        )
      : null;
  const segments = await Promise.all(input.segments.map(async (s) => ({ text: s.text, d: s.durationSec, size: (await fs.stat(s.audioPath)).size })));
  h.update(
    JSON.stringify({
      v: RENDER_VERSION,
      o: [opts.preset, opts.crf, opts.fontFile, opts.fontName, opts.gapSec, opts.tailPadSec, opts.musicBed],
      language: input.language,
      title: input.title,
      brand: input.brand,
      price: input.priceLabel,
      productTitle: input.productTitle ?? null,
      category: input.category ?? null,
      rating: input.rating ?? null,
      reviews: input.reviewCount ?? null,
      linkCue: input.linkCue ?? null,
      disclosure: input.disclosure,
      max: input.maxDurationSec ?? 60,
      segments,
      imageHash,
      bed,
    }),
  );
  return h.digest('hex').slice(0, 20);
}

/**
 * Temporary outputs of a render that crashed (killed with the machine) stay
 * behind under `<final>.partial-*`; any older than the render timeout cannot
 * belong to a running render and are removed.
 */
async function removeStalePartials(finalPath: string, timeoutMs: number): Promise<void> {
  const dir = path.dirname(finalPath);
  const prefix = `${path.basename(finalPath)}.partial-`;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - timeoutMs - 60_000;
  await Promise.all(
    names
      .filter((n) => n.startsWith(prefix))
      .map(async (n) => {
        const file = path.join(dir, n);
        const st = await fs.stat(file).catch(() => undefined);
        if (st && st.mtimeMs < cutoff) await fs.rm(file, { force: true });
      }),
  );
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
