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
