import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { WORKFLOWS_PATH } from './worker-paths.js';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import type { Config } from './config.js';
import { createDb, type Db } from './db.js';
import { createLogger, type Logger } from './logger.js';
import { createChatOutbox, startChatOutbox } from './chatops/outbox.js';
import { DatabaseFeedNotifier, type Notifier } from './providers/notifier/index.js';
import type { MediaSource } from './providers/storage/read.js';
import { createCatalogProvider, type CatalogProvider } from './providers/catalog/index.js';
import { CreatorsCatalogProvider, DEFAULT_CATALOG_SEARCHES } from './providers/catalog/creators/catalog.js';
import { CreatorsApiClient } from './providers/catalog/creators/client.js';
import { createPublishers } from './providers/publisher/index.js';
import { FfmpegRenderer } from './providers/renderer/ffmpeg.js';
import { createMediaStorage } from './providers/storage/index.js';
import { EspeakVoice } from './providers/voice/espeak.js';
import { OpenAIVoice } from './providers/voice/openai.js';
import { checkPiper, PiperVoice } from './providers/voice/piper.js';
import type { VoiceProvider } from './providers/voice/types.js';
import { createScriptWriter } from './providers/writer/index.js';
import type { ActivityDeps } from './temporal/activities/index.js';
import { createActivities } from './temporal/activities/index.js';

export { WORKFLOWS_PATH };

export interface WorkerHandle {
  worker: Worker;
  db: Db;
  connection: NativeConnection;
  /** Stops polling, lets running activities finish, closes connections. */
  shutdown(): Promise<void>;
  run(): Promise<void>;
}

export async function createWorker(
  config: Config,
  log: Logger,
  opts: { workflowBundlePath?: string; connectRetries?: number; overrides?: Partial<WorkerOptions> } = {},
): Promise<WorkerHandle> {
  installRuntime(log);
  const db = createDb(config.databaseUrl);
  const address = config.temporalAddress;
  const connection = await connectWithRetry(address, log, opts.connectRetries ?? 30);
  const deps = buildActivityDeps(config, db);
  const activities = createActivities(deps);
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: { codePath: opts.workflowBundlePath ?? (await bundleInChildProcess(log)) },
    activities,
    // Rendering (later) is CPU-bound: a couple of heavy activities per 2-core worker.
    maxConcurrentActivityTaskExecutions: 8,
    ...opts.overrides,
  });
  // Sends the chat notices that could not be delivered at once (every worker may run it).
  const chatOutbox = startChatOutbox(config, db, log, deps.storage);
  let running: Promise<void> | undefined;
  return {
    worker,
    db,
    connection,
    run() {
      running ??= worker.run();
      return running;
    },
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running?.catch(() => undefined);
      await chatOutbox?.stop();
      await connection.close().catch(() => undefined);
      await db.$disconnect().catch(() => undefined);
    },
  };
}

async function connectWithRetry(address: string, log: Logger, retries: number): Promise<NativeConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect({ address });
    } catch (err) {
      if (attempt >= retries) {
        throw new Error(
          `Failed to connect to Temporal at ${address} after ${attempt} attempts: start it (\`npm start\` runs a local dev server) or fix TEMPORAL_ADDRESS. (${(err as Error).message})`,
          { cause: err },
        );
      }
      const delay = Math.min(5000, 250 * 2 ** attempt);
      log.warn({ address, attempt, delayMs: delay }, 'Temporal not reachable yet, retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
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
 * The voice: OpenAI TTS when chosen (the offline voice takes over if the account
 * is refused), else Piper (espeak-ng speaks the languages its model does not),
 * else espeak-ng. Piper is checked once here, with file checks only: when it is
 * missing, one warning and espeak-ng, so the worker still runs.
 */
export function buildVoices(config: Config, log: Logger = createLogger('voice', config.LOG_LEVEL)): { voice: VoiceProvider; fallbackVoice?: VoiceProvider } {
  const offline = (): VoiceProvider => {
    if (config.providers.voice === 'espeak') return new EspeakVoice();
    const piper = checkPiper({ binary: config.PIPER_PATH, model: config.PIPER_MODEL });
    if (piper.ok) return new PiperVoice({ binary: piper.binary, model: piper.model, fallback: new EspeakVoice() });
    const consequence =
      config.providers.voice === 'openai' ? 'If OpenAI refuses the account, videos fall back to espeak-ng' : 'Videos use espeak-ng until then';
    log.warn({ problem: piper.problem }, `${piper.problem}. ${consequence}.`);
    return new EspeakVoice();
  };
  if (config.providers.voice !== 'openai') return { voice: offline() };
  return {
    voice: new OpenAIVoice({
      apiKey: config.OPENAI_API_KEY!,
      baseURL: config.OPENAI_BASE_URL,
      model: config.OPENAI_TTS_MODEL,
      voice: config.OPENAI_TTS_VOICE,
      timeoutMs: config.OPENAI_TIMEOUT * 2,
    }),
    fallbackVoice: offline(),
  };
}

function memo<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/**
 * Bundles the workflows in a child process: webpack needs a few hundred MB while
 * it runs, which would otherwise stay in the worker's heap for its whole life.
 */
async function bundleInChildProcess(log: Logger): Promise<string> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
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

let runtimeInstalled = false;

/** Routes the SDK's own logs into our structured logger (once per process). */
function installRuntime(log: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  const sdkLevel: LogLevel = log.isLevelEnabled('info') ? 'INFO' : log.isLevelEnabled('warn') ? 'WARN' : 'ERROR';
  try {
    Runtime.install({
      logger: new DefaultLogger(sdkLevel, (entry) => log[levels[entry.level]]({ sdk: true, ...entry.meta }, entry.message)),
    });
  } catch {
    // Already installed by the embedding process (tests): keep its logger.
  }
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
