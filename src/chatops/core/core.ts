import type { Db } from '../../db.js';
import type { Orchestrator, WorkflowStatusView } from '../../temporal/client.js';
import { UnknownVideoError, UnknownWorkflowError, WorkflowStateError, TemporalUnavailableError, isUnavailable } from '../../temporal/client.js';
import { dailyWorkflowId } from '../../domain/dates.js';
import { listSchedules, setSchedulePaused, triggerSchedule, type ScheduleName } from '../../temporal/schedules.js';
import { findCommand, helpText, usage } from '../../../commands/index.js';
import type { Logger } from '../../logger.js';
import { authorize, type Actor, type Policy } from './auth.js';
import { actionId, ephemeral, inChannel, msg, parseActionId, type ChatMessage, type Reply } from './messages.js';
import { UsageError, type ParsedCommand } from './parse.js';
import { PLATFORMS, type PlatformName } from '../../config.js';
import { isDatabaseUnavailable } from '../../db.js';
import { isPubliclyReachableUrl } from '../../domain/addresses.js';
import { esc } from './text.js';

export interface ChatOpsDeps {
  orchestrator: Orchestrator;
  db: Db;
  policy: Policy;
  timeZone: string;
  temporalUiUrl?: string;
  namespace?: string;
  log?: Logger;
}

/**
 * The platform-neutral chat-ops core: Slack, Discord and the console parse their
 * input, call these two functions, and render the Reply. Every call is
 * authorized and recorded as an AuditEvent.
 */
export class ChatOps {
  constructor(private readonly d: ChatOpsDeps) {}

  async command(actor: Actor, parsed: ParsedCommand | UsageError): Promise<Reply> {
    const started = Date.now();
    const name = parsed instanceof UsageError ? 'invalid' : `/${parsed.command.name}${parsed.sub ? ' ' + parsed.sub.name : ''}`;
    // The audit row comes first: an action that cannot be recorded is not done.
    const auditId = await this.auditStart(actor, name, parsed instanceof UsageError ? { error: parsed.message } : parsed.args);
    if (!auditId) return ephemeral(msg(AUDIT_DOWN));
    let reply: Reply;
    let outcome = 'ok';
    try {
      if (parsed instanceof UsageError) throw parsed;
      const auth = this.authorizeCommand(actor, parsed);
      if (!auth.ok) {
        outcome = 'denied';
        reply = ephemeral(msg(`🚫 ${auth.reason}`));
      } else {
        reply = await this.run(actor, parsed);
      }
    } catch (err) {
      ({ reply, outcome } = this.failure(err));
    }
    await this.auditEnd(auditId, outcome, Date.now() - started);
    return reply;
  }

  /**
   * One policy check per call. `auto-approve` skips the approval gate, so it needs
   * the same right as pressing Approve (an operator, or the `approve` rule).
   */
  private authorizeCommand(actor: Actor, p: ParsedCommand): { ok: true } | { ok: false; reason: string } {
    const key = `${p.command.name}${p.sub ? ' ' + p.sub.name : ''}`;
    const auth = authorize(actor, p.sub?.permission ?? 'everyone', this.d.policy, key);
    if (!auth.ok || !(key === 'daily-loop start' && p.args['auto-approve'] === true)) return auth;
    const approve = authorize(actor, 'operators', this.d.policy, 'approve');
    if (approve.ok) return approve;
    return { ok: false, reason: 'auto-approve skips the approval gate, so it needs the right to approve videos (CHATOPS_OPERATORS, or the "approve" rule of CHATOPS_RULES), which you do not have. Start the run without auto-approve; an operator then approves each video on its card.' };
  }

  async action(actor: Actor, rawActionId: string): Promise<Reply> {
    const started = Date.now();
    const action = parseActionId(rawActionId);
    const auditId = await this.auditStart(actor, `button ${action?.kind ?? 'unknown'}`, { actionId: rawActionId.slice(0, 300) }, action && 'workflowId' in action ? action.workflowId : undefined);
    if (!auditId) return ephemeral(msg(AUDIT_DOWN));
    let reply: Reply;
    let outcome = 'ok';
    try {
      if (!action) {
        outcome = 'invalid';
        reply = ephemeral(msg('This button is not recognised (it may come from an older version).'));
      } else if (action.kind === 'approve' || action.kind === 'reject') {
        const auth = authorize(actor, 'operators', this.d.policy, action.kind);
        if (!auth.ok) {
          outcome = 'denied';
          reply = ephemeral(msg(`🚫 ${auth.reason} The video is still waiting for a decision.`));
        } else {
          reply = await this.decide(actor, action.workflowId, action.videoId, action.kind);
        }
      } else if (action.kind === 'cancel-confirm' || action.kind === 'cancel-abort') {
        const auth = authorize(actor, 'operators', this.d.policy, 'daily-loop cancel');
        if (!auth.ok) {
          outcome = 'denied';
          reply = ephemeral(msg(`🚫 ${auth.reason}`));
        } else if (action.kind === 'cancel-abort') {
          reply = { ...ephemeral(msg('Not cancelled.')), replaceOriginal: msg(`Cancel of ${action.workflowId} aborted by ${who(actor)}.`) };
        } else {
          const r = await this.d.orchestrator.cancel(action.workflowId);
          const text = r.status === 'cancel-requested' ? `🛑 ${action.workflowId} cancelled by ${who(actor)}.` : `${action.workflowId} had already finished (${r.closedAs?.toLowerCase()}).`;
          reply = { ...inChannel(msg(text)), replaceOriginal: msg(text) };
        }
      } else {
        // Retry starts a run: authorized exactly like the command that starts it (permission, rule, channels).
        const type = (action as Extract<typeof action, { kind: 'retry' }>).workflowType;
        const [command, sub] = type === 'daily' ? ['daily-loop', 'start'] : ['weekly-optimization', 'start'];
        const permission = findCommand(command)?.subcommands.find((x) => x.name === sub)?.permission ?? 'operators';
        const auth = authorize(actor, permission, this.d.policy, `${command} ${sub}`);
        if (!auth.ok) {
          outcome = 'denied';
          reply = ephemeral(msg(`🚫 ${auth.reason}`));
        } else {
          const r = type === 'daily' ? await this.d.orchestrator.startDailyLoop({ startedBy: actorId(actor) }) : await this.d.orchestrator.startWeeklyOptimization({ startedBy: actorId(actor) });
          reply = inChannel(msg(r.status === 'started' ? `🔁 Retry started: ${r.workflowId} by ${who(actor)}.` : `${r.workflowId} is already running.`));
        }
      }
    } catch (err) {
      ({ reply, outcome } = this.failure(err));
    }
    await this.auditEnd(auditId, outcome, Date.now() - started);
    return reply;
  }

  private async decide(actor: Actor, workflowId: string, videoId: string, kind: 'approve' | 'reject'): Promise<Reply> {
    try {
      const r = await this.d.orchestrator.sendApproval(workflowId, { videoId, decision: kind, by: actorId(actor), byName: actor.userName, source: actor.platform });
      const final = decidedText(r.state.state, r.state.byName ? `@${r.state.byName}` : r.state.by, r.state.at, this.d.timeZone);
      if (!r.effective) return { ...ephemeral(msg(`Already decided: ${final}.`)), replaceOriginal: await this.decidedCard(workflowId, videoId, final) };
      return { ...ephemeral(msg(`Done: ${final}.`)), replaceOriginal: await this.decidedCard(workflowId, videoId, final) };
    } catch (err) {
      if (err instanceof WorkflowStateError) return { ...ephemeral(msg('Expired: this run no longer accepts decisions.')), replaceOriginal: await this.decidedCard(workflowId, videoId, 'Expired: the run has finished') };
      throw err;
    }
  }

  private async decidedCard(workflowId: string, videoId: string, final: string): Promise<ChatMessage> {
    const card = await this.approvalCardData(workflowId, videoId);
    return approvalCard(card, final);
  }

  async approvalCardData(workflowId: string, videoId: string): Promise<ApprovalCardData> {
    const v = await this.d.db.video.findUnique({ where: { id: videoId }, include: { content: true, product: true } });
    return { workflowId, videoId, title: v?.content.title ?? videoId, product: v?.product.title ?? '', asin: v?.product.asin ?? '', videoKey: v?.videoPath ?? null, thumbnailKey: v?.thumbnailPath ?? null, platforms: [] };
  }

  private async run(actor: Actor, p: ParsedCommand): Promise<Reply> {
    const by = actorId(actor);
    const sub = p.sub?.name;
    switch (`${p.command.name} ${sub ?? ''}`.trim()) {
      case 'affiliate-help':
        return ephemeral(msg(helpText()));
      case 'daily-loop start': {
        const platforms = p.args.platforms ? parsePlatforms(String(p.args.platforms), usage(p.command, p.sub)) : undefined;
        const r = await this.d.orchestrator.startDailyLoop({ maxProducts: p.args.max as number | undefined, platforms, autoApprove: p.args['auto-approve'] === true, startedBy: by });
        if (r.status === 'already-running') return ephemeral(msg(`${r.workflowId} is already running: \`/daily-loop status\` shows its progress.`));
        return inChannel(msg(`▶️ ${who(actor)} started ${r.workflowId}.`, { type: 'text', text: `▶️ *${r.workflowId}* started by ${who(actor)}` }, { type: 'context', text: `run ${r.runId}` }));
      }
      case 'daily-loop status': {
        const id = String(p.args['workflow-id'] ?? dailyWorkflowId(new Date(), this.d.timeZone));
        return ephemeral(statusMessage(await this.d.orchestrator.status(id), linkFor(actor, this.d.temporalUiUrl), this.d.namespace));
      }
      case 'daily-loop cancel': {
        const id = String(p.args['workflow-id'] ?? dailyWorkflowId(new Date(), this.d.timeZone));
        const d = await this.d.orchestrator.describe(id);
        if (d.status.name !== 'RUNNING') return ephemeral(msg(`${id} is not running (${d.status.name.toLowerCase()}).`));
        return ephemeral(
          msg(`Cancel ${id}?`, { type: 'text', text: `Really cancel *${id}*? Videos not yet published will not be.` }, {
            type: 'buttons',
            buttons: [
              { actionId: actionId({ kind: 'cancel-confirm', workflowId: id }), label: 'Yes, cancel it', style: 'danger' },
              { actionId: actionId({ kind: 'cancel-abort', workflowId: id }), label: 'No' },
            ],
          }),
        );
      }
      case 'daily-loop list': {
        const logs = await this.d.db.workflowLog.findMany({ orderBy: { startedAt: 'desc' }, take: 10 });
        if (!logs.length) return ephemeral(msg('No runs yet. Start one with `/daily-loop start`.'));
        const lines = logs.map((l) => `• \`${l.workflowId}\` ${l.status.toLowerCase()}${l.duration != null ? ` in ${formatDuration(l.duration)}` : ''}${l.step && l.status !== 'COMPLETED' ? ` (${l.step})` : ''}, started ${l.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
        return ephemeral(msg(lines.join('\n')));
      }
      case 'weekly-optimization start': {
        const r = await this.d.orchestrator.startWeeklyOptimization({ startedBy: by });
        return r.status === 'started' ? inChannel(msg(`▶️ ${who(actor)} started ${r.workflowId}. The owner report follows when it is done.`)) : ephemeral(msg(`${r.workflowId} is already running.`));
      }
      case 'schedules list': {
        const s = await listSchedules(await this.d.orchestrator.client());
        if (!s.length) return ephemeral(msg('No schedules yet: `npm run schedules:apply` creates them (the API does at start).'));
        return ephemeral(msg(s.map((x) => `• *${x.name}* ${x.paused ? '⏸ paused' : '▶️ active'}: \`${x.cron}\` (${x.timeZone}), next ${x.nextRuns[0] ?? '-'}`).join('\n')));
      }
      case 'schedules pause':
      case 'schedules resume':
      case 'schedules trigger': {
        const which = String(p.args.which).toLowerCase();
        if (which !== 'daily' && which !== 'weekly') throw new UsageError(`"${which}" is not a schedule: use daily or weekly.`, usage(p.command, p.sub));
        const client = await this.d.orchestrator.client();
        if (sub === 'trigger') await triggerSchedule(client, which as ScheduleName);
        else await setSchedulePaused(client, which as ScheduleName, sub === 'pause', `${sub}d by ${who(actor)} on ${actor.platform}`);
        return inChannel(msg(`${which} schedule ${sub === 'trigger' ? 'triggered' : sub === 'pause' ? 'paused' : 'resumed'} by ${who(actor)}.`));
      }
    }
    throw new UsageError('Unknown command.', '/affiliate-help');
  }

  /** Error replies quote what the user typed (an id, a platform): escaped, so it cannot form a mention or a link. */
  private failure(err: unknown): { reply: Reply; outcome: string } {
    if (err instanceof UsageError) return { reply: ephemeral(msg(`${esc(err.message)}\nUsage: \`${err.usage}\``)), outcome: 'usage' };
    if (err instanceof UnknownWorkflowError) return { reply: ephemeral(msg(esc(err.message))), outcome: 'not-found' };
    if (err instanceof UnknownVideoError) return { reply: ephemeral(msg(esc(err.message))), outcome: 'not-found' };
    if (err instanceof TemporalUnavailableError || isUnavailable(err)) return { reply: ephemeral(msg('⚠️ Temporal is not reachable right now, so nothing was started or changed. Try again in a minute; an admin can check `/healthz`.')), outcome: 'temporal-unavailable' };
    if (isDatabaseUnavailable(err)) return { reply: ephemeral(msg('⚠️ The database is not reachable right now; nothing was changed. Try again in a minute.')), outcome: 'database-unavailable' };
    return { reply: ephemeral(msg(`Something went wrong: ${esc((err as Error).message.split('\n')[0])}`)), outcome: 'error' };
  }

  /**
   * Writes the audit row before the action it records (outcome "started"); undefined
   * when the row cannot be written, and then the action is not done.
   */
  private async auditStart(actor: Actor, action: string, args: unknown, workflowId?: string): Promise<string | undefined> {
    try {
      const row = await this.d.db.auditEvent.create({
        data: { actor: actor.userId, actorName: actor.userName ?? null, platform: actor.platform, channel: actor.channelId, action, arguments: (args ?? {}) as object, outcome: 'started', workflowId },
        select: { id: true },
      });
      return row.id;
    } catch (err) {
      this.d.log?.error({ err: (err as Error).message, action }, 'audit row could not be written; the action was refused');
      return undefined;
    }
  }

  private async auditEnd(id: string, outcome: string, latencyMs: number): Promise<void> {
    await this.d.db.auditEvent.update({ where: { id }, data: { outcome, latencyMs } }).catch((err: Error) => this.d.log?.error({ err: err.message, id }, 'audit outcome could not be recorded'));
  }
}

const AUDIT_DOWN = '⚠️ This could not be recorded in the audit log, so nothing was done. Try again in a minute; an admin can check the database (`/healthz`).';

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
      { type: 'fields', fields: [{ label: 'Product', value: `${c.product} (${c.asin})` }, ...(c.platforms.length ? [{ label: 'Platforms', value: c.platforms.join(', ') }] : []), { label: 'Run', value: c.workflowId }] },
      ...(c.videoKey ? [{ type: 'video' as const, media: { key: c.videoKey }, ...(c.thumbnailKey ? { poster: { key: c.thumbnailKey } } : {}), title: c.title }] : []),
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

function statusMessage(v: WorkflowStatusView, temporalUi?: string, namespace = 'default'): ChatMessage {
  const p = v.progress;
  const fields = [
    { label: 'Status', value: v.status.toLowerCase() },
    ...(p ? [{ label: 'Step', value: `${p.step} (${p.stepsDone.length} done)` }, { label: 'Products', value: `${p.products.selected} selected of ${p.products.synced}` }, { label: 'Videos', value: `${p.videos.ready} ready, ${p.videos.published} published` }, { label: 'Approvals', value: `${p.approvals.pending} pending, ${p.approvals.approved} approved, ${p.approvals.rejected} rejected` }] : []),
  ];
  const blocks: ChatMessage['blocks'] = [{ type: 'header', text: v.workflowId }, { type: 'fields', fields }];
  if (v.error) blocks.push({ type: 'context', text: esc(v.error) });
  if (temporalUi) blocks.push({ type: 'context', text: `<${temporalUi}/namespaces/${namespace}/workflows/${v.workflowId}|Open in the Temporal UI>` });
  return { text: `${v.workflowId}: ${v.status.toLowerCase()}${p ? `, ${p.step}` : ''}`, blocks };
}

function parsePlatforms(raw: string, u: string): PlatformName[] {
  const list = raw.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean);
  const bad = list.find((x) => !(PLATFORMS as readonly string[]).includes(x));
  if (bad || !list.length) throw new UsageError(`"${bad ?? raw}" is not a platform: use youtube, tiktok or instagram.`, u);
  return [...new Set(list)] as PlatformName[];
}

/**
 * A link to one of our own pages, or nothing when the reader could not open it:
 * the console runs on this machine, but a Slack or Discord reader is elsewhere,
 * so a loopback or private address would be a dead link for them.
 */
export const linkFor = (actor: Actor, url: string | undefined): string | undefined => (actor.platform === 'console' || isPubliclyReachableUrl(url) ? url : undefined);

const who = (a: Actor) => esc(a.userName ? `@${a.userName}` : a.userId);
const formatDuration = (s: number) => (s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);
