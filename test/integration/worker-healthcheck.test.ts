// The compose file's worker health check (scripts/worker-healthcheck.ts) against the real
// Temporal dev server: healthy only while a worker of THIS host polls the role's task queue.
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { checksFor, workerProblems } from '../../scripts/worker-healthcheck.js';
import { testConfig } from '../support/harness.js';

const run = promisify(execFile);
const config = testConfig();
const renderQueue = `${config.TEMPORAL_TASK_QUEUE}-render`;

describe('worker health check', () => {
  let nativeConnection: NativeConnection;
  let connection: Connection;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    // Each test file runs in its own process: keep the SDK's state-change logs out of the output.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    nativeConnection = await NativeConnection.connect({ address: config.temporalAddress });
    connection = await Connection.connect({ address: config.temporalAddress });
    // A render-only worker: activities on the render queue, as `npm run worker -- render` runs.
    worker = await Worker.create({
      connection: nativeConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: renderQueue,
      activities: { renderVideo: async () => 'rendered' },
    });
    running = worker.run();
    // The server lists a poller once its first poll arrives.
    const deadline = Date.now() + 10_000;
    while ((await workerProblems(connection, config.TEMPORAL_NAMESPACE, checksFor('render', config.TEMPORAL_TASK_QUEUE, renderQueue), os.hostname())).length) {
      if (Date.now() > deadline) throw new Error('the render worker never showed up as a poller');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await nativeConnection?.close();
  });

  it('passes for a role whose queue this host polls', async () => {
    expect(await workerProblems(connection, config.TEMPORAL_NAMESPACE, checksFor('render', config.TEMPORAL_TASK_QUEUE, renderQueue), os.hostname())).toEqual(
      [],
    );
  });

  it('fails for a role whose queue nobody on this host polls, naming the queue', async () => {
    const problems = await workerProblems(connection, config.TEMPORAL_NAMESPACE, checksFor('all', config.TEMPORAL_TASK_QUEUE, renderQueue), os.hostname());
    expect(problems).toEqual([`no workflow poller from ${os.hostname()} on task queue ${config.TEMPORAL_TASK_QUEUE}`]);
  });

  it("does not count another replica's poller (scaled services share the queue)", async () => {
    const problems = await workerProblems(
      connection,
      config.TEMPORAL_NAMESPACE,
      checksFor('render', config.TEMPORAL_TASK_QUEUE, renderQueue),
      'another-container',
    );
    expect(problems).toEqual([`no activity poller from another-container on task queue ${renderQueue}`]);
  });

  it('fails when the last poll is older than the freshness window', async () => {
    const later = Date.now() + 10 * 60_000;
    const problems = await workerProblems(
      connection,
      config.TEMPORAL_NAMESPACE,
      checksFor('render', config.TEMPORAL_TASK_QUEUE, renderQueue),
      os.hostname(),
      later,
    );
    expect(problems).toEqual([`no activity poll from ${os.hostname()} on task queue ${renderQueue} in the last 120 s`]);
  });

  it('rejects an unknown role with the valid ones', () => {
    expect(() => checksFor('renderer', 'q', 'q-render')).toThrow('Unknown worker role "renderer": use orchestration, render or all');
  });

  it('runs as the container command: exit 0 when healthy, 1 with the reason when not', async () => {
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: config.temporalAddress,
      TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      DATABASE_URL: 'postgresql://unused@127.0.0.1/unused',
    };
    const script = path.join(PROJECT_ROOT, 'scripts', 'worker-healthcheck.ts');
    const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
    const ok = await run(tsx, [script, 'render'], { env, cwd: PROJECT_ROOT });
    expect(ok.stdout).toContain('worker render healthy');
    const bad = await run(tsx, [script, 'orchestration'], { env, cwd: PROJECT_ROOT }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(bad?.code).toBe(1);
    expect(bad?.stderr).toContain(`worker orchestration unhealthy: no workflow poller from ${os.hostname()} on task queue ${config.TEMPORAL_TASK_QUEUE}`);
  });
});
