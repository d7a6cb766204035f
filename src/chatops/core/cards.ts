// Card and reply builders shared by the command handlers (commands/), the core and
// the notifications: pure functions from data to the platform-neutral ChatMessage.
import type { WorkflowStatusView } from '../../temporal/client.js';
import { parsePlatformList, type PlatformName } from '../../domain/platforms.js';
import { isPubliclyReachableUrl } from '../../domain/addresses.js';
import type { Actor } from './auth.js';
import { actionId, UsageError, type ChatMessage } from './messages.js';
import { esc } from './text.js';

/** The platform identity of an actor, as stored in approvals and run starts: `slack:U0123…`, `discord:123…`, `console`. */
export const actorId = (a: Actor): string => (a.platform === 'console' ? 'console' : `${a.platform}:${a.userId}`);

export interface ApprovalCardData {
  workflowId: string;
  videoId: string;
  title: string;
  product: string;
  asin: string;
  videoKey: string | null;
  thumbnailKey: string | null;
  platforms: string[];
}

/** The card's data as the workflow stored it in an approval_requested notification. */
export function approvalCardDataOf(workflowId: string | undefined, d: Record<string, unknown>): ApprovalCardData {
  return {
    workflowId: workflowId ?? String(d.workflowId ?? ''),
    videoId: String(d.videoId),
    title: String(d.title ?? 'Video'),
    product: String(d.product ?? ''),
    asin: String(d.asin ?? ''),
    videoKey: typeof d.videoKey === 'string' ? d.videoKey : null,
    thumbnailKey: typeof d.thumbnailKey === 'string' ? d.thumbnailKey : null,
    platforms: Array.isArray(d.platforms) ? d.platforms.map(String) : [],
  };
}

/**
 * The approval card: what is asked, the video (the platform delivers it: an upload
 * in Slack's thread, an attachment in Discord, a player in the console) and
 * Approve/Reject, or the final state once decided. Its plain `text` carries the
 * essentials on its own, so a platform's plain-text fallback still says what to approve.
 */
export function approvalCard(raw: ApprovalCardData, final?: string): ChatMessage {
  // Titles and product names come from catalogs and writers: escaped, so they cannot form a link or a mention.
  const c = { ...raw, title: esc(raw.title), product: esc(raw.product), asin: esc(raw.asin) };
  const what = `"${c.title}" (${c.product}${c.asin ? `, ${c.asin}` : ''})${c.platforms.length ? ` for ${c.platforms.join(', ')}` : ''}, run ${c.workflowId}`;
  return {
    text: final ? `${what}: ${final}` : `Approve ${what}?`,
    blocks: [
      { type: 'header', text: `🎬 ${c.title}` },
      {
        type: 'fields',
        fields: [
          { label: 'Product', value: `${c.product} (${c.asin})` },
          ...(c.platforms.length ? [{ label: 'Platforms', value: c.platforms.join(', ') }] : []),
          { label: 'Run', value: c.workflowId },
        ],
      },
      ...(c.videoKey
        ? [{ type: 'video' as const, media: { key: c.videoKey }, ...(c.thumbnailKey ? { poster: { key: c.thumbnailKey } } : {}), title: c.title }]
        : []),
      ...(final
        ? [{ type: 'context' as const, text: final }]
        : [
            {
              type: 'buttons' as const,
              buttons: [
                { actionId: actionId({ kind: 'approve', workflowId: c.workflowId, videoId: c.videoId }), label: 'Approve', style: 'primary' as const },
                { actionId: actionId({ kind: 'reject', workflowId: c.workflowId, videoId: c.videoId }), label: 'Reject', style: 'danger' as const },
              ],
            },
          ]),
    ],
  };
}

export function decidedText(state: string, by: string | undefined, at: string | undefined, timeZone: string): string {
  const time = at ? new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date(at)) : '';
  return `${state === 'approved' ? '✅ Approved' : state === 'rejected' ? '❌ Rejected' : state} by ${esc(by ?? 'someone')}${time ? ` at ${time}` : ''}`;
}

export function statusMessage(v: WorkflowStatusView, temporalUi?: string, namespace = 'default', publishers?: Record<string, string>): ChatMessage {
  const p = v.progress;
  const fields = [
    { label: 'Status', value: v.status.toLowerCase() },
    ...(p
      ? [
          { label: 'Step', value: `${p.step} (${p.stepsDone.length} done)` },
          { label: 'Products', value: `${p.products.selected} selected of ${p.products.synced}${p.products.source ? ` (${p.products.source})` : ''}` },
          { label: 'Videos', value: `${p.videos.ready} ready, ${p.videos.published} published` },
          { label: 'Approvals', value: `${p.approvals.pending} pending, ${p.approvals.approved} approved, ${p.approvals.rejected} rejected` },
        ]
      : []),
    ...(publishers
      ? [
          {
            label: 'Publishing',
            value: Object.entries(publishers)
              .map(([platform, how]) => `${platform.toLowerCase()}: ${how}`)
              .join(', '),
          },
        ]
      : []),
  ];
  const blocks: ChatMessage['blocks'] = [
    { type: 'header', text: v.workflowId },
    { type: 'fields', fields },
  ];
  if (v.error) blocks.push({ type: 'context', text: esc(v.error) });
  for (const w of p?.warnings?.slice(0, 5) ?? []) blocks.push({ type: 'context', text: `⚠️ ${esc(w.step)}: ${esc(w.message)}` });
  if (temporalUi) blocks.push({ type: 'context', text: `<${temporalUi}/namespaces/${namespace}/workflows/${v.workflowId}|Open in the Temporal UI>` });
  return { text: `${v.workflowId}: ${v.status.toLowerCase()}${p ? `, ${p.step}` : ''}`, blocks };
}

export function parsePlatforms(raw: string, u: string): PlatformName[] {
  const r = parsePlatformList(raw);
  if (!r.ok) throw new UsageError(`"${r.bad || raw}" is not a platform: use youtube, tiktok or instagram.`, u);
  return r.platforms;
}

/**
 * A link to one of our own pages, or nothing when the reader could not open it:
 * the console runs on this machine, but a Slack or Discord reader is elsewhere,
 * so a loopback or private address would be a dead link for them.
 */
export const linkFor = (actor: Actor, url: string | undefined): string | undefined =>
  actor.platform === 'console' || isPubliclyReachableUrl(url) ? url : undefined;

export const who = (a: Actor) => esc(a.userName ? `@${a.userName}` : a.userId);
export const formatDuration = (s: number) => (s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);
