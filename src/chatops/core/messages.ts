/**
 * The platform-neutral message model. Slack renders it as Block Kit, Discord as
 * embeds + components, the console as HTML; the core never knows which.
 */

export type Block =
  | { type: 'header'; text: string }
  | { type: 'text'; text: string }
  | { type: 'fields'; fields: { label: string; value: string }[] }
  | { type: 'image'; media: MediaRef; alt: string }
  | { type: 'video'; media: MediaRef; poster?: MediaRef; title: string }
  | { type: 'buttons'; buttons: Button[] }
  | { type: 'context'; text: string };

/**
 * A picture or video of ours, named by its storage key (`videos/<id>/video.mp4`),
 * never by a URL: each platform decides how its readers get it (Slack and Discord
 * receive an upload, the console plays `/media/<key>`), so no message depends on an
 * address that a platform or a phone cannot reach.
 */
export interface MediaRef {
  key: string;
  /** The file name shown in chat (default: the key's last segment). */
  filename?: string;
}

export const mediaFilename = (m: MediaRef): string => m.filename ?? m.key.slice(m.key.lastIndexOf('/') + 1);

export interface Button {
  /** The action id (Slack action_id / Discord custom_id): `<action>:<arg>:<arg>`; never a secret. */
  actionId: string;
  label: string;
  style?: 'primary' | 'danger';
  url?: string;
}

export interface ChatMessage {
  /** Plain-text fallback (notifications, screen readers). */
  text: string;
  blocks: Block[];
}

export interface Reply {
  /** ephemeral: only the user who acted sees it. */
  visibility: 'ephemeral' | 'channel';
  message: ChatMessage;
  /** For button clicks: replace the message the button was on. */
  replaceOriginal?: ChatMessage;
}

export const msg = (text: string, ...blocks: Block[]): ChatMessage => ({ text, blocks: blocks.length ? blocks : [{ type: 'text', text }] });
export const ephemeral = (m: ChatMessage): Reply => ({ visibility: 'ephemeral', message: m });
export const inChannel = (m: ChatMessage): Reply => ({ visibility: 'channel', message: m });

/** Action ids: what a button does, and on what. Parsed strictly. */
export type Action =
  | { kind: 'approve' | 'reject'; workflowId: string; videoId: string }
  | { kind: 'cancel-confirm' | 'cancel-abort'; workflowId: string }
  | { kind: 'retry'; workflowType: 'daily' | 'weekly' };

const ID = '[A-Za-z0-9][A-Za-z0-9._:-]{0,120}';
const ACTION_RE = new RegExp(`^(approve|reject)\\|(${ID})\\|([0-9a-f-]{36})$|^(cancel-confirm|cancel-abort)\\|(${ID})$|^retry\\|(daily|weekly)$`);

export function actionId(a: Action): string {
  if (a.kind === 'approve' || a.kind === 'reject') return `${a.kind}|${a.workflowId}|${a.videoId}`;
  if (a.kind === 'retry') return `retry|${a.workflowType}`;
  return `${a.kind}|${a.workflowId}`;
}

export function parseActionId(raw: string): Action | null {
  const m = ACTION_RE.exec(raw);
  if (!m) return null;
  if (m[1]) return { kind: m[1] as 'approve' | 'reject', workflowId: m[2], videoId: m[3] };
  if (m[4]) return { kind: m[4] as 'cancel-confirm' | 'cancel-abort', workflowId: m[5] };
  return { kind: 'retry', workflowType: m[6] as 'daily' | 'weekly' };
}

/** A command the user typed wrong: the message says what, `usage` shows the right form. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
