/**
 * Cuts text to at most `max` characters (code units, as the platforms count), at
 * a word boundary when one is near the end, ending with "…". Never splits a
 * surrogate pair, so an emoji at the cut does not become a broken character.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(0, Math.max(0, max));
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // the high half of a pair: drop it too
  const head = text.slice(0, cut);
  const space = head.search(/\s\S*$/);
  const clean = space > 0 && space >= cut * 0.8 ? head.slice(0, space) : head;
  return clean.replace(/[\s,;:.-]+$/, '') + '…';
}

/**
 * Escapes text that comes from outside (product titles, error messages, display
 * names) for the messages' mrkdwn, Slack's rule: `&`, `<` and `>` become entities,
 * so `<!channel>` or `<https://evil.example|Approve>` in a product title renders as
 * text, never as a mention or a link (https://docs.slack.dev/messaging/formatting-message-text#escaping).
 * Each platform's renderer turns the entities back into characters where the
 * platform does not use them (plain_text fields, Discord, the console).
 */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The inverse of esc, for plain-text fields that show characters as they are. */
export function unesc(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
