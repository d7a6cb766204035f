/** The platforms we publish to; input is accepted in any case. */
export const PLATFORMS = ['YOUTUBE', 'TIKTOK', 'INSTAGRAM'] as const;
export type PlatformName = (typeof PLATFORMS)[number];

/**
 * The one parser of a platform list, for the env (DAILY_PLATFORMS), the API
 * (`platforms`, an array or a comma-separated string) and chat (`platforms:a,b`):
 * trimmed, upper-cased, de-duplicated. `bad` names the first entry that is not a
 * platform, or is '' for an empty list.
 */
export function parsePlatformList(raw: string | readonly string[]): { ok: true; platforms: PlatformName[] } | { ok: false; bad: string } {
  const list = (typeof raw === 'string' ? raw.split(',') : raw).map((p) => String(p).trim().toUpperCase()).filter(Boolean);
  const bad = list.find((p) => !(PLATFORMS as readonly string[]).includes(p));
  if (bad !== undefined) return { ok: false, bad };
  if (!list.length) return { ok: false, bad: '' };
  return { ok: true, platforms: [...new Set(list)] as PlatformName[] };
}
