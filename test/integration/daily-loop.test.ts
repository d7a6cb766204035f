import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';
import { syntheticCatalog, writeCatalogFile } from '../support/catalog.js';

describe('daily control loop through the HTTP API (real Temporal + PostgreSQL)', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(async () => sys?.stop());

  it('runs every step through publishing, reports live status, and logs the run once', async () => {
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 3, platforms: ['youtube', 'TikTok'], autoApprove: true });
    expect(start.status).toBe(201);
    expect(start.body).toMatchObject({ status: 'started', workflowId: expect.stringMatching(/^daily-\d{4}-\d{2}-\d{2}$/), runId: expect.any(String) });
    const { workflowId, runId } = start.body;

    const done = await eventually(
      async () => {
        const r = await sys.request('GET', `/orchestrator/daily-loop/status/${workflowId}`);
        return r.body.status === 'COMPLETED' ? r.body : undefined;
      },
      150_000,
      250,
    );
    expect(done.result.stepsRun).toEqual([
      'syncProducts',
      'rankAllProducts',
      'selectTopProducts',
      'generateContentForProducts',
      'generateVideosForContent',
      'awaitApproval',
      'publishVideosToAll',
      'collectAnalytics',
      'optimizeStrategy',
    ]);
    expect(done.result.analytics).toMatchObject({ totalViews: null, totalEarnings: 0 });
    expect(done.result.analytics.notes.join(' ')).toMatch(/view/i);
    expect(done.result.publishing.published).toHaveLength(6);
    expect(done.result.synced.total).toBeGreaterThanOrEqual(200);
    expect(done.result.synced.created).toBe(done.result.synced.total);
    expect(done.result.selected).toHaveLength(3);
    const perCategory = new Map<string, number>();
    for (const p of done.result.selected) perCategory.set(p.category, (perCategory.get(p.category) ?? 0) + 1);
    expect(Math.max(...perCategory.values())).toBeLessThanOrEqual(sys.config.SELECT_MAX_PER_CATEGORY);

    // The selection is the top of the stored ranking.
    const scores = done.result.selected.map((p: { overallScore: number }) => p.overallScore);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const products = await sys.db.product.count();
    expect(products).toBe(done.result.synced.total);
    const unranked = await sys.db.product.count({ where: { rankedAt: null } });
    expect(unranked).toBe(0);

    // One run notice, updated as the run advanced (not a stream of messages).
    const notices = await sys.db.notification.findMany({ where: { workflowId, kind: 'run_progress' } });
    expect(notices).toHaveLength(1);
    expect(notices[0].title).toBe(`✅ Daily loop ${workflowId}: completed`);
    expect(notices[0].count).toBe(10); // 9 steps + the finish

    const logs = await sys.request('GET', `/orchestrator/workflow-logs?limit=10`);
    expect(logs.status).toBe(200);
    const rows = logs.body.logs.filter((l: { workflowId: string }) => l.workflowId === workflowId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ runId, workflowType: 'dailyControlLoop', status: 'COMPLETED', errorMessage: null });
    expect(rows[0].duration).toBeGreaterThan(0);
    expect(rows[0].result.selected).toHaveLength(3);
  }, 180_000);

  it('re-syncing the same catalog updates rows instead of duplicating them', async () => {
    const before = await sys.db.product.count();
    // The first run is closed, so a new run with the same id starts (a new run id).
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 1, autoApprove: true, platforms: 'instagram' });
    expect(start.body.status).toBe('started');
    const done = await eventually(
      async () => {
        const r = await sys.request('GET', `/orchestrator/daily-loop/status/${start.body.workflowId}`);
        return r.body.status === 'COMPLETED' ? r.body : undefined;
      },
      120_000,
      250,
    );
    expect(done.result.synced).toMatchObject({ created: 0, updated: before });
    expect(await sys.db.product.count()).toBe(before);
    expect(await sys.db.workflowLog.count({ where: { workflowId: start.body.workflowId } })).toBe(2);
  });
});

describe('a long daily run: live progress, no duplicate start, cancellation', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    // 60,000 products in batches of 1,000: syncProducts takes a couple of seconds (one statement per batch
    // writes 30,000 in about one), time enough to watch it and cancel it.
    sys = await startTestSystem({ env: { CATALOG_FILE: writeCatalogFile(syntheticCatalog(60_000, 7)) } });
  });
  afterAll(async () => sys?.stop());

  it('shows live progress, returns the open run for a second start, and cancels cleanly', async () => {
    const first = await sys.request('POST', '/orchestrator/daily-loop/start', {});
    expect(first.body.status).toBe('started');

    const live = await eventually(async () => {
      const r = await sys.request('GET', `/orchestrator/daily-loop/status/${first.body.workflowId}`);
      return r.body.status === 'RUNNING' && r.body.progress?.step === 'syncProducts' ? r.body : undefined;
    });
    expect(live.progress).toMatchObject({ stepsDone: [], approvals: { pending: 0, approved: 0, rejected: 0 }, errors: [] });

    const second = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 3 });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ workflowId: first.body.workflowId, runId: first.body.runId, status: 'already-running' });

    const cancel = await sys.request('POST', `/orchestrator/daily-loop/cancel/${first.body.workflowId}`);
    expect(cancel.status).toBe(202);
    expect(cancel.body.status).toBe('cancel-requested');

    const closed = await eventually(async () => {
      const r = await sys.request('GET', `/orchestrator/daily-loop/status/${first.body.workflowId}`);
      return r.body.status !== 'RUNNING' ? r.body : undefined;
    });
    expect(closed.status).toBe('CANCELLED');
    const log = await eventually(() => sys.db.workflowLog.findFirst({ where: { runId: first.body.runId, status: 'CANCELLED' } }));
    expect(log.errorMessage).toMatch(/Cancelled during syncProducts/);
    expect(log.completedAt).not.toBeNull();

    const again = await sys.request('POST', `/orchestrator/daily-loop/cancel/${first.body.workflowId}`);
    expect(again.body).toMatchObject({ status: 'already-closed', closedAs: 'CANCELLED' });
  });
});

describe('a step that fails after its retries', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ env: { CATALOG_FILE: '/nonexistent/products.csv', ACTIVITY_MAX_ATTEMPTS: '2' } });
  });
  afterAll(async () => sys?.stop());

  it('fails the run, logs the step and the error, and posts one failure notification', async () => {
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', {});
    const failed = await eventually(
      async () => {
        const r = await sys.request('GET', `/orchestrator/daily-loop/status/${start.body.workflowId}`);
        return r.body.status === 'FAILED' ? r.body : undefined;
      },
      30_000,
      200,
    );
    expect(failed.error).toMatch(/syncProducts failed: .*\/nonexistent\/products\.csv/);

    const log = await sys.db.workflowLog.findFirstOrThrow({ where: { runId: start.body.runId } });
    expect(log).toMatchObject({ status: 'FAILED', step: 'syncProducts' });
    expect(log.errorMessage).toMatch(/^syncProducts: .*nonexistent/);

    const notes = await sys.request('GET', `/orchestrator/notifications?workflowId=${start.body.workflowId}&kind=workflow_failed`);
    const progress = await sys.request('GET', `/orchestrator/notifications?workflowId=${start.body.workflowId}&kind=run_progress`);
    expect(progress.body.notifications[0].title).toMatch(/🚨 Daily loop .*: failed/);
    expect(notes.body.notifications).toHaveLength(1);
    expect(notes.body.notifications[0]).toMatchObject({
      kind: 'workflow_failed',
      level: 'ERROR',
      title: `Daily loop ${start.body.workflowId} failed at syncProducts`,
      count: 1,
      data: { runId: start.body.runId, step: 'syncProducts', attempts: 2 },
    });
  });
});
