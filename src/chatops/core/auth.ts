import type { Permission } from '../../../commands/index.js';

export interface Actor {
  platform: 'slack' | 'discord' | 'console';
  userId: string;
  userName?: string;
  roles?: string[];
  channelId?: string;
}

export interface Rule {
  /** User ids and role:<id> allowed, or "*" (omitted: the default for the command). Never names. */
  allow?: string[];
  /** Channels where it is accepted (omitted: the global CHATOPS_CHANNELS). */
  channels?: string[];
}

export interface Policy {
  /** Users and roles allowed to run operator commands and click Approve/Reject. */
  operators: string[];
  /** Channels where commands are accepted (empty: any). */
  channels: string[];
  /** Per-command rules, keyed "daily-loop cancel", "schedules pause", "approve" (buttons) …; "*" in allow means everyone. */
  rules: Record<string, Rule>;
}

export function policyFromConfig(c: { CHATOPS_OPERATORS?: string; CHATOPS_CHANNELS?: string; CHATOPS_RULES?: Record<string, Rule> }): Policy {
  const list = (v?: string) =>
    (v ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  return { operators: list(c.CHATOPS_OPERATORS), channels: list(c.CHATOPS_CHANNELS), rules: c.CHATOPS_RULES ?? {} };
}

/**
 * Deny by default: operator actions (cancel, schedules, approvals) need the user
 * or one of their roles in CHATOPS_OPERATORS. The local console is operated by
 * whoever owns the machine (it is loopback-only or token-protected), so it is an operator.
 */
export function authorize(actor: Actor, permission: Permission, policy: Policy, commandKey?: string): { ok: true } | { ok: false; reason: string } {
  const rule = commandKey ? policy.rules[commandKey] : undefined;
  const channels = rule?.channels ?? policy.channels;
  if (actor.platform !== 'console' && channels.length && actor.channelId && !channels.includes(actor.channelId)) {
    return { ok: false, reason: `This is not accepted in this channel (see ${rule?.channels ? 'CHATOPS_RULES' : 'CHATOPS_CHANNELS'}).` };
  }
  if (actor.platform === 'console') return { ok: true };
  // Ids only: a display name can be changed by its owner, so it never grants anything.
  const ids = [actor.userId, ...(actor.roles ?? []).map((r) => `role:${r}`)].filter(Boolean);
  if (rule?.allow) {
    if (rule.allow.includes('*') || ids.some((id) => rule.allow!.includes(id))) return { ok: true };
    return { ok: false, reason: `You are not authorized for ${commandKey}. Ask an admin to add you to its rule in CHATOPS_RULES.` };
  }
  if (permission === 'everyone') return { ok: true };
  if (ids.some((id) => policy.operators.includes(id))) return { ok: true };
  return { ok: false, reason: 'You are not authorized for this. Ask an admin to add you to CHATOPS_OPERATORS.' };
}
