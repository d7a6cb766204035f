// The render worker (`npm run worker -- render`): polls only the render task queue
// and registers only the render activity. No workflows (so no workflow bundle), no
// chat, no HTTP, no publishers or catalogs: what it loads is the database client,
// the media storage, the voice and ffmpeg, so it stays small and can be scaled on
// its own (one per core pair, or per machine).
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Config } from './config.js';
import { createDb, type Db } from './db.js';
import type { Logger } from './logger.js';
import { DatabaseFeedNotifier } from './providers/notifier/index.js';
import { FfmpegRenderer } from './providers/renderer/ffmpeg.js';
import { createMediaStorage } from './providers/storage/index.js';
import { buildVoices } from './providers/voice/choose.js';
import { videoActivities } from './temporal/activities/videos.js';
import { connectWithRetry, handleFor, installRuntime, type WorkerHandle } from './worker-runtime.js';

/** The render activity with its providers, from configuration. */
export function createRenderActivities(config: Config, db: Db) {
  const voices = buildVoices(config);
  return videoActivities({
    db,
    voice: voices.voice,
    fallbackVoice: voices.fallbackVoice,
    voicePricePerMinute: config.OPENAI_TTS_PRICE_PER_MINUTE,
    // A render worker has no chat: its one alert (the paid voice refused) goes to the
    // notifications feed, which the orchestration workers deliver to chat.
    notifier: () => new DatabaseFeedNotifier(db),
    renderer: new FfmpegRenderer({ preset: config.RENDER_PRESET, threads: config.RENDER_THREADS || undefined, musicBed: config.MUSIC_BED }),
    storage: createMediaStorage(config),
    fetchImages: config.FETCH_PRODUCT_IMAGES,
    costPerVideo: config.COST_PER_VIDEO,
  });
}

/**
 * An SDK worker on the render queue. Its slots are RENDER_CONCURRENCY: each video is one
 * activity and takes one ffmpeg, so this bounds the CPU and memory a render worker uses.
 */
export async function createRenderSdkWorker(
  config: Config,
  db: Db,
  connection: NativeConnection,
  overrides: Partial<WorkerOptions> = {},
): Promise<{ taskQueue: string; worker: Worker }> {
  const taskQueue = config.renderTaskQueue;
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue,
    activities: createRenderActivities(config, db),
    maxConcurrentActivityTaskExecutions: config.RENDER_CONCURRENCY,
    ...overrides,
  });
  return { taskQueue, worker };
}

export async function createRenderWorker(
  config: Config,
  log: Logger,
  opts: { connectRetries?: number; overrides?: Partial<WorkerOptions> } = {},
): Promise<WorkerHandle> {
  installRuntime(log, config);
  const db = createDb(config.databaseUrl);
  const connection = await connectWithRetry(config.temporalConnection, log, opts.connectRetries ?? 30);
  try {
    return handleFor('render', [await createRenderSdkWorker(config, db, connection, opts.overrides)], db, connection);
  } catch (err) {
    await connection.close().catch(() => undefined);
    await db.$disconnect().catch(() => undefined);
    throw err;
  }
}
