import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, metricMeter, workflowInfo } from '@temporalio/workflow';
import { STEP_DURATION } from '../../metrics/names.js';
import { bookkeeping } from './activity-options.js';

/** How a run ends, as its last words (RunOptions.onEnd) see it. */
export type RunEnd = { status: 'COMPLETED' } | { status: 'FAILED'; step: string; message: string } | { status: 'CANCELLED'; step: string };

/** Runs one named step of the business process: a failure or a cancellation inside it is reported against its name. */
export type StepRunner = <T>(name: string, run: () => Promise<T>) => Promise<T>;

export interface RunOptions {
  /** How the failure alert names the run: "Daily loop", "Weekly optimization". */
  title: string;
  /** The step reported when the run fails or is cancelled before its first step starts (default `starting`). */
  firstStep?: string;
  /** More data for the failure alert (between the step and the error). */
  failureDetails?: Record<string, unknown>;
  /**
   * Last words before the end is recorded in the workflow log: flush state, update the
   * run's message. Runs in a scope that cannot be cancelled when the run was cancelled.
   */
  onEnd?(end: RunEnd): Promise<void>;
}

/**
 * What every run does around its steps: log the start; log the end as COMPLETED,
 * FAILED or CANCELLED, with the step it ended in; on a failure, alert the operators
 * and fail the workflow (not retried: the activities already were) naming the step.
 */
export async function runWithBookkeeping<T>(options: RunOptions, body: (step: StepRunner) => Promise<T>): Promise<T> {
  const { workflowId, runId, workflowType } = workflowInfo();
  const run = { workflowId, runId, workflowType, startedAt: new Date().toISOString() }; // workflow time: deterministic on replay
  let current = options.firstStep ?? 'starting';
  // Step durations go to the SDK's metric meter: the SDK skips them while a worker replays a
  // history, they add no command to the history (old histories still replay), and they need
  // no table. Workflow time (Date.now() here) advances with each workflow task: exact enough
  // for steps that last seconds to hours. The SDK adds the workflowType label.
  const durations = metricMeter.createHistogram(STEP_DURATION, 'float', 's', 'How long each step of a run took, by step and outcome.');
  const step: StepRunner = (name, work) => {
    current = name;
    const t0 = Date.now();
    const observe = (outcome: string) => durations.record((Date.now() - t0) / 1000, { step: name, outcome });
    return work().then(
      (out) => (observe('completed'), out),
      (err: unknown) => {
        observe(isCancellation(err) ? 'cancelled' : 'failed');
        throw err;
      },
    );
  };

  try {
    await bookkeeping.recordWorkflowStart(run);
    const result = await body(step);
    await options.onEnd?.({ status: 'COMPLETED' });
    await bookkeeping.recordWorkflowEnd({ ...run, status: 'COMPLETED', completedAt: new Date().toISOString(), step: 'completed', result });
    return result;
  } catch (err) {
    const failedStep = current;
    if (isCancellation(err)) {
      // The run's scope is cancelled: record the outcome in a scope that cannot be.
      await CancellationScope.nonCancellable(async () => {
        await options.onEnd?.({ status: 'CANCELLED', step: failedStep });
        await bookkeeping.recordWorkflowEnd({
          ...run,
          status: 'CANCELLED',
          completedAt: new Date().toISOString(),
          step: failedStep,
          errorMessage: `Cancelled during ${failedStep}`,
        });
      });
      throw err;
    }
    const message = describeFailure(err);
    await options.onEnd?.({ status: 'FAILED', step: failedStep, message });
    await bookkeeping.recordWorkflowEnd({
      ...run,
      status: 'FAILED',
      completedAt: new Date().toISOString(),
      step: failedStep,
      errorMessage: `${failedStep}: ${message}`,
    });
    await bookkeeping.notify({
      kind: 'workflow_failed',
      level: 'ERROR',
      title: `${options.title} ${workflowId} failed at ${failedStep}`,
      message,
      workflowId,
      data: { runId, step: failedStep, ...options.failureDetails, error: message },
      dedupeKey: `failed:${workflowId}:${runId}`,
    });
    throw ApplicationFailure.nonRetryable(`${failedStep} failed: ${message}`, 'StepFailed', { step: failedStep });
  }
}

/** The activity's own error message when an activity failed (not the wrapper's "Activity task failed"). */
function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
