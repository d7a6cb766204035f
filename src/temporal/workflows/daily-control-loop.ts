import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ActivityRetryConfig } from '../../config.js';
import { DAILY_STEPS, type DailyLoopInput, type DailyLoopResult, type DailyStatus, type DailyStep } from '../types.js';

export const statusQuery = defineQuery<DailyStatus>('status');

/** Steps 1-3 run for real; the later steps land with the content and analytics features. */
const STEPS_RUN: DailyStep[] = ['syncProducts', 'rankAllProducts', 'selectTopProducts'];

function activitiesWith(retry: ActivityRetryConfig) {
  return proxyActivities<Activities>({
    startToCloseTimeout: retry.startToCloseMs,
    heartbeatTimeout: retry.heartbeatTimeoutMs,
    retry: {
      maximumAttempts: retry.maximumAttempts,
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maximumIntervalMs,
    },
  });
}

/** Bookkeeping activities are tiny and must not be starved by the business retry policy. */
const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20 },
});

/** The daily control loop: sync → rank → select (→ content, videos, approval, publish, analytics, optimize). */
export async function dailyControlLoop(input: DailyLoopInput): Promise<DailyLoopResult> {
  const { workflowId, runId, workflowType } = workflowInfo();
  const acts = activitiesWith(input.retry);
  const status: DailyStatus = {
    step: 'starting',
    stepsDone: [],
    products: { synced: 0, ranked: 0, selected: 0 },
    videos: { generated: 0, ready: 0, published: 0 },
    approvals: { pending: 0, approved: 0, rejected: 0 },
    errors: [],
  };
  setHandler(statusQuery, () => status);

  const startedAt = new Date().toISOString(); // workflow time: deterministic on replay

  async function step<T>(name: DailyStep, run: () => Promise<T>): Promise<T> {
    status.step = name;
    const out = await run();
    status.stepsDone.push(name);
    return out;
  }

  try {
    await bookkeeping.recordWorkflowStart({ workflowId, runId, workflowType, startedAt });

    const synced = await step('syncProducts', () => acts.syncProducts());
    status.products.synced = synced.total;

    const ranked = await step('rankAllProducts', () => acts.rankAllProducts({ weights: input.rankWeights }));
    status.products.ranked = ranked.ranked;

    const selected = await step('selectTopProducts', () => acts.selectTopProducts({ limit: input.maxProducts, maxPerCategory: input.maxPerCategory }));
    status.products.selected = selected.length;

    const result: DailyLoopResult = {
      workflowId,
      stepsRun: [...status.stepsDone],
      stepsNotImplemented: DAILY_STEPS.filter((s) => !STEPS_RUN.includes(s)),
      synced,
      ranked: ranked.ranked,
      selected,
    };
    status.step = 'completed';
    await bookkeeping.recordWorkflowEnd({ workflowId, runId, workflowType, startedAt, status: 'COMPLETED', completedAt: new Date().toISOString(), step: 'completed', result });
    return result;
  } catch (err) {
    const failedStep = status.step;
    if (isCancellation(err)) {
      status.step = 'cancelled';
      // The scope is cancelled: record the outcome in a scope that cannot be.
      await CancellationScope.nonCancellable(() =>
        bookkeeping.recordWorkflowEnd({ workflowId, runId, workflowType, startedAt, status: 'CANCELLED', completedAt: new Date().toISOString(), step: failedStep, errorMessage: `Cancelled during ${failedStep}` }),
      );
      throw err;
    }
    const message = describeFailure(err);
    status.errors.push({ step: failedStep, message });
    status.step = 'failed';
    await bookkeeping.recordWorkflowEnd({ workflowId, runId, workflowType, startedAt, status: 'FAILED', completedAt: new Date().toISOString(), step: failedStep, errorMessage: `${failedStep}: ${message}` });
    throw ApplicationFailure.nonRetryable(`${failedStep} failed: ${message}`, 'StepFailed', { step: failedStep });
  }
}

function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
