// The render plan: the length guard (fitSegments) and the ffmpeg command line and subtitle files of one render (planRender).
import path from 'node:path';
import type { RenderInput } from './types.js';
import type { MusicBed, ResolvedRendererOptions } from './ffmpeg.js';
import { buildCaptionsAss, buildDisclosureAss, buildSceneAss, buildScenesAss, captionStates, escapeFilterValue, oneLine } from './ffmpeg-ass.js';
import { FPS, HEIGHT, WIDTH } from './ffmpeg-layout.js';
import type { Composition } from './composition.js';
import { buildComposition, CANVAS } from './scenes.js';
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
  /** A decodable product image (absolute path) and its size, or undefined: the scenes are generated from the product's data. */
  imagePath?: string;
  imageSize?: { width: number; height: number };
  /**
   * The image's format (from its magic bytes): ffmpeg is given that demuxer
   * explicitly (`-f png_pipe` …), never left to guess. Default 'png'.
   */
  imageFormat?: ImageFormat;
  /** Where the speech is inside each kept sentence's file (silence trimmed); default the whole file. */
  speech?: { startSec: number; endSec: number }[];
  /** A private directory for the generated subtitle files. */
  workDir: string;
  videoOut: string;
  thumbnailOut: string;
  renderKey: string;
}

export interface RenderPlan {
  /**
   * The first ffmpeg run (without -progress): the sound track (the sentences joined, the music bed,
   * loudness), written to `audioOut`. Apart from the video because loudnorm (192 kHz, a 3 s
   * look-ahead) added about 100 MB to the one-run graph's peak (measured with ffmpeg 5.1); each run
   * alone stays well under that sum (bench/worker-memory.ts).
   */
  audioArgs: string[];
  /** The sound track's file (32-bit float WAV in workDir): the video run's last input. */
  audioOut: string;
  /** The second ffmpeg run (without -progress): the video graph, the sound track muxed in, and the thumbnail. */
  args: string[];
  /** Generated files the graph reads (the ASS files): write them before running ffmpeg. */
  files: { path: string; content: string }[];
  durationSec: number;
  frames: number;
  /** Distinct caption states (a word highlighted, or no page): libass draws each once. */
  states: number;
  background: 'image' | 'product-data';
  timeline: { text: string; startSec: number; endSec: number }[];
  /** The video as data (scenes, captions, audio): what the graph draws. */
  composition: Composition;
}

/** The caption band (transparent, overlaid on every frame) and the disclosure band at the top. */
const CAPTION_BAND = { w: WIDTH, h: 260 };
const DISCLOSURE_BAND = { w: WIDTH, h: 110 };
/**
 * The thumbnail is the video's frame just after the first word appears (the hook scene with its
 * first words), and no later than this one. An early frame matters: ffmpeg 5.1 holds the frames
 * before it while the thumbnail output waits, about 50 MB more at frame 24 than at frame 2.
 */
const THUMB_FRAME_MAX = 24;

/**
 * Builds the two ffmpeg command lines (the sound track, then the video) and the
 * subtitle files for one render (pure: touches no file).
 *
 * The video: one scene per sentence. Each scene is composed ONCE as a still
 * (background gradient or blurred product image, the product image, the
 * scene's text drawn by libass), in yuv420p from the start (an RGB still of
 * the 1188x2112 canvas is 7.5 MB, and every scene's lives through the run), and repeated by
 * `loop`; the camera moves by `crop` with a per-frame offset (a pan over a
 * canvas 10 % larger than the frame, free: crop only moves pointers) or, on
 * image scenes, the product image alone zooms (one small bilinear scale per
 * frame). Scenes slide in over each other: the two frames where the slide
 * starts, stacked once, with the frame window moving across them. The captions are
 * rendered by libass once per state (one per spoken word) on a transparent
 * band that `fps` repeats and `overlay` blends on every frame; the disclosure
 * band likewise, from one frame. Per output frame the work is a crop, two small
 * blends and x264. The thumbnail is one frame of the same graph.
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
  const background = files.imagePath ? 'image' : 'product-data';
  const composition = buildComposition(
    kept.map((s, i) => ({
      text: s.text,
      audioPath: path.resolve(s.audioPath),
      startSec: timeline[i].startSec,
      durationSec: s.durationSec,
      speech: files.speech?.[i] ?? { startSec: 0, endSec: s.durationSec },
    })),
    {
      title: input.title,
      productTitle: input.productTitle,
      brand: input.brand,
      priceLabel: input.priceLabel,
      category: input.category,
      rating: input.rating,
      reviewCount: input.reviewCount,
      disclosure: input.disclosure,
      language: input.language,
      linkCue: input.linkCue,
      imagePath: files.imagePath,
    },
    { fontFile: opts.fontFile, durationSec },
  );

  const fontsDir = path.dirname(path.resolve(opts.fontFile));
  const assFilter = (file: string, alpha = false) =>
    `ass=filename=${escapeFilterValue(file)}:fontsdir=${escapeFilterValue(fontsDir)}${alpha ? ':alpha=1' : ''}`;
  const assFiles: RenderPlan['files'] = [];
  const args: string[] = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'warning'];
  const graph: string[] = [];
  let audioBase = 0;

  // The product image, decoded once and split to every scene that uses it.
  const scenes = composition.scenes;
  const imageUses = scenes.reduce((n, s) => n + (s.background.kind === 'blurred-image' ? 1 : 0) + (s.image ? 1 : 0), 0);
  const imageLabels: string[] = [];
  if (files.imagePath && imageUses) {
    // An explicit demuxer: ffmpeg never probes the file to pick one (no playlists, no concat scripts).
    args.push('-f', IMAGE_DEMUXERS[files.imageFormat ?? 'png'], '-i', fileUrl(files.imagePath));
    audioBase = 1;
    for (let k = 0; k < imageUses; k++) imageLabels.push(`[im${k}]`);
    graph.push(`[0:v]trim=end_frame=1,setpts=PTS-STARTPTS,format=rgb24,split=${imageUses}${imageLabels.join('')}`);
  }
  const nextImage = () => imageLabels.shift()!;
  const toYuv = 'scale=out_color_matrix=bt709:out_range=tv,format=yuv420p';

  // Scene i runs from frame B[i] to B[i+1]; all but the last run TF frames longer, under the next one's slide.
  const B = scenes.map((s) => Math.round(s.startSec * FPS)).concat(frames);
  const TF = Math.max(1, Math.round(composition.transitionSec * FPS));
  // Pass 1: each scene's still without text (background, product image). Gradients are smooth, so
  // they are drawn at quarter size and scaled up.
  const geometry = scenes.map((scene, i) => {
    const canvas = scene.motion.kind === 'pan' ? CANVAS : { w: WIDTH, h: HEIGHT };
    const [qw, qh] = [even(canvas.w / 4), even(canvas.h / 4)];
    const chain: string[] = [];
    if (scene.background.kind === 'blurred-image') {
      // A blurred, darkened, enlarged copy fills the canvas (blurred and darkened at quarter size: cheap,
      // and only once; enlarged straight into yuv420p, so no full-size RGB frame is ever made).
      chain.push(
        `${nextImage()}scale=${qw}:${qh}:force_original_aspect_ratio=increase,crop=${qw}:${qh},boxblur=12:2,` +
          `colorchannelmixer=rr=0.55:gg=0.55:bb=0.55,scale=${canvas.w}:${canvas.h}:flags=bicubic:out_color_matrix=bt709:out_range=tv,format=yuv420p`,
      );
    } else {
      const g = scene.background;
      chain.push(
        `gradients=s=${qw}x${qh}:c0=${hexArg(g.from)}:c1=${hexArg(g.to)}:x0=0:y0=0:x1=${qw}:y1=${qh}:nb_colors=2:r=1:d=1,trim=end_frame=1,` +
          `scale=${canvas.w}:${canvas.h}:flags=bilinear:out_color_matrix=bt709:out_range=tv,format=yuv420p`,
      );
    }
    const fitted = scene.image && files.imageSize ? fitInside(files.imageSize, scene.image.box) : undefined;
    const at =
      scene.image && fitted
        ? { x: even(scene.image.box.x + (scene.image.box.w - fitted.w) / 2), y: even(scene.image.box.y + (scene.image.box.h - fitted.h) / 2) }
        : undefined;
    if (scene.image && fitted && at && scene.motion.kind === 'pan') {
      // Placed in yuv420p (at even x and y): an RGB overlay of the canvas cost about 8 MB per scene.
      graph.push(`${nextImage()}scale=${fitted.w}:${fitted.h}:flags=lanczos,${toYuv}[fg${i}]`);
      graph.push(`${chain.join(',')}[bgc${i}]`, `[bgc${i}][fg${i}]overlay=x=${at.x}:y=${at.y}:format=yuv420,setsar=1[pre${i}]`);
    } else graph.push(`${chain.join(',')},setsar=1[pre${i}]`);
    return { canvas, fitted, at };
  });
  // Pass 2: the text of every pan scene, drawn by ONE libass instance (each loads the fonts): the
  // stills go through it as frames 0, 1, 2… (scene k's text is timed [k, k+1) s) and are taken apart again.
  const texted = scenes.map((s, i) => i).filter((i) => scenes[i].texts.length && scenes[i].motion.kind === 'pan');
  const stillOf = (i: number) => (texted.includes(i) ? `[tx${i}]` : `[pre${i}]`);
  if (texted.length) {
    const file = path.join(files.workDir, 'scenes.ass');
    assFiles.push({
      path: file,
      content: buildScenesAss(
        texted.map((i) => scenes[i]),
        CANVAS,
        input.language,
        opts.fontName,
      ),
    });
    const outs = texted.map((i) => `[txa${i}]`).join('');
    graph.push(
      `${texted.map((i) => `[pre${i}]`).join('')}concat=n=${texted.length}:v=1:a=0,settb=1,setpts=N,${assFilter(file)}` +
        (texted.length > 1 ? `,split=${texted.length}${outs}` : outs),
    );
    texted.forEach((i, k) => graph.push(`[txa${i}]select=${escapeFilterValue(`eq(n,${k})`)}[tx${i}]`));
  }
  scenes.forEach((scene, i) => {
    const n = B[i + 1] - B[i] + (i + 1 < scenes.length ? TF : 0);
    const { fitted, at } = geometry[i];
    const chain: string[] = [`${stillOf(i)}null`];
    if (scene.texts.length && !texted.includes(i)) {
      const file = path.join(files.workDir, `scene-${i}.ass`);
      assFiles.push({ path: file, content: buildSceneAss(scene, geometry[i].canvas, input.language, opts.fontName) });
      chain.push(assFilter(file));
    }
    // The scene's frames come in pieces: the head slides in over the previous scene, the tail slides
    // out under the next one (one frame each: where the slide starts), the body plays alone. Each
    // piece repeats the scene's still itself (loop), so no frame waits in a queue for a later piece.
    const cuts: { label: string; start: number; count: number }[] = [];
    if (i > 0) cuts.push({ label: `hd${i}`, start: 0, count: 1 });
    const bodyStart = i > 0 ? TF : 0;
    const bodyEnd = i + 1 < scenes.length ? n - TF : n;
    cuts.push({ label: `bd${i}`, start: bodyStart, count: bodyEnd - bodyStart });
    if (i + 1 < scenes.length) cuts.push({ label: `tl${i}`, start: n - TF, count: 1 });
    const loop = (count: number) => `loop=loop=${count - 1}:size=1:start=0,settb=1/${FPS},setpts=N,fps=${FPS}`;
    const progress = (start: number) => `(n+${start})/${Math.max(1, n - 1)}`;
    const fan = (label: string, chainText: string) => {
      if (cuts.length === 1) graph.push(`${chainText}[${label}0]`);
      else graph.push(`${chainText},split=${cuts.length}${cuts.map((_, k) => `[${label}${k}]`).join('')}`);
    };
    if (scene.motion.kind === 'pan') {
      const { from, to } = scene.motion;
      fan(`st${i}_`, chain.join(','));
      const expr = (a0: number, b0: number, start: number) => escapeFilterValue(`${even(a0)}+${even(b0) - even(a0)}*${progress(start)}`);
      cuts.forEach((c, k) =>
        graph.push(`[st${i}_${k}]${loop(c.count)},crop=${WIDTH}:${HEIGHT}:x=${expr(from.x, to.x, c.start)}:y=${expr(from.y, to.y, c.start)}[${c.label}]`),
      );
    } else if (scene.image && fitted && at) {
      // The product image zooms in about its centre: scaled a little more each frame, cut back to its box.
      const z = scene.motion.zoomTo - 1;
      fan(`zb${i}_`, chain.join(','));
      fan(`zf${i}_`, `${nextImage()}scale=${fitted.w}:${fitted.h}:flags=lanczos,${toYuv}`);
      cuts.forEach((c, k) => {
        const grow = escapeFilterValue(`2*trunc(${fitted.w}*(1+${z}*${progress(c.start)})/2)`);
        graph.push(
          `[zf${i}_${k}]${loop(c.count)},scale=w=${grow}:h=-2:eval=frame:flags=bilinear,crop=${fitted.w}:${fitted.h},setsar=1[zi${i}_${k}]`,
          `[zb${i}_${k}]${loop(c.count)}[zl${i}_${k}]`,
          `[zl${i}_${k}][zi${i}_${k}]overlay=x=${at.x}:y=${at.y},setsar=1[${c.label}]`,
        );
      });
    } else {
      fan(`st${i}_`, chain.join(','));
      cuts.forEach((c, k) => graph.push(`[st${i}_${k}]${loop(c.count)},crop=${WIDTH}:${HEIGHT}[${c.label}]`));
    }
  });
  // A slide: the outgoing and the incoming frame side by side (or stacked), once, and the frame
  // window moving across the pair. Not xfade: its queued inputs and outputs cost about 25 MB per
  // transition (measured with ffmpeg 5.1), for three frames.
  const pieces: string[] = [];
  scenes.forEach((scene, i) => {
    if (i > 0) {
      const kind = scene.transitionIn ?? 'slideleft';
      const [first, second] = kind === 'slideleft' || kind === 'slideup' ? [`[tl${i - 1}]`, `[hd${i}]`] : [`[hd${i}]`, `[tl${i - 1}]`];
      const along = kind === 'slideleft' || kind === 'slideright' ? { stack: 'hstack', size: WIDTH, axis: 'x' } : { stack: 'vstack', size: HEIGHT, axis: 'y' };
      const step = (k: string) => `${along.size}*(${k}+1)/${TF + 1}`;
      const offset = kind === 'slideleft' || kind === 'slideup' ? step('n') : `${along.size}-${step('n')}`;
      graph.push(
        `${first}${second}${along.stack}=inputs=2,loop=loop=${TF - 1}:size=1:start=0,settb=1/${FPS},setpts=N,fps=${FPS},` +
          `crop=${WIDTH}:${HEIGHT}:${along.axis === 'x' ? `x=${escapeFilterValue(offset)}:y=0` : `x=0:y=${escapeFilterValue(offset)}`}[xf${i}]`,
      );
      pieces.push(`[xf${i}]`);
    }
    pieces.push(`[bd${i}]`);
  });
  graph.push(`${pieces.join('')}concat=n=${pieces.length}:v=1:a=0,settb=1/${FPS},setpts=N[scenes]`);
  const video = '[scenes]';

  // Captions: one libass render per state on a transparent band, repeated by fps, blended on every frame.
  const states = captionStates(composition.captions);
  const statesMs = states.length ? [0] : [];
  for (const s of states) {
    if (s.start * 10 > statesMs[statesMs.length - 1]) statesMs.push(s.start * 10);
    if (s.end * 10 > statesMs[statesMs.length - 1]) statesMs.push(s.end * 10);
  }
  statesMs.push(Math.max(Math.round(durationSec * 1000), (statesMs[statesMs.length - 1] ?? 0) + 1));
  const firstWords = states.find((s) => s.words.length);
  const thumbFrame = Math.min(THUMB_FRAME_MAX, firstWords ? Math.ceil((firstWords.start / 100) * FPS) + 1 : 0, frames - 1);
  const ptsExpr = statesMs.map((ms, n) => (n === 0 ? String(ms) : `eq(N,${n})*${ms}`)).join('+');
  const captionsPath = path.join(files.workDir, 'captions.ass');
  const disclosurePath = path.join(files.workDir, 'disclosure.ass');
  assFiles.push(
    { path: captionsPath, content: buildCaptionsAss(states, composition, CAPTION_BAND, input.language, opts.fontName) },
    { path: disclosurePath, content: buildDisclosureAss(composition, DISCLOSURE_BAND, input.language, opts.fontName) },
  );
  const transparent = (b: { w: number; h: number }) => `color=c=black@0:s=${b.w}x${b.h}:r=1:d=1,format=rgba,trim=end_frame=1`;
  const captionTop = even(composition.captionStyle.centerY - CAPTION_BAND.h / 2);
  const disclosureTop = even(composition.disclosure.centerY - DISCLOSURE_BAND.h / 2);
  graph.push(
    `${transparent(CAPTION_BAND)},loop=loop=${statesMs.length - 1}:size=1:start=0,settb=1/1000,setpts=${escapeFilterValue(ptsExpr)},` +
      `${assFilter(captionsPath, true)},scale=out_color_matrix=bt709:out_range=tv,format=yuva420p,fps=${FPS}[cap]`,
    `${transparent(DISCLOSURE_BAND)},${assFilter(disclosurePath, true)},scale=out_color_matrix=bt709:out_range=tv,format=yuva420p[disc]`,
    `${video}[cap]overlay=x=0:y=${captionTop}:eof_action=repeat[vc]`,
    `[vc][disc]overlay=x=0:y=${disclosureTop}:eof_action=repeat,trim=end_frame=${frames},split=2[vout][thumbsrc]`,
    `[thumbsrc]trim=start_frame=${thumbFrame}:end_frame=${thumbFrame + 1},setpts=PTS-STARTPTS,scale=in_color_matrix=bt709:in_range=tv,format=rgb24[thumb]`,
  );
  // The sound track: its own run (audioArgs), read back here as the video run's last input.
  const audioOut = path.join(files.workDir, 'soundtrack.wav');
  args.push('-f', 'wav', '-i', fileUrl(audioOut));
  const soundtrack = `${audioBase}:a`;
  const audioArgs: string[] = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'warning'];
  const audioGraph: string[] = [];
  for (const s of kept) audioArgs.push('-i', fileUrl(path.resolve(s.audioPath)));

  const gapSamples = Math.round(opts.gapSec * AUDIO_RATE);
  const tailSamples = Math.round(opts.tailPadSec * AUDIO_RATE);
  const labels = kept.map((_, i) => {
    const pad = i === kept.length - 1 ? tailSamples : gapSamples;
    audioGraph.push(`[${i}:a]aformat=sample_fmts=fltp:sample_rates=${AUDIO_RATE}:channel_layouts=stereo,apad=pad_len=${pad}[a${i}]`);
    return `[a${i}]`;
  });
  // Loudness as the platforms normalize it: about -14 LUFS integrated, true peak under -1 dBTP
  // (YouTube, TikTok and Instagram play at about -14 LUFS; a quieter video sounds weak next to
  // the others). One pass (dynamic mode) keeps it one ffmpeg run; loudnorm works at 192 kHz, so
  // the result is resampled back.
  const loudnorm = `loudnorm=I=${LOUDNESS.integratedLufs}:TP=${LOUDNESS.truePeakDb}:LRA=${LOUDNESS.lra},aresample=${AUDIO_RATE}`;
  const voice = `${labels.join('')}concat=n=${kept.length}:v=0:a=1`;
  if (opts.musicBed.kind === 'off') audioGraph.push(`${voice},${loudnorm}[aout]`);
  else {
    // A quiet music bed under the voice, ducked while someone speaks (the voice is the compressor's key).
    const music = musicSource(opts.musicBed, durationSec, kept.length);
    if (opts.musicBed.kind === 'file') audioArgs.push('-stream_loop', '-1', '-f', opts.musicBed.demuxer, '-i', fileUrl(opts.musicBed.path));
    audioGraph.push(
      `${voice},asplit=2[voice][voicekey]`,
      `${music}[bed]`,
      `[bed][voicekey]sidechaincompress=threshold=0.02:ratio=12:attack=20:release=400[ducked]`,
      `[voice][ducked]amix=inputs=2:duration=first:normalize=0,${loudnorm}[aout]`,
    );
  }

  audioArgs.push(
    '-filter_complex',
    audioGraph.join(';'),
    '-map',
    '[aout]',
    '-ar',
    String(AUDIO_RATE),
    '-ac',
    '2',
    '-c:a',
    'pcm_f32le',
    '-f',
    'wav',
    fileUrl(audioOut),
  );

  args.push(
    '-filter_complex',
    graph.join(';'),
    // The video.
    '-map',
    '[vout]',
    '-map',
    soundtrack,
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
    audioArgs,
    audioOut,
    args,
    files: assFiles,
    durationSec,
    frames,
    states: statesMs.length,
    background,
    timeline,
    composition,
  };
}

/** A chord progression (Am F C G, 4 s each) of soft sine pads, computed at 12 kHz (cheap) and resampled. */
const CHORDS = [
  [220, 261.63, 329.63],
  [174.61, 220, 261.63],
  [261.63, 329.63, 392],
  [196, 246.94, 293.66],
];

/** The music bed's filter chain (without its output label), `durationSec` long, about -24 dBFS before ducking. */
function musicSource(bed: Exclude<MusicBed, { kind: 'off' }>, durationSec: number, inputIndex: number): string {
  const d = durationSec.toFixed(3);
  const fade = `afade=t=in:d=0.8,afade=t=out:st=${Math.max(0, durationSec - 1.2).toFixed(3)}:d=1.2`;
  if (bed.kind === 'file') {
    return `[${inputIndex}:a]aformat=sample_fmts=fltp:sample_rates=${AUDIO_RATE}:channel_layouts=stereo,atrim=end=${d},asetpts=PTS-STARTPTS,volume=0.2,${fade}`;
  }
  const pick = (k: number) => CHORDS.reduceRight((acc, chord, c) => (c === CHORDS.length - 1 ? String(chord[k]) : `if(eq(ld(0),${c}),${chord[k]},${acc})`), '');
  // m: the time inside the chord; the envelope rises and falls 0.4 s at each end (no clicks).
  const expr =
    `st(0,floor(mod(t,16)/4));st(1,mod(t,4));0.05*min(1,ld(1)/0.4)*min(1,(4-ld(1))/0.4)*` +
    `(sin(2*PI*${pick(0)}*t)+sin(2*PI*${pick(1)}*t)+0.7*sin(2*PI*${pick(2)}*t))`;
  return (
    `aevalsrc=exprs=${escapeFilterValue(expr)}:s=12000:d=${d},lowpass=f=1800,` +
    `aresample=${AUDIO_RATE},aformat=sample_fmts=fltp:sample_rates=${AUDIO_RATE}:channel_layouts=stereo,${fade}`
  );
}

/** Fits an image of `size` inside `box` (aspect kept), in even pixels. */
function fitInside(size: { width: number; height: number }, box: { w: number; h: number }): { w: number; h: number } {
  const k = Math.min(box.w / size.width, box.h / size.height);
  return { w: Math.max(2, even(size.width * k)), h: Math.max(2, even(size.height * k)) };
}

function even(x: number): number {
  return Math.round(x / 2) * 2;
}

/** '#rrggbb' as ffmpeg's 0xRRGGBB. */
function hexArg(hex: string): string {
  return `0x${hex.slice(1)}`;
}

export function commentFor(key: string): string {
  return `affiliate-empire render ${key}`;
}

function fileUrl(p: string): string {
  // `file:` keeps a path with a colon from being read as a protocol.
  return `file:${path.resolve(p)}`;
}
