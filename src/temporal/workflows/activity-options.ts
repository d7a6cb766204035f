import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ActivityRetryConfig } from '../../config.js';

/** The business retry policy (configurable; passed in with the workflow input, since workflows cannot read env). */
export function activitiesWith(retry: ActivityRetryConfig, extra: { startToCloseMs?: number; heartbeatTimeoutMs?: number; taskQueue?: string } = {}) {
  return proxyActivities<Activities>({
    startToCloseTimeout: extra.startToCloseMs ?? retry.startToCloseMs,
    heartbeatTimeout: extra.heartbeatTimeoutMs ?? retry.heartbeatTimeoutMs,
    ...(extra.taskQueue ? { taskQueue: extra.taskQueue } : {}),
    retry: {
      maximumAttempts: retry.maximumAttempts,
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maximumIntervalMs,
    },
  });
}

/** Bookkeeping activities (logs, notifications, approvals) are tiny and must not be starved by the business retry policy. */
export const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20 },
});
