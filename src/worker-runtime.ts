// What every worker role shares: the SDK runtime (logs), the connection to
// Temporal with retries, and the handle a role returns. Kept free of provider
// imports so that the lean render worker loads only what rendering needs.
import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import { IllegalStateError } from '@temporalio/common';
import type { Config } from './config.js';
import type { Db } from './db.js';
import { workerTelemetry } from './metrics/temporal.js';
import type { Logger } from './logger.js';
import { explainRefusal, type TemporalConnectionOptions } from './config-temporal.js';

/** The worker roles of `npm run worker -- <role>`. */
export const WORKER_ROLES = ['all', 'orchestration', 'render'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

/**
 * The role from `npm run worker -- --role <role>` (also `--role=<role>`, or the role alone), else
 * `all`. An unknown role or argument is an error that lists the roles.
 */
export function parseWorkerRole(argv: string[]): WorkerRole {
  const usage = `Use one of: ${WORKER_ROLES.join(', ')} (npm run worker -- --role render).`;
  let role: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--role') role = argv[++i];
    else if (a.startsWith('--role=')) role = a.slice('--role='.length);
    else if (!a.startsWith('-') && role === undefined) role = a;
    else throw new Error(`Unknown argument "${a}". ${usage}`);
    if (role === undefined || role === '') throw new Error(`--role needs a value. ${usage}`);
  }
  role ??= 'all';
  if (!(WORKER_ROLES as readonly string[]).includes(role)) throw new Error(`Unknown worker role "${role}". ${usage}`);
  return role as WorkerRole;
}

export interface WorkerHandle {
  role: WorkerRole;
  /** The first worker (orchestration, or the render worker for the render role). */
  worker: Worker;
  /** Every SDK worker this process runs, with the task queue each polls. */
  workers: { taskQueue: string; worker: Worker }[];
  db: Db;
  connection: NativeConnection;
  /** Stops polling, lets running activities finish, closes connections. */
  shutdown(): Promise<void>;
  run(): Promise<void>;
}

/** One handle over several SDK workers that share a connection and a database client. */
export function handleFor(
  role: WorkerRole,
  workers: { taskQueue: string; worker: Worker }[],
  db: Db,
  connection: NativeConnection,
  extra: { stop?: () => Promise<void> } = {},
): WorkerHandle {
  let running: Promise<void> | undefined;
  return {
    role,
    worker: workers[0].worker,
    workers,
    db,
    connection,
    run() {
      // One worker stopping (a fatal error) stops the others, so the process exits and is restarted whole.
      running ??= Promise.all(
        workers.map(({ worker }) =>
          worker.run().catch((err) => {
            for (const w of workers) if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
            throw err;
          }),
        ),
      ).then(() => undefined);
      return running;
    },
    async shutdown() {
      for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running?.catch(() => undefined);
      await extra.stop?.().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await db.$disconnect().catch(() => undefined);
    },
  };
}

export async function connectWithRetry(options: TemporalConnectionOptions, log: Logger, retries: number): Promise<NativeConnection> {
  const address = options.address;
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect(options);
    } catch (err) {
      // Refused certificates or keys do not fix themselves: say so now instead of after 30 attempts.
      const refused = await explainRefusal(err, options);
      if (refused) throw new Error(`Temporal at ${address} refused the worker's connection: ${refused}. (${(err as Error).message})`, { cause: err });
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

export function memo<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

let runtimeInstalled = false;

/**
 * Routes the SDK's own logs into our structured logger (once per process), and serves the SDK's
 * metrics on TEMPORAL_METRICS_ADDRESS when it is set.
 */
export function installRuntime(log: Logger, config: Pick<Config, 'TEMPORAL_METRICS_ADDRESS'>): void {
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
  const metricsAddress = config.TEMPORAL_METRICS_ADDRESS;
  try {
    Runtime.install({
      logger: new DefaultLogger(sdkLevel, (entry) => log[levels[entry.level]]({ sdk: true, ...entry.meta }, entry.message)),
      ...(metricsAddress ? { telemetryOptions: workerTelemetry(metricsAddress) } : {}),
    });
    if (metricsAddress) log.info({ metrics: `http://${metricsAddress}/metrics` }, 'Temporal SDK metrics exported');
  } catch (err) {
    // Already installed by the embedding process (tests): keep its logger (and its metrics).
    if (err instanceof IllegalStateError) return;
    runtimeInstalled = false;
    throw new Error(
      `The Temporal SDK runtime could not start${metricsAddress ? ` its metrics endpoint on TEMPORAL_METRICS_ADDRESS=${metricsAddress} (in use by another worker on this machine? give each worker its own port, or unset it)` : ''}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
