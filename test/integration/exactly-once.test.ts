import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';

/**
 * Posts per platform: the outbox creates a new post folder (random id) on every
 * publish call, like a real platform, so a double publish would show as two.
 * Each entry is the post's idempotency key (its ledger row id).
 */
function postsByPlatform(outboxDir: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const platform of ['youtube', 'tiktok', 'instagram']) {
    const dir = path.join(outboxDir, platform);
    const folders = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.startsWith('.') && fs.statSync(path.join(dir, f)).isDirectory()) : [];
    out[platform] = folders.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f, 'metadata.json'), 'utf8')).idempotencyKey);
  }
  return out;
}

async function runToCompletion(sys: TestSystem, workflowId: string, timeoutMs = 180_000) {
  return eventually(
    async () => {
      const r = await sys.request('GET', `/orchestrator/daily-loop/status/${workflowId}`);
      return r.body.status === 'COMPLETED' ? r.body : undefined;
    },
    timeoutMs,
    250,
  );
}

describe('exactly-once publishing', () => {
  const systems: TestSystem[] = [];
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const s of systems) await s.stop();
  });

  it('publishes once when the activity fails after the platform call and before the ledger confirmation', async () => {
    const sys = await startTestSystem({ env: { FAULT_INJECTION: 'publish-after-call:throw-once' } });
    systems.push(sys);
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 1, autoApprove: true });
    const done = await runToCompletion(sys, start.body.workflowId);

    const posts = postsByPlatform(sys.config.outboxDir);
    expect(Object.values(posts).map((p) => p.length)).toEqual([1, 1, 1]);
    expect(done.result.publishing.published).toHaveLength(3);
    // Every platform call "failed" once after posting; the retry found the post instead of posting again.
    expect(done.result.publishing.published.map((p: { status: string }) => p.status)).toEqual(['recovered', 'recovered', 'recovered']);
    const pubs = await sys.db.publication.findMany();
    expect(pubs.map((p) => [p.status, p.attempts])).toEqual([
      ['PUBLISHED', 2],
      ['PUBLISHED', 2],
      ['PUBLISHED', 2],
    ]);
    for (const p of pubs) expect(posts[p.platform.toLowerCase()]).toEqual([p.id]);
  }, 240_000);

  it('publishes once when the worker process is SIGKILLed between the call and the confirmation', async () => {
    const sys = await startTestSystem({ worker: false, env: { ACTIVITY_HEARTBEAT_TIMEOUT: '3s' } });
    systems.push(sys);
    const worker = (fault: string) => {
      const child = spawn(
        process.execPath,
        ['--import', path.join(PROJECT_ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(PROJECT_ROOT, 'worker/index.ts')],
        {
          cwd: PROJECT_ROOT,
          env: {
            ...process.env,
            LOG_LEVEL: 'warn',
            DATA_DIR: sys.config.dataDir,
            // The voice of the in-process test worker (test/support/harness.ts): espeak-ng is fast.
            VOICE: 'espeak',
            DATABASE_URL: sys.databaseUrl,
            TEMPORAL_ADDRESS: sys.config.TEMPORAL_ADDRESS,
            TEMPORAL_TASK_QUEUE: sys.config.TEMPORAL_TASK_QUEUE,
            TEMPORAL_NAMESPACE: sys.config.TEMPORAL_NAMESPACE,
            FAULT_INJECTION: fault,
          },
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
      children.push(child);
      return child;
    };
    const crashing = worker('publish-after-call:crash');
    const exited = new Promise<NodeJS.Signals | null>((r) => crashing.once('exit', (_code, signal) => r(signal)));
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 1, autoApprove: true, platforms: ['youtube', 'instagram'] });

    // The worker kills itself right after the first post, before confirming it.
    expect(await exited).toBe('SIGKILL');
    // Both platforms publish in parallel; at least the one that crashed the worker posted without confirmation.
    const pending = await sys.db.publication.findMany({ where: { status: 'PENDING' } });
    const unconfirmed = pending.map((p) => p.platform.toLowerCase()).filter((p) => postsByPlatform(sys.config.outboxDir)[p].length === 1);
    expect(unconfirmed.length).toBeGreaterThanOrEqual(1);
    const crashedPlatform = unconfirmed[0];

    worker('none');
    const done = await runToCompletion(sys, start.body.workflowId);
    expect(done.result.publishing.failed).toEqual([]);
    const posts = postsByPlatform(sys.config.outboxDir);
    expect(posts.youtube).toHaveLength(1);
    expect(posts.instagram).toHaveLength(1);
    expect(posts.tiktok).toHaveLength(0);
    const statuses = Object.fromEntries(
      done.result.publishing.published.map((p: { platform: string; status: string }) => [p.platform.toLowerCase(), p.status]),
    );
    expect(statuses[crashedPlatform]).toBe('recovered');
    expect((await sys.db.publication.findMany()).every((p) => p.status === 'PUBLISHED')).toBe(true);
    expect(await sys.db.workflowLog.count({ where: { workflowId: start.body.workflowId } })).toBe(1);
  }, 300_000);
});
