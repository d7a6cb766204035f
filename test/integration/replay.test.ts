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
 * The committed fixtures are histories of earlier versions; a change that breaks
 * them would break runs that are in flight during a deploy.
 */
describe('workflow replay', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(async () => sys?.stop());

  async function replayFresh(start: { workflowId: string; runId: string }, name: string) {
    await eventually(async () => (await sys.request('GET', `/orchestrator/daily-loop/status/${start.workflowId}`)).body.status === 'COMPLETED', 120_000, 250);
    const client = await sys.orchestrator.client();
    const history = await client.workflow.getHandle(start.workflowId, start.runId).fetchHistory();
    if (process.env.RECORD_HISTORY) {
      fs.mkdirSync(FIXTURES, { recursive: true });
      // The CLI's JSON is the canonical export format that historyFromJSON reads.
      const json = execFileSync(inject('temporalCli'), ['workflow', 'show', '--address', inject('temporalAddress'), '--namespace', sys.config.TEMPORAL_NAMESPACE!, '--workflow-id', start.workflowId, '--run-id', start.runId, '--output', 'json']);
      fs.writeFileSync(path.join(FIXTURES, `daily-loop-${process.env.RECORD_HISTORY}-${name}.json`), json);
    }
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, start.workflowId);
  }

  it('replays a freshly recorded history of an auto-approved run through publishing', async () => {
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 1, autoApprove: true, platforms: ['youtube', 'tiktok'] });
    await replayFresh(start.body, 'autoapprove');
  }, 180_000);

  it('replays a freshly recorded history with approval signals, a duplicate and a rejection', async () => {
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 2, platforms: ['instagram'] });
    const pending = await eventually(async () => {
      const r = await sys.request('GET', `/orchestrator/daily-loop/status/${start.body.workflowId}`);
      return r.body.approvals?.length === 2 && r.body.progress?.step === 'awaitApproval' ? r.body.approvals : undefined;
    }, 120_000, 250);
    const url = `/orchestrator/daily-loop/${start.body.workflowId}/approval`;
    await sys.request('POST', url, { videoId: pending[0].videoId, decision: 'approve', by: 'alice' });
    await sys.request('POST', url, { videoId: pending[0].videoId, decision: 'reject', by: 'bob' });
    await sys.request('POST', url, { videoId: pending[1].videoId, decision: 'reject', by: 'alice', reason: 'off-brand' });
    await replayFresh(start.body, 'signals');
  }, 240_000);

  it('replays a freshly recorded weekly optimization history', async () => {
    const client = await sys.orchestrator.client();
    const workflowId = 'weekly-replay-W01';
    await client.workflow.execute('weeklyOptimization', { workflowId, taskQueue: sys.config.TEMPORAL_TASK_QUEUE!, args: [sys.orchestrator.weeklyInput()] });
    const handle = client.workflow.getHandle(workflowId);
    const history = await handle.fetchHistory();
    if (process.env.RECORD_HISTORY) {
      const json = execFileSync(inject('temporalCli'), ['workflow', 'show', '--address', inject('temporalAddress'), '--namespace', sys.config.TEMPORAL_NAMESPACE!, '--workflow-id', workflowId, '--output', 'json']);
      fs.writeFileSync(path.join(FIXTURES, `weekly-${process.env.RECORD_HISTORY}.json`), json);
    }
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, workflowId);
  }, 60_000);

  const fixtures = fs.existsSync(FIXTURES) ? fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json')) : [];
  it('has committed history fixtures to replay', () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });
  for (const file of fixtures) {
    it(`replays the committed history ${file}`, async () => {
      // Raw CLI JSON: the worker converts it with its own historyFromJSON.
      const history = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
      // Child workflow ids derive from the parent's id, which was daily-<UTC date of the recording>.
      const workflowId = file.startsWith('weekly') ? 'weekly-replay-W01' : `daily-${String(history.events[0].eventTime).slice(0, 10)}`;
      await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, workflowId);
    });
  }
});
