import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { freePort } from '../../src/embedded/temporal.js';
import { eventually } from '../support/harness.js';

/**
 * Proof under faults, on the system as `npm start` runs it (its supervisor, the embedded
 * PostgreSQL and Temporal dev server on their persisted data), with the workers split as a
 * scaled deployment runs them: one orchestration worker and two render workers. Each test
 * starts a 2-product run on every platform, breaks something for real (SIGKILL) while a
 * video renders, and then counts the posts in the outbox: exactly one per (video, platform).
 */
describe('faults: a run survives its servers dying', () => {
  const dataDir = path.join(PROJECT_ROOT, 'var', 'test', `faults-${process.pid}`);
  let supervisor: ChildProcess;
  let ports: Record<string, number>;
  let output = '';
  const PLATFORMS = ['youtube', 'tiktok', 'instagram'];

  beforeAll(async () => {
    ports = { PORT: await freePort(), EMBEDDED_PG_PORT: await freePort(), TEMPORAL_DEV_PORT: await freePort(), TEMPORAL_UI_PORT: await freePort() };
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      START_WORKERS: 'orchestration,render,render',
      // A dead render worker is noticed when its heartbeats stop; the retry goes to a live one.
      ACTIVITY_HEARTBEAT_TIMEOUT: '5s',
      ACTIVITY_INITIAL_INTERVAL: '1s',
      ACTIVITY_MAX_ATTEMPTS: '10',
      VOICE: 'espeak',
      VIDEO_MAX_SECONDS: '15',
      FETCH_PRODUCT_IMAGES: 'false',
    };
    for (const [k, v] of Object.entries(ports)) env[k] = String(v);
    supervisor = spawn(process.execPath, ['--import', path.join(PROJECT_ROOT, 'node_modules/tsx/dist/loader.mjs'), 'scripts/start.ts'], {
      cwd: PROJECT_ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    supervisor.stdout!.on('data', (b) => (output += b));
    supervisor.stderr!.on('data', (b) => (output += b));
    await eventually(async () => output.includes('Press Ctrl-C'), 120_000, 250);
  }, 150_000);

  afterAll(async () => {
    try {
      process.kill(-supervisor.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    for (const pid of descendants(supervisor.pid!)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function api(method: string, p: string, body?: unknown) {
    const r = await fetch(`http://127.0.0.1:${ports.PORT}${p}`, {
      method,
      body: body ? JSON.stringify(body) : undefined,
      headers: body ? { 'content-type': 'application/json' } : {},
    });
    return { status: r.status, body: await r.json().catch(() => ({})) };
  }

  /** Starts a 2-product run and waits until a render worker runs ffmpeg or the voice for it. */
  async function startRunAndWaitForRender(): Promise<{ workflowId: string; runId: string; renderWorker: number }> {
    const run = await api('POST', '/orchestrator/daily-loop/start', { maxProducts: 2, autoApprove: true, platforms: PLATFORMS });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const renderWorker = await eventually(
      async () => renderWorkers().find((pid) => descendants(pid).some((c) => ['ffmpeg', 'espeak-ng'].includes(comm(c)))),
      120_000,
      50,
    );
    return { workflowId: run.body.workflowId, runId: run.body.runId, renderWorker };
  }

  async function waitForCompletion(workflowId: string, runId: string) {
    return eventually(
      async () => {
        const r = await api('GET', `/orchestrator/daily-loop/status/${workflowId}`).catch(() => undefined);
        if (r?.body.runId !== runId) return undefined;
        if (['FAILED', 'CANCELED', 'TERMINATED', 'TIMED_OUT'].includes(r.body.status)) throw new Error(`run ended ${r.body.status}: ${JSON.stringify(r.body)}`);
        return r.body.status === 'COMPLETED' ? r.body : undefined;
      },
      240_000,
      500,
    );
  }

  /** Posts in the outbox, as (videoId, platform) pairs, from each platform's posts.log. */
  function outboxPosts(): string[] {
    return PLATFORMS.flatMap((platform) => {
      const log = path.join(dataDir, 'outbox', platform, 'posts.log');
      if (!fs.existsSync(log)) return [];
      return fs
        .readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => `${line.split('\t')[3]}:${platform}`);
    });
  }

  async function expectOnePostPerVideoAndPlatform(status: { result?: { videos?: { readyVideoIds: string[] } } }, before: string[]) {
    const videoIds = status.result!.videos!.readyVideoIds;
    expect(videoIds).toHaveLength(2);
    const posts = outboxPosts().filter((p) => !before.includes(p));
    expect(posts.sort()).toEqual(videoIds.flatMap((v) => PLATFORMS.map((p) => `${v}:${p}`)).sort());
  }

  it('a render worker SIGKILLed mid-render: the video is rendered by another render worker', async () => {
    const before = outboxPosts();
    const { workflowId, runId, renderWorker } = await startRunAndWaitForRender();
    const others = renderWorkers().filter((p) => p !== renderWorker);
    killTree(renderWorker);
    const status = await waitForCompletion(workflowId, runId);
    await expectOnePostPerVideoAndPlatform(status, before);
    expect(others.length).toBeGreaterThanOrEqual(1);
    expect(output).toMatch(/the worker render \d exited; restarting it/);
  }, 300_000);

  it('the Temporal server SIGKILLed mid-render: the supervisor restarts it on its database and the run completes', async () => {
    const before = outboxPosts();
    const { workflowId, runId } = await startRunAndWaitForRender();
    const temporal = descendants(supervisor.pid!).find((p) => cmdline(p).includes('start-dev'));
    expect(temporal).toBeDefined();
    process.kill(temporal!, 'SIGKILL');
    await eventually(async () => output.includes('the Temporal dev server is running again'), 60_000, 250);
    const status = await waitForCompletion(workflowId, runId);
    await expectOnePostPerVideoAndPlatform(status, before);
  }, 300_000);

  it('PostgreSQL SIGKILLed mid-run: the supervisor restarts it, activities retry, nothing is lost', async () => {
    const before = outboxPosts();
    const { workflowId, runId } = await startRunAndWaitForRender();
    const postmaster = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');
    await eventually(async () => output.includes('the PostgreSQL is running again'), 90_000, 250);
    const status = await waitForCompletion(workflowId, runId);
    await expectOnePostPerVideoAndPlatform(status, before);
    // The run's log row and its notice survived too.
    const logs = await api('GET', '/orchestrator/workflow-logs?limit=20');
    expect(logs.body.logs.filter((l: { runId: string; status: string }) => l.runId === runId && l.status === 'COMPLETED')).toHaveLength(1);
  }, 300_000);

  function renderWorkers(): number[] {
    return descendants(supervisor.pid!).filter((p) => /worker\/index\.ts render/.test(cmdline(p)));
  }
});

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Every live descendant of pid (from /proc: each process's parent). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, ppid] of parent) {
      if (ppid !== p) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

/** A machine or container dying takes the worker's ffmpeg with it. */
function killTree(pid: number): void {
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
