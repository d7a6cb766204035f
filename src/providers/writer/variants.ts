// The variants' script bodies: the hook, body lines, title and summary each template variant composes from the facts (composeBody).
import { cap, TEMPLATE_VARIANTS, type Facts, type LangPack, type TemplateVariantName, type Text } from './copy/pack.js';
import type { Rng } from './rng.js';

export const MAX_SENTENCE_CHARS = 90;

// ---------------------------------------------------------------------------
// Helpers for composing

const lcFirst = (s: string) => (s && !/^I\b/.test(s) && !/^[A-Z]{2}/.test(s) ? s[0].toLowerCase() + s.slice(1) : s);
const noStop = (s: string) => s.replace(/[.!]+$/, '');

function fits(s: string | null): s is string {
  return Boolean(s) && (s as string).length <= MAX_SENTENCE_CHARS;
}

function choose(rng: Rng, texts: Text[], f: Facts): string | null {
  const options = texts.map((t) => t(f)).filter(fits);
  return options.length ? rng.pick(options) : null;
}

function featureLine(rng: Rng, pack: LangPack, f: Facts): string | null {
  if (!pack.featureLines.length || !f.features.length) return null;
  const tpl = rng.pick(pack.featureLines);
  for (let n = Math.min(3, f.features.length); n >= 1; n--) {
    const line = tpl(f, f.features.slice(0, n));
    if (fits(line)) return line;
  }
  return null;
}

export interface Body {
  hook: string;
  lines: string[];
  title: string;
  summary: string;
}

export function composeBody(variant: TemplateVariantName, pack: LangPack, f: Facts, rng: Rng, maxLines: number): Body {
  const benefits = rng.shuffle(f.copy.benefits);
  // The same facts with the bare name ("Dune" rather than "Dune by Frank Herbert"), for hooks that would not fit a caption otherwise.
  const short: Facts = { ...f, ref: f.name.length < f.ref.length && !/^the\s/i.test(f.ref) ? f.name : f.ref };
  const v = pack.variants[variant];
  // The summary goes in the description, not on screen: no caption limit.
  const summary = rng.pick(v.summary.map((t) => t(f)).filter((x): x is string => Boolean(x)));

  if (variant === 'top-reasons') {
    const pool: string[] = [];
    const feat = f.features.length && pack.featureLines.length ? pack.reasons.feature(f.features.slice(0, 2)) : null;
    const proof = pack.reasons.proof(f);
    const price = pack.reasons.price(f);
    for (const r of rng.shuffle([feat, proof, price].filter((x): x is string => Boolean(x)))) pool.push(r);
    for (const b of benefits) pool.push(lcFirst(noStop(b)));
    const count = (maxLines >= 3 ? 3 : 2) as 2 | 3;
    const reasons: string[] = [];
    const used = new Set<string>();
    for (const r of pool) {
      if (reasons.length === count) break;
      const ordinal = reasons.length === count - 1 && count === 3 ? pack.ordinals[3] : pack.ordinals[reasons.length];
      const line = `${ordinal}, ${r}.`;
      if (fits(line)) {
        reasons.push(line);
        used.add(r);
      }
    }
    const n = reasons.length as 2 | 3;
    const lines = [...reasons];
    if (lines.length < maxLines) {
      // A closing line: the price if no reason was about it, else a benefit not used yet.
      const unused = benefits.find((b) => !used.has(lcFirst(noStop(b))));
      const closing = price === null || used.has(price) ? (unused ? `${pack.bottomLine} ${lcFirst(unused)}` : null) : choose(rng, pack.priceLines, f);
      if (closing) lines.push(closing);
    }
    const hooks = pack.reasonHooks.map((h) => h(f, pack.numbers[n])).filter(fits);
    const shortHooks = pack.reasonHooks.map((h) => h(short, pack.numbers[n])).filter(fits);
    const hook = hooks.length ? rng.pick(hooks) : shortHooks.length ? rng.pick(shortHooks) : pack.reasonHooks[0](short, pack.numbers[n]);
    const titles = pack.reasonTitles.map((t) => t(f, n));
    return { hook, lines, title: rng.pick(titles), summary };
  }

  const hook = choose(rng, v.hooks, f) ?? choose(rng, v.hooks, short) ?? (variant === 'problem-solution' ? f.copy.problems[0] : `${cap(short.ref)}.`);
  const title = choose(rng, v.titles, f) ?? f.name;
  // Don't repeat what the hook just said ("Over 16,000 reviews can't all be wrong." → "It has over 16,000 reviews.").
  const saidInHook = (x: string | null) => Boolean(x) && hook.toLowerCase().includes(x!.toLowerCase());
  const proof = choose(rng, pack.proofLines, { ...f, rating: saidInHook(f.rating) ? null : f.rating, reviews: saidInHook(f.reviews) ? null : f.reviews });
  const social = f.rating || f.reviews ? choose(rng, pack.socialLines, f) : null;
  const feature = featureLine(rng, pack, f);
  const price = choose(rng, variant === 'deal-alert' ? pack.dealPriceLines : pack.priceLines, f)!;
  // [text, priority]: a shorter script drops the highest numbers first and keeps the order.
  let lines: [string | null, number][];
  if (variant === 'problem-solution') {
    lines = [
      [choose(rng, pack.intros, f), 0],
      [feature ?? benefits[0], 3],
      [proof ?? benefits[1], proof ? 2 : 4],
      [price, 1],
    ];
  } else if (variant === 'social-proof') {
    lines = proof
      ? [
          [proof, 0],
          [social ?? benefits[1], 3],
          [feature ?? benefits[0], 2],
          [price, 1],
        ]
      : [
          [social ?? benefits[0], 0],
          [feature ?? benefits[1], 2],
          [benefits[2], 3],
          [price, 1],
        ];
  } else {
    lines = [
      [price, 0],
      [feature ?? benefits[0], 2],
      [proof ?? benefits[1], proof ? 1 : 4],
      [rng.pick(pack.dealClosers), 3],
    ];
  }
  let kept = lines.filter((l): l is [string, number] => Boolean(l[0]));
  while (kept.length > maxLines) {
    const worst = Math.max(...kept.map(([, p]) => p));
    const idx = kept.map(([, p]) => p).lastIndexOf(worst);
    kept = kept.filter((_, i) => i !== idx);
  }
  return { hook, lines: kept.map(([t]) => t), title, summary };
}

export function variantVersion(name: string): number | undefined {
  return TEMPLATE_VARIANTS.find((v) => v.name === name)?.version;
}
