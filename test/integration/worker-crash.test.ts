import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';
import { syntheticCatalog, writeCatalogFile } from '../support/catalog.js';

const TOTAL = 40_000;

describe('fault: the worker is SIGKILLed in the middle of syncProducts', () => {
  let sys: TestSystem;
  let catalogFile: string;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    catalogFile = writeCatalogFile(syntheticCatalog(TOTAL, 11));
    sys = await startTestSystem({ worker: false, env: { CATALOG_FILE: catalogFile, ACTIVITY_HEARTBEAT_TIMEOUT: '2s' } });
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await sys?.stop();
  });

  /** A real worker process, started the way `npm run worker` starts it. */
  function startWorkerProcess(): ChildProcess {
    const child = spawn(
      process.execPath,
      ['--import', path.join(PROJECT_ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(PROJECT_ROOT, 'worker/index.ts')],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          LOG_LEVEL: 'warn',
          DATABASE_URL: sys.databaseUrl,
          TEMPORAL_ADDRESS: sys.config.TEMPORAL_ADDRESS,
          TEMPORAL_TASK_QUEUE: sys.config.TEMPORAL_TASK_QUEUE,
          TEMPORAL_NAMESPACE: sys.config.TEMPORAL_NAMESPACE,
          CATALOG_FILE: catalogFile,
          ACTIVITY_HEARTBEAT_TIMEOUT: '2s',
          DATA_DIR: sys.config.dataDir,
          // The voice of the in-process test worker (test/support/harness.ts): espeak-ng is fast.
          VOICE: 'espeak',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    workers.push(child);
    return child;
  }

  it('completes after a restart without duplicating products or log rows', async () => {
    const first = startWorkerProcess();
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 1, autoApprove: true, platforms: ['youtube'] });
    expect(start.body.status).toBe('started');

    // Kill it for real once part of the catalog is in and part is not.
    const partial = await eventually(
      async () => {
        const n = await sys.db.product.count();
        return n >= 4000 && n < TOTAL - 8000 ? n : undefined;
      },
      90_000,
      20,
    );
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const afterKill = await sys.db.product.count();
    expect(afterKill).toBeGreaterThanOrEqual(partial);
    expect(afterKill).toBeLessThan(TOTAL);

    startWorkerProcess();
    const done = await eventually(
      async () => {
        const r = await sys.request('GET', `/orchestrator/daily-loop/status/${start.body.workflowId}`);
        return r.body.status === 'COMPLETED' ? r.body : undefined;
      },
      240_000,
      250,
    );

    expect(done.result.selected).toHaveLength(1);
    expect(done.result.publishing.published).toHaveLength(1);
    expect(await sys.db.product.count()).toBe(TOTAL);
    const dupes = await sys.db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM (SELECT asin FROM "Product" GROUP BY asin HAVING count(*) > 1) d`;
    expect(Number(dupes[0].n)).toBe(0);

    const logs = await sys.db.workflowLog.findMany({ where: { workflowId: start.body.workflowId } });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ runId: start.body.runId, status: 'COMPLETED' });

    // The history shows the crash: syncProducts timed out on its heartbeat and ran again.
    const client = await sys.orchestrator.client();
    const history = await client.workflow.getHandle(start.body.workflowId, start.body.runId).fetchHistory();
    const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes);
    const syncAttempt = started.map((e) => e.activityTaskStartedEventAttributes!).find((a) => (a.attempt ?? 1) > 1);
    expect(syncAttempt, 'a retried activity attempt').toBeDefined();
  }, 360_000);
});
