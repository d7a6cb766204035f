// `npm start`: the whole system on one machine. Starts what is not configured
// (embedded PostgreSQL, the Temporal dev server with its Web UI), applies
// migrations, then runs a worker and the API as child processes. Ctrl-C stops all.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfigOrExit } from '../src/config.js';
import { describePublishers } from '../src/providers/publisher/describe.js';
import { checkPiper } from '../src/providers/voice/piper.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../src/embedded/postgres.js';
import { findTemporalCli, startDevServer, stopChild, type DevServerHandle } from '../src/embedded/temporal.js';
import { migrateIfNeeded, PROJECT_ROOT } from '../src/embedded/migrate.js';
import { createLogger, redactUrl } from '../src/logger.js';
import { buildCompiled } from './build.js';

const config = loadConfigOrExit();
const log = createLogger('start', config.LOG_LEVEL);
const t0 = Date.now();

let pgServer: EmbeddedPostgresHandle | undefined;
let temporal: DevServerHandle | undefined;
const children = new Map<string, ChildProcess>();
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => {});
  stopping = true;
  log.info('stopping: API and worker, then Temporal and PostgreSQL');
  await Promise.all([...children.values()].map((c) => stopChild(c, 15_000)));
  await temporal?.stop().catch(() => undefined);
  await pgServer?.stop().catch(() => undefined);
  process.stdout.write(code === 0 ? 'affiliate-empire stopped cleanly.\n' : 'affiliate-empire stopped after an error (see above).\n');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));
// Never leave PostgreSQL or Temporal running behind a crashed supervisor.
process.on('uncaughtException', (err) => {
  log.fatal({ err }, 'unexpected error in the supervisor');
  void shutdown(1);
});

const restarts = new Map<string, { count: number; since: number }>();

/**
 * V8's young generation is 3 semi-spaces of up to 16 MiB each; a worker's short-lived objects
 * are small, and 4 MiB semi-spaces keep about 36 MiB less resident per worker process at a small
 * cost in scavenges (bench/worker-memory.ts).
 */
const WORKER_NODE_FLAGS = ['--max-semi-space-size=4'];

/**
 * Restarts what the supervisor runs (the worker and API processes, and the Temporal dev
 * server and PostgreSQL it started, on their persisted data) when it dies unexpectedly.
 * More than 5 deaths within 10 minutes means something is wrong that a restart will not fix.
 */
function keepAlive(name: string, child: ChildProcess, restart: () => Promise<void>, data?: string): void {
  child.once('exit', (code, signal) => {
    if (stopping) return;
    const now = Date.now();
    const r = restarts.get(name);
    const n = r && now - r.since < 10 * 60_000 ? r.count + 1 : 1;
    restarts.set(name, { count: n, since: n === 1 ? now : r!.since });
    if (n > 5) return void fail(`${capitalize(name)} exited ${n} times in 10 minutes (last: ${signal ?? `code ${code}`}); giving up. Its log above says why.`);
    log.error({ service: name, code, signal }, `${capitalize(name)} exited; restarting it in ${n} s${data ? ` on ${data}` : ''}`);
    const again = (attempt: number): void => {
      setTimeout(() => {
        if (stopping) return;
        restart().then(
          () => log.warn({ service: name }, `${capitalize(name)} is running again`),
          // A port still held by the dying process, or PostgreSQL's shared memory still attached: try again.
          (err: Error) => (attempt < 10 ? again(attempt + 1) : void fail(`${capitalize(name)} could not be restarted: ${err.message}`)),
        );
      }, n * 1000);
    };
    again(1);
  });
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function fail(message: string): Promise<never> {
  log.fatal(message);
  return shutdown(1);
}

try {
  let databaseUrl = config.DATABASE_URL;
  if (databaseUrl) {
    log.info({ database: redactUrl(databaseUrl) }, 'using the configured PostgreSQL (DATABASE_URL)');
  } else {
    const pgDir = path.join(config.dataDir, 'pg');
    const startPostgres = async (): Promise<void> => {
      pgServer = await startEmbeddedPostgres({
        dataDir: pgDir,
        port: config.EMBEDDED_PG_PORT,
        database: 'affiliate_empire',
        onLog: (l) => log.debug({ src: 'postgres' }, l),
      });
      if (pgServer.process) keepAlive('PostgreSQL', pgServer.process, startPostgres, `its data in ${pgDir}`);
    };
    await startPostgres();
    databaseUrl = pgServer!.url;
    log.info({ port: pgServer!.port, dataDir: pgDir }, 'embedded PostgreSQL running');
  }
  const applied = await migrateIfNeeded(databaseUrl, (l) => log.debug({ src: 'prisma' }, l));
  if (applied.length) log.info({ migrations: applied }, 'database migrations applied');

  let temporalAddress = config.TEMPORAL_ADDRESS;
  let temporalUi = config.TEMPORAL_UI_URL ?? null;
  if (temporalAddress) {
    log.info({ address: temporalAddress }, 'using the configured Temporal (TEMPORAL_ADDRESS)');
  } else {
    const cli = findTemporalCli(PROJECT_ROOT);
    if (!cli)
      await fail(
        'The Temporal CLI was not found: run `npm run setup` (it installs one into .tools/), put `temporal` on PATH, set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to use a running server.',
      );
    const dbFile = path.join(config.dataDir, 'temporal.db');
    // The dev server keeps workflows, timers and schedules in dbFile: restarted on it, runs carry on where they were.
    const startTemporal = async (): Promise<void> => {
      temporal = await startDevServer({
        cli: cli!,
        port: config.TEMPORAL_DEV_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFile,
        namespace: config.TEMPORAL_NAMESPACE,
        onLog: (l) => log.debug({ src: 'temporal' }, l),
      });
      keepAlive('Temporal dev server', temporal.process, startTemporal, `its database ${dbFile}`);
    };
    await startTemporal();
    temporalAddress = temporal!.address;
    temporalUi = temporal!.uiUrl;
    log.info({ address: temporalAddress }, 'Temporal dev server running');
  }

  const env = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress };
  const tsx = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  // The workers run compiled (scripts/worker.js: plain node, about 50 MB less each than under tsx);
  // compiled once here so that they do not all compile at once.
  await buildCompiled();
  const launch = (name: string, script: string, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}) => {
    const child = spawn(
      process.execPath,
      [...(script.endsWith('.js') ? [...WORKER_NODE_FLAGS, path.join(PROJECT_ROOT, script)] : ['--import', tsx, path.join(PROJECT_ROOT, script)]), ...args],
      {
        env: { ...env, ...extraEnv },
        stdio: 'inherit',
        cwd: PROJECT_ROOT,
      },
    );
    children.set(name, child);
    keepAlive(name, child, async () => launch(name, script, args, extraEnv));
  };
  // START_WORKERS: one process per role listed (all, or orchestration and render apart).
  config.START_WORKERS.split(',').forEach((role, i, roles) => {
    const name = roles.length === 1 ? 'worker' : `worker ${role}${roles.filter((r) => r === role).length > 1 ? ` ${i + 1}` : ''}`;
    // Each worker process serves its SDK metrics on its own port: TEMPORAL_METRICS_ADDRESS, then the next ports.
    const metrics = config.TEMPORAL_METRICS_ADDRESS?.replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + i}`);
    launch(name, 'scripts/worker.js', [role], metrics ? { TEMPORAL_METRICS_ADDRESS: metrics } : {});
  });
  launch('api', 'src/api/main.ts');

  const apiUrl = `http://${config.listenHost === '0.0.0.0' ? '127.0.0.1' : config.listenHost}:${config.PORT}`;
  await waitForHealth(`${apiUrl}/healthz`, 60_000);
  const banner = [
    '',
    `  affiliate-empire is up (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    `  API          ${apiUrl}   (try: curl -X POST ${apiUrl}/orchestrator/daily-loop/start -H "content-type: application/json"${config.API_TOKEN ? ' -H "Authorization: Bearer $API_TOKEN"' : ''})`,
    `  Console      ${apiUrl}/console   (slash commands, approval cards, alerts, reports)`,
    `  Temporal UI  ${temporalUi ?? '(not managed here; set TEMPORAL_UI_URL to show it)'}`,
    `  Temporal     ${temporalAddress}   namespace ${config.TEMPORAL_NAMESPACE}, task queues ${config.TEMPORAL_TASK_QUEUE} and ${config.renderTaskQueue}`,
    `  Workers      ${config.START_WORKERS.split(',').join(' + ')}   (START_WORKERS; more: npm run worker -- --role orchestration|render)`,
    `  Database     ${config.DATABASE_URL ? redactUrl(databaseUrl) : `embedded PostgreSQL on 127.0.0.1:${config.EMBEDDED_PG_PORT}, data in ${path.join(config.dataDir, 'pg')}`}`,
    `  Inputs       ${describeProviders(config)}`,
    `  Publishing   ${Object.entries(describePublishers(config))
      .map(([platform, how]) => `${platform.toLowerCase()}: ${how}`)
      .join(' · ')}${config.STORAGE === 's3' ? ` · media in s3://${config.S3_BUCKET}` : ''}`,
    `  Press Ctrl-C to stop everything.`,
    '',
  ].join('\n');
  process.stdout.write(banner + '\n');
} catch (err) {
  await fail((err as Error).message);
}

/** Which adapter serves products, scripts and voice: the offline defaults or the real services. */
function describeProviders(c: typeof config): string {
  const p = c.providers;
  const products =
    p.catalog === 'amazon-creators'
      ? `Amazon Creators API (${c.AMAZON_MARKETPLACE}, tag ${c.AMAZON_PARTNER_TAG})`
      : p.catalog === 'file'
        ? `your file ${c.CATALOG_FILE}`
        : 'bundled sample catalog';
  const scripts = p.writer === 'openai' ? `OpenAI ${c.OPENAI_MODEL}` : 'templates';
  return `products: ${products} · scripts: ${scripts} · voice: ${describeVoice(c)}`;
}

/** The voice the worker will use: what `buildVoices` in src/worker.ts decides, from the same file checks. */
function describeVoice(c: typeof config): string {
  if (c.providers.voice === 'openai') return `OpenAI ${c.OPENAI_TTS_MODEL} (${c.OPENAI_TTS_VOICE})`;
  if (c.providers.voice === 'espeak') return 'espeak-ng';
  const piper = checkPiper({ binary: c.PIPER_PATH, model: c.PIPER_MODEL });
  return piper.ok ? `Piper ${path.basename(piper.model, '.onnx')} (espeak-ng for languages it does not speak)` : `espeak-ng, because ${piper.problem}`;
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline && !stopping) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = await r.text();
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`The API did not become healthy within ${timeoutMs / 1000} s (${url}): ${last}`);
}
