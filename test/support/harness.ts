// Per-file test harness: a fresh database cloned from the migrated template, a
// unique task queue on the shared Temporal server, a real worker and the real API.
import { LocalMediaStorage } from '../../src/providers/storage/local.js';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import { createDb, type Db } from '../../src/db.js';
import { createLogger } from '../../src/logger.js';
import { Orchestrator } from '../../src/temporal/client.js';
import { buildServer } from '../../src/api/server.js';
import { createWorker, type WorkerHandle } from '../../src/worker.js';

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = inject('pgAdminUrl');
  const name = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDb')}`);
  await client.end();
  return {
    url: admin.replace(/\/postgres$/, `/${name}`),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Claims a Temporal namespace no other test system in this run uses (see global-setup). */
function claimNamespace(): string {
  for (let i = 1; i <= 40; i++) {
    try {
      fs.closeSync(fs.openSync(path.join(inject('runDir'), `namespace-test-${i}`), 'wx'));
      return `test-${i}`;
    } catch {
      /* taken */
    }
  }
  throw new Error('All 40 test namespaces are taken: raise TEST_NAMESPACES in test/support/global-setup.ts');
}

/**
 * Test defaults: fast retries so failure paths take milliseconds, not minutes. Runs speak with
 * espeak-ng and videos are capped at 20 s, so a loop renders in seconds on 2 cores: Piper and
 * full-length videos have their own tests (piper-voice, media, video-scenes) and benches.
 */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  const dataDir = fs.mkdtempSync(path.join(PROJECT_ROOT, 'var', 'test', 'data-'));
  return loadConfig({
    DATA_DIR: dataDir,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: claimNamespace(),
    TEMPORAL_TASK_QUEUE: `test-${randomUUID().slice(0, 8)}`,
    ACTIVITY_INITIAL_INTERVAL: '200ms',
    ACTIVITY_MAX_INTERVAL: '1s',
    ACTIVITY_HEARTBEAT_TIMEOUT: '5s',
    PORT: '0',
    ...(env.OPENAI_API_KEY ? {} : { VOICE: 'espeak' }),
    VIDEO_MAX_SECONDS: '20',
    ...env,
  });
}

export interface TestSystem {
  config: Config;
  db: Db;
  databaseUrl: string;
  api: FastifyInstance;
  baseUrl: string;
  orchestrator: Orchestrator;
  /** The media storage the worker renders into (var/media of this test's data dir). */
  storage: LocalMediaStorage;
  worker?: WorkerHandle;
  startWorker(): Promise<WorkerHandle>;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startTestSystem(opts: { env?: Record<string, string | undefined>; worker?: boolean } = {}): Promise<TestSystem> {
  const database = await createTestDatabase();
  const config = testConfig({ DATABASE_URL: database.url, ...opts.env });
  const log = createLogger('test', config.LOG_LEVEL);
  const db = createDb(database.url);
  const orchestrator = new Orchestrator(config);
  const api = await buildServer({ config, db, orchestrator, log });
  await api.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;

  const sys: TestSystem = {
    config,
    db,
    databaseUrl: database.url,
    api,
    baseUrl,
    orchestrator,
    storage: new LocalMediaStorage({ root: config.mediaDir, publicBaseUrl: config.publicBaseUrl }),
    async startWorker() {
      const w = await createWorker(config, log, { workflowBundlePath: inject('workflowBundlePath'), connectRetries: 3 });
      void w.run();
      sys.worker = w;
      return w;
    },
    async request(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      // Every state-changing call is JSON (the server refuses anything else with 415), even without a body.
      if (body !== undefined || !['GET', 'HEAD'].includes(method.toUpperCase()))
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      const r = await fetch(baseUrl + path, init);
      const text = await r.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: r.status, body: parsed };
    },
    async stop() {
      await sys.worker?.shutdown();
      await api.close();
      await orchestrator.close();
      await db.$disconnect();
      await database.drop();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
  if (opts.worker !== false) await sys.startWorker();
  return sys;
}

/** Polls until `fn` returns a truthy value (or throws after the timeout). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
}
