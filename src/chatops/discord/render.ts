import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { Block, Button, ChatMessage } from '../core/messages.js';
import { clip, unesc } from '../core/text.js';

/**
 * ChatMessage → a Discord message: one embed (header → title, text → description,
 * fields → inline fields, image → image, video → a "Watch" link + the poster as
 * thumbnail, context → small `-#` lines) plus action rows of buttons.
 *
 * A message that is plain text (no header, fields, media or buttons) is sent as
 * `content` only, which reads better for short replies. `components` is always
 * present (possibly empty) so that an edit removes buttons that are gone.
 */
export interface DiscordMessage {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
}

// Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
const LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  total: 6000,
  label: 80,
  customId: 100,
  buttonsPerRow: 5,
  rows: 5,
};
const EMBED_COLOR = 0x5865f2;

/** How the message's media reaches Discord: an attached file (`attachment://name`) or a public URL. */
export interface DiscordMedia {
  image?(key: string): string | undefined;
  /** What the card says about its video (attached to the same message, where Discord plays it inline). */
  videoNote?: string;
}

export const VIDEO_ATTACHED = '▶️ The video is attached to this message: play it here before you decide.';

export function renderDiscord(m: ChatMessage, media: DiscordMedia = {}): DiscordMessage {
  const components = renderButtons(m.blocks.filter((b): b is Extract<Block, { type: 'buttons' }> => b.type === 'buttons').flatMap((b) => b.buttons));
  const plain = m.blocks.every((b) => b.type === 'text' || b.type === 'context' || b.type === 'buttons');
  if (plain) {
    const body = m.blocks
      .filter((b) => b.type === 'text' || b.type === 'context')
      .map((b) => (b.type === 'context' ? `-# ${mrkdwn(b.text)}` : mrkdwn(b.text)))
      .join('\n');
    return { content: clip(body || mrkdwn(m.text), LIMITS.content), embeds: [], components };
  }

  const embed: APIEmbed = { color: EMBED_COLOR };
  const description: string[] = [];
  const fields: APIEmbedField[] = [];
  for (const b of m.blocks) {
    switch (b.type) {
      case 'header':
        if (!embed.title) embed.title = clip(unesc(b.text), LIMITS.title);
        else description.push(`**${b.text}**`);
        break;
      case 'text':
        description.push(mrkdwn(b.text));
        break;
      case 'context':
        description.push(`-# ${mrkdwn(b.text)}`);
        break;
      case 'fields':
        for (const f of b.fields)
          fields.push({ name: clip(unesc(f.label) || '\u200b', LIMITS.fieldName), value: clip(mrkdwn(f.value) || '-', LIMITS.fieldValue), inline: true });
        break;
      case 'image': {
        const url = media.image?.(b.media.key);
        if (url) embed.image = { url };
        break;
      }
      case 'video': {
        // An embed cannot play a video; an MP4 attached to the message plays inline.
        if (media.videoNote !== '') fields.push({ name: 'Video', value: clip(media.videoNote ?? VIDEO_ATTACHED, LIMITS.fieldValue), inline: false });
        const poster = b.poster ? media.image?.(b.poster.key) : undefined;
        if (poster) embed.thumbnail = { url: poster };
        break;
      }
      case 'buttons':
        break;
    }
  }
  if (description.length) embed.description = clip(description.join('\n'), LIMITS.description);
  if (fields.length) embed.fields = fields.slice(0, LIMITS.fields);
  if (!embed.title && !embed.description && !embed.fields) embed.description = clip(mrkdwn(m.text), LIMITS.description);
  fitTotal(embed);
  return { content: '', embeds: [embed], components };
}

/** Buttons → action rows (5 per row, 5 rows). custom_id = the action id; link buttons (style 5) carry a url instead. */
function renderButtons(buttons: Button[]): APIActionRowComponent<APIButtonComponent>[] {
  const rendered: APIButtonComponent[] = [];
  for (const b of buttons) {
    const label = clip(unesc(b.label), LIMITS.label);
    if (b.url) {
      if (isHttp(b.url)) rendered.push({ type: ComponentType.Button, style: ButtonStyle.Link, label, url: b.url });
      continue;
    }
    // An id over 100 characters cannot be sent; the core keeps ids short (see messages.ts), so this is a guard.
    if (b.actionId.length > LIMITS.customId) continue;
    const style = b.style === 'primary' ? ButtonStyle.Primary : b.style === 'danger' ? ButtonStyle.Danger : ButtonStyle.Secondary;
    rendered.push({ type: ComponentType.Button, style, label, custom_id: b.actionId });
  }
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  for (let i = 0; i < rendered.length && rows.length < LIMITS.rows; i += LIMITS.buttonsPerRow) {
    rows.push({ type: ComponentType.ActionRow, components: rendered.slice(i, i + LIMITS.buttonsPerRow) });
  }
  return rows;
}

/**
 * Slack-flavoured mrkdwn used by the core → Discord markdown: `*bold*` → `**bold**`,
 * `<url|label>` → `[label](url)`. Only the core's own links are real `<…>` (text from
 * outside arrives escaped as `&lt;…&gt;`, see core/text.ts); everything else has
 * Discord's link and mention syntax neutralised (`[`, `]`, `<`, `@` escaped), so a
 * product title like `[Approve](https://evil.example)` or `<@&123>` renders as text.
 */
export function mrkdwn(text: string): string {
  const links: string[] = [];
  const hold = (s: string) => `\uE000${links.push(s) - 1}\uE000`;
  const out = text
    .replace(/<(https?:\/\/[^|>\s]+)\|([^>]+)>/g, (_m, url: string, label: string) => hold(`[${escapeDiscord(unesc(label))}](${url})`))
    .replace(/<(https?:\/\/[^|>\s]+)>/g, (_m, url: string) => hold(url))
    .split(/(\uE000\d+\uE000)/)
    .map((part) => (/^\uE000\d+\uE000$/.test(part) ? part : escapeDiscord(unesc(part))))
    .join('')
    .replace(/(^|[^*\w])\*(?!\s)([^*\n]+?)\*(?![*\w])/g, '$1**$2**');
  return out.replace(/\uE000(\d+)\uE000/g, (_m, i: string) => links[Number(i)]);
}

/** Discord's link, mention and heading syntax as plain characters. */
function escapeDiscord(s: string): string {
  return s.replace(/([[\]<\\])/g, '\\$1').replace(/@(everyone|here|[!&]?\d)/g, '@\u200b$1');
}

function isHttp(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** Keeps the embed under Discord's 6,000-character total: shortens the description, then drops trailing fields. */
function fitTotal(e: APIEmbed): void {
  const size = () =>
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0) +
    (e.footer?.text.length ?? 0);
  let over = size() - LIMITS.total;
  if (over > 0 && e.description) {
    e.description = clip(e.description, Math.max(1, e.description.length - over - 1));
    over = size() - LIMITS.total;
  }
  while (over > 0 && e.fields?.length) {
    e.fields.pop();
    over = size() - LIMITS.total;
  }
}
