import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findTemporalTestServer } from '../../src/embedded/temporal.js';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { createDb, type Db } from '../../src/db.js';
import { Orchestrator } from '../../src/temporal/client.js';
import { createActivities } from '../../src/temporal/activities/index.js';
import { buildActivityDeps } from '../../src/worker.js';
import { createRenderSdkWorker } from '../../src/worker-render.js';
import type { DailyLoopResult } from '../../src/temporal/types.js';
import { createTestDatabase, testConfig } from '../support/harness.js';

/**
 * The approval wait (24 h by default) on Temporal's time-skipping test server:
 * nobody decides, a day passes in seconds, and the default action applies.
 */
describe('approval timeout (time-skipping test server)', () => {
  let env: TestWorkflowEnvironment;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;

  beforeAll(async () => {
    const server = findTemporalTestServer(PROJECT_ROOT);
    if (!server) throw new Error('temporal-test-server not found in .tools/venv: run `npm run setup`');
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server } } });
    database = await createTestDatabase();
    db = createDb(database.url);
  }, 120_000);
  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
    await env?.teardown();
  });

  it('applies the default action (do not publish) after 24 h without a decision, and records it', async () => {
    const config = testConfig({ DATABASE_URL: database.url, DAILY_PLATFORMS: 'youtube' });
    expect(config.APPROVAL_TIMEOUT).toBe(24 * 3600_000);
    expect(config.APPROVAL_DEFAULT_ACTION).toBe('reject');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: createActivities(buildActivityDeps(config, db)),
    });
    // The render worker of the same process, on the render queue (src/worker-render.ts).
    const { worker: renderWorker } = await createRenderSdkWorker(config, db, env.nativeConnection, { namespace: 'default' });
    const input = new Orchestrator(config).dailyInput({ maxProducts: 1 });
    const result: DailyLoopResult = await renderWorker.runUntil(
      worker.runUntil(
        env.client.workflow.execute('dailyControlLoop', { workflowId: 'daily-2026-11-27', taskQueue: config.TEMPORAL_TASK_QUEUE, args: [input] }),
      ),
    );

    expect(result.approvals!.expired).toHaveLength(1);
    expect(result.approvals!.approved).toEqual([]);
    expect(result.publishing).toEqual({ published: [], failed: [] });
    expect(await db.publication.count()).toBe(0);

    const [approval] = await db.approval.findMany();
    expect(approval).toMatchObject({ decision: 'REJECT', decidedBy: 'system:timeout', source: 'timeout', effective: true });
    expect(approval.reason).toMatch(/No decision within 1440 min; default action: reject/);
    const log = await db.workflowLog.findFirstOrThrow({ where: { workflowId: 'daily-2026-11-27' } });
    // Workflow time moved by a day, real time by seconds.
    expect(approval.decidedAt.getTime() - log.startedAt.getTime()).toBeGreaterThanOrEqual(24 * 3600_000);
    expect(log.status).toBe('COMPLETED');
  }, 180_000);
});
