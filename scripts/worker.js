// @ts-check
// `npm run worker -- --role all|orchestration|render`: runs worker/index.ts compiled to plain
// JavaScript (scripts/build.js: built once per source version, then reused), in this process,
// on node alone, with the workflow bundle made with it. The arguments are worker/index.ts's own.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCompiled, WORKFLOW_BUNDLE } from './build.js';

let dir;
try {
  dir = await buildCompiled();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
  process.exit(1);
}
const paths = await import(pathToFileURL(path.join(dir, 'src', 'worker-paths.js')).href);
paths.usePrebuiltWorkflowBundle(path.join(dir, WORKFLOW_BUNDLE));
await import(pathToFileURL(path.join(dir, 'worker', 'index.js')).href);
