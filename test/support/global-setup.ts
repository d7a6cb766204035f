// Starts the real services once per test run: an embedded PostgreSQL cluster
// (with a template database migrated by `prisma migrate deploy`) and a Temporal
// dev server; bundles the workflows once so each test worker starts fast.
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startEmbeddedPostgres } from '../../src/embedded/postgres.js';
import { findTemporalCli, freePort, startDevServer } from '../../src/embedded/temporal.js';
import { migrateDeploy, PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { WORKFLOWS_PATH } from '../../src/worker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    templateDb: string;
    temporalAddress: string;
    workflowBundlePath: string;
    temporalCli: string;
    runDir: string;
  }
}

/**
 * Workflow ids such as daily-YYYY-MM-DD are the same in every test file, so
 * files running at the same time each take a namespace of their own.
 */
export const TEST_NAMESPACES = Array.from({ length: 40 }, (_, i) => `test-${i + 1}`);

export default async function setup(project: TestProject) {
  const runDir = path.join(PROJECT_ROOT, 'var', 'test', `run-${process.pid}`);
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });

  const cli = findTemporalCli(PROJECT_ROOT);
  if (!cli) throw new Error('The Temporal CLI was not found: run `npm run setup` first.');

  const [pg, temporal, bundle] = await Promise.all([
    freePort().then((port) => startEmbeddedPostgres({ dataDir: path.join(runDir, 'pg'), port, database: 'ae_template', ephemeral: true })),
    freePort().then((port) => startDevServer({ cli, port, uiPort: null, namespace: 'default', extraNamespaces: TEST_NAMESPACES })),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger }),
  ]);
  await migrateDeploy(pg.url);
  const bundlePath = path.join(runDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  project.provide('pgAdminUrl', pg.url.replace(/\/ae_template$/, '/postgres'));
  project.provide('templateDb', 'ae_template');
  project.provide('temporalAddress', temporal.address);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('temporalCli', cli);
  project.provide('runDir', runDir);

  return async () => {
    await temporal.stop();
    await pg.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  };
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), log: noop };
