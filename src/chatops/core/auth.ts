import type { Permission } from '../../../commands/index.js';

export interface Actor {
  platform: 'slack' | 'discord' | 'console';
  userId: string;
  userName?: string;
  roles?: string[];
  channelId?: string;
}

export interface Policy {
  /** Users and roles allowed to run operator commands and click Approve/Reject. */
  operators: string[];
  /** Channels where commands are accepted (empty: any). */
  channels: string[];
}

export function policyFromConfig(c: { CHATOPS_OPERATORS?: string; CHATOPS_CHANNELS?: string }): Policy {
  const list = (v?: string) => (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  return { operators: list(c.CHATOPS_OPERATORS), channels: list(c.CHATOPS_CHANNELS) };
}

/**
 * Deny by default: operator actions (cancel, schedules, approvals) need the user
 * or one of their roles in CHATOPS_OPERATORS. The local console is operated by
 * whoever owns the machine (it is loopback-only or token-protected), so it is an operator.
 */
export function authorize(actor: Actor, permission: Permission, policy: Policy): { ok: true } | { ok: false; reason: string } {
  if (actor.platform !== 'console' && policy.channels.length && actor.channelId && !policy.channels.includes(actor.channelId)) {
    return { ok: false, reason: 'Commands are not accepted in this channel (see CHATOPS_CHANNELS).' };
  }
  if (permission === 'everyone' || actor.platform === 'console') return { ok: true };
  const ids = [actor.userId, actor.userName ? `@${actor.userName}` : '', ...(actor.roles ?? []).map((r) => `role:${r}`)].filter(Boolean);
  if (ids.some((id) => policy.operators.includes(id))) return { ok: true };
  return { ok: false, reason: 'You are not authorized for this. Ask an admin to add you to CHATOPS_OPERATORS.' };
}
