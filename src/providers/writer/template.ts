// The template script writer (TemplateScriptWriter): a script from the variants' bodies, split into captions, with title, description and hashtags.
import { EN } from './copy/en.js';
import { ES } from './copy/es.js';
import { cap, TEMPLATE_VARIANTS, type CategoryCopy, type LangPack, type TemplateVariantName } from './copy/pack.js';
import { Rng } from './rng.js';
import { agreeEn, factsFor, PACKS } from './template-format.js';
import { composeBody, MAX_SENTENCE_CHARS, variantVersion, type Body } from './variants.js';
import type { Language, ScriptInput, ScriptProduct, ScriptWriter, WrittenScript } from './types.js';

/**
 * The offline script writer: hand-written templates in English and Spanish (the
 * language packs in ./copy/, data only), filled from the product's data. Several
 * variants (the A/B dimension optimization compares), each with several hooks,
 * body lines and calls to action; a PRNG seeded from `seed` picks among them, so
 * the same input always gives the same script. Scripts stay short enough for a
 * ≤ 60 s video: ≤ 110 spoken words (~40 s at 165 wpm) in sentences of ≤ 90
 * characters, one caption each.
 */

export const DISCLOSURES: Readonly<Record<Language, string>> = { en: EN.disclosure, es: ES.disclosure };
export { TEMPLATE_VARIANTS, type TemplateVariantName };
export { seededRandom } from './rng.js';
export { agreeEn, categoryKey, formatRating, formatReviews, isPluralName, priceBand, speakableName, titleFeatures } from './template-format.js';
export { MAX_SENTENCE_CHARS, variantVersion };

export const MAX_SPOKEN_WORDS = 110;
export const WORDS_PER_MINUTE = 165;
export const MAX_TITLE_CHARS = 100;
export const MAX_HASHTAGS = 6;

// ---------------------------------------------------------------------------
// Composition

export function wordCount(text: string): number {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/** Seconds a narrator needs at WORDS_PER_MINUTE. */
export function estimateSpokenSeconds(sentences: string[]): number {
  return (wordCount(sentences.join(' ')) / WORDS_PER_MINUTE) * 60;
}

/** Last resort for a sentence over the caption limit: split at punctuation or a space near the middle. */
export function splitCaption(sentence: string, max = MAX_SENTENCE_CHARS): string[] {
  const s = sentence.trim();
  if (s.length <= max) return [s];
  const mid = s.length / 2;
  let best = -1;
  let bestScore = Infinity;
  for (let i = 1; i < s.length - 1; i++) {
    if (s[i] !== ' ') continue;
    const punct = /[.?!:;,]/.test(s[i - 1]);
    const score = Math.abs(i - mid) - (punct ? s.length / 4 : 0);
    if (i <= max && s.length - i - 1 <= max * 2 && score < bestScore) {
      best = i;
      bestScore = score;
    }
  }
  if (best < 0) best = s.lastIndexOf(' ', max) > 0 ? s.lastIndexOf(' ', max) : max;
  const head = s.slice(0, best).trim();
  const tail = s.slice(best).trim();
  return [head, ...splitCaption(tail, max)];
}

/** A platform title: no angle brackets, one line, at most MAX_TITLE_CHARS (cut at a word, with …), capitalized. */
export function sanitizeTitle(title: string): string {
  let t = title.replace(/[<>]/g, '').replace(/\s+/g, ' ').trim();
  if (t.length > MAX_TITLE_CHARS)
    t =
      t
        .slice(0, MAX_TITLE_CHARS - 1)
        .replace(/\s+\S*$/, '')
        .replace(/[\s,:;-]+$/, '') + '…';
  return cap(t);
}

function hashtagWord(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]/g, '');
}

function buildHashtags(variant: TemplateVariantName, pack: LangPack, product: ScriptProduct, copy: CategoryCopy): string[] {
  const brand = hashtagWord(product.brand);
  const raw = [
    'ad',
    'amazonfinds',
    ...copy.tags,
    brand.length >= 2 && brand.length <= 30 && !/^\d+$/.test(brand) ? brand : '',
    variant === 'deal-alert' ? pack.dealTag : '',
  ];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of raw) {
    const w = hashtagWord(r);
    if (!w || seen.has(w.toLowerCase())) continue;
    seen.add(w.toLowerCase());
    out.push(`#${w}`);
    if (out.length === MAX_HASHTAGS) break;
  }
  return out;
}

export class TemplateScriptWriter implements ScriptWriter {
  readonly name = 'template';

  async write(input: ScriptInput): Promise<WrittenScript> {
    return this.writeSync(input);
  }

  /** The same as write(), synchronously (the template writer does no I/O). */
  writeSync(input: ScriptInput): WrittenScript {
    const { product, language, trackedUrl, seed } = input;
    const pack = PACKS[language];
    if (!pack) throw new Error(`Unsupported language "${language}": use one of ${Object.keys(PACKS).join(', ')}.`);
    if (input.variant !== undefined && variantVersion(input.variant) === undefined) {
      throw new Error(`Unknown template variant "${input.variant}": use one of ${TEMPLATE_VARIANTS.map((v) => v.name).join(', ')}.`);
    }
    const rng = new Rng(`${seed}`);
    const variant = (input.variant ?? rng.pick(TEMPLATE_VARIANTS).name) as TemplateVariantName;
    const ctaIdx = rng.int(pack.ctas.length);
    const facts = factsFor(product, language);
    const disclosure = pack.disclosure;

    let body: Body | undefined;
    let sentences: string[] = [];
    // Four body lines (~25-35 s with hook, call to action and disclosure); fewer only to stay under the word limit.
    for (let maxLines = 4; maxLines >= 2; maxLines--) {
      // A fresh generator per attempt: a shorter script keeps the same hook and wording.
      body = composeBody(variant, pack, facts, new Rng(`${seed}|${variant}|body`), maxLines);
      const lines = language === 'en' ? body.lines.map((l) => agreeEn(l, facts.plural)) : body.lines;
      sentences = [body.hook, ...lines, pack.ctas[ctaIdx], disclosure].flatMap((s) => splitCaption(s));
      if (wordCount(sentences.join(' ')) <= MAX_SPOKEN_WORDS) break;
    }
    const b = body!;

    const hashtags = buildHashtags(variant, pack, product, facts.copy);
    const facts2 = [pack.priceNote(facts), pack.ratingNote(facts)].filter(Boolean).join(' ');
    const description = [b.summary, facts2, '', `${pack.linkLabel} ${trackedUrl}`, '', hashtags.join(' '), '', disclosure].join('\n');

    return {
      templateVariant: variant,
      templateVersion: variantVersion(variant)!,
      hook: sentences[0],
      sentences,
      title: sanitizeTitle(b.title),
      description,
      hashtags,
      disclosure,
    };
  }
}
