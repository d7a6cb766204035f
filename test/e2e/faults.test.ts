import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSignedToSlackEndpoint, slashCommandBody, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { eventually } from '../support/harness.js';
import { descendants, cmdline, killTree, renderingWorker, startSupervised, type Supervised } from '../support/supervised.js';

const API_TOKEN = 'faults-test-api-token-0123456789';
const SLACK_SECRET = '8f14e45fceea167a5a36dedd4bea2543';
const PLATFORMS = ['youtube', 'tiktok', 'instagram'];

/**
 * Proof under faults, on the system as `npm start` runs it (its supervisor, the embedded
 * PostgreSQL and Temporal dev server on their persisted data), with the workers split as a
 * scaled deployment runs them: 3 orchestration workers and 2 render workers on one queue pair.
 * Each test starts a 2-product run on every platform, breaks something for real (SIGKILL) while
 * a video renders, and then counts the posts in the outbox: exactly one per (video, platform).
 */
describe('faults: a run survives its servers dying', () => {
  let sys: Supervised;
  let slack: FakeSlackApi;
  const auth = { authorization: `Bearer ${API_TOKEN}` };

  beforeAll(async () => {
    slack = await startFakeSlackApi();
    sys = await startSupervised(
      {
        START_WORKERS: 'orchestration,orchestration,orchestration,render,render',
        API_TOKEN,
        SLACK_BOT_TOKEN: 'xoxb-faults-1-2',
        SLACK_SIGNING_SECRET: SLACK_SECRET,
        SLACK_API_URL: slack.url + '/api',
        SLACK_ALERTS_CHANNEL: 'C_ALERTS',
        CHATOPS_OPERATORS: 'UADMIN',
        // A dead render worker is noticed when its heartbeats stop; the retry goes to a live one.
        ACTIVITY_HEARTBEAT_TIMEOUT: '5s',
        ACTIVITY_INITIAL_INTERVAL: '1s',
        ACTIVITY_MAX_ATTEMPTS: '10',
        VOICE: 'espeak',
        VIDEO_MAX_SECONDS: '15',
        FETCH_PRODUCT_IMAGES: 'false',
      },
      { name: 'faults', timeoutMs: 150_000 },
    );
  }, 180_000);

  afterAll(async () => {
    sys?.kill();
    await slack?.close();
  });

  /** Starts a 2-product run and waits until a render worker runs ffmpeg or the voice for it. */
  async function startRunAndWaitForRender(): Promise<{ workflowId: string; runId: string; renderWorker: number }> {
    const run = await sys.api('POST', '/orchestrator/daily-loop/start', { maxProducts: 2, autoApprove: true, platforms: PLATFORMS }, auth);
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const renderWorker = await eventually(async () => renderingWorker(sys), 120_000, 50);
    return { workflowId: run.body.workflowId, runId: run.body.runId, renderWorker };
  }

  async function waitForCompletion(workflowId: string, runId: string) {
    return eventually(
      async () => {
        const r = await sys.api('GET', `/orchestrator/daily-loop/status/${workflowId}`, undefined, auth).catch(() => undefined);
        if (r?.body.runId !== runId) return undefined;
        if (['FAILED', 'CANCELED', 'TERMINATED', 'TIMED_OUT'].includes(r.body.status)) throw new Error(`run ended ${r.body.status}: ${JSON.stringify(r.body)}`);
        return r.body.status === 'COMPLETED' ? r.body : undefined;
      },
      240_000,
      500,
    );
  }

  /** Posts in the outbox, as videoId:platform, from each platform's posts.log. */
  function outboxPosts(): string[] {
    return PLATFORMS.flatMap((platform) => {
      const log = path.join(sys.dataDir, 'outbox', platform, 'posts.log');
      if (!fs.existsSync(log)) return [];
      return fs
        .readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => `${line.split('\t')[3]}:${platform}`);
    });
  }

  function expectOnePostPerVideoAndPlatform(status: { result?: { videos?: { readyVideoIds: string[] } } }, before: string[]) {
    const videoIds = status.result!.videos!.readyVideoIds;
    expect(videoIds).toHaveLength(2);
    const posts = outboxPosts().filter((p) => !before.includes(p));
    expect(posts.sort()).toEqual(videoIds.flatMap((v) => PLATFORMS.map((p) => `${v}:${p}`)).sort());
  }

  it('a render worker SIGKILLed mid-render: the video is rendered by another render worker', async () => {
    const before = outboxPosts();
    const { workflowId, runId, renderWorker } = await startRunAndWaitForRender();
    const other = sys.workers('render').find((p) => p !== renderWorker);
    expect(other).toBeDefined();
    killTree(renderWorker);
    const status = await waitForCompletion(workflowId, runId);
    expectOnePostPerVideoAndPlatform(status, before);
    expect(sys.output()).toMatch(/Worker render \d exited; restarting it/);
  }, 300_000);

  it('the Temporal server SIGKILLed mid-render: the supervisor restarts it on its database and the run completes', async () => {
    const before = outboxPosts();
    const { workflowId, runId } = await startRunAndWaitForRender();
    const temporal = descendants(sys.child.pid!).find((p) => cmdline(p).includes('start-dev'));
    expect(temporal).toBeDefined();
    process.kill(temporal!, 'SIGKILL');
    await eventually(async () => sys.output().includes('Temporal dev server is running again'), 60_000, 250);
    const status = await waitForCompletion(workflowId, runId);
    expectOnePostPerVideoAndPlatform(status, before);
  }, 300_000);

  it('PostgreSQL SIGKILLed mid-run: the supervisor restarts it, activities retry, nothing is lost', async () => {
    const before = outboxPosts();
    const { workflowId, runId } = await startRunAndWaitForRender();
    const postmaster = Number(fs.readFileSync(path.join(sys.dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');
    await eventually(async () => sys.output().includes('PostgreSQL is running again'), 90_000, 250);
    const status = await waitForCompletion(workflowId, runId);
    expectOnePostPerVideoAndPlatform(status, before);
    const logs = await sys.api('GET', '/orchestrator/workflow-logs?limit=20', undefined, auth);
    expect(logs.body.logs.filter((l: { runId: string; status: string }) => l.runId === runId && l.status === 'COMPLETED')).toHaveLength(1);
  }, 300_000);

  it('50 concurrent slash commands while a run renders: every one acked and answered once', async () => {
    const { workflowId, runId } = await startRunAndWaitForRender();
    const commands = Array.from({ length: 50 }, (_, i) => {
      const [command, text] = i % 5 === 0 ? ['/daily-loop', 'start max:1'] : i % 2 ? ['/daily-loop', 'status'] : ['/affiliate-help', ''];
      return { id: `load-${i}`, body: slashCommandBody({ command, text, userId: 'UADMIN', userName: 'admin', responseUrl: slack.responseUrl(`load-${i}`) }) };
    });
    const acks = await Promise.all(commands.map((c) => postSignedToSlackEndpoint(`${sys.apiUrl}/slack/events`, SLACK_SECRET, c.body)));
    expect(acks.map((a) => a.status)).toEqual(commands.map(() => 200));
    // No command lost: each gets exactly one answer at its response_url.
    await eventually(async () => commands.every((c) => slack.responses.some((r) => r.id === c.id)), 60_000, 250);
    for (const c of commands) expect(slack.responses.filter((r) => r.id === c.id)).toHaveLength(1);
    const ms = acks.map((a) => a.ms).sort((a, b) => a - b);
    console.log(`slash command acks under load: p50 ${ms[24]} ms, p99 ${ms[49]} ms (the target is measured by bench/slash-load.ts)`);
    await waitForCompletion(workflowId, runId);
  }, 300_000);
});
