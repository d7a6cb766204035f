import { ActivityFailure, ChildWorkflowFailure, defineQuery, executeChild, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { GenerateVideosResult } from '../activities/videos.js';
import { type DailyLoopInput, type DailyLoopResult, type DailyStatus, type DailyStep, type PublishFailure, type PublishOutcome } from '../types.js';
import { activitiesWith, bookkeeping } from './activity-options.js';
import { createApprovalGate } from './approval-gate.js';
import { publishToPlatform } from './publish-to-platform.js';
import { runWithBookkeeping, type RunEnd } from './run-skeleton.js';

export { approvalSignal, approvalsQuery } from './approval-gate.js';
export const statusQuery = defineQuery<DailyStatus>('status');

/** The daily control loop: sync → rank → select → content → videos → approval → publish → analytics → optimize. */
export async function dailyControlLoop(input: DailyLoopInput): Promise<DailyLoopResult> {
  const { workflowId, runId } = workflowInfo();
  const acts = activitiesWith(input.retry);
  const status: DailyStatus = {
    step: 'starting',
    stepsDone: [],
    products: { synced: 0, ranked: 0, selected: 0 },
    videos: { generated: 0, ready: 0, published: 0 },
    approvals: { pending: 0, approved: 0, rejected: 0 },
    errors: [],
    warnings: [],
  };
  setHandler(statusQuery, () => status);
  const gate = createApprovalGate({
    workflowId,
    runId,
    autoApprove: input.autoApprove,
    platforms: input.platforms,
    timeoutMs: input.approvalTimeoutMs,
    defaultAction: input.approvalDefaultAction,
    onCountsChange: (counts) => (status.approvals = counts),
  });
  const notice = (message: string) => postRunNotice(status, message);

  async function onEnd(end: RunEnd): Promise<void> {
    if (end.status === 'COMPLETED') {
      await gate.flush(); // before the step reads `completed`: whoever sees it finds every decision recorded
      status.step = 'completed';
      return notice(`Finished: ${status.videos.published} video(s) published, started by ${input.startedBy ?? 'someone'}.`);
    }
    if (end.status === 'FAILED') status.errors.push({ step: end.step, message: end.message });
    status.step = end.status === 'FAILED' ? 'failed' : 'cancelled';
    await gate.flush();
    await notice(end.status === 'FAILED' ? `Failed at ${end.step}: ${end.message}` : `Cancelled during ${end.step}.`);
  }

  return runWithBookkeeping({ title: 'Daily loop', failureDetails: { attempts: input.retry.maximumAttempts }, onEnd }, async (track) => {
    /** A step shows in the status and in the run's chat message while it runs, and in `stepsDone` after. */
    const step = <T>(name: DailyStep, run: () => Promise<T>) =>
      track(name, async () => {
        status.step = name;
        await notice(`Running ${name}…`);
        const out = await run();
        status.stepsDone.push(name);
        return out;
      });

    const synced = await step('syncProducts', () => acts.syncProducts());
    status.products.synced = synced.total;
    status.products.source = synced.source;
    if (synced.fallback) status.warnings!.push({ step: 'syncProducts', message: synced.fallback });
    if (synced.itemErrors) {
      const sample = (synced.itemErrorSample ?? []).slice(0, 3).join('; ');
      status.warnings!.push({
        step: 'syncProducts',
        message: `${synced.itemErrors} item(s) skipped or reported by ${synced.source}${sample ? `: ${sample}` : ''}`,
      });
    }

    const ranked = await step('rankAllProducts', () => acts.rankAllProducts({ weights: input.rankWeights }));
    status.products.ranked = ranked.ranked;

    const selected = await step('selectTopProducts', () => acts.selectTopProducts({ limit: input.maxProducts, maxPerCategory: input.maxPerCategory }));
    status.products.selected = selected.length;

    const content = await step('generateContentForProducts', () =>
      acts.generateContentForProducts({ productIds: selected.map((p) => p.id), language: input.language ?? 'en', workflowId, runId }),
    );
    gate.know(content.videoIds);
    for (const note of content.notes ?? []) status.warnings!.push({ step: 'generateContentForProducts', message: note });

    const videos = await step('generateVideosForContent', () => renderVideos(input, content.videoIds));
    status.videos.generated = videos.videosGenerated;
    status.videos.ready = videos.readyVideoIds.length;
    for (const f of videos.failed) status.errors.push({ step: 'generateVideosForContent', message: `video ${f.videoId}: ${f.error}` });

    const approvals = await step('awaitApproval', () => gate.awaitDecisions(videos.readyVideoIds));

    const publishing = await step('publishVideosToAll', () => publishVideosToAll(input, approvals.approved));
    status.videos.published = new Set(publishing.published.map((p) => p.videoId)).size;
    status.posts = publishing.published.map((p) => ({ videoId: p.videoId, platform: p.platform, url: p.url }));
    for (const f of publishing.failed) status.errors.push({ step: 'publishVideosToAll', message: `${f.platform} ${f.videoId}: ${f.error}` });

    const result: DailyLoopResult = { workflowId, stepsRun: [], synced, ranked: ranked.ranked, selected, content, videos, approvals, publishing };
    const optimize = input.optimize;
    if (optimize) {
      const period = lastDays(optimize.daysBack);
      result.analytics = await step('collectAnalytics', () => acts.collectAnalytics(period));
      result.optimization = await step('optimizeStrategy', () => acts.optimizeStrategy({ ...period, workflowId, ...optimize }));
    }
    result.stepsRun = [...status.stepsDone];
    return result;
  });
}

/** One chat message per run, updated as the run advances. */
async function postRunNotice(status: DailyStatus, message: string): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  const icon = status.step === 'completed' ? '✅' : status.step === 'failed' ? '🚨' : status.step === 'cancelled' ? '🛑' : '🔄';
  await bookkeeping.notify({
    kind: 'run_progress',
    level: status.step === 'failed' ? 'ERROR' : 'INFO',
    title: `${icon} Daily loop ${workflowId}: ${status.step}`,
    message,
    workflowId,
    data: {
      runId,
      step: status.step,
      stepsDone: status.stepsDone.length,
      products: status.products,
      videos: status.videos,
      approvals: status.approvals,
      ...(status.posts?.length ? { posts: status.posts.slice(0, 12) } : {}),
    },
    dedupeKey: `run:${workflowId}:${runId}`,
  });
}

/**
 * Step 5. Rendering is long and CPU-bound: a generous timeout, progress by heartbeat.
 * On the render workers' queue, one activity per video, all scheduled at once: each render
 * worker takes as many as it has slots (RENDER_CONCURRENCY), so adding render workers renders
 * more videos at once, and a render worker that dies loses only its own videos, which the
 * retry policy hands to another after the heartbeat timeout.
 */
async function renderVideos(input: DailyLoopInput, videoIds: string[]): Promise<GenerateVideosResult> {
  const startToCloseMs = Math.max(input.retry.startToCloseMs, 30 * 60_000);
  const one = { maxDurationSec: input.maxVideoSeconds ?? 60, platforms: input.platforms };
  if (!input.renderTaskQueue || !patched(RENDER_QUEUE_PATCH)) {
    return activitiesWith(input.retry, { startToCloseMs }).generateVideosForContent({ videoIds, batchSize: input.renderConcurrency ?? 2, ...one });
  }
  const render = activitiesWith(input.retry, { startToCloseMs, taskQueue: input.renderTaskQueue });
  let lastFailure: unknown;
  const results = await Promise.all(
    videoIds.map(async (videoId) => {
      try {
        return await render.generateVideosForContent({ videoIds: [videoId], batchSize: 1, ...one });
      } catch (err) {
        lastFailure = err;
        const error = err instanceof ActivityFailure && err.cause ? err.cause.message : (err as Error).message;
        return { videosGenerated: 0, readyVideoIds: [], failed: [{ videoId, error }] };
      }
    }),
  );
  const readyVideoIds = results.flatMap((r) => r.readyVideoIds);
  // As with one activity for all videos: nothing rendered fails the step.
  if (!readyVideoIds.length && videoIds.length) throw lastFailure;
  return { videosGenerated: readyVideoIds.length, readyVideoIds, failed: results.flatMap((r) => r.failed) };
}

/** Marks histories that render one activity per video on the render queue (older ones replay the single activity). */
const RENDER_QUEUE_PATCH = 'render-task-queue-per-video';

/** Step 7: one child workflow per platform, in parallel; each publishes every approved video once. */
async function publishVideosToAll(input: DailyLoopInput, videoIds: string[]): Promise<{ published: PublishOutcome[]; failed: PublishFailure[] }> {
  if (!videoIds.length) return { published: [], failed: [] };
  const { workflowId } = workflowInfo();
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

/** The `days` days up to now (workflow time). */
function lastDays(days: number): { from: string; to: string } {
  const to = new Date().toISOString();
  const from = new Date(Date.now() - days * 86_400_000).toISOString();
  return { from, to };
}
