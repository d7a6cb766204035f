// A test system on Temporal's time-skipping test server: the real worker (src/worker.ts
// createWorker, every activity, the real workflow bundle), a fresh database cloned from the
// migrated template, the real API, and a process clock that follows the server's clock.
import fs from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ActivityInboundCallsInterceptor } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import type { Config } from '../../src/config.js';
import { createDb, type Db } from '../../src/db.js';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { findTemporalTestServer } from '../../src/embedded/temporal.js';
import { createLogger } from '../../src/logger.js';
import { Orchestrator } from '../../src/temporal/client.js';
import { createWorker, type WorkerHandle } from '../../src/worker.js';
import { createTestDatabase, testConfig } from './harness.js';

const RealDate = Date;

/**
 * The time-skipping server moves workflow time by days in a second, but activities, the API
 * and Prisma read the process clock, which does not move: a video rendered on simulated day
 * 20 would be stamped with today's date, and the weekly report (whose period comes from
 * workflow time) would find nothing in its week. In production the two clocks agree; here
 * the process clock is made to agree with the server's: `Date` reads real time plus the
 * server's lead, refreshed after every skip the test makes and before every activity runs.
 * PostgreSQL's own now() is not moved; the code uses it only for publication leases, which
 * compare it with itself.
 */
export class ServerClock {
  private offsetMs = 0;
  private installed = false;

  constructor(private readonly env: TestWorkflowEnvironment) {}

  /** The server's time, read over RPC, becomes the process clock's time. */
  async sync(): Promise<number> {
    const server = await this.env.currentTimeMs();
    this.offsetMs = server - RealDate.now();
    return server;
  }

  install(): void {
    if (this.installed) return;
    const lead = () => this.offsetMs;
    class ServerDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(RealDate.now() + lead());
        else super(...(args as [string]));
      }
      static override readonly name = 'Date';
      static override now(): number {
        return RealDate.now() + lead();
      }
    }
    globalThis.Date = ServerDate as DateConstructor;
    this.installed = true;
  }

  uninstall(): void {
    globalThis.Date = RealDate;
    this.installed = false;
  }

  /** Skips server time to `at` (the server fires every timer on the way), then follows it. */
  async sleepUntil(at: number): Promise<void> {
    const now = await this.env.currentTimeMs();
    if (at > now) await this.env.sleep(at - now);
    await this.sync();
  }

  /**
   * The test server's lock leak for abandoned children. When a child workflow closes, the
   * server locks time skipping and expects the parent to unlock it when the parent records the
   * child's end (TestWorkflowMutableStateImpl: "unlocked by the parent"). A child started with
   * ParentClosePolicy.ABANDON whose parent has already closed, which is exactly what the
   * schedule launchers (workflows/scheduled.ts) make of every daily and weekly run, has no
   * parent to do it: from then on every sleep runs in real time. Call this once per such
   * child after it closed. An unbalanced call fails on the server, so a fixed server shows.
   */
  async releaseOrphanedChildLock(): Promise<void> {
    await this.env.connection.testService!.unlockTimeSkipping({});
  }

  /** Activity interceptor: every activity starts on the server's current time. */
  readonly activityInterceptor = (): { inbound: ActivityInboundCallsInterceptor } => ({
    inbound: {
      execute: async (input, next) => {
        await this.sync();
        return next(input);
      },
    },
  });
}

export interface TimeSkippingSystem {
  env: TestWorkflowEnvironment;
  clock: ServerClock;
  config: Config;
  db: Db;
  api: FastifyInstance;
  /** A plain client (not the environment's time-skipping one): waiting on it never skips time. */
  orchestrator: Orchestrator;
  workers: WorkerHandle[];
  stop(): Promise<void>;
}

/** Starts the time-skipping server and a real worker process's workers (orchestration + render queues). */
export async function startTimeSkippingSystem(opts: { env?: Record<string, string | undefined> } = {}): Promise<TimeSkippingSystem> {
  const server = findTemporalTestServer(PROJECT_ROOT);
  if (!server) throw new Error('temporal-test-server not found in .tools/venv: run `npm run setup`');
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server } } });
  const clock = new ServerClock(env);
  clock.install();
  await clock.sync();
  const database = await createTestDatabase();
  const config = testConfig({ DATABASE_URL: database.url, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'default', ...opts.env });
  const log = createLogger('test', config.LOG_LEVEL);
  const db = createDb(database.url);
  const orchestrator = new Orchestrator(config);
  const api = await buildServer({ config, db, orchestrator, log });
  // One process's worker pair, as `npm start` runs it: the orchestration worker and the render worker
  // (on config.renderTaskQueue), both with the clock interceptor.
  const interceptors = { activity: [clock.activityInterceptor] };
  const w = await createWorker(config, log, {
    workflowBundlePath: inject('workflowBundlePath'),
    connectRetries: 3,
    overrides: { interceptors },
    renderOverrides: { interceptors },
  });
  void w.run();
  const workers: WorkerHandle[] = [w];
  return {
    env,
    clock,
    config,
    db,
    api,
    orchestrator,
    workers,
    async stop() {
      for (const w of workers) await w.shutdown();
      await api.close();
      await orchestrator.close();
      await db.$disconnect();
      await database.drop();
      await env.teardown();
      clock.uninstall();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
