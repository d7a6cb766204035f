// Pure checks on an AI-written script before we use it: length, claims we may not make, links, prices, hashtags. No I/O.
import type { ScriptAnswer } from './prompt.js';
import { DISCLOSURES, MAX_SPOKEN_WORDS, MAX_TITLE_CHARS, wordCount } from './template.js';
import type { Language, ScriptProduct } from './types.js';

/** How many spoken words the model may use: the script's limit minus our disclosure, which is always spoken last. */
export function spokenWordBudget(language: Language): { max: number; disclosureWords: number; forModel: number } {
  const disclosureWords = wordCount(DISCLOSURES[language]);
  return { max: MAX_SPOKEN_WORDS, disclosureWords, forModel: MAX_SPOKEN_WORDS - disclosureWords };
}

// ---------------------------------------------------------------------------
// Claims we may not make
//
// The FTC Act §5 and the FTC's Endorsement Guides (16 CFR Part 255, revised 2023) make
// an endorser liable for claims the advertiser could not make: every objective claim
// needs substantiation, and health claims need competent and reliable scientific
// evidence (FTC Health Products Compliance Guidance, 2022). The Amazon Associates
// Program Policies forbid misleading statements about Amazon's products, prices and
// programs (e.g. promising a price, a rank or shipping terms Amazon did not publish).
// We only know the product's title, price, rating and review count, so guarantees,
// superlatives, rankings, discounts, shipping terms and health claims are all
// unverifiable here. Both languages' lists apply to every script (a Spanish script can
// borrow English marketing phrases).

interface BannedClaim {
  /** A readable name for the feedback to the model. */
  claim: string;
  pattern: RegExp;
}

const BANNED_CLAIMS: BannedClaim[] = [
  // English
  { claim: 'best price guaranteed', pattern: /\b(?:best|lowest) prices? guarantee[ds]?\b|\bguaranteed (?:best|lowest) prices?\b|\bprice guarantee\b/i },
  {
    claim: 'lowest price ever',
    pattern: /\b(?:lowest|cheapest|best) price (?:ever|anywhere|online|on the internet|of the year)\b|\ball[- ]time low\b|\bcheapest (?:anywhere|ever)\b/i,
  },
  { claim: 'guaranteed results', pattern: /\bguarantee[ds]? (?:results?|to work)\b|\bresults guaranteed\b/i },
  { claim: 'risk-free', pattern: /\brisk[- ]free\b|\b(?:no|zero) risk\b(?! of)/i },
  { claim: 'cures', pattern: /\bcures?\b/i },
  { claim: 'FDA approved', pattern: /\bFDA[- ]?(?:approved|cleared|certified)\b|\bapproved by the FDA\b/i },
  { claim: '100% guaranteed', pattern: /\b100 ?(?:%|percent) (?:guaranteed|effective|safe|satisfaction)\b/i },
  {
    claim: '#1 best seller',
    pattern: /(?:#|\bno\. ?|\bnumber )(?:1|one)\s+(?:best|seller|selling|in|on|rated|choice|pick|brand)\b|\bbest[- ]?sell(?:er|ers|ing)\b|\btop[- ]selling\b/i,
  },
  { claim: 'free shipping', pattern: /\bfree (?:shipping|delivery)\b/i },
  { claim: 'clinically proven', pattern: /\b(?:clinically|scientifically) (?:proven|tested)\b|\bdoctor[- ]recommended\b/i },
  { claim: 'miracle', pattern: /\bmiracle\b/i },
  { claim: 'a discount', pattern: /\b\d+ ?(?:%|percent) off\b|\bsave \d+ ?(?:%|percent)/i },
  { claim: 'limited-time urgency', pattern: /\blimited[- ]time (?:offer|deal|only)\b|\bselling out fast\b|\bonly \d+ left\b/i },
  // Spanish
  {
    claim: 'mejor precio garantizado',
    pattern: /\bmejor precio garantizado\b|\bprecio (?:más bajo|mínimo) garantizado\b|\bgarant(?:ía|ia|izamos) (?:de )?(?:el )?mejor precio\b/i,
  },
  {
    claim: 'precio más bajo de la historia',
    pattern: /\bprecio más bajo (?:de la historia|de siempre|del año|de internet|en internet)\b|\bmínimo histórico\b|\bmás barato que nunca\b/i,
  },
  { claim: 'resultados garantizados', pattern: /\bresultados garantizados\b|\bgarantiza(?:do)? (?:los )?resultados\b/i },
  { claim: 'sin riesgo', pattern: /\bsin riesgos?\b(?! de)|\blibre de riesgos?\b/i },
  { claim: 'cura', pattern: /\bcura(?:n|r|s)?\b/i },
  { claim: 'aprobado por la FDA', pattern: /\baprobad[oa] por la FDA\b/i },
  { claim: '100% garantizado', pattern: /\b100 ?% (?:garantizad[oa]|efectiv[oa]|segur[oa])\b/i },
  { claim: 'número 1 en ventas', pattern: /\bn[úu]mero (?:1|uno) en ventas\b|\bel más vendido\b|\bmás vendid[oa]s?\b/i },
  { claim: 'envío gratis', pattern: /\benv[íi]o (?:gratis|gratuito)\b/i },
  {
    claim: 'clínicamente probado',
    pattern: /\bcl[íi]nicamente (?:probad|comprobad)[oa]\b|\bcient[íi]ficamente (?:probad|comprobad)[oa]\b|\brecomendad[oa] por (?:los )?médicos\b/i,
  },
  { claim: 'milagroso', pattern: /\bmilagro(?:s|so|sa)?\b/i },
  { claim: 'un descuento', pattern: /\b\d+ ?% de descuento\b|\bahorra(?:s)? (?:un )?\d+ ?%/i },
  { claim: 'urgencia de tiempo limitado', pattern: /\boferta por tiempo limitado\b|\bse (?:está|esta|están|estan) agotando\b|\bquedan s[óo]lo \d+\b/i },
];

/** Examples named in the prompt (the model is told; checkScript enforces the full list). */
export const BANNED_CLAIM_EXAMPLES = [
  'best price guaranteed',
  'lowest price ever',
  'guaranteed results',
  'risk-free',
  '100% guaranteed',
  '#1 best seller',
  'free shipping',
  'cures',
  'FDA approved',
  'clinically proven',
  '50% off',
] as const;

/** The banned claims found in a text, as the words the text used. */
export function findBannedClaims(text: string): { claim: string; found: string }[] {
  const out: { claim: string; found: string }[] = [];
  for (const b of BANNED_CLAIMS) {
    const m = b.pattern.exec(text);
    if (m) out.push({ claim: b.claim, found: m[0] });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Links

const TLDS = 'com|net|org|io|co|us|uk|es|mx|ar|cl|de|fr|it|ca|au|in|jp|br|ly|me|to|gl|link|shop|store|app|info|biz|xyz|tv|ai|site|online';
const URL_RE = /\bhttps?:\/\/\S+|\bwww\.\S+/gi;
// The top-level domain in lower case, as addresses are written: "charger.It works" (a missing space) is not a domain.
const DOMAIN_RE = new RegExp(`\\b(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\\.)+(?:${TLDS})\\b(?:/\\S*)?`, 'g');

/** Web addresses and bare domains ("example.com", "amzn.to/x") in a text. */
export function findUrls(text: string): string[] {
  const urls = [...text.matchAll(URL_RE)].map((m) => m[0]);
  const rest = text.replace(URL_RE, ' ');
  urls.push(...[...rest.matchAll(DOMAIN_RE)].map((m) => m[0]));
  return urls.map((u) => u.replace(/[.,;:!?)]+$/, ''));
}

// ---------------------------------------------------------------------------
// Prices

/** Currencies a sign or word can mean ('$' alone is any dollar or peso). */
const CURRENCY_MARKS: Record<string, string[]> = {
  us$: ['USD'],
  ca$: ['CAD'],
  a$: ['AUD'],
  mx$: ['MXN'],
  r$: ['BRL'],
  $: ['USD', 'CAD', 'AUD', 'MXN'],
  '€': ['EUR'],
  '£': ['GBP'],
  '¥': ['JPY'],
  '₹': ['INR'],
  usd: ['USD'],
  eur: ['EUR'],
  gbp: ['GBP'],
  cad: ['CAD'],
  aud: ['AUD'],
  mxn: ['MXN'],
  brl: ['BRL'],
  inr: ['INR'],
  jpy: ['JPY'],
  dollar: ['USD', 'CAD', 'AUD'],
  dollars: ['USD', 'CAD', 'AUD'],
  bucks: ['USD', 'CAD', 'AUD'],
  dólar: ['USD', 'CAD', 'AUD'],
  dólares: ['USD', 'CAD', 'AUD'],
  dolares: ['USD', 'CAD', 'AUD'],
  euro: ['EUR'],
  euros: ['EUR'],
};
// Not "pounds", "libras" or "pesos": in product talk they are as often weights.
const SIGN = String.raw`US\$|CA\$|MX\$|A\$|R\$|\$|€|£|¥|₹`;
const CODE = String.raw`\b(?:USD|EUR|GBP|CAD|AUD|MXN|BRL|INR|JPY)\b`;
const WORD = String.raw`\b(?:dollars?|bucks|d[óo]lar(?:es)?|euros?)\b`;
const NUM = String.raw`\d(?:[\d.,]*\d)?`;
const PRICE_BEFORE_RE = new RegExp(`(${SIGN}|${CODE})\\s?(${NUM})`, 'gi');
const PRICE_AFTER_RE = new RegExp(`(${NUM})\\s?(${SIGN}|${CODE}|${WORD})`, 'gi');

/** "1,299.50" / "1.299,50" / "29,99" / "12.990" → a number: a last separator followed by 1-2 digits is the decimal one. */
export function parseAmount(text: string): number {
  const last = Math.max(text.lastIndexOf('.'), text.lastIndexOf(','));
  if (last < 0) return Number(text);
  const decimals = text.length - last - 1;
  if (decimals <= 2) return Number(`${text.slice(0, last).replace(/[.,]/g, '')}.${text.slice(last + 1)}`);
  return Number(text.replace(/[.,]/g, ''));
}

export interface FoundPrice {
  text: string;
  amount: number;
  /** The currencies its sign or word can mean. */
  currencies: string[];
}

/** Amounts of money in a text: $12.99, US$ 12, 12,99 €, 29,99 US$, USD 12, 12.99 dollars. */
export function findPrices(text: string): FoundPrice[] {
  const found: (FoundPrice & { start: number; end: number })[] = [];
  for (const m of text.matchAll(PRICE_BEFORE_RE)) {
    found.push({ text: m[0], amount: parseAmount(m[2]), currencies: CURRENCY_MARKS[m[1].toLowerCase()] ?? [], start: m.index, end: m.index + m[0].length });
  }
  for (const m of text.matchAll(PRICE_AFTER_RE)) {
    const start = m.index;
    const end = start + m[0].length;
    // "$12 USD" is one price, read once.
    if (found.some((f) => start < f.end && f.start < end)) continue;
    found.push({ text: m[0], amount: parseAmount(m[1]), currencies: CURRENCY_MARKS[m[2].toLowerCase()] ?? [], start, end });
  }
  return found.sort((a, b) => a.start - b.start).map(({ text: t, amount, currencies }) => ({ text: t, amount, currencies }));
}

// ---------------------------------------------------------------------------
// The script check

/** Self-written disclosures: ours is added by code, so one from the model would be a second, possibly wrong, copy. */
const DISCLOSURE_RE =
  /\bAmazon Associates?\b|\bqualifying purchases\b|\bafiliad[oa]s? de Amazon\b|\bcompras que cumplan\b|(?:^|\s)#(?:ad|ads|publicidad|anuncio)\b/i;

/**
 * Everything wrong with a model's answer, as sentences the model can act on (they are
 * sent back for one regeneration); [] means the answer may be used. Checks: spoken
 * length including our disclosure, empty sentences, title length, banned claims, links,
 * prices other than the product's, hashtags with spaces, self-written disclosures.
 * '#ad' among the hashtags is not a problem: we strip it and put our own first.
 */
export function checkScript(answer: ScriptAnswer, product: ScriptProduct, language: Language): string[] {
  const problems: string[] = [];
  const spokenFields: [string, string][] = [
    ['hook', answer.hook],
    ...answer.lines.map((l, i): [string, string] => [`line ${i + 1}`, l]),
    ['call to action', answer.callToAction],
  ];
  const fields: [string, string][] = [['title', answer.title], ...spokenFields, ['description', answer.description]];

  for (const [name, text] of spokenFields) if (!text.trim()) problems.push(`The ${name} is empty: every spoken sentence needs words.`);
  if (!answer.title.trim()) problems.push('The title is empty.');
  if (answer.title.trim().length > MAX_TITLE_CHARS)
    problems.push(`The title has ${answer.title.trim().length} characters: keep it to ${MAX_TITLE_CHARS} at most.`);
  if (!answer.description.trim()) problems.push('The description is empty: write one or two sentences summarizing the video.');

  const budget = spokenWordBudget(language);
  const words = wordCount(spokenFields.map(([, t]) => t).join(' '));
  if (words > budget.forModel) {
    problems.push(
      `The hook, lines and call to action have ${words} words: keep them to ${budget.forModel} at most (our ${budget.disclosureWords}-word disclosure follows, and the whole script must stay within ${budget.max} words).`,
    );
  }

  for (const [name, text] of fields) {
    for (const c of findBannedClaims(text)) problems.push(`The ${name} makes a claim we cannot make ("${c.found}", like "${c.claim}"): remove it.`);
    for (const u of findUrls(text))
      problems.push(`The ${name} contains a web address ("${u}"): remove it; the call to action points to the link in the description.`);
    for (const p of findPrices(text)) {
      const samePrice = Math.abs(p.amount - product.price) < 0.005;
      const sameCurrency = p.currencies.length === 0 || p.currencies.includes(product.currency.toUpperCase());
      if (!samePrice || !sameCurrency) {
        problems.push(
          `The ${name} mentions the amount "${p.text}", which is not the product's price: mention only the price given, exactly as given, or none.`,
        );
      }
    }
    const disclosure = DISCLOSURE_RE.exec(text);
    if (disclosure) problems.push(`The ${name} contains a disclosure ("${disclosure[0].trim()}"): leave it out; we add the disclosure ourselves.`);
  }

  for (const tag of answer.hashtags) {
    if (/\s/.test(tag.trim())) problems.push(`The hashtag "${tag}" contains a space: a hashtag is one word.`);
    for (const c of findBannedClaims(tag.replace(/^#/, ''))) problems.push(`The hashtag "${tag}" makes a claim we cannot make ("${c.claim}"): remove it.`);
    for (const u of findUrls(tag)) problems.push(`The hashtag "${tag}" contains a web address ("${u}"): remove it.`);
  }
  return problems;
}
