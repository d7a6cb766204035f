import type { Db } from '../../db.js';

export interface ApprovalRecord {
  /** Deterministic per signal (workflow run + sequence), so a retried activity never adds a row twice. */
  id: string;
  videoId: string;
  workflowId: string;
  decision: 'approve' | 'reject';
  by: string;
  byName?: string;
  at: string;
  reason?: string;
  /** false: a later decision for a video that was already decided (recorded, ignored). */
  effective: boolean;
  /** api, slack, discord, console, auto-approve, timeout … */
  source: string;
}

export function approvalActivities(deps: { db: Db }) {
  const { db } = deps;
  return {
    /** Stores decisions (Approval rows + audit events) and moves effective ones onto the Video. */
    async recordApprovals(records: ApprovalRecord[]): Promise<void> {
      if (!records.length) return;
      const known = new Set((await db.video.findMany({ where: { id: { in: records.map((r) => r.videoId) } }, select: { id: true } })).map((v) => v.id));
      await db.$transaction(async (tx) => {
        await tx.approval.createMany({
          data: records
            .filter((r) => known.has(r.videoId))
            .map((r) => ({
              id: r.id,
              videoId: r.videoId,
              workflowId: r.workflowId,
              decision: r.decision === 'approve' ? ('APPROVE' as const) : ('REJECT' as const),
              decidedBy: r.by,
              decidedByName: r.byName ?? null,
              decidedAt: new Date(r.at),
              reason: r.reason ?? null,
              effective: r.effective,
              source: r.source,
            })),
          skipDuplicates: true,
        });
        await tx.auditEvent.createMany({
          data: records.map((r) => ({
            id: `audit-${r.id}`,
            actor: r.by,
            actorName: r.byName ?? null,
            platform: r.source,
            action: `approval.${r.decision}`,
            target: r.videoId,
            arguments: { reason: r.reason ?? null, at: r.at },
            outcome: !known.has(r.videoId) ? 'ignored: unknown video' : r.effective ? 'applied' : 'ignored: already decided',
            workflowId: r.workflowId,
          })),
          skipDuplicates: true,
        });
        for (const r of records.filter((x) => x.effective && known.has(x.videoId))) {
          await tx.video.updateMany({ where: { id: r.videoId, status: 'READY' }, data: { status: r.decision === 'approve' ? 'APPROVED' : 'REJECTED' } });
        }
      });
    },

    /** What the approval cards need: title, product, thumbnail and video URLs. */
    async describeVideosForApproval(input: {
      videoIds: string[];
    }): Promise<
      { videoId: string; title: string; product: string; asin: string; videoKey: string | null; thumbnailKey: string | null; durationSec: number | null }[]
    > {
      const videos = await db.video.findMany({ where: { id: { in: input.videoIds } }, include: { content: true, product: true } });
      return input.videoIds
        .map((id) => videos.find((v) => v.id === id))
        .filter((v): v is NonNullable<typeof v> => Boolean(v))
        .map((v) => ({
          videoId: v.id,
          title: v.content.title,
          product: v.product.title,
          asin: v.product.asin,
          videoKey: v.videoPath,
          thumbnailKey: v.thumbnailPath,
          durationSec: v.durationSeconds,
        }));
    },
  };
}
