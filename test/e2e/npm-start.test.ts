import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { freePort, portInUse } from '../../src/embedded/temporal.js';
import { eventually } from '../support/harness.js';

/**
 * `npm start` as a new user runs it: embedded PostgreSQL + Temporal dev server +
 * worker + API from nothing, Ctrl-C stops every child, and data survives a restart.
 */
describe('npm start (zero configuration)', () => {
  const dataDir = path.join(PROJECT_ROOT, 'var', 'test', `start-${process.pid}`);
  const procs: ChildProcess[] = [];
  let ports: Record<string, number>;
  let output = '';

  afterAll(() => {
    for (const p of procs) {
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  function start(): ChildProcess {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    for (const [k, v] of Object.entries(ports)) env[k] = String(v);
    const child = spawn('npm', ['start'], { cwd: PROJECT_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b) => (output += b));
    child.stderr!.on('data', (b) => (output += b));
    procs.push(child);
    return child;
  }

  async function api(method: string, p: string, body?: unknown) {
    const r = await fetch(`http://127.0.0.1:${ports.PORT}${p}`, {
      method,
      body: body ? JSON.stringify(body) : undefined,
      headers: body ? { 'content-type': 'application/json' } : {},
    });
    return { status: r.status, body: await r.json() };
  }

  /** npm itself ends by the signal it got (a shell shows 130); our supervisor says how it ended. */
  async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<string> {
    const before = output.length;
    // 'close' fires once every process holding its stdout (supervisor and all children) is gone.
    const exited = new Promise<string>((r) => child.once('close', () => r(output.slice(before))));
    // To the whole process group, as a terminal's Ctrl-C (or systemd/docker stop) does.
    process.kill(-child.pid!, signal);
    return exited;
  }

  it('starts everything, runs a daily loop, stops cleanly on Ctrl-C and keeps the data', async () => {
    ports = { PORT: await freePort(), EMBEDDED_PG_PORT: await freePort(), TEMPORAL_DEV_PORT: await freePort(), TEMPORAL_UI_PORT: await freePort() };
    const first = start();
    await eventually(async () => (await api('GET', '/healthz')).status === 200, 90_000, 250);
    await eventually(async () => output.includes('Press Ctrl-C'), 5_000);
    expect(output).toContain(`API          http://127.0.0.1:${ports.PORT}`);
    expect(output).toContain(`Temporal UI  http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`);
    expect(output).toMatch(/API_TOKEN is not set: the API listens on 127\.0\.0\.1 only/);
    expect((await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`)).status).toBe(200);

    const run = await api('POST', '/orchestrator/daily-loop/start', { maxProducts: 1, autoApprove: true, platforms: ['youtube'] });
    expect(run.status).toBe(201);
    await eventually(async () => (await api('GET', `/orchestrator/daily-loop/status/${run.body.workflowId}`)).body.status === 'COMPLETED', 120_000);

    expect(await stop(first, 'SIGINT')).toContain('affiliate-empire stopped cleanly.');
    for (const port of Object.values(ports)) expect(await portInUse(port), `port ${port} closed`).toBe(false);

    // Again, from the same data directory: the run and its log are still there.
    const second = start();
    await eventually(async () => (await api('GET', '/healthz')).status === 200, 60_000, 250);
    const status = await api('GET', `/orchestrator/daily-loop/status/${run.body.workflowId}`);
    expect(status.body).toMatchObject({ status: 'COMPLETED', runId: run.body.runId });
    const logs = await api('GET', '/orchestrator/workflow-logs?limit=5');
    expect(logs.body.logs.map((l: { runId: string }) => l.runId)).toContain(run.body.runId);

    expect(await stop(second, 'SIGTERM')).toContain('affiliate-empire stopped cleanly.');
    for (const port of Object.values(ports)) expect(await portInUse(port), `port ${port} closed`).toBe(false);
  }, 240_000);
});
