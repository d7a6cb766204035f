// Worker entry point: `npm run worker -- --role all|orchestration|render` (default all).
// Run several (on one or many machines) against the same Temporal and PostgreSQL
// to scale out: orchestration workers for the workflows and light activities,
// render workers for the CPU-heavy videos.
import { loadConfigOrExit } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { parseWorkerRole, type WorkerHandle, type WorkerRole } from '../src/worker-runtime.js';

let role: WorkerRole;
try {
  role = parseWorkerRole(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const config = loadConfigOrExit();
const log = createLogger(`worker-${role}`, config.LOG_LEVEL);

try {
  // The render role imports only the render module, so it never loads chat, publishers or the workflow bundler.
  const handle: WorkerHandle =
    role === 'render'
      ? await (await import('../src/worker-render.js')).createRenderWorker(config, log)
      : await (await import('../src/worker.js')).createWorker(config, log, { role });
  log.info({ role, taskQueues: handle.workers.map((w) => w.taskQueue), namespace: config.TEMPORAL_NAMESPACE }, 'worker started');
  // The SDK's runtime already turns SIGINT/SIGTERM into a graceful worker.shutdown().
  await handle.run();
  await handle.shutdown();
  log.info('worker stopped');
  process.exit(0);
} catch (err) {
  log.fatal({ err }, (err as Error).message);
  process.exit(1);
}
