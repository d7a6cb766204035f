import type { Block, ChatMessage } from '../core/messages.js';

/**
 * Renders the platform-neutral ChatMessage as Slack Block Kit. Slack's limits are
 * enforced here (header 150 chars, 10 fields per section, 3000 chars of text,
 * 25 elements per actions block, 50 blocks per message) so a long value never
 * makes Slack reject the whole message.
 */
export function toBlockKit(message: ChatMessage): object[] {
  const out: object[] = [];
  for (const b of message.blocks) out.push(...renderBlock(b));
  return out.slice(0, 50);
}

const clip = (s: string, max: number) => (s.length > max ? s.slice(0, max - 1) + '…' : s);
const mrkdwn = (text: string, max = 3000) => ({ type: 'mrkdwn', text: clip(text || ' ', max) });

function renderBlock(b: Block): object[] {
  switch (b.type) {
    case 'header':
      return [{ type: 'header', text: { type: 'plain_text', text: clip(b.text || ' ', 150), emoji: true } }];
    case 'text':
      return [{ type: 'section', text: mrkdwn(b.text) }];
    case 'fields': {
      // A section takes at most 10 fields: split longer lists over several sections.
      const sections: object[] = [];
      for (let i = 0; i < b.fields.length; i += 10) {
        sections.push({ type: 'section', fields: b.fields.slice(i, i + 10).map((f) => mrkdwn(`*${f.label}*\n${f.value}`, 2000)) });
      }
      return sections;
    }
    case 'image':
      return [{ type: 'image', image_url: b.url, alt_text: clip(b.alt || 'image', 2000) }];
    case 'video': {
      // Slack's video block needs the domain to be allow-listed in the app's config; a link always works.
      const section: Record<string, unknown> = { type: 'section', text: mrkdwn(`<${b.url}|▶️ Watch the video>${b.title ? `: ${b.title}` : ''}`) };
      if (b.posterUrl) section.accessory = { type: 'image', image_url: b.posterUrl, alt_text: clip(b.title || 'video poster', 2000) };
      return [section];
    }
    case 'buttons':
      if (!b.buttons.length) return [];
      return [
        {
          type: 'actions',
          elements: b.buttons.slice(0, 25).map((btn) => {
            const el: Record<string, unknown> = { type: 'button', action_id: btn.actionId, text: { type: 'plain_text', text: clip(btn.label, 75), emoji: true } };
            if (btn.url) el.url = btn.url;
            else el.value = btn.actionId;
            if (btn.style) el.style = btn.style;
            return el;
          }),
        },
      ];
    case 'context':
      return [{ type: 'context', elements: [mrkdwn(b.text)] }];
  }
}
