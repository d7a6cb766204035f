// Product data made speakable: ratings, review counts and prices, a short product name, features from the title, the category, and the facts a script is filled from.
import { formatNumber, formatPrice } from '../../domain/format.js';
import { EN } from './copy/en.js';
import { ES } from './copy/es.js';
import type { CategoryKey, Facts, LangPack } from './copy/pack.js';
import type { Language, ScriptProduct } from './types.js';

export const PACKS: Record<Language, LangPack> = { en: EN, es: ES };

/** Below this, a review count is not worth saying out loud. */
const MIN_REVIEWS_TO_MENTION = 50;
/** Ratings below this are not advertised. */
const MIN_RATING_TO_MENTION = 4;

// ---------------------------------------------------------------------------
// Formatting product data for speech

/** "4.6 out of 5 stars" / "4,6 de 5 estrellas"; null when unknown or too low to advertise. */
export function formatRating(rating: number | null | undefined, language: Language): string | null {
  if (rating === null || rating === undefined || !Number.isFinite(rating) || rating < MIN_RATING_TO_MENTION || rating > 5) return null;
  const r = Math.round(rating * 10) / 10;
  const text = Number.isInteger(r) ? String(r) : formatNumber(r, language, 1);
  return PACKS[language].stars(text);
}

/** "over 12,000 reviews" / "más de 12.000 reseñas" (rounded down); null below 50 reviews. */
export function formatReviews(count: number | null | undefined, language: Language): string | null {
  if (!count || !Number.isFinite(count) || count < MIN_REVIEWS_TO_MENTION) return null;
  const n = Math.floor(count);
  let rounded = n;
  if (n >= 1000) {
    const unit = 10 ** (Math.floor(Math.log10(n)) - 1); // two significant digits
    rounded = Math.floor(n / unit) * unit;
  } else if (n >= 100) {
    rounded = Math.floor(n / 100) * 100;
  }
  const num = formatNumber(rounded, language, 0);
  const over = rounded < n;
  return PACKS[language].reviewCount(num, over);
}

const PRICE_BANDS = [5, 10, 15, 20, 25, 30, 35, 40, 50, 60, 75, 100, 120, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000];

/** The round amount just above the price ("under $30"), or null for very expensive items. */
export function priceBand(amount: number, currency: string, language: Language): string | null {
  const band = PRICE_BANDS.find((b) => b > amount);
  return band ? formatPrice(band, currency, language) : null;
}

// ---------------------------------------------------------------------------
// A speakable product name

const UNIT =
  'mah|wh|w|kw|v|a|hz|khz|ghz|gb|tb|mb|mbps|mm|cm|m|km|ml|l|oz|fl|lb|lbs|kg|g|mg|mcg|iu|ft|in|inch|inches|qt|gal|psi|kpa|dpi|mp|fps|rpm|db|btu|ct|pcs|pc|pk|cfu';
const GLUED_SPEC_RE = new RegExp(`^\\d+(?:[.,]\\d+)?(?:${UNIT}|"|')(?:\\/s)?$`, 'i');
const UNIT_WORD_RE = new RegExp(
  `^(?:${UNIT}|count|pack|packs|piece|pieces|pairs?|ounces?|pounds?|feet|foot|quarts?|gallons?|liters?|litres?|watts?|volts?|sheets?|pages?|rolls?|reams?|capsules|softgels|tablets|gummies|servings?)$`,
  'i',
);
const MODEL_NUMBER_RE = /^(?:[A-Z]{1,4}-?\d{3,}[A-Z0-9-]*|(?=(?:[^\d]*\d){3})[A-Z0-9-]{6,})$/;
const FILLER_WORDS = new Set([
  'new',
  'upgraded',
  'latest',
  'premium',
  'professional',
  'deluxe',
  'super',
  'original',
  'genuine',
  'official',
  'authentic',
  'class',
  'edition',
  'version',
  'model',
  'hot',
  'sale',
  'best',
  'top',
  'quality',
  'high-quality',
  'renewed',
  'refurbished',
]);
const CONNECTORS = new Set(['and', 'with', 'for', 'of', 'to', 'the', 'a', 'an', 'in', 'on', 'by', '&', '+', '-', '/', 'w/', 'or', 'plus']);
const FEATURE_WORDS =
  /waterproof|wireless|rechargeable|cordless|portable|thermal|quiet|adjustable|foldable|lightweight|organic|compact|ergonomic|leakproof|nonstick|non-slip|reflective|dimmable|insulated|breathable|washable|fast|smart|magnetic|durable|heavy|resistant|proof/i;
const MAX_NAME_WORDS = 6;
const MAX_NAME_CHARS = 48;

function isBookCategory(category: string): boolean {
  return /\bbooks?\b|kindle|audible|libros?/i.test(category);
}

function stripBrackets(s: string): string {
  return s.replace(/\([^)]*\)|\[[^\]]*\]|\{[^}]*\}/g, ' ').replace(/[()[\]{}]/g, ' ');
}

function cleanToken(t: string): string {
  const cleaned = t
    .replace(/[®™©]/g, '')
    .replace(/[^\p{L}\p{N}'&.+\-/%:]/gu, '')
    .replace(/^[-./':%]+|[-./,':]+$/g, '');
  // SHOUTED words become Title case; short ones stay (HEPA, QHD, USB).
  if (/^\p{Lu}{5,}$/u.test(cleaned)) return cleaned[0] + cleaned.slice(1).toLowerCase();
  return cleaned;
}

/**
 * A name a narrator can say: brand + product noun phrase, at most 6 words and 48
 * characters. Drops variants and specs after commas, dashes and brackets, "with …"
 * and "for …" tails, capacities (10000mAh, 400mg, 5 lbs), model numbers and filler
 * words. Books keep their title (without subtitle and author).
 */
export function speakableName(title: string, brand: string, category = ''): string {
  const t = title.replace(/\s+/g, ' ').trim();
  const brandClean = brand.replace(/\s+/g, ' ').trim();
  if (isBookCategory(category)) {
    let book = stripBrackets(t).replace(/\s+by\s+[^,:;]+$/i, '');
    book = book
      .split(/\s*[:;|]\s*|\s+[-–—]\s+/)[0]
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/[,.]+$/, '');
    const words = book.split(' ').filter(Boolean);
    if (words.length > 8) book = words.slice(0, 6).join(' ');
    if (book.length >= 2) return book;
  }

  let head = stripBrackets(t).split(/,(?!\d)|\s+[-–—]\s+|[|:;]|\s\/\s/)[0];
  head = head.replace(/\s(?:with|w\/|featuring|including|includes|compatible with|for|that)\s.*$/i, '');
  const rawTokens = head
    .split(/\s+/)
    .map(cleanToken)
    .filter((w) => w && !/^[-&+/.]+$/.test(w));

  // Drop specs and model numbers.
  const tokens: string[] = [];
  for (let i = 0; i < rawTokens.length; i++) {
    const w = rawTokens[i];
    const next = rawTokens[i + 1];
    const prev = tokens[tokens.length - 1];
    if (/^\d+(?:[.,]\d+)?$/.test(w)) {
      // "SPF 50" and "iPhone 15" keep their number; "5000 IU", "5 lbs", "Bluetooth 5.3", "Size 7" and a year go.
      if (prev && /^\d{1,3}$/.test(w) && !CONNECTORS.has(prev.toLowerCase()) && !/^size$/i.test(prev) && !(next && UNIT_WORD_RE.test(next))) {
        tokens.push(w);
        continue;
      }
      if (next && UNIT_WORD_RE.test(next)) i++;
      if (prev && /^size$/i.test(prev)) tokens.pop(); // "Size 7"
      continue;
    }
    if (GLUED_SPEC_RE.test(w) || MODEL_NUMBER_RE.test(w) || /^\d+(?:\.\d+)?x\d+/i.test(w) || /^\d+\/\d+/.test(w)) {
      if (next && /^max$/i.test(next)) i++; // "20V Max"
      continue;
    }
    tokens.push(w);
  }

  const brandWords = brandClean ? brandClean.split(' ') : [];
  const startsWithBrand = brandWords.length > 0 && tokens.slice(0, brandWords.length).join(' ').toLowerCase() === brandWords.join(' ').toLowerCase();
  let rest = startsWithBrand ? tokens.slice(brandWords.length) : tokens;
  const mentionsBrand = brandClean && !startsWithBrand && tokens.join(' ').toLowerCase().includes(brandClean.toLowerCase());
  const prefix = startsWithBrand || !mentionsBrand ? brandWords : [];

  const trimConnectors = (ws: string[]) => {
    const out = [...ws];
    while (out.length && CONNECTORS.has(out[0].toLowerCase())) out.shift();
    while (out.length && CONNECTORS.has(out[out.length - 1].toLowerCase())) out.pop();
    return out;
  };
  rest = trimConnectors(rest);
  const budget = () => Math.max(1, MAX_NAME_WORDS - prefix.length);
  const length = (ws: string[]) => [...prefix, ...ws].join(' ').length;
  if (rest.length > budget() || length(rest) > MAX_NAME_CHARS) {
    // "Official Size" goes as a whole.
    const lean = rest.filter((w, i) => !FILLER_WORDS.has(w.toLowerCase()) && !(/^size$/i.test(w) && i > 0 && FILLER_WORDS.has(rest[i - 1].toLowerCase())));
    if (lean.length >= 1) rest = lean;
  }
  while (rest.length > budget() || (rest.length > 1 && length(rest) > MAX_NAME_CHARS)) {
    // Trailing descriptors after the noun go first ("… Earbuds IPX7 Waterproof"), then sizes like
    // "55-Inch", then descriptors from the left (the head noun is last in English names).
    const last = rest[rest.length - 1];
    const sizeIdx = rest.findIndex((w, i) => i < rest.length - 1 && /\d/.test(w) && /-/.test(w));
    if (rest.length > 1 && (FEATURE_WORDS.test(last) || (/\d/.test(last) && /\p{L}/u.test(last)))) rest.pop();
    else if (sizeIdx >= 0) rest.splice(sizeIdx, 1);
    else rest.shift();
    rest = trimConnectors(rest);
  }
  let name = [...prefix, ...rest].join(' ').trim();
  if (name.length > MAX_NAME_CHARS) name = name.slice(0, MAX_NAME_CHARS).replace(/\s+\S*$/, '');
  if (!name) name = brandClean || t.split(' ').slice(0, 4).join(' ');
  return name;
}

// ---------------------------------------------------------------------------
// Features from the title (English only: titles are English and a Spanish script should not mix languages)

const VARIANT_WORDS = new Set(
  'black white gray grey silver blue red green navy teal sage olive pink blush rose gold graphite charcoal brown beige cream purple stone seafoam cerise marine midnight matte brushed pale forest dark light steel stainless walnut bronze copper ivory khaki tan orange yellow violet lavender mint coral burgundy maroon turquoise aqua multicolor assorted colors neutral animals botanical floral amber chocolate vanilla strawberry unscented lemon verbena small medium large x-large xl xxl single pair size months queen king twin full'.split(
    ' ',
  ),
);
const STOPWORDS = new Set(['up', 'to', 'and', 'with', 'for', 'of', 'the', 'a', 'an', 'in', 'per', 'x', 'sq', 'ages', 'age']);

/** Title-case words become lower case ("Night Vision" → "night vision"); acronyms and specs stay (USB-C, IPX5, 4K). */
function lowerWord(w: string): string {
  return w
    .split(/([-/])/)
    .map((part) => (/^[A-Z][a-z]+(?:'[a-z]+)?$/.test(part) ? part.toLowerCase() : part))
    .join('');
}

export function titleFeatures(title: string, category = ''): string[] {
  if (isBookCategory(category)) return [];
  const segments = stripBrackets(title)
    .split(/,(?!\d)|\s+[-–—]\s+|[|;]/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const first = segments.shift() ?? '';
  const candidates: string[] = [];
  const withTail = /\s(?:with|featuring|w\/)\s(.+)$/i.exec(first);
  if (withTail) candidates.push(withTail[1].replace(/\s(?:for|that)\s.*$/i, ''));
  segments.forEach((seg, i) => {
    const isLast = i === segments.length - 1;
    const words = seg.split(' ');
    if (isLast && words.length <= 2 && !/\d/.test(seg) && !FEATURE_WORDS.test(seg)) return; // a colour, flavour or design name
    candidates.push(seg);
  });
  const out: string[] = [];
  for (const c of candidates) {
    const words = c.split(' ').map(cleanToken).filter(Boolean);
    const text = words.join(' ');
    if (text.length < 3 || text.length > 40) continue;
    if (/^ages?\b/i.test(text)) continue;
    if (/\b\d+\s*-?\s*(?:pack|count|piece|pieces|pcs|pairs?|ct|rolls?|reams?|sheets?|pages?)\b/i.test(text)) continue;
    const meaningful = words.filter(
      (w) => /\p{L}{3,}/u.test(w) && !/\d/.test(w) && !UNIT_WORD_RE.test(w) && !STOPWORDS.has(w.toLowerCase()) && !VARIANT_WORDS.has(w.toLowerCase()),
    );
    if (!meaningful.length) continue;
    if (words.length === 1 && words[0].length < 5) continue;
    out.push(words.map(lowerWord).join(' '));
  }
  return [...new Set(out)].slice(0, 3);
}

// ---------------------------------------------------------------------------
// Which category copy a product gets (each pack has copy per category)

export function categoryKey(category: string): CategoryKey {
  const c = category.toLowerCase();
  if (/book|kindle|libro/.test(c)) return 'books';
  if (/baby|infant|bebé|bebe/.test(c)) return 'baby';
  if (/pet|dog|cat\b|mascota/.test(c)) return 'pets';
  if (/beauty|personal care|cosmetic|skin|hair|belleza/.test(c)) return 'beauty';
  if (/health|household|vitamin|supplement|salud/.test(c)) return 'health';
  if (/toy|game|juguete/.test(c)) return 'toys';
  if (/sport|outdoor|fitness|exercise|camping|deporte/.test(c)) return 'sports';
  if (/office|school|stationery|oficina/.test(c)) return 'office';
  if (/tool|home improvement|hardware|herramienta/.test(c)) return 'tools';
  if (/automotive|car\b|vehicle|motor|auto/.test(c)) return 'automotive';
  if (/clothing|shoe|jewel|fashion|apparel|luggage|watch|moda|ropa/.test(c)) return 'fashion';
  if (/electronic|computer|phone|camera|audio|video game|tech|electrónica/.test(c)) return 'electronics';
  if (/home|kitchen|garden|furniture|appliance|hogar|cocina/.test(c)) return 'home';
  return 'general';
}

// ---------------------------------------------------------------------------
// The facts a script is filled from

export function factsFor(product: ScriptProduct, language: Language): Facts {
  const key = categoryKey(product.category);
  const name = speakableName(product.title, product.brand, product.category);
  const author = key === 'books' && product.brand && !name.toLowerCase().includes(product.brand.toLowerCase()) ? product.brand.trim() : null;
  let ref: string;
  if (key === 'books') {
    const withAuthor = author ? PACKS[language].bookByAuthor(name, author) : name;
    ref = withAuthor.length <= MAX_NAME_CHARS + 8 ? withAuthor : name;
  } else {
    ref = PACKS[language].productRef(name);
  }
  const reviews = formatReviews(product.reviewCount, language);
  const plural = language === 'en' && key !== 'books' && isPluralName(name);
  return {
    language,
    name,
    ref,
    price: formatPrice(product.price, product.currency, language),
    under: priceBand(product.price, product.currency, language),
    rating: formatRating(product.rating, language),
    reviews,
    manyReviews: Boolean(reviews) && product.reviewCount >= 1000,
    cheap: product.price <= 50,
    pricey: product.price >= 100,
    features: language === 'en' ? titleFeatures(product.title, product.category) : [],
    copy: PACKS[language].categories[key],
    plural,
    is: plural ? 'are' : 'is',
    s: plural ? '' : 's',
  };
}

const IRREGULAR_PLURAL_VERBS: Record<string, string> = { has: 'have', does: 'do', goes: 'go' };

/** True when an English product name reads as plural (Earbuds, Leggings, Gel Pens), not for Glass or Canvas. */
export function isPluralName(name: string): boolean {
  const last = name.trim().split(/\s+/).pop() ?? '';
  return /[a-z]s$/i.test(last) && !/(?:ss|us|is|as|ics)$/i.test(last) && !/^\p{Lu}+s?$/u.test(last);
}

/** English subject-verb agreement for a plural product: "It's rated" → "They're rated", "it comes" → "they come". */
export function agreeEn(text: string, plural: boolean): string {
  if (!plural) return text;
  return text
    .replace(/(^|, |: )([Ii])t's\b/g, (_m, pre: string, i: string) => `${pre}${i === 'I' ? 'T' : 't'}hey're`)
    .replace(
      /(^|, |: )([Ii])t ([a-z]+s)\b/g,
      (_m, pre: string, i: string, verb: string) => `${pre}${i === 'I' ? 'T' : 't'}hey ${IRREGULAR_PLURAL_VERBS[verb] ?? verb.replace(/s$/, '')}`,
    )
    .replace(/\b(rate|give) it\b/g, '$1 them');
}
