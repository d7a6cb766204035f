import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import type { PlatformName } from '../../config.js';
import type { ApprovalRecord } from '../activities/approvals.js';
import type { ApprovalSignal, DailyStatus, VideoApprovalView } from '../types.js';
import { bookkeeping } from './activity-options.js';

export const approvalSignal = defineSignal<[ApprovalSignal]>('approval');
/** Per-video approval state, for the API and chat adapters (who decided, when). */
export const approvalsQuery = defineQuery<VideoApprovalView[]>('approvals');

export type ApprovalCounts = DailyStatus['approvals'];

export interface ApprovalGateOptions {
  workflowId: string;
  runId: string;
  /** Approve every ready video without asking (set when the run started). */
  autoApprove: boolean;
  /** Named on the approval request, so the reviewer knows where the video will go. */
  platforms: PlatformName[];
  timeoutMs: number;
  /** What happens to videos nobody decided on when the wait expires. */
  defaultAction: 'approve' | 'reject';
  /** Called whenever the pending/approved/rejected counts may have changed (the run's status shows them). */
  onCountsChange(counts: ApprovalCounts): void;
}

export interface ApprovalOutcome {
  approved: string[];
  rejected: string[];
  expired: string[];
}

export interface ApprovalGate {
  /** The run's videos, as soon as their content exists: decisions on them count from now on. */
  know(videoIds: string[]): void;
  /** Step 6: ask for a decision per ready video and wait for them, up to the timeout; then apply the default action. */
  awaitDecisions(readyVideoIds: string[]): Promise<ApprovalOutcome>;
  /** Records every decision received so far through the bookkeeping activity. */
  flush(): Promise<void>;
}

/**
 * The approval gate of the daily loop. It registers the `approval` signal and the
 * `approvals` query, so create it once, when the workflow starts. Signals can arrive
 * at any time (even before videos are ready, or after the gate closed); every one is
 * recorded, and only the first decision per known video counts.
 */
export function createApprovalGate(options: ApprovalGateOptions): ApprovalGate {
  const { workflowId, runId } = options;
  const known = new Set<string>(); // this run's videos (from content generation on)
  const awaiting = new Set<string>(); // ready videos that need a decision
  const decisions = new Map<string, VideoApprovalView>();
  const unrecorded: ApprovalRecord[] = [];
  let signalSeq = 0;

  // Once videos are ready, the reviewer's list is the ready ones; before that, every video the run knows.
  const listed = () => [...(awaiting.size ? awaiting : known)];

  function refreshCounts() {
    const views = [...decisions.values()];
    options.onCountsChange({
      pending: listed().filter((id) => !decisions.has(id)).length,
      approved: views.filter((v) => v.state === 'approved').length,
      rejected: views.filter((v) => v.state === 'rejected').length,
    });
  }

  function decide(s: ApprovalSignal, source: string) {
    // Decisions count from the moment the run knows its videos (an operator may approve one while others still render).
    const first = known.has(s.videoId) && !decisions.has(s.videoId);
    const byName = typeof s.byName === 'string' ? s.byName.slice(0, 200) : undefined;
    if (first)
      decisions.set(s.videoId, {
        videoId: s.videoId,
        state: s.decision === 'approve' ? 'approved' : 'rejected',
        by: s.by,
        ...(byName ? { byName } : {}),
        at: s.at,
        reason: s.reason,
        source,
      });
    unrecorded.push({
      id: `${runId}:${++signalSeq}`,
      videoId: s.videoId,
      workflowId,
      decision: s.decision,
      by: s.by,
      ...(byName ? { byName } : {}),
      at: s.at,
      reason: s.reason,
      effective: first,
      source,
    });
    refreshCounts();
  }

  setHandler(approvalSignal, (s) => {
    if (!s || typeof s.videoId !== 'string' || (s.decision !== 'approve' && s.decision !== 'reject') || typeof s.by !== 'string') return; // malformed: nothing to record
    decide({ ...s, at: typeof s.at === 'string' ? s.at : new Date().toISOString() }, s.source ?? 'api');
  });
  setHandler(approvalsQuery, () => listed().map((id) => decisions.get(id) ?? { videoId: id, state: 'pending' as const }));

  async function flush() {
    while (unrecorded.length) {
      const batch = unrecorded.splice(0, unrecorded.length);
      await bookkeeping.recordApprovals(batch);
    }
  }

  async function requestApprovals(videoIds: string[]) {
    const cards = await bookkeeping.describeVideosForApproval({ videoIds });
    for (const card of cards) {
      await bookkeeping.notify({
        kind: 'approval_requested',
        level: 'INFO',
        title: `Approve "${card.title}"?`,
        message: `Video for ${card.product} (${card.asin}) is ready. Approve or reject it before it can be published to ${options.platforms.join(', ')}.`,
        workflowId,
        data: { ...card, platforms: options.platforms, timeoutMs: options.timeoutMs, defaultAction: options.defaultAction },
        dedupeKey: `approval:${workflowId}:${card.videoId}`,
      });
    }
  }

  /** Waits until every awaited video has a decision or the deadline passes, recording decisions as they come in. */
  async function waitUntilDecidedOrExpired(): Promise<boolean> {
    const deadline = Date.now() + options.timeoutMs; // workflow time
    const allDecided = () => [...awaiting].every((id) => decisions.has(id));
    while (!allDecided()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await condition(() => allDecided() || unrecorded.length > 0, remaining);
      await flush();
    }
    return allDecided();
  }

  function applyDefaultAction(): string[] {
    const at = new Date().toISOString();
    const reason = `No decision within ${Math.round(options.timeoutMs / 60_000)} min; default action: ${options.defaultAction}`;
    const expired = [...awaiting].filter((id) => !decisions.has(id));
    for (const id of expired) decide({ videoId: id, decision: options.defaultAction, by: 'system:timeout', at, reason }, 'timeout');
    return expired;
  }

  return {
    know(videoIds) {
      for (const id of videoIds) known.add(id);
      refreshCounts();
    },

    async awaitDecisions(readyVideoIds) {
      for (const id of readyVideoIds) awaiting.add(id);
      refreshCounts();
      let expired: string[] = [];
      if (options.autoApprove) {
        const at = new Date().toISOString();
        for (const id of readyVideoIds.filter((v) => !decisions.has(v)))
          decide({ videoId: id, decision: 'approve', by: 'auto-approve', at, reason: 'autoApprove was set when the run started' }, 'auto-approve');
      } else if (readyVideoIds.length) {
        await requestApprovals(readyVideoIds);
        if (!(await waitUntilDecidedOrExpired())) expired = applyDefaultAction();
      }
      await flush();
      const approved = readyVideoIds.filter((id) => decisions.get(id)?.state === 'approved');
      const rejected = readyVideoIds.filter((id) => decisions.get(id)?.state === 'rejected');
      return { approved, rejected, expired };
    },

    flush,
  };
}
