import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  defineQuery,
  defineSignal,
  executeChild,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ApprovalRecord } from '../activities/approvals.js';
import {
  DAILY_STEPS,
  type ApprovalSignal,
  type DailyLoopInput,
  type DailyLoopResult,
  type DailyStatus,
  type DailyStep,
  type PublishFailure,
  type PublishOutcome,
  type VideoApprovalView,
} from '../types.js';
import { activitiesWith, bookkeeping } from './activity-options.js';
import { publishToPlatform } from './publish-to-platform.js';

export const statusQuery = defineQuery<DailyStatus>('status');
/** Per-video approval state, for the API and chat adapters (who decided, when). */
export const approvalsQuery = defineQuery<VideoApprovalView[]>('approvals');
export const approvalSignal = defineSignal<[ApprovalSignal]>('approval');

const STEPS_RUN_V1: DailyStep[] = ['syncProducts', 'rankAllProducts', 'selectTopProducts'];

/** The daily control loop: sync → rank → select → content → videos → approval → publish (→ analytics, optimize). */
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

  // Approval state. Signals can arrive at any time (even before videos are ready,
  // or after the gate closed); every one is recorded, only the first per video counts.
  const known = new Set<string>(); // this run's videos (from step 4 on)
  const awaiting = new Set<string>(); // ready videos that need a decision
  const decisions = new Map<string, VideoApprovalView>();
  const unrecorded: ApprovalRecord[] = [];
  let signalSeq = 0;
  const recordDecision = (s: ApprovalSignal, source: string) => {
    // Decisions count from the moment the run knows its videos (an operator may approve one while others still render).
    const first = known.has(s.videoId) && !decisions.has(s.videoId);
    const byName = typeof s.byName === 'string' ? s.byName.slice(0, 200) : undefined;
    if (first) decisions.set(s.videoId, { videoId: s.videoId, state: s.decision === 'approve' ? 'approved' : 'rejected', by: s.by, ...(byName ? { byName } : {}), at: s.at, reason: s.reason, source });
    unrecorded.push({ id: `${runId}:${++signalSeq}`, videoId: s.videoId, workflowId, decision: s.decision, by: s.by, ...(byName ? { byName } : {}), at: s.at, reason: s.reason, effective: first, source });
    refreshApprovalCounts();
  };
  const refreshApprovalCounts = () => {
    const views = [...decisions.values()];
    status.approvals = {
      pending: [...(awaiting.size ? awaiting : known)].filter((id) => !decisions.has(id)).length,
      approved: views.filter((v) => v.state === 'approved').length,
      rejected: views.filter((v) => v.state === 'rejected').length,
    };
  };
  setHandler(approvalSignal, (s) => {
    if (!s || typeof s.videoId !== 'string' || (s.decision !== 'approve' && s.decision !== 'reject') || typeof s.by !== 'string') return; // malformed: nothing to record
    recordDecision({ ...s, at: typeof s.at === 'string' ? s.at : new Date().toISOString() }, s.source ?? 'api');
  });
  setHandler(approvalsQuery, () => [...(awaiting.size ? awaiting : known)].map((id) => decisions.get(id) ?? { videoId: id, state: 'pending' as const }));

  const startedAt = new Date().toISOString(); // workflow time: deterministic on replay

  // One chat message per run, updated as the run advances (runs recorded before this existed skip it).
  const notices = patched('run-notices-v1');
  async function notice(message: string): Promise<void> {
    if (!notices) return;
    const icon = status.step === 'completed' ? '✅' : status.step === 'failed' ? '🚨' : status.step === 'cancelled' ? '🛑' : '🔄';
    await bookkeeping.notify({
      kind: 'run_progress',
      level: status.step === 'failed' ? 'ERROR' : 'INFO',
      title: `${icon} Daily loop ${workflowId}: ${status.step}`,
      message,
      workflowId,
      data: { runId, step: status.step, stepsDone: status.stepsDone.length, products: status.products, videos: status.videos, approvals: status.approvals },
      dedupeKey: `run:${workflowId}:${runId}`,
    });
  }

  async function step<T>(name: DailyStep, run: () => Promise<T>): Promise<T> {
    status.step = name;
    await notice(`Running ${name}…`);
    const out = await run();
    status.stepsDone.push(name);
    return out;
  }

  async function flushApprovals() {
    while (unrecorded.length) {
      const batch = unrecorded.splice(0, unrecorded.length);
      await bookkeeping.recordApprovals(batch);
    }
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
      stepsRun: [],
      stepsNotImplemented: [],
      synced,
      ranked: ranked.ranked,
      selected,
    };

    // Runs recorded before content and publishing existed end here (replay compatibility).
    if (patched('content-and-publishing-v1')) {
      const content = await step('generateContentForProducts', () => acts.generateContentForProducts({ productIds: selected.map((p) => p.id), language: input.language ?? 'en', workflowId, runId }));
      result.content = content;
      for (const id of content.videoIds) known.add(id);
      refreshApprovalCounts();

      // Rendering is long and CPU-bound: a generous timeout, progress by heartbeat.
      const render = activitiesWith(input.retry, { startToCloseMs: Math.max(input.retry.startToCloseMs, 30 * 60_000) });
      const videos = await step('generateVideosForContent', () =>
        render.generateVideosForContent({ videoIds: content.videoIds, batchSize: input.renderConcurrency ?? 2, maxDurationSec: input.maxVideoSeconds ?? 60 }),
      );
      result.videos = videos;
      status.videos.generated = videos.videosGenerated;
      status.videos.ready = videos.readyVideoIds.length;
      for (const f of videos.failed) status.errors.push({ step: 'generateVideosForContent', message: `video ${f.videoId}: ${f.error}` });

      const approvals = await step('awaitApproval', () => awaitApproval(videos.readyVideoIds));
      result.approvals = approvals;

      const publishing = await step('publishVideosToAll', () => publishVideosToAll(approvals.approved));
      result.publishing = publishing;
      status.videos.published = new Set(publishing.published.map((p) => p.videoId)).size;
      for (const f of publishing.failed) status.errors.push({ step: 'publishVideosToAll', message: `${f.platform} ${f.videoId}: ${f.error}` });
      if (patched('analytics-and-optimization-v1') && input.optimize) {
        const o = input.optimize;
        const to = new Date().toISOString();
        const from = new Date(Date.now() - o.daysBack * 86_400_000).toISOString();
        result.analytics = await step('collectAnalytics', () => acts.collectAnalytics({ from, to }));
        result.optimization = await step('optimizeStrategy', () =>
          acts.optimizeStrategy({ from, to, workflowId, killThreshold: o.killThreshold, minROI: o.minROI, scaleFactor: o.scaleFactor, maxSelectionWeight: o.maxSelectionWeight, minVideos: o.minVideos, minVideosPerVariant: o.minVideosPerVariant }),
        );
      }
      result.stepsRun = [...status.stepsDone];
      result.stepsNotImplemented = DAILY_STEPS.filter((s) => !status.stepsDone.includes(s));
    } else {
      result.stepsRun = [...status.stepsDone];
      result.stepsNotImplemented = DAILY_STEPS.filter((s) => !STEPS_RUN_V1.includes(s));
    }

    await flushApprovals();
    status.step = 'completed';
    await notice(`Finished: ${status.videos.published} video(s) published, started by ${input.startedBy ?? 'someone'}.`);
    await bookkeeping.recordWorkflowEnd({ workflowId, runId, workflowType, startedAt, status: 'COMPLETED', completedAt: new Date().toISOString(), step: 'completed', result });
    return result;
  } catch (err) {
    const failedStep = status.step;
    if (isCancellation(err)) {
      status.step = 'cancelled';
      // The scope is cancelled: record the outcome in a scope that cannot be.
      await CancellationScope.nonCancellable(async () => {
        await flushApprovals();
        await notice(`Cancelled during ${failedStep}.`);
        await bookkeeping.recordWorkflowEnd({ workflowId, runId, workflowType, startedAt, status: 'CANCELLED', completedAt: new Date().toISOString(), step: failedStep, errorMessage: `Cancelled during ${failedStep}` });
      });
      throw err;
    }
    const message = describeFailure(err);
    status.errors.push({ step: failedStep, message });
    status.step = 'failed';
    await flushApprovals();
    await notice(`Failed at ${failedStep}: ${message}`);
    await bookkeeping.recordWorkflowEnd({ workflowId, runId, workflowType, startedAt, status: 'FAILED', completedAt: new Date().toISOString(), step: failedStep, errorMessage: `${failedStep}: ${message}` });
    if (patched('notify-failures-v1')) {
      await bookkeeping.notify({
        kind: 'workflow_failed',
        level: 'ERROR',
        title: `Daily loop ${workflowId} failed at ${failedStep}`,
        message,
        workflowId,
        data: { runId, step: failedStep, attempts: input.retry.maximumAttempts, error: message },
        dedupeKey: `failed:${workflowId}:${runId}`,
      });
    }
    throw ApplicationFailure.nonRetryable(`${failedStep} failed: ${message}`, 'StepFailed', { step: failedStep });
  }

  /** Step 6: wait for a decision per ready video, up to the timeout; then apply the default action. */
  async function awaitApproval(readyVideoIds: string[]): Promise<{ approved: string[]; rejected: string[]; expired: string[] }> {
    for (const id of readyVideoIds) awaiting.add(id);
    refreshApprovalCounts();
    const expired: string[] = [];
    if (input.autoApprove) {
      const at = new Date().toISOString();
      for (const id of readyVideoIds.filter((v) => !decisions.has(v))) recordDecision({ videoId: id, decision: 'approve', by: 'auto-approve', at, reason: 'autoApprove was set when the run started' }, 'auto-approve');
    } else if (readyVideoIds.length) {
      const cards = await bookkeeping.describeVideosForApproval({ videoIds: readyVideoIds });
      for (const card of cards) {
        await bookkeeping.notify({
          kind: 'approval_requested',
          level: 'INFO',
          title: `Approve "${card.title}"?`,
          message: `Video for ${card.product} (${card.asin}) is ready. Approve or reject it before it can be published to ${input.platforms.join(', ')}.`,
          workflowId,
          data: { ...card, platforms: input.platforms, timeoutMs: input.approvalTimeoutMs, defaultAction: input.approvalDefaultAction },
          dedupeKey: `approval:${workflowId}:${card.videoId}`,
        });
      }
      const deadline = Date.now() + input.approvalTimeoutMs;
      const allDecided = () => [...awaiting].every((id) => decisions.has(id));
      while (!allDecided()) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        await condition(() => allDecided() || unrecorded.length > 0, remaining);
        await flushApprovals();
      }
      if (!allDecided()) {
        const at = new Date().toISOString();
        for (const id of awaiting) {
          if (decisions.has(id)) continue;
          expired.push(id);
          recordDecision({ videoId: id, decision: input.approvalDefaultAction, by: 'system:timeout', at, reason: `No decision within ${Math.round(input.approvalTimeoutMs / 60_000)} min; default action: ${input.approvalDefaultAction}` }, 'timeout');
        }
      }
    }
    await flushApprovals();
    const approved = readyVideoIds.filter((id) => decisions.get(id)?.state === 'approved');
    const rejected = readyVideoIds.filter((id) => decisions.get(id)?.state === 'rejected');
    return { approved, rejected, expired };
  }

  /** Step 7: one child workflow per platform, in parallel; each publishes every approved video once. */
  async function publishVideosToAll(videoIds: string[]): Promise<{ published: PublishOutcome[]; failed: PublishFailure[] }> {
    if (!videoIds.length) return { published: [], failed: [] };
    const results = await Promise.all(
      input.platforms.map(async (platform) => {
        try {
          return await executeChild(publishToPlatform, {
            workflowId: `${workflowId}-publish-${platform.toLowerCase()}`,
            args: [{ platform, videoIds, retry: input.retry }],
          });
        } catch (err) {
          const error = err instanceof ChildWorkflowFailure && err.cause ? err.cause.message : (err as Error).message;
          return { published: [], failed: videoIds.map((videoId) => ({ videoId, platform, error })) };
        }
      }),
    );
    return { published: results.flatMap((r) => r.published), failed: results.flatMap((r) => r.failed) };
  }
}

function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
