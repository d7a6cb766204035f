import type { Block, ChatMessage } from '../core/messages.js';
import { clip, unesc } from '../core/text.js';

/**
 * Slack's Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks):
 * a message has at most 50 blocks; a header 150 characters of plain text; a section
 * 3,000 characters and at most 10 fields of 2,000; an actions block 25 elements; a
 * button's text 75, its action_id 255, its value 2,000 and its url 3,000; an image's
 * alt_text 2,000 and image_url 3,000. chat.postMessage truncates `text` at 40,000
 * characters and may answer msg_too_long; we send at most LIMITS.text.
 */
export const SLACK_LIMITS = {
  blocks: 50,
  header: 150,
  section: 3000,
  fields: 10,
  field: 2000,
  actions: 25,
  buttonText: 75,
  actionId: 255,
  value: 2000,
  url: 3000,
  altText: 2000,
  text: 3000,
} as const;

/** Where an image of ours comes from in Slack: a file uploaded to Slack, or a public URL. */
export type SlackImageSource = { slack_file: { id: string } } | { image_url: string };

export interface SlackMedia {
  /** The source of the image stored under this key, or undefined to leave it out. */
  image?(key: string): SlackImageSource | undefined;
  /** What the card says where the video would be (it is uploaded into the message's thread). */
  videoNote?: string;
}

export const VIDEO_IN_THREAD = '▶️ The video is in this message’s thread: watch it there before you decide.';

/**
 * Renders the platform-neutral ChatMessage as Slack Block Kit, within Slack's
 * limits by construction: long text is cut cleanly, never rejected. Media is never
 * linked by our own address (Slack's servers could not download it): images come
 * from `media.image` (an uploaded file or a public URL) or are left out.
 */
export function toBlockKit(message: ChatMessage, media: SlackMedia = {}): object[] {
  const rendered = message.blocks.flatMap((b) => renderBlock(b, media));
  if (rendered.length <= SLACK_LIMITS.blocks) return rendered;
  // Too many blocks: keep the buttons (what the reader must act on) and say what was left out.
  const isActions = (x: object) => (x as { type: string }).type === 'actions';
  const actions = rendered.filter(isActions);
  const content = rendered.filter((x) => !isActions(x));
  const room = SLACK_LIMITS.blocks - actions.length - 1;
  const left = content.length - room;
  return [...content.slice(0, room), { type: 'context', elements: [mrkdwn(`…and ${left} more block${left === 1 ? '' : 's'} not shown.`)] }, ...actions];
}

/** Plain text fitted to Slack's top-level `text` (the notification and fallback text). */
export const slackText = (text: string): string => clip(text || ' ', SLACK_LIMITS.text);

const mrkdwn = (text: string, max: number = SLACK_LIMITS.section) => ({ type: 'mrkdwn', text: clip(text || ' ', max) });

function renderBlock(b: Block, media: SlackMedia): object[] {
  switch (b.type) {
    case 'header':
      // plain_text shows characters as they are (no mentions, no links): the core's entities go back to characters.
      return [{ type: 'header', text: { type: 'plain_text', text: clip(unesc(b.text) || ' ', SLACK_LIMITS.header), emoji: true } }];
    case 'text':
      return [{ type: 'section', text: mrkdwn(b.text) }];
    case 'fields': {
      const sections: object[] = [];
      for (let i = 0; i < b.fields.length; i += SLACK_LIMITS.fields) {
        sections.push({
          type: 'section',
          fields: b.fields.slice(i, i + SLACK_LIMITS.fields).map((f) => mrkdwn(`*${f.label}*\n${f.value}`, SLACK_LIMITS.field)),
        });
      }
      return sections;
    }
    case 'image': {
      const source = media.image?.(b.media.key);
      return source ? [{ type: 'image', ...source, alt_text: clip(unesc(b.alt) || 'image', SLACK_LIMITS.altText) }] : [];
    }
    case 'video': {
      const poster = b.poster ? media.image?.(b.poster.key) : undefined;
      return [
        ...(poster ? [{ type: 'image', ...poster, alt_text: clip(unesc(b.title) || 'video poster', SLACK_LIMITS.altText) }] : []),
        { type: 'context', elements: [mrkdwn(media.videoNote ?? VIDEO_IN_THREAD)] },
      ];
    }
    case 'buttons': {
      const elements = b.buttons
        .filter((btn) => btn.actionId.length <= SLACK_LIMITS.actionId && (!btn.url || btn.url.length <= SLACK_LIMITS.url))
        .slice(0, SLACK_LIMITS.actions)
        .map((btn) => {
          const el: Record<string, unknown> = {
            type: 'button',
            action_id: btn.actionId,
            text: { type: 'plain_text', text: clip(unesc(btn.label), SLACK_LIMITS.buttonText), emoji: true },
          };
          if (btn.url) el.url = btn.url;
          else el.value = btn.actionId.slice(0, SLACK_LIMITS.value);
          if (btn.style) el.style = btn.style;
          return el;
        });
      return elements.length ? [{ type: 'actions', elements }] : [];
    }
    case 'context':
      return [{ type: 'context', elements: [mrkdwn(b.text)] }];
  }
}
