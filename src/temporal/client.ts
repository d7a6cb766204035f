import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { Config, PlatformName } from '../config.js';
import { dailyWorkflowId, weeklyWorkflowId } from '../domain/dates.js';
import type { ApprovalSignal, OptimizeSettings, WeeklyInput, DailyLoopInput, DailyLoopResult, DailyStatus, VideoApprovalView } from './types.js';
import { approvalSignal, approvalsQuery, statusQuery } from './workflows/daily-control-loop.js';
import { explainRefusal } from '../config-temporal.js';

/** Temporal cannot be reached: the API answers 503 with this message. */
export class TemporalUnavailableError extends Error {
  /** `refused`: why the server refused us (TLS or credentials), when it did. */
  constructor(address: string, cause?: unknown, refused?: string) {
    super(
      (refused
        ? `Temporal at ${address} refused the connection: ${refused}.`
        : `Temporal is not reachable at ${address}: start it (\`npm start\` runs a local dev server) or fix TEMPORAL_ADDRESS.`) +
        (cause instanceof Error ? ` (${innermost(cause).message.split('\n')[0]})` : ''),
    );
    this.name = 'TemporalUnavailableError';
  }
}

export class UnknownWorkflowError extends Error {
  constructor(readonly workflowId: string) {
    super(`No workflow with id "${workflowId}" exists. List recent runs with GET /orchestrator/workflow-logs.`);
    this.name = 'UnknownWorkflowError';
  }
}

/** The request cannot be applied in the workflow's current state (closed run, decided video …). */
export class WorkflowStateError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'WorkflowStateError';
  }
}

export class UnknownVideoError extends Error {
  constructor(workflowId: string, videoId: string) {
    super(`Video "${videoId}" is not part of run ${workflowId}. GET /orchestrator/daily-loop/status/${workflowId} lists its videos.`);
    this.name = 'UnknownVideoError';
  }
}

export interface ApprovalResult {
  workflowId: string;
  videoId: string;
  /** true when this decision is the one that counts; false when the video had already been decided. */
  effective: boolean;
  state: VideoApprovalView;
}

export interface StartDailyOptions {
  maxProducts?: number;
  platforms?: PlatformName[];
  autoApprove?: boolean;
  startedBy?: string;
  /** Defaults to now; decides the workflow id `daily-YYYY-MM-DD`. */
  at?: Date;
}

export interface StartResult {
  workflowId: string;
  runId: string;
  status: 'started' | 'already-running';
}

export interface WorkflowStatusView {
  workflowId: string;
  runId: string;
  type: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT … */
  status: string;
  startedAt: string;
  closedAt: string | null;
  progress: DailyStatus | null;
  approvals?: VideoApprovalView[];
  result?: unknown;
  error?: string;
}

const RPC_DEADLINE_MS = 5000;

/**
 * The one place that starts, queries, cancels and signals workflows. It connects
 * lazily and reconnects after a failure, so the API keeps serving while Temporal
 * is down and recovers by itself when it comes back.
 */
export class Orchestrator {
  private clientPromise?: Promise<Client>;
  readonly address: string;

  constructor(private readonly config: Config) {
    this.address = config.temporalAddress;
  }

  get taskQueue(): string {
    return this.config.TEMPORAL_TASK_QUEUE;
  }

  async client(): Promise<Client> {
    if (!this.clientPromise) {
      this.clientPromise = Connection.connect({ ...this.config.temporalConnection, connectTimeout: 3000 })
        .then((connection) => new Client({ connection, namespace: this.config.TEMPORAL_NAMESPACE }))
        .catch(async (err) => {
          this.clientPromise = undefined;
          throw new TemporalUnavailableError(this.address, err, await explainRefusal(err, this.config.temporalConnection));
        });
    }
    return this.clientPromise;
  }

  /** Runs a Temporal call with a deadline; connection-level failures become TemporalUnavailableError. */
  private async call<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.client();
    try {
      return await client.connection.withDeadline(Date.now() + RPC_DEADLINE_MS, () => fn(client));
    } catch (err) {
      if (isUnavailable(err)) throw new TemporalUnavailableError(this.address, err);
      throw err;
    }
  }

  async health(): Promise<{ ok: boolean; address: string; error?: string }> {
    try {
      await this.call((c) => c.connection.workflowService.getSystemInfo({}));
      return { ok: true, address: this.address };
    } catch (err) {
      return { ok: false, address: this.address, error: err instanceof Error ? err.message : String(err) };
    }
  }

  dailyInput(opts: StartDailyOptions): DailyLoopInput {
    const c = this.config;
    return {
      maxProducts: opts.maxProducts ?? c.DAILY_MAX_PRODUCTS,
      platforms: opts.platforms ?? c.DAILY_PLATFORMS,
      autoApprove: opts.autoApprove ?? false,
      maxPerCategory: c.SELECT_MAX_PER_CATEGORY,
      rankWeights: c.rankWeights,
      retry: c.retry,
      language: c.CONTENT_LANGUAGE,
      approvalTimeoutMs: c.APPROVAL_TIMEOUT,
      approvalDefaultAction: c.APPROVAL_DEFAULT_ACTION,
      renderConcurrency: c.RENDER_CONCURRENCY,
      maxVideoSeconds: c.VIDEO_MAX_SECONDS,
      renderTaskQueue: c.renderTaskQueue,
      startedBy: opts.startedBy,
      optimize: this.optimizeSettings(),
    };
  }

  optimizeSettings(): OptimizeSettings {
    const c = this.config;
    return {
      daysBack: c.ANALYTICS_DAYS_BACK,
      killThreshold: c.KILL_THRESHOLD,
      scaleThreshold: c.SCALE_THRESHOLD,
      scaleFactor: c.SCALE_FACTOR,
      maxSelectionWeight: c.MAX_SELECTION_WEIGHT,
      minVideos: c.OPTIMIZE_MIN_VIDEOS,
      minVideosPerVariant: c.OPTIMIZE_MIN_VIDEOS_PER_VARIANT,
    };
  }

  weeklyInput(opts: { startedBy?: string; periodEnd?: string } = {}): WeeklyInput {
    return { days: 7, optimize: this.optimizeSettings(), retry: this.config.retry, startedBy: opts.startedBy, periodEnd: opts.periodEnd };
  }

  /** Starts this week's optimization (`weekly-YYYY-Www`), or returns the open run. */
  async startWeeklyOptimization(opts: { startedBy?: string; at?: Date; periodEnd?: string } = {}): Promise<StartResult> {
    return this.startOnce('weeklyOptimization', weeklyWorkflowId(opts.at ?? new Date(), this.config.TIMEZONE), this.weeklyInput(opts));
  }

  /** Starts today's daily loop, or returns the run that is already open (never a duplicate). */
  async startDailyLoop(opts: StartDailyOptions = {}): Promise<StartResult> {
    return this.startOnce('dailyControlLoop', dailyWorkflowId(opts.at ?? new Date(), this.config.TIMEZONE), this.dailyInput(opts));
  }

  /** Starts a workflow under its contract id, or returns the run already open under it (never a duplicate). */
  private async startOnce(workflowType: string, workflowId: string, input: unknown): Promise<StartResult> {
    return this.call(async (client) => {
      try {
        const handle = await client.workflow.start(workflowType, { taskQueue: this.taskQueue, workflowId, args: [input] });
        return { workflowId, runId: handle.firstExecutionRunId, status: 'started' as const };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          const d = await client.workflow.getHandle(workflowId).describe();
          return { workflowId, runId: d.runId, status: 'already-running' as const };
        }
        throw err;
      }
    });
  }

  async describe(workflowId: string): Promise<WorkflowExecutionDescription> {
    return this.call(async (client) => {
      try {
        return await client.workflow.getHandle(workflowId).describe();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new UnknownWorkflowError(workflowId);
        throw err;
      }
    });
  }

  /** Live progress for a running workflow (query), the result for a finished one. */
  async status(workflowId: string): Promise<WorkflowStatusView> {
    const d = await this.describe(workflowId);
    const view: WorkflowStatusView = {
      workflowId,
      runId: d.runId,
      type: d.type,
      status: d.status.name,
      startedAt: d.startTime.toISOString(),
      closedAt: d.closeTime?.toISOString() ?? null,
      progress: null,
    };
    await this.call(async (client) => {
      const handle = client.workflow.getHandle(workflowId, d.runId);
      if (d.status.name === 'RUNNING') {
        // Needs a worker; without one the query fails and the view says so instead of hanging.
        try {
          view.progress = await handle.query(statusQuery);
          if (d.type === 'dailyControlLoop') view.approvals = await handle.query(approvalsQuery);
        } catch (err) {
          if (isUnavailable(err)) throw err;
          view.error = `Live progress unavailable (is a worker running?): ${(err as Error).message.split('\n')[0]}`;
        }
      } else if (d.status.name === 'COMPLETED') {
        view.result = (await handle.result()) as DailyLoopResult;
      } else {
        try {
          await handle.result();
        } catch (err) {
          view.error = failureMessage(err);
        }
      }
    });
    return view;
  }

  async cancel(workflowId: string): Promise<{ workflowId: string; runId: string; status: 'cancel-requested' | 'already-closed'; closedAs?: string }> {
    const d = await this.describe(workflowId);
    if (d.status.name !== 'RUNNING') return { workflowId, runId: d.runId, status: 'already-closed', closedAs: d.status.name };
    await this.call((client) => client.workflow.getHandle(workflowId, d.runId).cancel());
    return { workflowId, runId: d.runId, status: 'cancel-requested' };
  }

  /**
   * Sends an approval decision. Every decision is recorded by the workflow; only
   * the first per video counts. Answers with the state that counts afterwards.
   */
  async sendApproval(workflowId: string, decision: Omit<ApprovalSignal, 'at'> & { at?: string }): Promise<ApprovalResult> {
    const d = await this.describe(workflowId);
    if (d.status.name !== 'RUNNING') {
      throw new WorkflowStateError('run_closed', `Run ${workflowId} is ${d.status.name.toLowerCase()}: approvals have expired for it.`, {
        status: d.status.name,
      });
    }
    return this.call(async (client) => {
      const handle = client.workflow.getHandle(workflowId, d.runId);
      const before = await handle.query(approvalsQuery);
      const current = before.find((v) => v.videoId === decision.videoId);
      if (!current) throw new UnknownVideoError(workflowId, decision.videoId);
      const signal: ApprovalSignal = { ...decision, at: decision.at ?? new Date().toISOString() };
      await handle.signal(approvalSignal, signal);
      const after = (await handle.query(approvalsQuery)).find((v) => v.videoId === decision.videoId) ?? current;
      const effective = current.state === 'pending' && after.by === signal.by && after.at === signal.at;
      return { workflowId, videoId: decision.videoId, effective, state: after };
    });
  }

  async close(): Promise<void> {
    const p = this.clientPromise;
    this.clientPromise = undefined;
    if (p) await p.then((c) => c.connection.close()).catch(() => undefined);
  }
}

/** The SDK wraps the server's answer ("16 UNAUTHENTICATED: …") in "Failed to connect to Temporal server": show the answer. */
function innermost(err: Error): Error {
  let e = err;
  for (let i = 0; i < 4 && e.cause instanceof Error; i++) e = e.cause;
  return e;
}

function failureMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  const parts: string[] = [];
  while (e && parts.length < 4) {
    if (e.message) parts.push(e.message);
    e = e.cause as typeof e;
  }
  return parts[parts.length - 1] ?? String(err);
}

/** gRPC UNAVAILABLE / DEADLINE_EXCEEDED and connection errors: Temporal is down or unreachable. */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: number; message?: string; cause?: unknown; name?: string } | undefined;
  if (!e) return false;
  if (e instanceof TemporalUnavailableError) return true;
  if (e.code === 14 || e.code === 4) return true;
  if (/UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|Failed to connect|No connection established/i.test(e.message ?? '')) return true;
  return e.cause !== undefined && e.cause !== err ? isUnavailable(e.cause) : false;
}
