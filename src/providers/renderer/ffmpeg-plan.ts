// The render plan: the length guard (fitSegments) and the ffmpeg command line and subtitle files of one render (planRender).
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { RenderInput } from './types.js';
import type { ResolvedRendererOptions } from './ffmpeg.js';
import { buildCaptionsAss, buildStaticAss, escapeFilterValue, oneLine } from './ffmpeg-ass.js';
import { FPS, HEIGHT, IMAGE_BOX, WIDTH } from './ffmpeg-layout.js';
import { IMAGE_DEMUXERS, type ImageFormat } from '../../domain/image-format.js';

const AUDIO_RATE = 48_000;
/**
 * The loudness settings of every video (loudnorm, EBU R128 terms), aimed so that the result is what
 * the platforms normalize to, about -14 LUFS integrated with true peak under -1 dBTP: the true-peak
 * limit leaves 1 dB for the AAC encoder's overshoot, and the integrated target sits 0.5 LU above -14
 * because the limiter takes about that much (measured by bench/video-quality.ts: -14.9 LUFS, -1.5 dBTP).
 */
export const LOUDNESS = { integratedLufs: -13.5, truePeakDb: -2, lra: 11 } as const;

/** Even the first sentence plus the disclosure are longer than maxDurationSec. */
export class RenderTooLongError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderTooLongError';
  }
}

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
    throw new RenderTooLongError(
      `the disclosure alone takes ${total(keep).toFixed(1)} s, longer than the ${maxSec} s limit: shorten it or raise maxDurationSec.`,
    );
  }
  return { keep, dropped: durations.length - keep.length, totalSec: total(keep) };
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
  const staticAss = buildStaticAss({
    title: input.title,
    brand: input.brand,
    priceLabel: input.priceLabel,
    disclosure: input.disclosure,
    language: input.language,
    background,
    fontName: opts.fontName,
  });
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
  // Loudness as the platforms normalize it: about -14 LUFS integrated, true peak under -1 dBTP
  // (YouTube, TikTok and Instagram play at about -14 LUFS; a quieter video sounds weak next to
  // the others). One pass (dynamic mode) keeps it one ffmpeg run; loudnorm works at 192 kHz, so
  // the result is resampled back.
  graph.push(
    `${labels.join('')}concat=n=${kept.length}:v=0:a=1,loudnorm=I=${LOUDNESS.integratedLufs}:TP=${LOUDNESS.truePeakDb}:LRA=${LOUDNESS.lra},aresample=${AUDIO_RATE}[aout]`,
  );

  args.push(
    '-filter_complex',
    graph.join(';'),
    // The video.
    '-map',
    '[vout]',
    '-map',
    '[aout]',
    '-r',
    String(FPS),
    '-c:v',
    'libx264',
    '-preset',
    opts.preset,
    '-crf',
    String(opts.crf),
    '-pix_fmt',
    'yuv420p',
    '-profile:v',
    'high',
    ...(opts.threads ? ['-threads:v', String(opts.threads)] : []),
    '-colorspace',
    'bt709',
    '-color_primaries',
    'bt709',
    '-color_trc',
    'bt709',
    '-color_range',
    'tv',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-ar',
    String(AUDIO_RATE),
    '-ac',
    '2',
    '-metadata',
    `title=${oneLine(input.title).slice(0, 200)}`,
    '-metadata',
    `comment=${commentFor(files.renderKey)}`,
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    fileUrl(files.videoOut),
    // The thumbnail: the first caption state of the same graph (the hook on screen).
    '-map',
    '[thumb]',
    '-frames:v',
    '1',
    '-c:v',
    'png',
    '-update',
    '1',
    '-f',
    'image2',
    fileUrl(files.thumbnailOut),
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

export function commentFor(key: string): string {
  return `affiliate-empire render ${key}`;
}

function fileUrl(p: string): string {
  // `file:` keeps a path with a colon from being read as a protocol.
  return `file:${path.resolve(p)}`;
}
