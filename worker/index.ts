// Worker entry point: `npm run worker -- [all|orchestration|render]` (default all).
// Run several (on one or many machines) against the same Temporal and PostgreSQL
// to scale out: orchestration workers for the workflows and light activities,
// render workers for the CPU-heavy videos.
import { loadConfigOrExit } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { WORKER_ROLES, type WorkerHandle, type WorkerRole } from '../src/worker-runtime.js';

const arg = process.argv[2] ?? process.env.WORKER_ROLE ?? 'all';
if (!(WORKER_ROLES as readonly string[]).includes(arg)) {
  process.stderr.write(`Unknown worker role "${arg}". Use one of: ${WORKER_ROLES.join(', ')} (npm run worker -- render).\n`);
  process.exit(2);
}
const role = arg as WorkerRole;
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
