import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from './project-root.js';
import { prebuiltWorkflowBundle, WORKFLOWS_PATH } from './worker-paths.js';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from './config.js';
import { createDb, type Db } from './db.js';
import type { Logger } from './logger.js';
import { createChatOutbox, startChatOutbox } from './chatops/outbox.js';
import { DatabaseFeedNotifier, type Notifier } from './providers/notifier/index.js';
import type { MediaSource } from './providers/storage/read.js';
import { createCatalogProvider, type CatalogProvider } from './providers/catalog/index.js';
import { CreatorsCatalogProvider, DEFAULT_CATALOG_SEARCHES } from './providers/catalog/creators/catalog.js';
import { CreatorsApiClient } from './providers/catalog/creators/client.js';
import { createPublishers } from './providers/publisher/index.js';
import { FfmpegRenderer } from './providers/renderer/ffmpeg.js';
import { createMediaStorage } from './providers/storage/index.js';
import { buildVoices } from './providers/voice/choose.js';
import { createScriptWriter } from './providers/writer/index.js';
import type { ActivityDeps } from './temporal/activities/index.js';
import { createActivities } from './temporal/activities/index.js';
import { createRenderSdkWorker } from './worker-render.js';
import { connectWithRetry, handleFor, installRuntime, memo, type WorkerHandle, type WorkerRole } from './worker-runtime.js';

export { WORKFLOWS_PATH };

export type { WorkerHandle, WorkerRole } from './worker-runtime.js';
export { buildVoices };

/**
 * The worker of a role: `orchestration` runs the workflows and the light activities on
 * TEMPORAL_TASK_QUEUE; `all` (what `npm start` runs) adds a render worker on the render
 * queue in the same process. The `render` role alone is `createRenderWorker`
 * (src/worker-render.ts), which loads none of this module's providers.
 */
export async function createWorker(
  config: Config,
  log: Logger,
  opts: {
    role?: Exclude<WorkerRole, 'render'>;
    workflowBundlePath?: string;
    connectRetries?: number;
    overrides?: Partial<WorkerOptions>;
    renderOverrides?: Partial<WorkerOptions>;
  } = {},
): Promise<WorkerHandle> {
  const role = opts.role ?? 'all';
  installRuntime(log, config);
  const db = createDb(config.databaseUrl);
  const connection = await connectWithRetry(config.temporalConnection, log, opts.connectRetries ?? 30);
  try {
    const deps = buildActivityDeps(config, db);
    const workers = [
      {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        worker: await Worker.create({
          connection,
          namespace: config.TEMPORAL_NAMESPACE,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowBundle: { codePath: opts.workflowBundlePath ?? prebuiltWorkflowBundle() ?? (await bundleInChildProcess(log)) },
          // Every activity, the render one included: runs started before the render queue
          // existed schedule it here. New runs render on the render queue.
          activities: createActivities(deps),
          maxConcurrentActivityTaskExecutions: 8,
          ...opts.overrides,
        }),
      },
    ];
    if (role === 'all') workers.push(await createRenderSdkWorker(config, db, connection, opts.renderOverrides));
    // Sends the chat notices that could not be delivered at once (every orchestration worker may run it).
    const chatOutbox = startChatOutbox(config, db, log, deps.storage);
    return handleFor(role, workers, db, connection, { stop: async () => chatOutbox?.stop() });
  } catch (err) {
    await connection.close().catch(() => undefined);
    await db.$disconnect().catch(() => undefined);
    throw err;
  }
}

/**
 * The providers behind each port, from configuration: the offline defaults, or
 * the real adapters when their credentials are set.
 */
export function buildActivityDeps(config: Config, db: Db): ActivityDeps {
  const storage = createMediaStorage(config);
  const voices = buildVoices(config);
  const notifier = memo(() => createNotifier(config, db, storage));
  return {
    db,
    ...buildCatalogs(config, db),
    writer: () => createScriptWriter(config),
    voice: voices.voice,
    fallbackVoice: voices.fallbackVoice,
    voicePricePerMinute: config.OPENAI_TTS_PRICE_PER_MINUTE,
    tokenPrices: { inputPer1M: config.OPENAI_PRICE_INPUT_PER_1M, outputPer1M: config.OPENAI_PRICE_OUTPUT_PER_1M },
    renderer: new FfmpegRenderer({ preset: config.RENDER_PRESET, threads: config.RENDER_THREADS || undefined, musicBed: config.MUSIC_BED }),
    storage,
    publishers: createPublishers(config, db),
    notifier,
    publicBaseUrl: config.publicBaseUrl,
    fetchImages: config.FETCH_PRODUCT_IMAGES,
    fault: config.FAULT_INJECTION,
    partnerTags: [config.AMAZON_PARTNER_TAG],
    costPerVideo: config.COST_PER_VIDEO,
    promotedVariantShare: config.PROMOTED_VARIANT_SHARE,
  };
}

/** Known Creators API products refreshed per run, oldest first: 50 getItems calls, about 50 s at 1 TPS. */
const CREATORS_REFRESH_PER_RUN = 500;

/**
 * The product source: Amazon's Creators API when its credentials are set (the
 * user's file or the bundled catalog then serves a run the API refuses), else
 * the file or the bundled catalog.
 */
function buildCatalogs(config: Config, db: Db): Pick<ActivityDeps, 'catalog' | 'fallbackCatalog'> {
  const offline = () => createCatalogProvider({ catalogFile: config.CATALOG_FILE });
  if (config.providers.catalog !== 'amazon-creators') return { catalog: offline };
  const catalog = (opts: { signal?: AbortSignal } = {}): CatalogProvider =>
    new CreatorsCatalogProvider({
      client: new CreatorsApiClient({
        credentialId: config.AMAZON_CREATORS_CREDENTIAL_ID!,
        credentialSecret: config.AMAZON_CREATORS_CREDENTIAL_SECRET!,
        version: config.AMAZON_CREATORS_CREDENTIAL_VERSION!,
        marketplace: config.AMAZON_MARKETPLACE,
        partnerTag: config.AMAZON_PARTNER_TAG,
        apiUrl: config.AMAZON_CREATORS_API_URL,
        tokenUrl: config.AMAZON_CREATORS_TOKEN_URL,
        requestsPerSecond: config.AMAZON_CREATORS_TPS,
        signal: opts.signal,
      }),
      searches: config.CATALOG_SEARCHES ?? DEFAULT_CATALOG_SEARCHES,
      knownProducts: async () =>
        (
          await db.product.findMany({
            where: { source: 'amazon-creators', status: 'ACTIVE' },
            orderBy: { updatedAt: 'asc' },
            take: CREATORS_REFRESH_PER_RUN,
            select: { asin: true, category: true, commissionRate: true },
          })
        ).map((p) => ({ asin: p.asin, category: p.category, commissionRate: Number(p.commissionRate) })),
    });
  return { catalog, fallbackCatalog: offline };
}

/**
 * Bundles the workflows in a child process: webpack needs a few hundred MB while
 * it runs, which would otherwise stay in the worker's heap for its whole life.
 */
async function bundleInChildProcess(log: Logger): Promise<string> {
  const root = PROJECT_ROOT;
  const out = path.join(os.tmpdir(), `affiliate-empire-workflows-${process.pid}.js`);
  const t0 = Date.now();
  await promisify(execFile)(
    process.execPath,
    ['--import', path.join(root, 'node_modules/tsx/dist/loader.mjs'), path.join(root, 'scripts/bundle-workflows.ts'), out],
    { cwd: root, maxBuffer: 10 * 1024 * 1024 },
  );
  process.once('exit', () => fs.rmSync(out, { force: true }));
  log.debug({ ms: Date.now() - t0 }, 'workflow bundle built');
  return out;
}

/**
 * The notifier the workflows call, wired here (the composition root) so that the
 * notifier port knows none of its adapters: always the database feed (the console
 * and GET /orchestrator/notifications read it), plus, through the chat outbox, each
 * chat platform that has credentials and channels configured, reading media to
 * upload from `media`.
 */
export function createNotifier(config: Config, db: Db, media?: MediaSource): Notifier {
  return createChatOutbox(config, db, media) ?? new DatabaseFeedNotifier(db);
}
