// Worker entry point: `npm run worker`. Run several (on one or many machines)
// against the same Temporal and PostgreSQL to scale out.
import { loadConfigOrExit } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createWorker } from '../src/worker.js';

const config = loadConfigOrExit();
const log = createLogger('worker', config.LOG_LEVEL);

try {
  const handle = await createWorker(config, log);
  log.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker started');
  // The SDK's runtime already turns SIGINT/SIGTERM into a graceful worker.shutdown().
  await handle.run();
  await handle.shutdown();
  log.info('worker stopped');
  process.exit(0);
} catch (err) {
  log.fatal({ err }, (err as Error).message);
  process.exit(1);
}
