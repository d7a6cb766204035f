// The offline video renderer: ONE ffmpeg run per video, one -filter_complex
// graph, two outputs (the MP4 and a PNG thumbnail from the same graph).
//
// How the graph stays cheap on 2 cores: everything static (the blurred
// background, the product image or the title card, the disclosure, brand and
// price) is composed ONCE on a single frame; the `loop` filter repeats it once
// per caption state (a sentence on screen, or the gap after it), libass draws
// each state's caption once, and the `fps` filter turns the states into 30 fps
// by repeating frame references. Per output frame, only x264 works. Audio is
// the sentence WAVs joined by the concat filter with a 0.15 s gap, so the
// caption times are the exact audio offsets.
//
// Length guard: when the speech is longer than maxDurationSec (default 60),
// trailing sentences are dropped but the LAST one (the disclosure) is always
// kept; when even the first sentence plus the disclosure do not fit, the render
// fails with a RenderTooLongError (nothing is written).
import { createHash, randomBytes } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Language } from '../writer/types.js';
import type { VoiceSegment } from '../voice/types.js';
import type { RenderInput, RenderOutput, VideoRenderer } from './types.js';
import { ffprobeJson, parseRate, runFfmpeg, type FfmpegRunResult } from './ffmpeg-run.js';
import { detectImageFormat, IMAGE_DEMUXERS, IMAGE_MAGIC_BYTES, type ImageFormat } from '../../domain/image-format.js';

export const WIDTH = 1080;
export const HEIGHT = 1920;
export const FPS = 30;
export const DEFAULT_FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
/** Bump when the look changes: a finished video from an older version is rendered again. */
export const RENDER_VERSION = 1;
const AUDIO_RATE = 48_000;

export type X264Preset = 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium';

export interface FfmpegRendererOptions {
  ffmpegPath?: string;
  ffprobePath?: string;
  /** x264 preset (default veryfast). */
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
}

export type ResolvedRendererOptions = Required<FfmpegRendererOptions>;

export interface FfmpegRenderOutput extends RenderOutput {
  droppedSentences: number;
  reused: boolean;
  warnings: string[];
  /** Where each kept sentence is in the video: its caption is on screen from startSec to endSec. */
  timeline: { text: string; startSec: number; endSec: number }[];
}

/** Even the first sentence plus the disclosure are longer than maxDurationSec. */
export class RenderTooLongError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderTooLongError';
  }
}

export class FfmpegRenderer implements VideoRenderer {
  readonly name = 'ffmpeg';
  readonly options: ResolvedRendererOptions;
  /** The last ffmpeg run (timings and, with measureMemory, peak RSS); undefined after a reuse. */
  lastRun: FfmpegRunResult | undefined;

  constructor(opts: FfmpegRendererOptions = {}) {
    this.options = {
      ffmpegPath: opts.ffmpegPath ?? 'ffmpeg',
      ffprobePath: opts.ffprobePath ?? 'ffprobe',
      preset: opts.preset ?? 'veryfast',
      crf: opts.crf ?? 23,
      threads: opts.threads ?? 0,
      fontFile: opts.fontFile ?? DEFAULT_FONT_FILE,
      fontName: opts.fontName ?? 'DejaVu Sans',
      gapSec: opts.gapSec ?? 0.15,
      tailPadSec: opts.tailPadSec ?? 0.5,
      timeoutMs: opts.timeoutMs ?? 600_000,
      tmpDir: opts.tmpDir ?? os.tmpdir(),
      measureMemory: opts.measureMemory ?? false,
    };
    const o = this.options;
    if (!Number.isFinite(o.crf) || o.crf < 0 || o.crf > 51) throw new RangeError(`crf must be 0..51, got ${o.crf}`);
    if (!(o.gapSec >= 0 && o.gapSec <= 5)) throw new RangeError(`gapSec must be 0..5, got ${o.gapSec}`);
    if (!(o.tailPadSec >= 0 && o.tailPadSec <= 5)) throw new RangeError(`tailPadSec must be 0..5, got ${o.tailPadSec}`);
  }

  async render(input: RenderInput): Promise<FfmpegRenderOutput> {
    this.lastRun = undefined;
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

    if (!fsSync.existsSync(this.options.fontFile)) {
      throw new Error(`font not found: ${this.options.fontFile}: run npm run setup or apt-get install fonts-dejavu-core`);
    }
    const warnings: string[] = [];
    let image: string | undefined;
    let imageFormat: ImageFormat | undefined;
    if (input.imagePath) {
      const checked = await checkImage(input.imagePath, input.imageFormat, this.options.ffprobePath);
      if ('problem' in checked) warnings.push(`product image not used (${checked.problem}): rendered a title card instead`);
      else {
        image = path.resolve(input.imagePath);
        imageFormat = checked.format;
      }
    }

    await Promise.all([fs.mkdir(path.dirname(videoPath), { recursive: true }), fs.mkdir(path.dirname(thumbnailPath), { recursive: true })]);
    await Promise.all([removeStalePartials(videoPath, this.options.timeoutMs), removeStalePartials(thumbnailPath, this.options.timeoutMs)]);
    await fs.mkdir(this.options.tmpDir, { recursive: true });
    const workDir = await fs.mkdtemp(path.join(this.options.tmpDir, 'ae-render-'));
    const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const videoTmp = `${videoPath}.partial-${suffix}`;
    const thumbTmp = `${thumbnailPath}.partial-${suffix}`;
    try {
      const plan = planRender(input, this.options, { fit, imagePath: image, imageFormat, workDir, videoOut: videoTmp, thumbnailOut: thumbTmp, renderKey: key });
      await Promise.all(plan.files.map((f) => fs.writeFile(f.path, f.content, 'utf8')));
      this.lastRun = await runFfmpeg(plan.args, {
        ffmpegPath: this.options.ffmpegPath,
        durationSec: plan.durationSec,
        onProgress: input.onProgress,
        signal: input.signal,
        timeoutMs: this.options.timeoutMs,
        measureMemory: this.options.measureMemory,
      });
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

// ---------------------------------------------------------------- planning

export interface SegmentFit {
  /** Indices of the segments kept, in order (the last segment is always among them). */
  keep: number[];
  dropped: number;
  /** The video length: speech + gaps + tail pad. */
  totalSec: number;
}

/**
 * The length guard: keeps the longest prefix of sentences that, with the last
 * sentence (the disclosure), fits in maxSec. Throws RenderTooLongError when
 * the first sentence and the disclosure alone do not fit.
 */
export function fitSegments(durations: number[], maxSec: number, gapSec: number, tailSec: number): SegmentFit {
  if (!durations.length) throw new Error('no speech segments to render');
  if (!(maxSec > 0)) throw new RangeError(`maxDurationSec must be positive, got ${maxSec}`);
  // Container rounding (an AAC frame, half a video frame) stays within the cap.
  const budget = maxSec - 0.1;
  const total = (idx: number[]) => idx.reduce((s, i) => s + durations[i], 0) + gapSec * (idx.length - 1) + tailSec;
  const last = durations.length - 1;
  const all = durations.map((_, i) => i);
  if (total(all) <= budget) return { keep: all, dropped: 0, totalSec: total(all) };
  let keep = [last];
  for (let k = 0; k < last; k++) {
    const candidate = [...all.slice(0, k + 1), last];
    if (total(candidate) > budget) break;
    keep = candidate;
  }
  if (keep.length < 2 && last > 0) {
    throw new RenderTooLongError(
      `the speech does not fit in ${maxSec} s: the first sentence and the disclosure alone take ${total([0, last]).toFixed(1)} s ` +
        `(of ${total(all).toFixed(1)} s in all). Shorten the script or raise maxDurationSec.`,
    );
  }
  if (total(keep) > budget) {
    throw new RenderTooLongError(`the disclosure alone takes ${total(keep).toFixed(1)} s, longer than the ${maxSec} s limit: shorten it or raise maxDurationSec.`);
  }
  return { keep, dropped: durations.length - keep.length, totalSec: total(keep) };
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

export interface PlanFiles {
  fit: SegmentFit;
  /** A decodable product image (absolute path), or undefined for the title card. */
  imagePath?: string;
  /**
   * The image's format (from its magic bytes): ffmpeg is given that demuxer
   * explicitly (`-f png_pipe` …), never left to guess. Default 'png'.
   */
  imageFormat?: ImageFormat;
  /** A private directory for the generated subtitle files. */
  workDir: string;
  videoOut: string;
  thumbnailOut: string;
  renderKey: string;
}

export interface RenderPlan {
  /** ffmpeg arguments (without -progress): the same graph our renderer runs. */
  args: string[];
  /** Generated files the graph reads (the two ASS files): write them before running ffmpeg. */
  files: { path: string; content: string }[];
  durationSec: number;
  frames: number;
  /** Distinct caption states (caption i on screen, or none): libass draws each once. */
  states: number;
  background: 'image' | 'title-card';
  timeline: { text: string; startSec: number; endSec: number }[];
}

/**
 * Builds the ffmpeg command line and the subtitle files for one render (pure:
 * touches no file).
 *
 * The video branch: the still (background + image or title card) gets the static
 * text (disclosure, brand, title, price) drawn once; the `loop` filter repeats it
 * once per caption state (caption i from its start, nothing in the gap after
 * it); libass draws each state's caption once; `fps` turns the states into a
 * 30 fps stream by repeating frame references, and `trim` cuts it to the audio
 * length. Per output frame, only x264 works. The thumbnail is the first state
 * (the hook on screen), from the same graph.
 */
export function planRender(input: RenderInput, opts: ResolvedRendererOptions, files: PlanFiles): RenderPlan {
  const { fit } = files;
  const kept = fit.keep.map((i) => input.segments[i]);
  const timeline: RenderPlan['timeline'] = [];
  let t = 0;
  for (const s of kept) {
    timeline.push({ text: s.text, startSec: t, endSec: t + s.durationSec });
    t += s.durationSec + opts.gapSec;
  }
  const durationSec = fit.totalSec;
  const frames = Math.max(1, Math.round(durationSec * FPS));
  const background = files.imagePath ? 'image' : 'title-card';

  // Caption states on a centisecond grid (ASS times are centiseconds): the frame
  // of a state is stamped exactly at its event's start, so libass shows it.
  const captionCs = timeline.map((c) => ({ text: c.text, start: Math.round(c.startSec * 100), end: Math.round(c.endSec * 100) }));
  const statesMs: number[] = [];
  const addState = (cs: number) => {
    const ms = cs * 10;
    if (!statesMs.length || ms > statesMs[statesMs.length - 1]) statesMs.push(ms);
  };
  captionCs.forEach((c, i) => {
    addState(c.start);
    const next = captionCs[i + 1];
    if (!next || c.end < next.start) addState(c.end);
  });
  // A closing frame at the very end, so `fps` repeats the last state up to it (cut off by trim).
  statesMs.push(Math.max(Math.round(durationSec * 1000), statesMs[statesMs.length - 1] + 1));
  const ptsExpr = statesMs.map((ms, n) => (n === 0 ? String(ms) : `eq(N,${n})*${ms}`)).join('+');

  const fontsDir = path.dirname(path.resolve(opts.fontFile));
  const staticAss = buildStaticAss({ title: input.title, brand: input.brand, priceLabel: input.priceLabel, disclosure: input.disclosure, language: input.language, background, fontName: opts.fontName });
  const captionsAss = buildCaptionsAss({ captions: captionCs, language: input.language, fontName: opts.fontName });
  const staticPath = path.join(files.workDir, 'static.ass');
  const captionsPath = path.join(files.workDir, 'captions.ass');
  const assFilter = (file: string) => `ass=filename=${escapeFilterValue(file)}:fontsdir=${escapeFilterValue(fontsDir)}`;

  const args: string[] = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'warning'];
  const graph: string[] = [];
  let audioBase = 0;
  if (files.imagePath) {
    // An explicit demuxer: ffmpeg never probes the file to pick one (no playlists, no concat scripts).
    args.push('-f', IMAGE_DEMUXERS[files.imageFormat ?? 'png'], '-i', fileUrl(files.imagePath));
    audioBase = 1;
    graph.push(
      '[0:v]trim=end_frame=1,setpts=PTS-STARTPTS,format=rgba,split=2[bgsrc][fgsrc]',
      // A blurred, darkened, enlarged copy fills the canvas (blurred at quarter size: cheap, and only once).
      `[bgsrc]scale=${WIDTH / 4}:${HEIGHT / 4}:force_original_aspect_ratio=increase,crop=${WIDTH / 4}:${HEIGHT / 4},boxblur=12:2,` +
        `scale=${WIDTH}:${HEIGHT}:flags=bicubic,format=rgb24,colorchannelmixer=rr=0.55:gg=0.55:bb=0.55[bg]`,
      `[fgsrc]scale=${IMAGE_BOX.w}:${IMAGE_BOX.h}:force_original_aspect_ratio=decrease:flags=lanczos[fg]`,
      `[bg][fg]overlay=x=(W-w)/2:y=${IMAGE_BOX.y}+(${IMAGE_BOX.h}-h)/2:format=rgb,format=rgb24[base]`,
    );
  } else {
    const [c0, c1] = paletteFor(input.brand + input.title);
    graph.push(`gradients=s=${WIDTH}x${HEIGHT}:c0=${c0}:c1=${c1}:x0=0:y0=0:x1=${WIDTH}:y1=${HEIGHT}:nb_colors=2:r=1:d=1,trim=end_frame=1,format=rgb24[base]`);
  }
  for (const s of kept) args.push('-i', fileUrl(path.resolve(s.audioPath)));

  graph.push(
    `[base]${assFilter(staticPath)},loop=loop=${statesMs.length - 1}:size=1:start=0,settb=1/1000,setpts=${escapeFilterValue(ptsExpr)},${assFilter(captionsPath)},split=2[states][thumbsrc]`,
    `[states]scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,fps=${FPS},trim=end_frame=${frames}[vout]`,
    `[thumbsrc]trim=end_frame=1[thumb]`,
  );
  const gapSamples = Math.round(opts.gapSec * AUDIO_RATE);
  const tailSamples = Math.round(opts.tailPadSec * AUDIO_RATE);
  const labels = kept.map((_, i) => {
    const pad = i === kept.length - 1 ? tailSamples : gapSamples;
    graph.push(`[${audioBase + i}:a]aformat=sample_fmts=fltp:sample_rates=${AUDIO_RATE}:channel_layouts=stereo,apad=pad_len=${pad}[a${i}]`);
    return `[a${i}]`;
  });
  graph.push(`${labels.join('')}concat=n=${kept.length}:v=0:a=1[aout]`);

  args.push(
    '-filter_complex', graph.join(';'),
    // The video.
    '-map', '[vout]', '-map', '[aout]',
    '-r', String(FPS),
    '-c:v', 'libx264', '-preset', opts.preset, '-crf', String(opts.crf), '-pix_fmt', 'yuv420p', '-profile:v', 'high',
    ...(opts.threads ? ['-threads:v', String(opts.threads)] : []),
    '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv',
    '-c:a', 'aac', '-b:a', '128k', '-ar', String(AUDIO_RATE), '-ac', '2',
    '-metadata', `title=${oneLine(input.title).slice(0, 200)}`,
    '-metadata', `comment=${commentFor(files.renderKey)}`,
    '-movflags', '+faststart',
    '-f', 'mp4', fileUrl(files.videoOut),
    // The thumbnail: the first caption state of the same graph (the hook on screen).
    '-map', '[thumb]', '-frames:v', '1', '-c:v', 'png', '-update', '1', '-f', 'image2', fileUrl(files.thumbnailOut),
  );
  return {
    args,
    files: [
      { path: staticPath, content: staticAss },
      { path: captionsPath, content: captionsAss },
    ],
    durationSec,
    frames,
    states: statesMs.length,
    background,
    timeline,
  };
}

const IMAGE_BOX = { w: 960, h: 900, y: 250 };

const PALETTES: [string, string][] = [
  ['0x0f2027', '0x2c5364'],
  ['0x232526', '0x414345'],
  ['0x141e30', '0x243b55'],
  ['0x3a1c71', '0x6b2d5c'],
  ['0x093028', '0x237a57'],
  ['0x42275a', '0x734b6d'],
];

function paletteFor(seed: string): [string, string] {
  const h = createHash('sha1').update(seed).digest();
  return PALETTES[h[0] % PALETTES.length];
}

function commentFor(key: string): string {
  return `affiliate-empire render ${key}`;
}

function fileUrl(p: string): string {
  // `file:` keeps a path with a colon from being read as a protocol.
  return `file:${path.resolve(p)}`;
}

/**
 * Escapes a value for a filter option inside a -filter_complex graph: first for
 * the option parser (\ ' :), then for the graph parser (\ ' [ ] , ;).
 */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return optionLevel.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

// ---------------------------------------------------------------- ASS

/** ASS colours are &HAABBGGRR (alpha 00 = opaque). */
const STYLE_FORMAT =
  'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding';
const EVENT_FORMAT = 'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text';

const CAPTION = { size: 72, marginX: 70, marginV: 290 };

function styleLine(fontName: string, name: string, size: number, primary: string, outline: string, back: string, borderStyle: 1 | 3, outlineW: number, shadow: number, align: number, marginX: number, marginV: number) {
  const font = fontName.replace(/[,\r\n]/g, ' ');
  return `Style: ${name},${font},${size},${primary},${primary},${outline},${back},-1,0,0,0,100,100,0,0,${borderStyle},${outlineW},${shadow},${align},${marginX},${marginX},${marginV},1`;
}

function assDocument(language: Language, styles: string[], events: string[]): string {
  return [
    '[Script Info]',
    '; Generated by affiliate-empire',
    'ScriptType: v4.00+',
    `PlayResX: ${WIDTH}`,
    `PlayResY: ${HEIGHT}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    `Language: ${language}`,
    '',
    '[V4+ Styles]',
    STYLE_FORMAT,
    ...styles,
    '',
    '[Events]',
    EVENT_FORMAT,
    ...events,
    '',
  ].join('\n');
}

function dialogue(layer: number, start: string, end: string, style: string, text: string, marginV = 0): string {
  return `Dialogue: ${layer},${start},${end},${style},,0,0,${marginV},,${text}`;
}

export interface StaticAssParams {
  title: string;
  brand: string;
  priceLabel: string;
  disclosure: string;
  language: Language;
  background: 'image' | 'title-card';
  fontName: string;
}

/** The text that stays on screen for the whole video, drawn once on the still frame (at t = 0). */
export function buildStaticAss(p: StaticAssParams): string {
  const styles = [
    // The disclosure: white text on a translucent black box at the top.
    styleLine(p.fontName, 'Disclosure', 40, '&H00FFFFFF', '&H64000000', '&H00000000', 3, 12, 0, 8, 60, 56),
    styleLine(p.fontName, 'Brand', 50, '&H00D8F0FF', '&H00000000', '&H96000000', 1, 3, 1, 8, 80, 0),
    styleLine(p.fontName, 'Title', 78, '&H00FFFFFF', '&H00000000', '&H96000000', 1, 4, 2, 5, 80, 80),
    // The price: dark text on a gold box.
    styleLine(p.fontName, 'Price', 80, '&H00101010', '&H0000D7FF', '&H00000000', 3, 18, 0, 8, 80, 0),
  ];
  const [a, b] = [assTime(0), assTime(1)];
  const events: string[] = [];
  if (p.disclosure.trim()) events.push(dialogue(0, a, b, 'Disclosure', escapeAssText(p.disclosure)));
  if (p.background === 'title-card') {
    if (p.brand.trim()) events.push(dialogue(0, a, b, 'Brand', escapeAssText(truncate(oneLine(p.brand), 40).toUpperCase()), 430));
    const title = truncate(oneLine(p.title), 110);
    if (title) events.push(dialogue(0, a, b, 'Title', `{\\pos(${WIDTH / 2},760)}${wrapLongTokens(title, 78, 80)}`));
    if (p.priceLabel.trim()) events.push(dialogue(0, a, b, 'Price', escapeAssText(truncate(oneLine(p.priceLabel), 24)), 1110));
  } else {
    if (p.brand.trim()) events.push(dialogue(0, a, b, 'Brand', escapeAssText(truncate(oneLine(p.brand), 40)), IMAGE_BOX.y + IMAGE_BOX.h + 20));
    if (p.priceLabel.trim()) events.push(dialogue(0, a, b, 'Price', escapeAssText(truncate(oneLine(p.priceLabel), 24)), IMAGE_BOX.y + IMAGE_BOX.h + 95));
  }
  return assDocument(p.language, styles, events);
}

export interface CaptionsAssParams {
  /** Times in centiseconds. */
  captions: { text: string; start: number; end: number }[];
  language: Language;
  fontName: string;
}

/** One Dialogue line per sentence, from its start in the audio to its end: large bold white text, black outline, bottom third. */
export function buildCaptionsAss(p: CaptionsAssParams): string {
  const styles = [styleLine(p.fontName, 'Caption', CAPTION.size, '&H00FFFFFF', '&H00000000', '&H96000000', 1, 6, 2, 2, CAPTION.marginX, CAPTION.marginV)];
  const events = p.captions.map((c) => dialogue(1, assTime(c.start / 100), assTime(c.end / 100), 'Caption', wrapLongTokens(oneLine(c.text), CAPTION.size, CAPTION.marginX)));
  return assDocument(p.language, styles, events);
}

/** H:MM:SS.cc (ASS times are in centiseconds). */
export function assTime(sec: number): string {
  const cs = Math.max(0, Math.round(sec * 100));
  const h = Math.floor(cs / 360000);
  const m = Math.floor((cs % 360000) / 6000);
  const s = Math.floor((cs % 6000) / 100);
  const c = cs % 100;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(c).padStart(2, '0')}`;
}

/**
 * Makes text literal for libass: braces would start override blocks ({\b1}),
 * and a backslash before n, N or h would be a line break or a hard space, so a
 * word joiner (invisible) is put after every backslash. Newlines become spaces.
 */
export function escapeAssText(text: string): string {
  return oneLine(text).replace(/[\\{}]/g, (c) => (c === '\\' ? '\\\u2060' : `\\${c}`));
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1).trimEnd() + '…';
}

/**
 * libass wraps at spaces only: a token wider than the line (a URL, a long
 * compound word) would run off the screen, so it is cut into pieces joined by
 * hard line breaks. Widths are estimated conservatively for DejaVu Sans Bold.
 */
function wrapLongTokens(text: string, fontSize: number, marginX: number): string {
  const maxChars = Math.max(6, Math.floor((WIDTH - 2 * marginX) / (fontSize * 0.72)));
  return text
    .split(' ')
    .map((token) => {
      const chars = [...token];
      if (chars.length <= maxChars) return escapeAssText(token);
      const pieces: string[] = [];
      for (let i = 0; i < chars.length; i += maxChars) pieces.push(escapeAssText(chars.slice(i, i + maxChars).join('')));
      return pieces.join('\\N');
    })
    .join(' ');
}

// ---------------------------------------------------------------- inputs, keys, probing

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
      imageHash = createHash('sha1').update(await fs.readFile(input.imagePath)).digest('hex');
    } catch {
      imageHash = 'unreadable';
    }
  }
  const segments = await Promise.all(
    input.segments.map(async (s) => ({ text: s.text, d: s.durationSec, size: (await fs.stat(s.audioPath)).size })),
  );
  h.update(
    JSON.stringify({
      v: RENDER_VERSION,
      o: [opts.preset, opts.crf, opts.fontFile, opts.fontName, opts.gapSec, opts.tailPadSec],
      language: input.language,
      title: input.title,
      brand: input.brand,
      price: input.priceLabel,
      disclosure: input.disclosure,
      max: input.maxDurationSec ?? 60,
      segments,
      imageHash,
    }),
  );
  return h.digest('hex').slice(0, 20);
}

/**
 * The image's format when it can be used: its magic bytes say PNG, JPEG, WebP or
 * GIF (and agree with the declared format, if any), and ffprobe, told that
 * demuxer explicitly, decodes a picture. Otherwise why not.
 */
async function checkImage(imagePath: string, declared: ImageFormat | undefined, ffprobePath: string): Promise<{ format: ImageFormat } | { problem: string }> {
  const name = path.basename(imagePath);
  let head: Buffer;
  try {
    const fh = await fs.open(imagePath, 'r');
    try {
      const { buffer, bytesRead } = await fh.read(Buffer.alloc(IMAGE_MAGIC_BYTES), 0, IMAGE_MAGIC_BYTES, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    return { problem: (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${imagePath} does not exist` : `${name} cannot be read: ${(err as Error).message}` };
  }
  const format = detectImageFormat(head);
  if (!format) return { problem: `${name} is not a PNG, JPEG, WebP or GIF file` };
  if (declared && declared !== format) return { problem: `${name} was declared ${declared} but its bytes are ${format}` };
  try {
    const out = await ffprobeJson(imagePath, ['-f', IMAGE_DEMUXERS[format], '-show_streams', '-select_streams', 'v:0'], ffprobePath);
    const s = out.streams?.[0];
    if (!s || !s.width || !s.height) return { problem: `${name} has no picture` };
    return { format };
  } catch (err) {
    return { problem: `${name} cannot be decoded: ${(err as Error).message.split('\n').slice(-1)[0]}` };
  }
}

export interface VideoProbe {
  width: number;
  height: number;
  fps: number;
  videoCodec: string | undefined;
  audioCodec: string | undefined;
  pixelFormat: string | undefined;
  durationSec: number;
  sizeBytes: number;
  /** The moov atom comes before mdat (`-movflags +faststart`): playback starts before the download ends. */
  hasFaststart: boolean | undefined;
  comment: string | undefined;
}

/** ffprobe's view of a video file, plus a walk of the top-level MP4 boxes for faststart. */
export async function probeVideo(file: string, ffprobePath = 'ffprobe'): Promise<VideoProbe> {
  const [out, stat, faststart] = await Promise.all([ffprobeJson(file, ['-show_format', '-show_streams'], ffprobePath), fs.stat(file), moovBeforeMdat(file)]);
  const v = out.streams?.find((s) => s.codec_type === 'video');
  const a = out.streams?.find((s) => s.codec_type === 'audio');
  const tags = out.format?.tags ?? {};
  return {
    width: v?.width ?? 0,
    height: v?.height ?? 0,
    fps: Math.round(parseRate(v?.avg_frame_rate || v?.r_frame_rate) * 1000) / 1000,
    videoCodec: v?.codec_name,
    audioCodec: a?.codec_name,
    pixelFormat: v?.pix_fmt,
    durationSec: Number(out.format?.duration ?? v?.duration ?? 0),
    sizeBytes: stat.size,
    hasFaststart: faststart,
    comment: tags.comment ?? tags.COMMENT,
  };
}

/** Walks the top-level ISO-BMFF boxes: true when moov precedes mdat, undefined when not an MP4. */
export async function moovBeforeMdat(file: string): Promise<boolean | undefined> {
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(16);
    let pos = 0;
    for (let n = 0; n < 1000 && pos + 8 <= size; n++) {
      const { bytesRead } = await fh.read(head, 0, 16, pos);
      if (bytesRead < 8) break;
      let boxSize = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (type === 'moov') return true;
      if (type === 'mdat') return false;
      if (boxSize === 1) {
        if (bytesRead < 16) break;
        boxSize = Number(head.readBigUInt64BE(8));
      } else if (boxSize === 0) {
        break;
      }
      if (boxSize < 8) break;
      pos += boxSize;
    }
    return undefined;
  } finally {
    await fh.close();
  }
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
