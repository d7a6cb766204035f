// Bundles the workflow code into one file (`tsx scripts/bundle-workflows.ts <out.js>`).
// The worker runs this in a child process: webpack's memory then leaves with the
// child instead of staying in the long-lived worker.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../src/worker-paths.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: tsx scripts/bundle-workflows.ts <out.js>');
  process.exit(2);
}
const noop = () => {};
const { code } = await bundleWorkflowCode({
  workflowsPath: WORKFLOWS_PATH,
  logger: { trace: noop, debug: noop, info: noop, warn: (m) => console.warn(m), error: (m) => console.error(m), log: noop },
});
fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
fs.writeFileSync(out + '.tmp', code);
fs.renameSync(out + '.tmp', out);
process.exit(0);
