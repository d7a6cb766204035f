import fs from 'node:fs/promises';
import path from 'node:path';
import { Context, heartbeat } from '@temporalio/activity';
import { recordCost } from '../../analytics/costs.js';
import type { Db } from '../../db.js';
import type { VideoRenderer } from '../../providers/renderer/types.js';
import type { MediaStorage } from '../../providers/storage/types.js';
import type { Notifier } from '../../providers/notifier/index.js';
import type { VoiceProvider, VoiceSegment } from '../../providers/voice/types.js';
import type { Language } from '../../providers/writer/types.js';
import { formatPrice } from '../../domain/format.js';
import { detectImageFormat, IMAGE_EXTENSIONS, IMAGE_FORMATS, IMAGE_MAGIC_BYTES, type ImageFormat } from '../../domain/image-format.js';
import { safeFetch } from '../../net/safe-fetch.js';
import { PLATFORMS, type PlatformName } from '../../domain/platforms.js';
import { platformCuts, type PlatformCut } from '../../domain/platform-cuts.js';
import { Prisma } from '@prisma/client';

export interface GenerateVideosInput {
  videoIds: string[];
  /** How many videos render at once on this worker (CPU-bound). */
  batchSize: number;
  maxDurationSec: number;
  /** The run's platforms: one cut is rendered per distinct call to action among them (default all). */
  platforms?: PlatformName[];
}

export interface GenerateVideosResult {
  videosGenerated: number;
  readyVideoIds: string[];
  failed: { videoId: string; error: string }[];
}

export interface VideoDeps {
  db: Db;
  voice: VoiceProvider;
  /** The offline voice used when the paid one refuses the account (quota, key): espeak-ng. */
  fallbackVoice?: VoiceProvider;
  /** USD per minute of paid speech (segments that report usage), for the cost ledger. */
  voicePricePerMinute?: number;
  notifier?: () => Notifier;
  renderer: VideoRenderer;
  storage: MediaStorage;
  fetchImages: boolean;
  costPerVideo: number;
}

const IMAGE_FETCH_TIMEOUT_MS = 4000;
/** A product picture larger than this is not a product picture. */
const IMAGE_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Step 5: voice + render for each video, a bounded number at a time. The
 * activity heartbeats with its progress; a retry skips videos already READY and
 * the renderer reuses finished files, so no work is done twice.
 */
export function videoActivities(deps: VideoDeps) {
  const { db } = deps;

  async function renderOne(videoId: string, maxDurationSec: number, platforms: PlatformName[], onProgress: (f: number) => void): Promise<void> {
    const video = await db.video.findUniqueOrThrow({ where: { id: videoId }, include: { content: true, product: true } });
    if (video.status !== 'PENDING' && video.status !== 'RENDERING' && video.status !== 'FAILED') return; // already rendered
    await db.video.update({ where: { id: videoId }, data: { status: 'RENDERING', errorMessage: null } });
    const renderStart = performance.now();
    const base = `videos/${videoId}`;
    const workDir = deps.storage.localPath(`${base}/work`);
    await fs.mkdir(workDir, { recursive: true });
    const language = video.content.language as Language;
    const sentences = video.content.script.split('\n').filter((s) => s.trim());
    // One cut per distinct call to action ("link in the description" for YouTube, "link in bio"
    // for TikTok and Instagram); every distinct sentence is spoken once.
    const cuts = platformCuts(sentences, language, platforms);
    const spoken = [...new Set(cuts.flatMap((c) => c.sentences))];
    const { segments: voiced, voice } = await speak(spoken, language, path.join(workDir, 'voice'), video.workflowId ?? undefined);
    const byText = new Map(voiced.map((s, i) => [spoken[i], s]));
    const segments = (c: PlatformCut) => c.sentences.map((t) => byText.get(t)!);
    const image = deps.fetchImages ? await fetchProductImage(video.product.imageUrls[0], path.join(workDir, 'product-image')) : undefined;
    const files = cuts.map((c, i) =>
      i === 0
        ? { video: `${base}/video.mp4`, thumb: `${base}/thumbnail.png` }
        : { video: `${base}/video-${c.key}.mp4`, thumb: `${base}/thumbnail-${c.key}.png` },
    );
    const outs = [];
    for (const [i, cut] of cuts.entries()) {
      outs.push(
        await deps.renderer.render({
          videoId,
          language,
          segments: segments(cut),
          title: video.content.title,
          productTitle: video.product.title,
          brand: video.product.brand,
          category: video.product.category,
          rating: video.product.rating,
          reviewCount: video.product.reviewCount,
          linkCue: cut.linkCue,
          // The same price text the script speaks.
          priceLabel: formatPrice(Number(video.product.price), video.product.currency, language),
          imagePath: image?.path,
          imageFormat: image?.format,
          disclosure: video.content.disclosure,
          videoPath: deps.storage.localPath(files[i].video),
          thumbnailPath: deps.storage.localPath(files[i].thumb),
          maxDurationSec,
          onProgress: (f) => onProgress((i + f) / cuts.length),
          // A cancelled run stops ffmpeg instead of letting it finish a video nobody wants.
          signal: Context.current().cancellationSignal,
        }),
      );
      await deps.storage.commit(files[i].video);
      await deps.storage.commit(files[i].thumb);
    }
    const out = outs[0];
    const platformVideos = Object.fromEntries(cuts.slice(1).flatMap((c, k) => c.platforms.map((p) => [p, files[k + 1].video])));
    await db.video.update({
      where: { id: videoId },
      data: {
        status: 'READY',
        // For the render-cost metric (render seconds per video-second).
        renderSeconds: (performance.now() - renderStart) / 1000,
        videoPath: files[0].video,
        platformVideos: Object.keys(platformVideos).length ? platformVideos : Prisma.DbNull,
        thumbnailPath: files[0].thumb,
        durationSeconds: out.durationSec,
        width: out.width,
        height: out.height,
        sizeBytes: BigInt(out.sizeBytes),
      },
    });
    // The cost ledger: one entry per generated video (keyed, so a retry cannot count it twice).
    await recordCost(db, {
      key: `video:${videoId}`,
      kind: 'VIDEO',
      productId: video.productId,
      videoId,
      provider: `${voice.name}+${deps.renderer.name}`,
      amount: deps.costPerVideo,
    });
    const paidSeconds = voiced.filter((s) => s.usage && !s.usage.cached).reduce((sum, s) => sum + s.durationSec, 0);
    if (paidSeconds > 0 && deps.voicePricePerMinute) {
      await recordCost(db, {
        key: `voice:${videoId}`,
        kind: 'API_CALL',
        productId: video.productId,
        videoId,
        provider: voice.name,
        amount: (paidSeconds / 60) * deps.voicePricePerMinute,
      });
    }
  }

  /**
   * The configured voice, or, when it refuses the account (exhausted quota, bad
   * key), the offline voice with one alert per run: a video is never lost to a billing problem.
   */
  async function speak(sentences: string[], language: Language, dir: string, workflowId?: string): Promise<{ segments: VoiceSegment[]; voice: VoiceProvider }> {
    try {
      return { segments: await deps.voice.synthesize(sentences, language, dir), voice: deps.voice };
    } catch (err) {
      if ((err as Error).name !== 'OpenAIVoiceAccountError' || !deps.fallbackVoice) throw err;
      const code = (err as { code?: string }).code ?? 'account';
      await deps.notifier?.().notify({
        kind: 'provider_alert',
        level: 'WARNING',
        title: `OpenAI TTS: ${code}, videos fall back to ${deps.fallbackVoice.name}`,
        message: `${(err as Error).message}\nThis run continues with the offline voice; fix it before the next run.`,
        workflowId,
        data: { provider: 'openai-tts', code },
        dedupeKey: `provider-alert:openai-tts:${code}:${workflowId ?? 'none'}`,
      });
      return { segments: await deps.fallbackVoice.synthesize(sentences, language, dir), voice: deps.fallbackVoice };
    }
  }

  return {
    async generateVideosForContent(input: GenerateVideosInput): Promise<GenerateVideosResult> {
      const ctx = Context.current();
      const progress = new Map<string, number>(input.videoIds.map((id) => [id, 0]));
      const beat = () =>
        heartbeat({ done: [...progress.values()].filter((p) => p >= 1).length, total: input.videoIds.length, progress: Object.fromEntries(progress) });
      const failed: { videoId: string; error: string }[] = [];
      const queue = [...input.videoIds];
      const workers = Array.from({ length: Math.max(1, Math.min(input.batchSize, queue.length)) }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          if (ctx.cancellationSignal.aborted) return;
          try {
            await renderOne(id, input.maxDurationSec, input.platforms?.length ? input.platforms : [...PLATFORMS], (f) => {
              progress.set(id!, f);
              beat();
            });
            progress.set(id, 1);
          } catch (err) {
            const message = (err as Error).message.slice(0, 2000);
            failed.push({ videoId: id, error: message });
            await db.video.update({ where: { id }, data: { status: 'FAILED', errorMessage: message } }).catch(() => undefined);
          }
          beat();
        }
      });
      await Promise.all(workers);
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('cancelled');
      const ready = await db.video.findMany({ where: { id: { in: input.videoIds }, status: 'READY' }, select: { id: true } });
      const readyIds = new Set(ready.map((v) => v.id));
      if (readyIds.size === 0 && input.videoIds.length > 0) {
        // Nothing rendered: fail the attempt so the retry policy applies (and the run reports it).
        throw new Error(`No video could be rendered: ${failed[0]?.error ?? 'unknown error'}`);
      }
      return {
        videosGenerated: readyIds.size,
        readyVideoIds: input.videoIds.filter((id) => readyIds.has(id)),
        failed: failed.filter((f) => !readyIds.has(f.videoId)),
      };
    },
  };
}

/**
 * Test hook: lets the image fetch reach loopback servers started by a test.
 * Honoured only when BOTH NODE_ENV=test and FETCH_ALLOW_INTERNAL_FOR_TESTS=1;
 * read at call time so a test can set it around one run. Deliberately not a
 * config setting: production never fetches internal addresses.
 */
function imageFetchAllowsInternal(): boolean {
  return process.env.NODE_ENV === 'test' && process.env.FETCH_ALLOW_INTERNAL_FOR_TESTS === '1';
}

/** The running activity's cancellation signal (undefined outside an activity, e.g. in a unit test). */
function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

function logImageSkipped(reason: string): void {
  try {
    Context.current().log.warn('product image not used: the scenes are drawn from the product data', { reason });
  } catch {
    console.warn(`product image not used (${reason}): the scenes are drawn from the product data`);
  }
}

/**
 * Fetches the product image when the network allows, through safeFetch: only
 * public http(s) hosts, at most 10 MB, within IMAGE_FETCH_TIMEOUT_MS, and only a
 * PNG, JPEG, WebP or GIF by its magic bytes. Any refusal or failure is logged and
 * gives undefined: the renderer then draws the scenes from the product's data (the video never fails
 * because of its picture).
 */
export async function fetchProductImage(url: string | undefined, outBase: string): Promise<{ path: string; format: ImageFormat } | undefined> {
  if (!url) return undefined;
  // A retry reuses the picture an earlier attempt stored (written atomically, checked again here).
  for (const format of IMAGE_FORMATS) {
    const file = outBase + IMAGE_EXTENSIONS[format];
    const head = await readHead(file);
    if (head && detectImageFormat(head) === format) return { path: file, format };
  }
  try {
    const { bytes } = await safeFetch(url, {
      maxBytes: IMAGE_MAX_BYTES,
      timeoutMs: IMAGE_FETCH_TIMEOUT_MS,
      maxRedirects: 3,
      allowInternal: imageFetchAllowsInternal(),
      label: 'image URL',
      publicHint: 'product images must be on the public internet',
      headers: { accept: 'image/png,image/jpeg,image/webp,image/gif' },
      signal: activitySignal(),
    });
    const format = detectImageFormat(bytes);
    if (!format) {
      logImageSkipped(`image URL ${displayHost(url)} did not return a PNG, JPEG, WebP or GIF picture`);
      return undefined;
    }
    const file = outBase + IMAGE_EXTENSIONS[format];
    const tmp = `${file}.partial-${process.pid}`;
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
    return { path: file, format };
  } catch (err) {
    logImageSkipped((err as Error).message);
    return undefined;
  }
}

async function readHead(file: string): Promise<Buffer | undefined> {
  try {
    const fh = await fs.open(file, 'r');
    try {
      const { buffer, bytesRead } = await fh.read(Buffer.alloc(IMAGE_MAGIC_BYTES), 0, IMAGE_MAGIC_BYTES, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return undefined; // not fetched yet
  }
}

function displayHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}
