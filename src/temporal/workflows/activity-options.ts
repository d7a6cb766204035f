import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ActivityRetryConfig } from '../../config.js';

/** The business retry policy (configurable; passed in with the workflow input, since workflows cannot read env). */
export function activitiesWith(retry: ActivityRetryConfig, extra: { startToCloseMs?: number; heartbeatTimeoutMs?: number } = {}) {
  return proxyActivities<Activities>({
    startToCloseTimeout: extra.startToCloseMs ?? retry.startToCloseMs,
    heartbeatTimeout: extra.heartbeatTimeoutMs ?? retry.heartbeatTimeoutMs,
    retry: {
      maximumAttempts: retry.maximumAttempts,
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maximumIntervalMs,
    },
  });
}
