// The health check of the worker containers in docker-compose.yml:
//   tsx scripts/worker-healthcheck.ts <orchestration|render|all>
// Exits 0 when Temporal lists a poller from THIS container (worker identity "<pid>@<hostname>",
// the SDK's default) on the role's task queue, 1 otherwise with the reason. A live process is
// not enough: a worker that lost its connection or stopped polling does no work, and with
// `--scale worker-render=3` another replica's poller must not make this one look healthy.
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Connection } from '@temporalio/client';
import { loadConfig } from '../src/config.js';

// temporal.api.enums.v1.TaskQueueType (the proto package is not a direct dependency).
const WORKFLOW = 1;
const ACTIVITY = 2;

/** A poller counts when it polled within this window; an idle worker re-polls about every 60-70 s. */
export const POLLER_FRESH_MS = 2 * 60_000;

export interface QueueCheck {
  taskQueue: string;
  type: 'workflow' | 'activity';
}

/** What a worker of each role polls: orchestration runs the workflows, render runs the render activities. */
export function checksFor(role: string, taskQueue: string, renderTaskQueue: string): QueueCheck[] {
  const orchestration: QueueCheck = { taskQueue, type: 'workflow' };
  const render: QueueCheck = { taskQueue: renderTaskQueue, type: 'activity' };
  if (role === 'orchestration') return [orchestration];
  if (role === 'render') return [render];
  if (role === 'all') return [orchestration, render];
  throw new Error(`Unknown worker role "${role}": use orchestration, render or all (the argument of \`npm run worker -- <role>\`).`);
}

/** The problems found, empty when every queue has a fresh poller from `host`. */
export async function workerProblems(connection: Connection, namespace: string, checks: QueueCheck[], host: string, now = Date.now()): Promise<string[]> {
  const problems: string[] = [];
  for (const check of checks) {
    const res = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: check.taskQueue },
      taskQueueType: check.type === 'workflow' ? WORKFLOW : ACTIVITY,
    });
    const mine = (res.pollers ?? []).filter((p) => p.identity?.endsWith(`@${host}`));
    const fresh = mine.some((p) => {
      const seconds = Number(p.lastAccessTime?.seconds ?? 0);
      return now - seconds * 1000 <= POLLER_FRESH_MS;
    });
    if (!fresh)
      problems.push(
        mine.length
          ? `no ${check.type} poll from ${host} on task queue ${check.taskQueue} in the last ${POLLER_FRESH_MS / 1000} s`
          : `no ${check.type} poller from ${host} on task queue ${check.taskQueue}`,
      );
  }
  return problems;
}

async function main(): Promise<number> {
  const role = process.argv[2] ?? 'all';
  const config = loadConfig();
  const checks = checksFor(role, config.TEMPORAL_TASK_QUEUE, config.renderTaskQueue);
  const connection = await Connection.connect({ ...config.temporalConnection, connectTimeout: 5000 });
  try {
    const problems = await workerProblems(connection, config.TEMPORAL_NAMESPACE, checks, os.hostname());
    if (problems.length) {
      console.error(`worker ${role} unhealthy: ${problems.join('; ')}`);
      return 1;
    }
    console.log(`worker ${role} healthy`);
    return 0;
  } finally {
    await connection.close();
  }
}

// Run as a command (the tests import the functions instead).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`worker health check failed: ${err.message}`);
      process.exit(1);
    },
  );
}
