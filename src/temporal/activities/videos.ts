import fs from 'node:fs/promises';
import path from 'node:path';
import { Context, heartbeat } from '@temporalio/activity';
import { recordCost } from '../../analytics/costs.js';
import type { Db } from '../../db.js';
import type { VideoRenderer } from '../../providers/renderer/types.js';
import type { MediaStorage } from '../../providers/storage/types.js';
import type { VoiceProvider } from '../../providers/voice/types.js';
import type { Language } from '../../providers/writer/types.js';
import { formatPrice } from '../../providers/writer/template.js';

export interface GenerateVideosInput {
  videoIds: string[];
  /** How many videos render at once on this worker (CPU-bound). */
  batchSize: number;
  maxDurationSec: number;
}

export interface GenerateVideosResult {
  videosGenerated: number;
  readyVideoIds: string[];
  failed: { videoId: string; error: string }[];
}

export interface VideoDeps {
  db: Db;
  voice: VoiceProvider;
  renderer: VideoRenderer;
  storage: MediaStorage;
  fetchImages: boolean;
  costPerVideo: number;
}

const IMAGE_FETCH_TIMEOUT_MS = 4000;

/**
 * Step 5: voice + render for each video, a bounded number at a time. The
 * activity heartbeats with its progress; a retry skips videos already READY and
 * the renderer reuses finished files, so no work is done twice.
 */
export function videoActivities(deps: VideoDeps) {
  const { db } = deps;

  async function renderOne(videoId: string, maxDurationSec: number, onProgress: (f: number) => void): Promise<void> {
    const video = await db.video.findUniqueOrThrow({ where: { id: videoId }, include: { content: true, product: true } });
    if (video.status !== 'PENDING' && video.status !== 'RENDERING' && video.status !== 'FAILED') return; // already rendered
    await db.video.update({ where: { id: videoId }, data: { status: 'RENDERING', errorMessage: null } });
    const base = `videos/${videoId}`;
    const workDir = deps.storage.localPath(`${base}/work`);
    await fs.mkdir(workDir, { recursive: true });
    const sentences = video.content.script.split('\n').filter((s) => s.trim());
    const segments = await deps.voice.synthesize(sentences, video.content.language as Language, path.join(workDir, 'voice'));
    const imagePath = deps.fetchImages ? await fetchImage(video.product.imageUrls[0], path.join(workDir, 'product-image')) : undefined;
    const out = await deps.renderer.render({
      videoId,
      language: video.content.language as Language,
      segments,
      title: video.content.title,
      brand: video.product.brand,
      // The same price text the script speaks.
      priceLabel: formatPrice(Number(video.product.price), video.product.currency, video.content.language as Language),
      imagePath,
      disclosure: video.content.disclosure,
      videoPath: deps.storage.localPath(`${base}/video.mp4`),
      thumbnailPath: deps.storage.localPath(`${base}/thumbnail.png`),
      maxDurationSec,
      onProgress,
      // A cancelled run stops ffmpeg instead of letting it finish a video nobody wants.
      signal: Context.current().cancellationSignal,
    });
    await deps.storage.commit(`${base}/video.mp4`);
    await deps.storage.commit(`${base}/thumbnail.png`);
    await db.video.update({
      where: { id: videoId },
      data: {
        status: 'READY',
        videoPath: `${base}/video.mp4`,
        thumbnailPath: `${base}/thumbnail.png`,
        durationSeconds: out.durationSec,
        width: out.width,
        height: out.height,
        sizeBytes: BigInt(out.sizeBytes),
      },
    });
    // The cost ledger: one entry per generated video (keyed, so a retry cannot count it twice).
    await recordCost(db, { key: `video:${videoId}`, kind: 'VIDEO', productId: video.productId, videoId, provider: `${deps.voice.name}+${deps.renderer.name}`, amount: deps.costPerVideo });
  }

  return {
    async generateVideosForContent(input: GenerateVideosInput): Promise<GenerateVideosResult> {
      const ctx = Context.current();
      const progress = new Map<string, number>(input.videoIds.map((id) => [id, 0]));
      const beat = () => heartbeat({ done: [...progress.values()].filter((p) => p >= 1).length, total: input.videoIds.length, progress: Object.fromEntries(progress) });
      const failed: { videoId: string; error: string }[] = [];
      const queue = [...input.videoIds];
      const workers = Array.from({ length: Math.max(1, Math.min(input.batchSize, queue.length)) }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          if (ctx.cancellationSignal.aborted) return;
          try {
            await renderOne(id, input.maxDurationSec, (f) => {
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

/** Fetches the product image when the network allows; offline it fails fast and the title card is used. */
async function fetchImage(url: string | undefined, outBase: string): Promise<string | undefined> {
  if (!url) return undefined;
  const ext = /\.png(\?|$)/i.test(url) ? '.png' : '.jpg';
  const file = outBase + ext;
  try {
    await fs.access(file);
    return file;
  } catch {
    /* not fetched yet */
  }
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(IMAGE_FETCH_TIMEOUT_MS) });
    const type = r.headers.get('content-type') ?? '';
    if (!r.ok || !type.startsWith('image/')) return undefined;
    const buf = Buffer.from(await r.arrayBuffer());
    if (buf.length < 100 || buf.length > 20_000_000) return undefined;
    await fs.writeFile(file, buf);
    return file;
  } catch {
    return undefined;
  }
}
