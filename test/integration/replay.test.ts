import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'histories');

/**
 * Determinism: recorded histories must replay against the current workflow code.
 * A change that breaks a committed fixture would break the runs that are in flight
 * while it deploys (an open daily run waits up to a day for approvals): such a change
 * needs a patch (`patched()`), not a new fixture.
 *
 * Each test below records a fresh history and replays it. To (re)record the committed
 * fixtures from them, for example after a deliberate, released change of the workflows:
 *
 *   RECORD_HISTORY=v6 npx vitest run test/integration/replay.test.ts
 *
 * writes daily-loop-v6-<case>.json and weekly-v6.json here (the Temporal CLI's JSON export,
 * which the worker reads with historyFromJSON); commit them, and delete the fixtures of a
 * version only once no run of it can still be open.
 */
describe('workflow replay', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(async () => sys?.stop());

  const replay = (history: Parameters<typeof Worker.runReplayHistory>[1], workflowId: string) =>
    Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, workflowId);

  /** Saves the run's history as a fixture when RECORD_HISTORY names a version. */
  function record(run: { workflowId: string; runId?: string }, fixture: (version: string) => string) {
    const version = process.env.RECORD_HISTORY;
    if (!version) return;
    fs.mkdirSync(FIXTURES, { recursive: true });
    const runArgs = run.runId ? ['--run-id', run.runId] : [];
    const json = execFileSync(inject('temporalCli'), [
      'workflow',
      'show',
      '--address',
      inject('temporalAddress'),
      '--namespace',
      sys.config.TEMPORAL_NAMESPACE,
      '--workflow-id',
      run.workflowId,
      ...runArgs,
      '--output',
      'json',
    ]);
    fs.writeFileSync(path.join(FIXTURES, fixture(version)), json);
  }

  async function replayFreshDaily(start: { workflowId: string; runId: string }, name: string, closedAs = 'COMPLETED') {
    await eventually(async () => (await sys.request('GET', `/orchestrator/daily-loop/status/${start.workflowId}`)).body.status === closedAs, 120_000, 250);
    const client = await sys.orchestrator.client();
    const history = await client.workflow.getHandle(start.workflowId, start.runId).fetchHistory();
    record(start, (version) => `daily-loop-${version}-${name}.json`);
    await replay(history, start.workflowId);
  }

  async function awaitingApproval(workflowId: string, videos: number) {
    return eventually(
      async () => {
        const r = await sys.request('GET', `/orchestrator/daily-loop/status/${workflowId}`);
        return r.body.approvals?.length === videos && r.body.progress?.step === 'awaitApproval' ? r.body.approvals : undefined;
      },
      120_000,
      250,
    );
  }

  it('replays a freshly recorded history of an auto-approved run through publishing', async () => {
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 1, autoApprove: true, platforms: ['youtube', 'tiktok'] });
    await replayFreshDaily(start.body, 'autoapprove');
  }, 180_000);

  it('replays a freshly recorded history with approval signals, a duplicate and a rejection', async () => {
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 2, platforms: ['instagram'] });
    const pending = await awaitingApproval(start.body.workflowId, 2);
    const url = `/orchestrator/daily-loop/${start.body.workflowId}/approval`;
    await sys.request('POST', url, { videoId: pending[0].videoId, decision: 'approve', by: 'alice' });
    await sys.request('POST', url, { videoId: pending[0].videoId, decision: 'reject', by: 'bob' });
    await sys.request('POST', url, { videoId: pending[1].videoId, decision: 'reject', by: 'alice', reason: 'off-brand' });
    await replayFreshDaily(start.body, 'signals');
  }, 240_000);

  it('replays a freshly recorded history of a run cancelled while it waits for approval', async () => {
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 1, platforms: ['youtube'] });
    const [video] = await awaitingApproval(start.body.workflowId, 1);
    // A decision just before the cancellation: recorded during the wait or, if the cancellation comes first, on the way out.
    await sys.request('POST', `/orchestrator/daily-loop/${start.body.workflowId}/approval`, { videoId: video.videoId, decision: 'reject', by: 'alice' });
    await sys.request('POST', `/orchestrator/daily-loop/cancel/${start.body.workflowId}`);
    await replayFreshDaily(start.body, 'cancelled', 'CANCELLED');
  }, 240_000);

  it('replays a freshly recorded weekly optimization history', async () => {
    const client = await sys.orchestrator.client();
    const workflowId = 'weekly-replay-W01';
    await client.workflow.execute('weeklyOptimization', { workflowId, taskQueue: sys.config.TEMPORAL_TASK_QUEUE, args: [sys.orchestrator.weeklyInput()] });
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    record({ workflowId }, (version) => `weekly-${version}.json`);
    await replay(history, workflowId);
  }, 60_000);

  const fixtures = fs.existsSync(FIXTURES) ? fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json')) : [];
  it('has committed history fixtures to replay', () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });
  for (const file of fixtures) {
    it(`replays the committed history ${file}`, async () => {
      // Raw CLI JSON: the worker converts it with its own historyFromJSON.
      const history = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
      // Child workflow ids derive from the recorded run's id, which the start event names.
      const workflowId: string = history.events[0].workflowExecutionStartedEventAttributes.workflowId;
      await replay(history, workflowId);
    });
  }
});
