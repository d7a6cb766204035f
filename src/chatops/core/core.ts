import type { Db } from '../../db.js';
import type { Orchestrator } from '../../temporal/client.js';
import { UnknownVideoError, UnknownWorkflowError, WorkflowStateError, TemporalUnavailableError, isUnavailable } from '../../temporal/client.js';
import { COMMANDS, findCommand, usage, type CommandContext, type CommandDef } from '../../../commands/index.js';
import type { Logger } from '../../logger.js';
import { authorize, type Actor, type Policy } from './auth.js';
import { actorId, approvalCard, decidedText, linkFor, who, type ApprovalCardData } from './cards.js';
import { ephemeral, inChannel, msg, parseActionId, UsageError, type ChatMessage, type Reply } from './messages.js';
import type { ParsedCommand } from './parse.js';
import { isDatabaseUnavailable } from '../../db.js';
import { esc } from './text.js';

export interface ChatOpsDeps {
  orchestrator: Orchestrator;
  db: Db;
  policy: Policy;
  timeZone: string;
  temporalUiUrl?: string;
  namespace?: string;
  /** What serves each platform (outbox or its API), shown by /daily-loop status. */
  publishers?: Record<string, string>;
  log?: Logger;
  /** The command catalogue (default: commands/index.ts). */
  commands?: CommandDef[];
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
    return {
      ok: false,
      reason:
        'auto-approve skips the approval gate, so it needs the right to approve videos (CHATOPS_OPERATORS, or the "approve" rule of CHATOPS_RULES), which you do not have. Start the run without auto-approve; an operator then approves each video on its card.',
    };
  }

  async action(actor: Actor, rawActionId: string): Promise<Reply> {
    const started = Date.now();
    const action = parseActionId(rawActionId);
    const auditId = await this.auditStart(
      actor,
      `button ${action?.kind ?? 'unknown'}`,
      { actionId: rawActionId.slice(0, 300) },
      action && 'workflowId' in action ? action.workflowId : undefined,
    );
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
          const text =
            r.status === 'cancel-requested'
              ? `🛑 ${action.workflowId} cancelled by ${who(actor)}.`
              : `${action.workflowId} had already finished (${r.closedAs?.toLowerCase()}).`;
          reply = { ...inChannel(msg(text)), replaceOriginal: msg(text) };
        }
      } else {
        // Retry starts a run: authorized exactly like the command that starts it (permission, rule, channels).
        const type = (action as Extract<typeof action, { kind: 'retry' }>).workflowType;
        const [command, sub] = type === 'daily' ? ['daily-loop', 'start'] : ['weekly-optimization', 'start'];
        const permission = findCommand(command, this.d.commands ?? COMMANDS)?.subcommands.find((x) => x.name === sub)?.permission ?? 'operators';
        const auth = authorize(actor, permission, this.d.policy, `${command} ${sub}`);
        if (!auth.ok) {
          outcome = 'denied';
          reply = ephemeral(msg(`🚫 ${auth.reason}`));
        } else {
          const r =
            type === 'daily'
              ? await this.d.orchestrator.startDailyLoop({ startedBy: actorId(actor) })
              : await this.d.orchestrator.startWeeklyOptimization({ startedBy: actorId(actor) });
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
      const r = await this.d.orchestrator.sendApproval(workflowId, {
        videoId,
        decision: kind,
        by: actorId(actor),
        byName: actor.userName,
        source: actor.platform,
      });
      const final = decidedText(r.state.state, r.state.byName ? `@${r.state.byName}` : r.state.by, r.state.at, this.d.timeZone);
      if (!r.effective) return { ...ephemeral(msg(`Already decided: ${final}.`)), replaceOriginal: await this.decidedCard(workflowId, videoId, final) };
      return { ...ephemeral(msg(`Done: ${final}.`)), replaceOriginal: await this.decidedCard(workflowId, videoId, final) };
    } catch (err) {
      if (err instanceof WorkflowStateError)
        return {
          ...ephemeral(msg('Expired: this run no longer accepts decisions.')),
          replaceOriginal: await this.decidedCard(workflowId, videoId, 'Expired: the run has finished'),
        };
      throw err;
    }
  }

  private async decidedCard(workflowId: string, videoId: string, final: string): Promise<ChatMessage> {
    const card = await this.approvalCardData(workflowId, videoId);
    return approvalCard(card, final);
  }

  async approvalCardData(workflowId: string, videoId: string): Promise<ApprovalCardData> {
    const v = await this.d.db.video.findUnique({ where: { id: videoId }, include: { content: true, product: true } });
    return {
      workflowId,
      videoId,
      title: v?.content.title ?? videoId,
      product: v?.product.title ?? '',
      asin: v?.product.asin ?? '',
      videoKey: v?.videoPath ?? null,
      thumbnailKey: v?.thumbnailPath ?? null,
      platforms: [],
    };
  }

  /** Runs the subcommand's own handler (commands/*.ts), with what it may use. */
  private async run(actor: Actor, p: ParsedCommand): Promise<Reply> {
    const ctx: CommandContext = {
      actor,
      by: actorId(actor),
      who: who(actor),
      orchestrator: this.d.orchestrator,
      db: this.d.db,
      timeZone: this.d.timeZone,
      temporalUiUrl: linkFor(actor, this.d.temporalUiUrl),
      namespace: this.d.namespace,
      publishers: this.d.publishers,
      usage: usage(p.command, p.sub),
    };
    const execute = p.sub?.execute ?? p.command.execute;
    if (!execute) throw new UsageError('Which subcommand?', usage(p.command));
    return execute.call(p.sub ?? p.command, ctx, p.args);
  }

  /** Error replies quote what the user typed (an id, a platform): escaped, so it cannot form a mention or a link. */
  private failure(err: unknown): { reply: Reply; outcome: string } {
    if (err instanceof UsageError) return { reply: ephemeral(msg(`${esc(err.message)}\nUsage: \`${err.usage}\``)), outcome: 'usage' };
    if (err instanceof UnknownWorkflowError) return { reply: ephemeral(msg(esc(err.message))), outcome: 'not-found' };
    if (err instanceof UnknownVideoError) return { reply: ephemeral(msg(esc(err.message))), outcome: 'not-found' };
    if (err instanceof TemporalUnavailableError || isUnavailable(err))
      return {
        reply: ephemeral(
          msg('⚠️ Temporal is not reachable right now, so nothing was started or changed. Try again in a minute; an admin can check `/healthz`.'),
        ),
        outcome: 'temporal-unavailable',
      };
    if (isDatabaseUnavailable(err))
      return {
        reply: ephemeral(msg('⚠️ The database is not reachable right now; nothing was changed. Try again in a minute.')),
        outcome: 'database-unavailable',
      };
    return { reply: ephemeral(msg(`Something went wrong: ${esc((err as Error).message.split('\n')[0])}`)), outcome: 'error' };
  }

  /**
   * Writes the audit row before the action it records (outcome "started"); undefined
   * when the row cannot be written, and then the action is not done.
   */
  private async auditStart(actor: Actor, action: string, args: unknown, workflowId?: string): Promise<string | undefined> {
    try {
      const row = await this.d.db.auditEvent.create({
        data: {
          actor: actor.userId,
          actorName: actor.userName ?? null,
          platform: actor.platform,
          channel: actor.channelId,
          action,
          arguments: (args ?? {}) as object,
          outcome: 'started',
          workflowId,
        },
        select: { id: true },
      });
      return row.id;
    } catch (err) {
      this.d.log?.error({ err: (err as Error).message, action }, 'audit row could not be written; the action was refused');
      return undefined;
    }
  }

  private async auditEnd(id: string, outcome: string, latencyMs: number): Promise<void> {
    await this.d.db.auditEvent
      .update({ where: { id }, data: { outcome, latencyMs } })
      .catch((err: Error) => this.d.log?.error({ err: err.message, id }, 'audit outcome could not be recorded'));
  }
}

const AUDIT_DOWN = '⚠️ This could not be recorded in the audit log, so nothing was done. Try again in a minute; an admin can check the database (`/healthz`).';
