import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildServer } from '../../src/api/server.js';
import { createDb } from '../../src/db.js';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { freePort } from '../../src/embedded/temporal.js';
import { createLogger } from '../../src/logger.js';
import { DatabaseFeedNotifier } from '../../src/providers/notifier/index.js';
import { eventually, startTestSystem, testConfig, type TestSystem } from '../support/harness.js';
import { parsePrometheusText, sampleValue, type Family } from '../support/prometheus-text.js';
import { Orchestrator } from '../../src/temporal/client.js';

const TOKEN = 'metrics-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
/** The API's metrics cache (src/metrics/database.ts): a change shows in /metrics within this. */
const CACHE_MS = 10_000;

describe('GET /metrics and the worker SDK metrics (real API, worker, Temporal and PostgreSQL)', () => {
  let sys: TestSystem;
  let workerMetrics: string;
  /** Requests this test made per route and status class, to compare with the HTTP histogram. */
  let statusPolls = 0;
  /** The two expositions after the daily run, for the dashboard and alert rules check. */
  let apiFamilies: Map<string, Family> | undefined;
  let workerFamilies: Map<string, Family> | undefined;

  beforeAll(async () => {
    workerMetrics = `127.0.0.1:${await freePort()}`;
    sys = await startTestSystem({ env: { API_TOKEN: TOKEN, TEMPORAL_METRICS_ADDRESS: workerMetrics } });
  });
  afterAll(async () => sys?.stop());

  async function scrape(): Promise<Map<string, Family>> {
    const r = await fetch(`${sys.baseUrl}/metrics`, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(await r.text());
  }
  /** Scrapes until `check` holds (the snapshot is cached for CACHE_MS). */
  const scrapeUntil = (check: (m: Map<string, Family>) => boolean) =>
    eventually(
      async () => {
        const m = await scrape();
        return check(m) ? m : undefined;
      },
      CACHE_MS + 8_000,
      500,
    );
  const v = (m: Map<string, Family>, name: string, labels: Record<string, string> = {}) => sampleValue(m, name, labels);
  const status = async (workflowId: string) => {
    statusPolls++;
    return (await sys.request('GET', `/orchestrator/daily-loop/status/${workflowId}`, undefined, auth)).body;
  };

  it('is protected like the API when API_TOKEN is set: 401 without the token or with a wrong one, 200 with it', async () => {
    const none = await fetch(`${sys.baseUrl}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await none.json()).error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/Missing bearer token/) });
    const wrong = await fetch(`${sys.baseUrl}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    expect((await wrong.text()).includes('affiliate_empire_')).toBe(false);

    const m = await scrape();
    expect(v(m, 'affiliate_empire_metrics_database_up')).toBe(1);
    expect(v(m, 'affiliate_empire_approvals_waiting')).toBe(0);
    expect(v(m, 'affiliate_empire_approvals_oldest_waiting_age_seconds')).toBe(0);
    expect(v(m, 'affiliate_empire_publications', { platform: 'youtube', status: 'published' })).toBe(0);
    expect(v(m, 'affiliate_empire_workflow_runs_started_total', { workflow_type: 'dailyControlLoop' })).toBeUndefined();
    // Process metrics of this Node.js process.
    expect(v(m, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(v(m, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('serves one cached snapshot to a scrape storm: 20 concurrent scrapes share one set of queries', async () => {
    const texts = await Promise.all(Array.from({ length: 20 }, () => fetch(`${sys.baseUrl}/metrics`, { headers: auth }).then((r) => r.text())));
    const took = new Set(texts.map((t) => v(parsePrometheusText(t), 'affiliate_empire_metrics_database_query_seconds')));
    // The query time is a float measured per read of the database: one value means one read.
    expect(took.size).toBe(1);
    expect([...took][0]).toBeGreaterThan(0);
  });

  it('follows a daily run: runs, approvals waiting with their age, publications by platform and outcome, render cost, HTTP latency, step durations', async () => {
    const t0 = Date.now();
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 2, platforms: ['youtube', 'tiktok'] }, auth);
    expect(start.status).toBe(201);
    const { workflowId } = start.body;
    const waiting = await eventually(
      async () => {
        const s = await status(workflowId);
        return s.progress?.step === 'awaitApproval' && s.approvals?.length === 2 ? s : undefined;
      },
      240_000,
      250,
    );
    const [a, b] = waiting.approvals.map((x: { videoId: string }) => x.videoId);

    let m = await scrapeUntil((x) => v(x, 'affiliate_empire_approvals_waiting') === 2);
    expect(v(m, 'affiliate_empire_workflow_runs_started_total', { workflow_type: 'dailyControlLoop' })).toBe(1);
    expect(v(m, 'affiliate_empire_workflow_runs_running', { workflow_type: 'dailyControlLoop' })).toBe(1);
    expect(v(m, 'affiliate_empire_workflow_runs_ended_total', { workflow_type: 'dailyControlLoop', outcome: 'completed' })).toBeUndefined();
    const age = v(m, 'affiliate_empire_approvals_oldest_waiting_age_seconds')!;
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThanOrEqual((Date.now() - t0) / 1000);
    // Both videos rendered, with their render time.
    expect(v(m, 'affiliate_empire_videos_rendered_total')).toBe(2);
    const rendered = await sys.db.$queryRaw<
      { render: number; media: number }[]
    >`SELECT sum("renderSeconds") AS render, sum("durationSeconds") AS media FROM "Video"`;
    expect(v(m, 'affiliate_empire_video_render_seconds_total')).toBeCloseTo(Number(rendered[0].render), 6);
    expect(v(m, 'affiliate_empire_video_media_seconds_total')).toBeCloseTo(Number(rendered[0].media), 6);
    expect(v(m, 'affiliate_empire_render_seconds_per_video_second')).toBeCloseTo(Number(rendered[0].render) / Number(rendered[0].media), 6);
    expect(Number(rendered[0].render)).toBeGreaterThan(0);
    expect(Number(rendered[0].render)).toBeLessThan((Date.now() - t0) / 1000);

    // One decision: one video still waits.
    expect((await sys.request('POST', `/orchestrator/daily-loop/${workflowId}/approval`, { videoId: a, decision: 'approve' }, auth)).status).toBe(200);
    await scrapeUntil((x) => v(x, 'affiliate_empire_approvals_waiting') === 1);
    expect((await sys.request('POST', `/orchestrator/daily-loop/${workflowId}/approval`, { videoId: b, decision: 'reject' }, auth)).status).toBe(200);
    await eventually(async () => ((await status(workflowId)).status === 'COMPLETED' ? true : undefined), 180_000, 250);

    m = await scrapeUntil((x) => v(x, 'affiliate_empire_workflow_runs_ended_total', { workflow_type: 'dailyControlLoop', outcome: 'completed' }) === 1);
    expect(v(m, 'affiliate_empire_workflow_runs_running', { workflow_type: 'dailyControlLoop' })).toBe(0);
    expect(v(m, 'affiliate_empire_workflow_last_success_timestamp_seconds', { workflow_type: 'dailyControlLoop' })! * 1000).toBeGreaterThan(t0);
    expect(v(m, 'affiliate_empire_workflow_last_run_duration_seconds', { workflow_type: 'dailyControlLoop' })).toBeGreaterThan(0);
    expect(v(m, 'affiliate_empire_approvals_waiting')).toBe(0);
    expect(v(m, 'affiliate_empire_approvals_oldest_waiting_age_seconds')).toBe(0);
    // The approved video went to both platforms; the rejected one nowhere; Instagram was not in the run.
    expect(v(m, 'affiliate_empire_publications', { platform: 'youtube', status: 'published' })).toBe(1);
    expect(v(m, 'affiliate_empire_publications', { platform: 'tiktok', status: 'published' })).toBe(1);
    expect(v(m, 'affiliate_empire_publications', { platform: 'instagram', status: 'published' })).toBe(0);
    expect(v(m, 'affiliate_empire_publications', { platform: 'youtube', status: 'failed' })).toBe(0);

    // HTTP latency by route template (one series for every workflow id) and status class: exactly the calls this test made.
    const httpCount = (method: string, route: string, statusClass: string) =>
      v(m, 'affiliate_empire_http_request_duration_seconds_count', { method, route, status_class: statusClass });
    expect(httpCount('POST', '/orchestrator/daily-loop/:workflowId/approval', '2xx')).toBe(2);
    expect(httpCount('GET', '/orchestrator/daily-loop/status/:workflowId', '2xx')).toBe(statusPolls);
    expect(httpCount('GET', '/metrics', '4xx')).toBe(2);
    expect(httpCount('POST', '/orchestrator/daily-loop/start', '2xx')).toBe(1);
    const routes = new Set(m.get('affiliate_empire_http_request_duration_seconds')!.samples.map((s) => s.labels.route));
    expect([...routes].some((r) => r.includes(workflowId))).toBe(false);

    // The worker's SDK endpoint: the Temporal SDK's metrics and our step durations.
    const w = parsePrometheusText(await (await fetch(`http://${workerMetrics}/metrics`)).text());
    expect(v(w, 'temporal_worker_task_slots_available', { worker_type: 'ActivityWorker', task_queue: sys.config.TEMPORAL_TASK_QUEUE })).toBeGreaterThan(0);
    // The value the no-pollers alert selects on.
    expect(v(w, 'temporal_num_pollers', { poller_type: 'workflow_task', task_queue: sys.config.TEMPORAL_TASK_QUEUE })).toBeGreaterThan(0);
    const steps = w
      .get('affiliate_empire_workflow_step_duration_seconds')!
      .samples.filter((s) => s.name.endsWith('_count') && s.labels.workflowType === 'dailyControlLoop');
    expect(Object.fromEntries(steps.map((s) => [`${s.labels.step}:${s.labels.outcome}`, s.value]))).toEqual({
      'syncProducts:completed': 1,
      'rankAllProducts:completed': 1,
      'selectTopProducts:completed': 1,
      'generateContentForProducts:completed': 1,
      'generateVideosForContent:completed': 1,
      'awaitApproval:completed': 1,
      'publishVideosToAll:completed': 1,
      'collectAnalytics:completed': 1,
      'optimizeStrategy:completed': 1,
    });
    const approvalWait = v(w, 'affiliate_empire_workflow_step_duration_seconds_sum', { workflowType: 'dailyControlLoop', step: 'awaitApproval' })!;
    expect(approvalWait).toBeGreaterThan(0);
    expect(approvalWait).toBeLessThan((Date.now() - t0) / 1000);

    apiFamilies = m;
    workerFamilies = w;
  }, 540_000);

  it('counts chat deliveries per channel and status from the chat outbox', async () => {
    const feed = new DatabaseFeedNotifier(sys.db);
    const expiresAt = new Date(Date.now() + 3_600_000);
    for (const [i, slack] of (['failed', 'failed', 'delivered'] as const).entries()) {
      const notificationId = await feed.store({ kind: 'provider_alert', level: 'WARNING', title: `t${i}`, message: 'm' });
      await sys.db.chatDelivery.createMany({
        data: [
          {
            notificationId,
            platform: 'slack',
            lane: `slack:t${i}`,
            payload: {},
            status: slack,
            expiresAt,
            ...(slack === 'failed' ? { lastError: 'internal_error' } : {}),
          },
          { notificationId, platform: 'discord', lane: `discord:t${i}`, payload: {}, status: 'delivered', expiresAt },
        ],
      });
    }
    const m = await scrapeUntil((x) => v(x, 'affiliate_empire_chat_deliveries', { channel: 'slack', status: 'failed' }) === 2);
    expect(v(m, 'affiliate_empire_chat_deliveries', { channel: 'slack', status: 'delivered' })).toBe(1);
    expect(v(m, 'affiliate_empire_chat_deliveries', { channel: 'discord', status: 'delivered' })).toBe(3);
    expect(v(m, 'affiliate_empire_chat_deliveries', { channel: 'discord', status: 'failed' })).toBe(0);
    expect(v(m, 'affiliate_empire_chat_deliveries', { channel: 'slack', status: 'pending' })).toBe(0);
  });

  it('every metric and label that the Grafana dashboard and the alert rules use is exported', () => {
    expect(apiFamilies && workerFamilies).toBeTruthy();
    const exported = new Map<string, Set<string>>();
    for (const fams of [apiFamilies!, workerFamilies!])
      for (const f of fams.values())
        for (const s of [{ name: f.name, labels: {} }, ...f.samples]) {
          const labels = exported.get(s.name) ?? new Set<string>();
          for (const k of Object.keys(s.labels)) labels.add(k);
          exported.set(s.name, labels);
        }
    const uses = monitoringQueries().flatMap(({ where, expr }) => selectors(expr).map((s) => ({ where, ...s })));
    expect(uses.length).toBeGreaterThan(20);
    // `up` is made by Prometheus itself; job and instance are added by the scrape.
    const missing = uses.filter((u) => u.name !== 'up' && !exported.has(u.name)).map((u) => `${u.where}: ${u.name}`);
    expect(missing).toEqual([]);
    const badLabels = uses
      .filter((u) => u.name !== 'up')
      .flatMap((u) =>
        u.labels.filter((l) => !['job', 'instance', 'le'].includes(l) && !exported.get(u.name)!.has(l)).map((l) => `${u.where}: ${u.name}{${l}}`),
      );
    expect(badLabels).toEqual([]);
  });

  it('reports the database as down instead of failing the scrape, and leaves its numbers out', async () => {
    const config = testConfig({ DATABASE_URL: 'postgresql://nobody:x@127.0.0.1:1/none', API_TOKEN: TOKEN });
    const orchestrator = new Orchestrator(config);
    const db = createDb(config.databaseUrl);
    const app = await buildServer({ config, db, orchestrator, log: createLogger('test', 'silent') });
    try {
      const r = await app.inject({ method: 'GET', url: '/metrics', headers: { ...auth, host: '127.0.0.1' } });
      expect(r.statusCode).toBe(200);
      const m = parsePrometheusText(r.body);
      expect(v(m, 'affiliate_empire_metrics_database_up')).toBe(0);
      expect(m.get('affiliate_empire_publications')?.samples ?? []).toEqual([]);
      expect(m.get('affiliate_empire_approvals_waiting')?.samples ?? []).toEqual([]);
      expect(v(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    } finally {
      await app.close();
      await orchestrator.close();
      await db.$disconnect();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    }
  });
});

/** Every PromQL expression in deploy/: the dashboard's targets and the alert rules. */
function monitoringQueries(): { where: string; expr: string }[] {
  const dashboard = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'deploy/grafana/affiliate-empire-dashboard.json'), 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  const alerts = parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  return [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
    ...alerts.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))),
  ];
}

/** The metric names in an expression, with the label names its selector matches on. */
function selectors(expr: string): { name: string; labels: string[] }[] {
  const out: { name: string; labels: string[] }[] = [];
  // Names of our metrics, the SDK's, the process metrics and `up` (functions, keywords and label names are not metric names).
  const re = /\b(affiliate_empire_[a-z0-9_]+|temporal_[a-z0-9_]+|process_[a-z0-9_]+|nodejs_[a-z0-9_]+|up)\b(\{[^}]*\})?/g;
  for (const m of expr.matchAll(re)) {
    const before = expr.slice(0, m.index);
    // `by (...)` / `without (...)` clauses and label values are not selectors.
    if (/(by|without|on|ignoring|group_left|group_right)\s*\([^)]*$/.test(before) || /"[^"]*$/.test(before)) continue;
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((x) => x[1]);
    out.push({ name: m[1], labels });
  }
  return out;
}
