// Per-platform cuts of a video: where the call to action sends the viewer depends on the platform.
// YouTube shows the description (with our tracked link) under the video: "link in the description".
// TikTok and Instagram captions carry no clickable link, so their cut says "link in bio" (spoken and
// on screen). The script is written once, for the description; the bio cut rewrites its link phrase.
// Platforms whose cuts come out the same share one render.
import type { Language } from './language.js';
import type { PlatformName } from './platforms.js';

export type CutKey = 'description' | 'bio';

/** Which cut a platform gets. */
export function cutFor(platform: PlatformName): CutKey {
  return platform === 'YOUTUBE' ? 'description' : 'bio';
}

/** The on-screen call to action of each cut (the arrow points at YouTube's description, under the video). */
const CUES: Record<Language, Record<CutKey, string>> = {
  en: { description: 'Link in the description ↓', bio: 'Link in bio' },
  es: { description: 'Enlace en la descripción ↓', bio: 'Enlace en la bio' },
};

export function linkCue(language: Language, cut: CutKey): string {
  return (CUES[language] ?? CUES.en)[cut];
}

/** The link phrases a script may use (ours and the writer prompt's), and what the bio cut says instead. */
const BIO_REWRITES: Record<Language, [RegExp, string][]> = {
  en: [
    [/\b(check|see) the description( below)?\b/gi, '$1 the link in bio'],
    [/\bin the description( below)?\b/gi, 'in bio'],
    [/\bthe description (box|below)\b/gi, 'the link in bio'],
  ],
  es: [
    [/\b(revisa|mira) la descripción\b/gi, '$1 el enlace en la bio'],
    [/\ben la descripción\b/gi, 'en la bio'],
  ],
};

/** The sentences of a cut: the script as written for the description cut, the link phrase rewritten for the bio cut. */
export function cutSentences(sentences: string[], language: Language, cut: CutKey): string[] {
  if (cut === 'description') return sentences;
  const rules = BIO_REWRITES[language] ?? BIO_REWRITES.en;
  return sentences.map((s) => rules.reduce((text, [re, to]) => text.replace(re, (...m) => keepCase(m[0] as string, expand(to, m))), s));
}

export interface PlatformCut {
  key: CutKey;
  platforms: PlatformName[];
  sentences: string[];
  linkCue: string;
}

/** The cuts to render for these platforms, in platform order (the first is the video's main file); one per distinct cut. */
export function platformCuts(sentences: string[], language: Language, platforms: readonly PlatformName[]): PlatformCut[] {
  const cuts: PlatformCut[] = [];
  for (const platform of platforms.length ? platforms : (['YOUTUBE'] as PlatformName[])) {
    const key = cutFor(platform);
    const existing = cuts.find((c) => c.key === key);
    if (existing) existing.platforms.push(platform);
    else cuts.push({ key, platforms: [platform], sentences: cutSentences(sentences, language, key), linkCue: linkCue(language, key) });
  }
  return cuts;
}

function expand(template: string, match: unknown[]): string {
  return template.replace(/\$(\d)/g, (_, n: string) => String(match[Number(n)] ?? ''));
}

/** A phrase that began with a capital keeps it ("In the description" → "In bio"). */
function keepCase(original: string, replacement: string): string {
  return /^\p{Lu}/u.test(original) ? replacement.charAt(0).toUpperCase() + replacement.slice(1) : replacement;
}
