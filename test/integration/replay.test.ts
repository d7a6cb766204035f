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

  it('replays a freshly recorded daily-loop history ', async () => {
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { maxProducts: 3 });
    await eventually(async () => (await sys.request('GET', `/orchestrator/daily-loop/status/${start.body.workflowId}`)).body.status === 'COMPLETED');
    const client = await sys.orchestrator.client();
    const history = await client.workflow.getHandle(start.body.workflowId, start.body.runId).fetchHistory();
    if (process.env.RECORD_HISTORY) {
      fs.mkdirSync(FIXTURES, { recursive: true });
      // The CLI's JSON is the canonical export format that historyFromJSON reads.
      const json = execFileSync(inject('temporalCli'), ['workflow', 'show', '--address', inject('temporalAddress'), '--workflow-id', start.body.workflowId, '--run-id', start.body.runId, '--output', 'json']);
      fs.writeFileSync(path.join(FIXTURES, `daily-loop-${process.env.RECORD_HISTORY}.json`), json);
    }
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, start.body.workflowId);
  });

  const fixtures = fs.existsSync(FIXTURES) ? fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json')) : [];
  it('has committed history fixtures to replay', () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });
  for (const file of fixtures) {
    it(`replays the committed history ${file}`, async () => {
      // Raw CLI JSON: the worker converts it with its own historyFromJSON.
      const history = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, file);
    });
  }
});
