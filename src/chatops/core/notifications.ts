import type { NotificationInput } from '../../providers/notifier/index.js';
import { approvalCard, approvalCardDataOf } from './cards.js';
import { actionId, type ChatMessage } from './messages.js';
import { isPubliclyReachableUrl } from '../../domain/addresses.js';
import { esc } from './text.js';

/**
 * How each notification looks in chat, for every platform: approval cards with
 * buttons, failure alerts with a Retry button and a Temporal UI link, the weekly
 * report with its chart.
 */
export interface RenderOptions {
  /** Our API's address, for links to our own pages; leave it out when the reader cannot reach it. */
  publicBaseUrl?: string;
  /** The Temporal Web UI; leave it out when the reader cannot reach it. */
  temporalUiUrl?: string;
  namespace?: string;
  count?: number;
}

/**
 * The links a reader on Slack or Discord can open: our own pages only when their
 * address is reachable from outside (not loopback or private).
 */
export function remoteLinks(c: { publicBaseUrl: string; TEMPORAL_UI_URL?: string }): Pick<RenderOptions, 'publicBaseUrl' | 'temporalUiUrl'> {
  return {
    publicBaseUrl: isPubliclyReachableUrl(c.publicBaseUrl) ? c.publicBaseUrl : undefined,
    temporalUiUrl: isPubliclyReachableUrl(c.TEMPORAL_UI_URL) ? c.TEMPORAL_UI_URL : undefined,
  };
}

export function renderNotification(input: NotificationInput, opts: RenderOptions): ChatMessage {
  // Titles and messages carry product names and error text from outside: escaped, so they cannot form links or mentions.
  const n = { ...input, title: esc(input.title), message: esc(input.message) };
  const d = (n.data ?? {}) as Record<string, unknown>;
  if (n.kind === 'approval_requested') {
    return approvalCard(approvalCardDataOf(input.workflowId, d));
  }
  if (n.kind === 'workflow_failed') {
    const ui =
      opts.temporalUiUrl && n.workflowId
        ? `${opts.temporalUiUrl}/namespaces/${opts.namespace ?? 'default'}/workflows/${encodeURIComponent(n.workflowId)}`
        : undefined;
    const type = n.workflowId?.startsWith('weekly-') ? 'weekly' : 'daily';
    return {
      text: `🚨 ${n.title}: ${n.message}`,
      blocks: [
        { type: 'header', text: `🚨 ${n.title}` },
        {
          type: 'fields',
          fields: [
            { label: 'Workflow', value: n.workflowId ?? '-' },
            { label: 'Step', value: String(d.step ?? '-') },
            { label: 'Attempts', value: String(d.attempts ?? '-') },
            ...(opts.count && opts.count > 1 ? [{ label: 'Seen', value: `${opts.count} times` }] : []),
          ],
        },
        { type: 'text', text: summarize(n.message) },
        {
          type: 'buttons',
          buttons: [
            { actionId: actionId({ kind: 'retry', workflowType: type }), label: 'Retry', style: 'primary' },
            ...(ui ? [{ actionId: 'open-temporal-ui', label: 'Open in Temporal UI', url: ui }] : []),
          ],
        },
      ],
    };
  }
  if (n.kind === 'provider_alert') {
    // A provider problem only the operator can fix (quota, key, account): no Retry button, retrying would not help.
    return {
      text: `⚠️ ${n.title}: ${n.message}`,
      blocks: [
        { type: 'header', text: `⚠️ ${n.title}` },
        {
          type: 'fields',
          fields: [
            { label: 'Provider', value: String(d.provider ?? '-') },
            { label: 'Code', value: String(d.code ?? '-') },
            { label: 'Workflow', value: n.workflowId ?? '-' },
            ...(opts.count && opts.count > 1 ? [{ label: 'Seen', value: `${opts.count} times` }] : []),
          ],
        },
        { type: 'text', text: summarize(n.message) },
      ],
    };
  }
  if (n.kind === 'run_progress') {
    const p = d as {
      step?: string;
      stepsDone?: number;
      products?: { selected?: number; synced?: number };
      videos?: { ready?: number; published?: number };
      approvals?: { pending?: number; approved?: number; rejected?: number };
      final?: string;
      posts?: { platform?: string; url?: string; title?: string }[];
    };
    // Links to the published posts, where a reader can open them (a platform's https page, not an outbox folder).
    const links = (p.posts ?? [])
      .filter((x) => typeof x.url === 'string' && isPubliclyReachableUrl(x.url))
      .slice(0, 12)
      .map((x) => `<${x.url}|${esc(String(x.platform ?? '').toLowerCase())}${x.title ? `: ${esc(String(x.title)).slice(0, 60)}` : ''}>`);
    return {
      text: n.title,
      blocks: [
        { type: 'header', text: n.title },
        {
          type: 'fields',
          fields: [
            { label: 'Step', value: `${p.step ?? '-'} (${p.stepsDone ?? 0} of 9 done)` },
            { label: 'Products', value: `${p.products?.selected ?? 0} selected of ${p.products?.synced ?? 0}` },
            { label: 'Videos', value: `${p.videos?.ready ?? 0} ready, ${p.videos?.published ?? 0} published` },
            {
              label: 'Approvals',
              value: `${p.approvals?.pending ?? 0} pending, ${p.approvals?.approved ?? 0} approved, ${p.approvals?.rejected ?? 0} rejected`,
            },
          ],
        },
        { type: 'context', text: n.message },
        ...(links.length ? [{ type: 'text' as const, text: `Posted: ${links.join(' · ')}` }] : []),
      ],
    };
  }
  if (n.kind === 'weekly_report') {
    const chartKey = typeof d.chartKey === 'string' ? d.chartKey : n.workflowId && d.chartUrl ? `reports/${n.workflowId}/chart.png` : undefined;
    const headline = `Earnings ${money(d.earnings)}, cost ${money(d.cost)}, ROI ${d.roi == null ? 'n/a' : `${Math.round(Number(d.roi) * 100)} %`}, ${String(d.clicks ?? 0)} clicks, views ${d.views == null ? 'unknown' : String(d.views)}`;
    return {
      text: `${n.title}: ${headline}`,
      blocks: [
        { type: 'header', text: `📊 ${n.title}` },
        {
          type: 'fields',
          fields: [
            { label: 'Earnings', value: money(d.earnings) },
            { label: 'Cost', value: money(d.cost) },
            { label: 'ROI', value: d.roi == null ? 'n/a' : `${Math.round(Number(d.roi) * 100)} %` },
            { label: 'Clicks', value: String(d.clicks ?? 0) },
            { label: 'Views', value: d.views == null ? 'no platform data yet' : String(d.views) },
          ],
        },
        ...(chartKey
          ? [{ type: 'image' as const, media: { key: chartKey, filename: `${n.workflowId ?? 'weekly'}-chart.png` }, alt: 'Daily clicks, views and earnings' }]
          : []),
        ...(opts.publicBaseUrl && n.workflowId
          ? [{ type: 'context' as const, text: `<${opts.publicBaseUrl}/orchestrator/reports/${n.workflowId}|Full report>` }]
          : []),
      ],
    };
  }
  return { text: `${n.title}: ${n.message}`, blocks: [{ type: 'text', text: `*${n.title}*\n${n.message}` }] };
}

function summarize(message: string): string {
  const first = message.split('\n')[0];
  return first.length > 300 ? first.slice(0, 297) + '…' : first;
}

const money = (v: unknown) => `$${Number(v ?? 0).toFixed(2)}`;
