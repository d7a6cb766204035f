import { createHash } from 'node:crypto';
import type { Language, ScriptInput, ScriptProduct, ScriptWriter, WrittenScript } from './types.js';

/**
 * The offline script writer: hand-written templates in English and Spanish, filled
 * from the product's data. Several variants (the A/B dimension optimization
 * compares), each with several hooks, body lines and calls to action; a PRNG
 * seeded from `seed` picks among them, so the same input always gives the same
 * script. Scripts stay short enough for a ≤ 60 s video: ≤ 110 spoken words
 * (~40 s at 165 wpm) in sentences of ≤ 90 characters, one caption each.
 */

export const DISCLOSURES: Readonly<Record<Language, string>> = {
  en: 'As an Amazon Associate I earn from qualifying purchases.',
  es: 'Como afiliado de Amazon, gano con las compras que cumplan los requisitos.',
};

/** Bump a variant's version whenever its wording changes, so optimization compares like with like. */
export const TEMPLATE_VARIANTS = [
  { name: 'problem-solution', version: 1 },
  { name: 'top-reasons', version: 1 },
  { name: 'social-proof', version: 1 },
  { name: 'deal-alert', version: 1 },
] as const;
export type TemplateVariantName = (typeof TEMPLATE_VARIANTS)[number]['name'];

export const MAX_SENTENCE_CHARS = 90;
export const MAX_SPOKEN_WORDS = 110;
export const WORDS_PER_MINUTE = 165;
export const MAX_TITLE_CHARS = 100;
export const MAX_HASHTAGS = 6;
/** Below this, a review count is not worth saying out loud. */
const MIN_REVIEWS_TO_MENTION = 50;
/** Ratings below this are not advertised. */
const MIN_RATING_TO_MENTION = 4;

// ---------------------------------------------------------------------------
// Deterministic randomness

/** sfc32 seeded from sha256(seed): fast, well distributed, identical on every platform. */
export function seededRandom(seed: string): () => number {
  const h = createHash('sha256').update(seed).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: string) {
    this.next = seededRandom(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    if (!items.length) throw new Error('pick from an empty list');
    return items[this.int(items.length)];
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

// ---------------------------------------------------------------------------
// Formatting product data for speech

const EN_SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', CAD: 'CA$', AUD: 'A$', MXN: 'MX$', BRL: 'R$', INR: '₹', JPY: '¥' };
const ES_SYMBOLS: Record<string, string> = { USD: 'US$', EUR: '€', GBP: 'GBP', CAD: 'CAD', AUD: 'AUD', MXN: 'MXN', BRL: 'BRL', INR: 'INR', JPY: 'JPY' };
const ZERO_DECIMAL = new Set(['JPY', 'KRW', 'CLP', 'COP', 'HUF']);

function groupDigits(int: string, sep: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

function formatNumber(n: number, language: Language, decimals: number): string {
  const [int, frac] = n.toFixed(decimals).split('.');
  const grouped = groupDigits(int, language === 'es' ? '.' : ',');
  return frac ? `${grouped}${language === 'es' ? ',' : '.'}${frac}` : grouped;
}

/** en: $29.99 · es: 29,99 US$ (whole amounts without decimals: $95, 95 US$). */
export function formatPrice(amount: number, currency: string, language: Language): string {
  const code = (currency || 'USD').toUpperCase();
  const decimals = ZERO_DECIMAL.has(code) || Number.isInteger(Math.round(amount * 100) / 100) ? 0 : 2;
  const num = formatNumber(amount, language, decimals);
  if (language === 'es') return `${num} ${ES_SYMBOLS[code] ?? code}`;
  const sym = EN_SYMBOLS[code];
  return sym ? `${sym}${num}` : `${code} ${num}`;
}

/** "4.6 out of 5 stars" / "4,6 de 5 estrellas"; null when unknown or too low to advertise. */
export function formatRating(rating: number | null | undefined, language: Language): string | null {
  if (rating === null || rating === undefined || !Number.isFinite(rating) || rating < MIN_RATING_TO_MENTION || rating > 5) return null;
  const r = Math.round(rating * 10) / 10;
  const text = Number.isInteger(r) ? String(r) : formatNumber(r, language, 1);
  return language === 'es' ? `${text} de 5 estrellas` : `${text} out of 5 stars`;
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
  const num = groupDigits(String(rounded), language === 'es' ? '.' : ',');
  const over = rounded < n;
  if (language === 'es') return over ? `más de ${num} reseñas` : `${num} reseñas`;
  return over ? `over ${num} reviews` : `${num} reviews`;
}

const PRICE_BANDS = [5, 10, 15, 20, 25, 30, 35, 40, 50, 60, 75, 100, 120, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000];

/** The round amount just above the price ("under $30"), or null for very expensive items. */
export function priceBand(amount: number, currency: string, language: Language): string | null {
  const band = PRICE_BANDS.find((b) => b > amount);
  return band ? formatPrice(band, currency, language) : null;
}

// ---------------------------------------------------------------------------
// A speakable product name

const UNIT = 'mah|wh|w|kw|v|a|hz|khz|ghz|gb|tb|mb|mbps|mm|cm|m|km|ml|l|oz|fl|lb|lbs|kg|g|mg|mcg|iu|ft|in|inch|inches|qt|gal|psi|kpa|dpi|mp|fps|rpm|db|btu|ct|pcs|pc|pk|cfu';
const GLUED_SPEC_RE = new RegExp(`^\\d+(?:[.,]\\d+)?(?:${UNIT}|"|')(?:\\/s)?$`, 'i');
const UNIT_WORD_RE = new RegExp(`^(?:${UNIT}|count|pack|packs|piece|pieces|pairs?|ounces?|pounds?|feet|foot|quarts?|gallons?|liters?|litres?|watts?|volts?|sheets?|pages?|rolls?|reams?|capsules|softgels|tablets|gummies|servings?)$`, 'i');
const MODEL_NUMBER_RE = /^(?:[A-Z]{1,4}-?\d{3,}[A-Z0-9-]*|(?=(?:[^\d]*\d){3})[A-Z0-9-]{6,})$/;
const FILLER_WORDS = new Set(['new', 'upgraded', 'latest', 'premium', 'professional', 'deluxe', 'super', 'original', 'genuine', 'official', 'authentic', 'class', 'edition', 'version', 'model', 'hot', 'sale', 'best', 'top', 'quality', 'high-quality', 'renewed', 'refurbished']);
const CONNECTORS = new Set(['and', 'with', 'for', 'of', 'to', 'the', 'a', 'an', 'in', 'on', 'by', '&', '+', '-', '/', 'w/', 'or', 'plus']);
const FEATURE_WORDS = /waterproof|wireless|rechargeable|cordless|portable|thermal|quiet|adjustable|foldable|lightweight|organic|compact|ergonomic|leakproof|nonstick|non-slip|reflective|dimmable|insulated|breathable|washable|fast|smart|magnetic|durable|heavy|resistant|proof/i;
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
    book = book.split(/\s*[:;|]\s*|\s+[-–—]\s+/)[0].replace(/\s+/g, ' ').trim().replace(/[,.]+$/, '');
    const words = book.split(' ').filter(Boolean);
    if (words.length > 8) book = words.slice(0, 6).join(' ');
    if (book.length >= 2) return book;
  }

  let head = stripBrackets(t).split(/,(?!\d)|\s+[-–—]\s+|[|:;]|\s\/\s/)[0];
  head = head.replace(/\s(?:with|w\/|featuring|including|includes|compatible with|for|that)\s.*$/i, '');
  const rawTokens = head.split(/\s+/).map(cleanToken).filter((w) => w && !/^[-&+/.]+$/.test(w));

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
  'black white gray grey silver blue red green navy teal sage olive pink blush rose gold graphite charcoal brown beige cream purple stone seafoam cerise marine midnight matte brushed pale forest dark light steel stainless walnut bronze copper ivory khaki tan orange yellow violet lavender mint coral burgundy maroon turquoise aqua multicolor assorted colors neutral animals botanical floral amber chocolate vanilla strawberry unscented lemon verbena small medium large x-large xl xxl single pair size months queen king twin full'.split(' '),
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
    const meaningful = words.filter((w) => /\p{L}{3,}/u.test(w) && !/\d/.test(w) && !UNIT_WORD_RE.test(w) && !STOPWORDS.has(w.toLowerCase()) && !VARIANT_WORDS.has(w.toLowerCase()));
    if (!meaningful.length) continue;
    if (words.length === 1 && words[0].length < 5) continue;
    out.push(words.map(lowerWord).join(' '));
  }
  return [...new Set(out)].slice(0, 3);
}

// ---------------------------------------------------------------------------
// Category-aware copy

type CategoryKey =
  | 'electronics'
  | 'home'
  | 'beauty'
  | 'sports'
  | 'toys'
  | 'health'
  | 'pets'
  | 'office'
  | 'tools'
  | 'automotive'
  | 'books'
  | 'baby'
  | 'fashion'
  | 'general';

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

interface CategoryCopy {
  /** Questions that open a problem-solution script. */
  problems: string[];
  /** Generic, honest benefit sentences (no claims about specific features). */
  benefits: string[];
  /** Hashtags without '#', already [A-Za-z0-9]. */
  tags: string[];
}

const CATEGORY_COPY: Record<CategoryKey, Record<Language, CategoryCopy>> = {
  electronics: {
    en: {
      problems: ['Tired of gadgets that quit when you need them most?', 'Is your tech setup slowing you down?', 'Still putting up with cheap tech that lets you down?'],
      benefits: ["It's built for everyday use, at home or on the go.", 'It fits right in with the tech you already use.', "It's the kind of upgrade you notice every single day."],
      tags: ['tech', 'gadgets'],
    },
    es: {
      problems: ['¿Cansado de aparatos que fallan justo cuando más los necesitas?', '¿Tu equipo tecnológico te está frenando?', '¿Sigues aguantando tecnología barata que te falla?'],
      benefits: ['Está pensado para el día a día, en casa o de viaje.', 'Se integra sin problemas con la tecnología que ya usas.', 'Es una mejora que notarás todos los días.'],
      tags: ['tecnologia', 'gadgets'],
    },
  },
  home: {
    en: {
      problems: ['Want your home to feel a little easier every day?', "Tired of kitchen and home gear that doesn't last?", 'Is everyday housework eating your free time?'],
      benefits: ['It makes everyday routines at home a little easier.', "It's built to hold up to daily use.", 'It looks good in just about any home.'],
      tags: ['homefinds', 'kitchen'],
    },
    es: {
      problems: ['¿Quieres que tu casa sea un poco más fácil de llevar?', '¿Cansado de cosas para la cocina y el hogar que no duran?', '¿Las tareas de la casa se comen tu tiempo libre?'],
      benefits: ['Hace que la rutina en casa sea un poco más fácil.', 'Está hecho para aguantar el uso diario.', 'Queda bien y se gana su lugar en tu casa.'],
      tags: ['hogar', 'cocina'],
    },
  },
  beauty: {
    en: {
      problems: ['Is your routine taking too long for the results you get?', 'Still hunting for a beauty staple that works for you?', 'Want a self-care routine that feels like a treat?'],
      benefits: ['It slips easily into your daily routine.', "It's a small step that makes self-care feel special.", 'Great for a quick morning routine or a slow evening one.'],
      tags: ['beauty', 'selfcare'],
    },
    es: {
      problems: ['¿Tu rutina te lleva demasiado tiempo para los resultados que ves?', '¿Sigues buscando un básico de belleza que te funcione?', '¿Quieres una rutina de cuidado personal que sea un capricho?'],
      benefits: ['Encaja fácilmente en tu rutina diaria.', 'Es un pequeño paso que hace especial tu cuidado personal.', 'Ideal para una rutina rápida por la mañana o una tranquila por la noche.'],
      tags: ['belleza', 'cuidadopersonal'],
    },
  },
  sports: {
    en: {
      problems: ['Is your gear holding back your workouts or weekend trips?', 'Tired of gear that gives up halfway through the trail?', 'Want to stay active without a complicated setup?'],
      benefits: ["It's made for active days, indoors or out.", "It's easy to pack, carry and use.", 'It helps you stick with the things you love doing.'],
      tags: ['fitness', 'outdoors'],
    },
    es: {
      problems: ['¿Tu equipo frena tus entrenamientos o tus escapadas?', '¿Cansado de equipo que se rinde a mitad de camino?', '¿Quieres mantenerte activo sin complicarte?'],
      benefits: ['Está hecho para días activos, dentro o fuera de casa.', 'Es fácil de guardar, llevar y usar.', 'Te ayuda a ser constante con lo que te gusta hacer.'],
      tags: ['deporte', 'airelibre'],
    },
  },
  toys: {
    en: {
      problems: ["Looking for a gift kids won't forget by next week?", 'Need something to pull everyone away from screens?', 'Is game night getting a little stale?'],
      benefits: ['It keeps kids and grown-ups busy for hours.', 'It makes an easy, crowd-pleasing gift.', "It's the kind of fun that brings people together."],
      tags: ['toys', 'giftideas'],
    },
    es: {
      problems: ['¿Buscas un regalo que los niños no olviden en una semana?', '¿Necesitas algo que aleje a todos de las pantallas?', '¿Las noches de juegos se han vuelto aburridas?'],
      benefits: ['Entretiene a niños y adultos durante horas.', 'Es un regalo fácil que siempre triunfa.', 'Es el tipo de diversión que une a la gente.'],
      tags: ['juguetes', 'ideasderegalo'],
    },
  },
  health: {
    en: {
      problems: ['Running out of the basics at the worst possible moment?', 'Want an easier way to stay on top of your health?', 'Tired of overpaying for everyday essentials?'],
      benefits: ["It's an everyday essential worth keeping on hand.", 'It takes one more thing off your to-do list.', 'It fits easily into your daily routine.'],
      tags: ['health', 'essentials'],
    },
    es: {
      problems: ['¿Te quedas sin lo básico en el peor momento?', '¿Quieres una forma más fácil de cuidar tu salud?', '¿Cansado de pagar de más por lo esencial del día a día?'],
      benefits: ['Es un básico que conviene tener siempre en casa.', 'Es una cosa menos en tu lista de pendientes.', 'Encaja fácilmente en tu rutina diaria.'],
      tags: ['salud', 'esenciales'],
    },
  },
  pets: {
    en: {
      problems: ['Does your pet deserve a little upgrade?', 'Tired of pet gear that falls apart in a week?', 'Want to make daily pet care easier?'],
      benefits: ['Your pet gets a little upgrade, and so do you.', "It's made to handle everyday wear from pets.", 'It makes daily pet care quicker and easier.'],
      tags: ['pets', 'petlovers'],
    },
    es: {
      problems: ['¿Tu mascota se merece una pequeña mejora?', '¿Cansado de accesorios para mascotas que se rompen enseguida?', '¿Quieres que cuidar a tu mascota sea más fácil?'],
      benefits: ['Es una ventaja para tu mascota y también para ti.', 'Está hecho para aguantar el trote diario de las mascotas.', 'Hace que el cuidado diario sea más rápido y sencillo.'],
      tags: ['mascotas', 'petlovers'],
    },
  },
  office: {
    en: {
      problems: ['Is your desk working against you?', 'Losing time to a messy, uncomfortable workspace?', 'Want a workday that feels a bit more organized?'],
      benefits: ['It makes your workspace more comfortable and organized.', "It's a small change that helps you stay focused.", 'Great for home offices, classrooms and dorms.'],
      tags: ['office', 'wfh'],
    },
    es: {
      problems: ['¿Tu escritorio juega en tu contra?', '¿Pierdes tiempo en un espacio de trabajo desordenado?', '¿Quieres una jornada un poco más organizada?'],
      benefits: ['Hace tu espacio de trabajo más cómodo y ordenado.', 'Es un pequeño cambio que te ayuda a concentrarte.', 'Ideal para la oficina en casa, la escuela o la universidad.'],
      tags: ['oficina', 'teletrabajo'],
    },
  },
  tools: {
    en: {
      problems: ['Still putting off that project around the house?', 'Tired of tools that make simple jobs harder?', 'Want DIY jobs done faster and with less hassle?'],
      benefits: ['It makes weekend projects quicker and less frustrating.', "It's built for real work around the house.", "It's a solid addition to any toolbox or garage."],
      tags: ['diy', 'tools'],
    },
    es: {
      problems: ['¿Sigues aplazando ese arreglo en casa?', '¿Cansado de herramientas que complican los trabajos sencillos?', '¿Quieres terminar tus proyectos en casa más rápido?'],
      benefits: ['Hace los proyectos del fin de semana más rápidos y llevaderos.', 'Está hecho para trabajos de verdad en casa.', 'Es un buen añadido para cualquier caja de herramientas.'],
      tags: ['herramientas', 'diy'],
    },
  },
  automotive: {
    en: {
      problems: ['Is your car missing one simple upgrade?', 'Ever been stuck on the road without the right gear?', 'Want every drive to feel a little easier?'],
      benefits: ['It makes daily drives and road trips a little easier.', "It's the kind of thing you're glad to have in the car.", "It's easy to use, even if you're not a car person."],
      tags: ['cars', 'carcare'],
    },
    es: {
      problems: ['¿A tu auto le falta una mejora sencilla?', '¿Alguna vez te quedaste en el camino sin lo necesario?', '¿Quieres que cada trayecto sea un poco más fácil?'],
      benefits: ['Hace más fáciles los trayectos diarios y los viajes largos.', 'Es de esas cosas que agradeces tener en el auto.', 'Es fácil de usar, aunque no seas experto en autos.'],
      tags: ['autos', 'accesoriosauto'],
    },
  },
  books: {
    en: {
      problems: ["Looking for your next can't-put-it-down read?", 'Stuck in a reading slump?', 'Need a book worth your evening?'],
      benefits: ["It's the kind of book you'll want to talk about.", 'It makes a great gift for any reader.', 'Perfect for a quiet evening or your commute.'],
      tags: ['books', 'booktok'],
    },
    es: {
      problems: ['¿Buscas tu próxima lectura de esas que no puedes soltar?', '¿Llevas tiempo sin ganas de leer?', '¿Necesitas un libro que valga la pena?'],
      benefits: ['Es de esos libros de los que querrás hablar.', 'Es un gran regalo para cualquier lector.', 'Perfecto para una tarde tranquila o para el trayecto al trabajo.'],
      tags: ['libros', 'booktok'],
    },
  },
  baby: {
    en: {
      problems: ['New parent and running on no sleep?', 'Want baby days to feel a little calmer?', "Building a baby registry and not sure what's worth it?"],
      benefits: ['It makes daily baby care a little easier.', "It's designed to be simple to use, even at 3 a.m.", "It's a thoughtful pick for a registry or a baby shower."],
      tags: ['baby', 'parenting'],
    },
    es: {
      problems: ['¿Acabas de ser madre o padre y apenas duermes?', '¿Quieres que los días con tu bebé sean más tranquilos?', '¿Preparas la lista para el bebé y no sabes qué vale la pena?'],
      benefits: ['Hace un poco más fácil el cuidado diario del bebé.', 'Está pensado para usarse fácilmente, incluso de madrugada.', 'Es un regalo muy acertado para un baby shower.'],
      tags: ['bebe', 'maternidad'],
    },
  },
  fashion: {
    en: {
      problems: ["Nothing to wear that's comfy and still looks good?", 'Tired of pieces that look worn out after a few washes?', 'Want an easy upgrade for your everyday style?'],
      benefits: ["It's made for everyday wear and real life.", 'It goes with pretty much everything you own.', "It's an easy way to refresh your everyday look."],
      tags: ['fashion', 'style'],
    },
    es: {
      problems: ['¿No tienes nada cómodo que además se vea bien?', '¿Cansado de prendas que se ven gastadas tras unos lavados?', '¿Quieres mejorar tu estilo diario sin complicarte?'],
      benefits: ['Está hecho para el día a día y la vida real.', 'Combina con casi todo lo que ya tienes.', 'Es una forma fácil de renovar tu look diario.'],
      tags: ['moda', 'estilo'],
    },
  },
  general: {
    en: {
      problems: ['Looking for something that makes everyday life easier?', "Tired of buying things that don't live up to the hype?", "Want a small upgrade that's actually worth it?"],
      benefits: ["It's a practical pick for everyday life.", 'It gets the job done without any fuss.', "It's a small upgrade that's easy to love."],
      tags: ['musthaves'],
    },
    es: {
      problems: ['¿Buscas algo que te haga la vida diaria más fácil?', '¿Cansado de comprar cosas que no están a la altura?', '¿Quieres una pequeña mejora que de verdad valga la pena?'],
      benefits: ['Es una opción práctica para el día a día.', 'Cumple su función sin complicaciones.', 'Es una pequeña mejora que se nota.'],
      tags: ['imprescindibles'],
    },
  },
};

// ---------------------------------------------------------------------------
// Language packs

interface Facts {
  language: Language;
  name: string;
  /** How the script refers to the product mid-sentence: "the Voltix PowerCore Slim" / "Voltix PowerCore Slim". */
  ref: string;
  price: string;
  under: string | null;
  rating: string | null;
  reviews: string | null;
  manyReviews: boolean;
  /** ≤ 50 in the product's currency: "budget find" wording is honest. */
  cheap: boolean;
  /** ≥ 100: "worth the splurge?" wording. */
  pricey: boolean;
  features: string[];
  copy: CategoryCopy;
  /** English agreement for plural product names ("the Soundara Earbuds are …"). */
  plural: boolean;
  is: 'is' | 'are';
  /** Third-person verb ending: "makes" / "make". */
  s: 's' | '';
}

type Text = (f: Facts) => string | null;

interface VariantCopy {
  hooks: Text[];
  /** {count} is replaced for top-reasons. */
  titles: Text[];
  summary: Text[];
}

interface LangPack {
  numbers: Record<2 | 3, [word: string, lower: string]>;
  ordinals: [string, string, string, string];
  intros: Text[];
  proofLines: Text[];
  priceLines: Text[];
  /** Short price lines for deal-alert, which ends with its own reminder that prices change. */
  dealPriceLines: Text[];
  featureLines: ((f: Facts, feats: string[]) => string | null)[];
  dealClosers: string[];
  socialLines: Text[];
  reasons: { feature: (feats: string[]) => string; proof: Text; price: Text };
  ctas: string[];
  priceNote: (f: Facts) => string;
  ratingNote: Text;
  linkLabel: string;
  /** Introduces the closing benefit of a top-reasons script. */
  bottomLine: string;
  dealTag: string;
  variants: Record<TemplateVariantName, VariantCopy>;
  reasonHooks: ((f: Facts, count: [string, string]) => string)[];
  reasonTitles: ((f: Facts, count: number) => string)[];
}

const cap = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);
const lcFirst = (s: string) => (s && !/^I\b/.test(s) && !/^[A-Z]{2}/.test(s) ? s[0].toLowerCase() + s.slice(1) : s);
const noStop = (s: string) => s.replace(/[.!]+$/, '');

function listEn(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const EN: LangPack = {
  numbers: { 2: ['Two', 'two'], 3: ['Three', 'three'] },
  ordinals: ['First', 'Second', 'Third', 'And third'],
  intros: [
    (f) => `That's exactly where ${f.ref} come${f.s} in.`,
    (f) => `Meet ${f.ref}, a simple fix for that.`,
    (f) => `${cap(f.ref)} make${f.s} that a whole lot easier.`,
  ],
  proofLines: [
    (f) => (f.rating && f.reviews ? `It's rated ${f.rating} from ${f.reviews}.` : null),
    (f) => (f.rating && f.reviews ? `Shoppers give it ${f.rating} across ${f.reviews}.` : null),
    (f) => (f.rating && !f.reviews ? `Shoppers rate it ${f.rating}.` : null),
    (f) => (!f.rating && f.reviews ? `It has ${f.reviews} on Amazon.` : null),
  ],
  priceLines: [
    (f) => `Right now, it's about ${f.price}, but prices change, so check the link.`,
    (f) => `It's around ${f.price} as I post this, though prices can change.`,
    (f) => `At the time of posting, it costs about ${f.price}, but that can change.`,
  ],
  dealPriceLines: [(f) => `Right now, it's about ${f.price}.`, (f) => `It's around ${f.price} as I post this.`, (f) => `At the time of posting, it's about ${f.price}.`],
  featureLines: [
    (_f, x) => `Highlights: ${listEn(x)}.`,
    (_f, x) => `Key features: ${listEn(x)}.`,
    (_f, x) => `What stands out: ${listEn(x)}.`,
  ],
  dealClosers: ['Prices change often, so check the current price.', "Prices move fast, so check today's price before you buy."],
  socialLines: [
    (f) => (f.manyReviews ? 'Numbers like that are a good sign.' : null),
    (f) => (f.rating && f.manyReviews ? 'People clearly like this one.' : null),
  ],
  reasons: {
    feature: (x) => `it comes with ${listEn(x)}`,
    proof: (f) => (f.rating && f.reviews ? `it's rated ${f.rating} from ${f.reviews}` : f.rating ? `shoppers rate it ${f.rating}` : f.reviews ? `it has ${f.reviews}` : null),
    price: (f) => `it's about ${f.price} right now`,
  },
  ctas: [
    'Link in the description if you want to check it out.',
    "Check today's price with the link in the description.",
    "Want one? The link in the description has today's price.",
    'See it for yourself: link in the description.',
  ],
  priceNote: (f) => `Price when posted: ${f.price}. Prices and availability can change.`,
  ratingNote: (f) => (f.rating && f.reviews ? `Rated ${f.rating} (${f.reviews}).` : f.rating ? `Rated ${f.rating}.` : null),
  linkLabel: 'Get it here:',
  bottomLine: 'Bottom line:',
  dealTag: 'deals',
  variants: {
    'problem-solution': {
      hooks: [(f) => f.copy.problems[0], (f) => f.copy.problems[1], (f) => f.copy.problems[2], () => "Here's a small fix for an everyday problem."],
      titles: [(f) => `${f.name}: the fix you've been looking for`, (f) => `How ${f.ref} make${f.s} everyday life easier`],
      summary: [(f) => `A quick look at how ${f.ref} tackle${f.s} an everyday problem.`],
    },
    'top-reasons': { hooks: [], titles: [], summary: [(f) => `A few quick reasons ${f.ref} deserve${f.s} a spot on your list.`] },
    'social-proof': {
      hooks: [
        (f) => (f.manyReviews ? `${cap(f.reviews!)} can't all be wrong.` : null),
        (f) => (f.rating ? `Rated ${f.rating}? Let's see why.` : null),
        (f) => (f.rating ? `Why do shoppers rate ${f.ref} so highly?` : null),
        (f) => (f.manyReviews ? `Thousands of shoppers have weighed in on ${f.ref}.` : null),
        (f) => `${cap(f.is)} ${f.ref} worth the hype? Let's check.`,
      ],
      titles: [
        (f) => (f.reviews ? `${f.name}: ${f.reviews} can't be wrong` : null),
        (f) => (f.rating ? `Why shoppers rate ${f.ref} so highly` : null),
        (f) => `${f.name}: ${f.plural ? 'are they' : 'is it'} worth the hype?`,
      ],
      summary: [(f) => (f.rating || f.reviews ? `Why so many shoppers are happy with ${f.ref}.` : `A quick look at ${f.ref} and whether ${f.plural ? "they're" : "it's"} worth it.`)],
    },
    'deal-alert': {
      hooks: [
        (f) => (f.under ? `Deal alert: ${f.ref} for under ${f.under}.` : null),
        (f) => (f.cheap ? `Budget find of the day: ${f.ref}.` : null),
        (f) => (f.under ? `Under ${f.under} and genuinely useful: ${f.ref}.` : null),
        (f) => (f.cheap ? `A find that won't break the bank: ${f.ref}.` : null),
        (f) => (f.pricey ? `Worth the splurge? Here's ${f.ref}.` : null),
        (f) => `Quick price check on ${f.ref}.`,
      ],
      titles: [(f) => (f.under ? `${f.name} for under ${f.under}` : null), (f) => `Deal alert: ${f.name}`],
      summary: [(f) => (f.cheap ? `A budget-friendly find: ${f.ref}.` : `A quick price check on ${f.ref}.`)],
    },
  },
  reasonHooks: [
    (f, [N]) => `${N} reasons ${f.ref} ${f.is} worth a look.`,
    (f, [, n]) => `Here are ${n} reasons to consider ${f.ref}.`,
    (f, [N]) => `${N} reasons I'd put ${f.ref} in my cart.`,
    (f, [, n]) => `Thinking about ${f.ref}? Here are ${n} reasons to go for it.`,
  ],
  reasonTitles: [(f, n) => `${n} reasons to get ${f.ref}`, (f, n) => `${n} reasons ${f.ref} ${f.is} worth it`],
};

const ES: LangPack = {
  numbers: { 2: ['Dos', 'dos'], 3: ['Tres', 'tres'] },
  ordinals: ['Primero', 'Segundo', 'Tercero', 'Y tercero'],
  intros: [
    (f) => `Justo para eso está ${f.ref}.`,
    (f) => `Te presento ${f.ref}, una solución sencilla para eso.`,
    (f) => `Con ${f.ref}, todo eso es mucho más fácil.`,
  ],
  proofLines: [
    (f) => (f.rating && f.reviews ? `Tiene una valoración de ${f.rating} con ${f.reviews}.` : null),
    (f) => (f.rating && f.reviews ? `Los compradores le dan ${f.rating} en ${f.reviews}.` : null),
    (f) => (f.rating && !f.reviews ? `Los compradores le dan ${f.rating}.` : null),
    (f) => (!f.rating && f.reviews ? `Acumula ${f.reviews} en Amazon.` : null),
  ],
  priceLines: [
    (f) => `Ahora mismo ronda los ${f.price}, pero los precios cambian, así que revisa el enlace.`,
    (f) => `Al publicar esto cuesta unos ${f.price}, aunque el precio puede cambiar.`,
    (f) => `En este momento ronda los ${f.price}, pero eso puede cambiar.`,
  ],
  dealPriceLines: [(f) => `Ahora mismo ronda los ${f.price}.`, (f) => `Al publicar esto, cuesta unos ${f.price}.`, (f) => `En este momento, su precio ronda los ${f.price}.`],
  featureLines: [],
  dealClosers: ['Los precios cambian a menudo, así que revisa el precio actual.', 'Los precios cambian rápido: mira el precio de hoy antes de comprar.'],
  socialLines: [
    (f) => (f.manyReviews ? 'Cifras así son buena señal.' : null),
    (f) => (f.rating && f.manyReviews ? 'Está claro que gusta.' : null),
  ],
  reasons: {
    feature: () => '',
    proof: (f) =>
      f.rating && f.reviews ? `tiene una valoración de ${f.rating} con ${f.reviews}` : f.rating ? `los compradores le dan ${f.rating}` : f.reviews ? `acumula ${f.reviews}` : null,
    price: (f) => `ahora mismo ronda los ${f.price}`,
  },
  ctas: [
    'Enlace en la descripción si quieres echarle un vistazo.',
    'Mira el precio de hoy con el enlace en la descripción.',
    '¿Lo quieres? El enlace en la descripción tiene el precio de hoy.',
    'Compruébalo tú mismo: enlace en la descripción.',
  ],
  priceNote: (f) => `Precio al publicar: ${f.price}. El precio y la disponibilidad pueden cambiar.`,
  ratingNote: (f) => (f.rating && f.reviews ? `Valoración: ${f.rating} (${f.reviews}).` : f.rating ? `Valoración: ${f.rating}.` : null),
  linkLabel: 'Consíguelo aquí:',
  bottomLine: 'En resumen:',
  dealTag: 'ofertas',
  variants: {
    'problem-solution': {
      hooks: [(f) => f.copy.problems[0], (f) => f.copy.problems[1], (f) => f.copy.problems[2], () => 'Aquí tienes una solución sencilla para un problema cotidiano.'],
      titles: [(f) => `${f.name}: la solución que buscabas`, (f) => `Así te facilita la vida ${f.ref}`],
      summary: [(f) => `Un vistazo rápido a cómo ${f.ref} resuelve un problema cotidiano.`],
    },
    'top-reasons': { hooks: [], titles: [], summary: [(f) => `Unas cuantas razones rápidas por las que ${f.ref} merece un lugar en tu lista.`] },
    'social-proof': {
      hooks: [
        (f) => (f.manyReviews ? `${cap(f.reviews!)} no pueden estar todas equivocadas.` : null),
        (f) => (f.rating ? `¿${f.rating}? Veamos por qué.` : null),
        (f) => (f.rating ? `¿Por qué los compradores valoran tan bien ${f.ref}?` : null),
        (f) => (f.manyReviews ? `Miles de compradores ya han opinado sobre ${f.ref}.` : null),
        (f) => `¿Vale la pena ${f.ref}? Vamos a verlo.`,
      ],
      titles: [
        (f) => (f.reviews ? `${f.name}: ${f.reviews} lo avalan` : null),
        (f) => (f.rating ? `Por qué ${f.ref} tiene tan buenas valoraciones` : null),
        (f) => `${f.name}: ¿vale la pena?`,
      ],
      summary: [(f) => (f.rating || f.reviews ? `Por qué tantos compradores están contentos con ${f.ref}.` : `Un vistazo rápido a ${f.ref} y a si vale la pena.`)],
    },
    'deal-alert': {
      hooks: [
        (f) => (f.under ? `Alerta de oferta: ${f.ref} por menos de ${f.under}.` : null),
        (f) => (f.cheap ? `Hallazgo económico del día: ${f.ref}.` : null),
        (f) => (f.under ? `Por menos de ${f.under} y realmente útil: ${f.ref}.` : null),
        (f) => (f.cheap ? `Un hallazgo que no vacía tu bolsillo: ${f.ref}.` : null),
        (f) => (f.pricey ? `¿Vale la pena el gasto? Aquí tienes ${f.ref}.` : null),
        (f) => `Revisemos rápido el precio de ${f.ref}.`,
      ],
      titles: [(f) => (f.under ? `${f.name} por menos de ${f.under}` : null), (f) => `Alerta de oferta: ${f.name}`],
      summary: [(f) => (f.cheap ? `Un hallazgo económico: ${f.ref}.` : `Un repaso rápido al precio de ${f.ref}.`)],
    },
  },
  reasonHooks: [
    (f, [N]) => `${N} razones por las que ${f.ref} vale la pena.`,
    (f, [, n]) => `Aquí tienes ${n} razones para considerar ${f.ref}.`,
    (f, [N]) => `${N} razones para poner ${f.ref} en tu carrito.`,
    (f, [, n]) => `¿Estás pensando en ${f.ref}? Aquí van ${n} razones para decidirte.`,
  ],
  reasonTitles: [(f, n) => `${n} razones para elegir ${f.ref}`, (f, n) => `${n} motivos por los que ${f.ref} vale la pena`],
};

const PACKS: Record<Language, LangPack> = { en: EN, es: ES };

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

interface Body {
  hook: string;
  lines: string[];
  title: string;
  summary: string;
}

function composeBody(variant: TemplateVariantName, pack: LangPack, f: Facts, rng: Rng, maxLines: number): Body {
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

function sanitizeTitle(title: string): string {
  let t = title.replace(/[<>]/g, '').replace(/\s+/g, ' ').trim();
  if (t.length > MAX_TITLE_CHARS) t = t.slice(0, MAX_TITLE_CHARS - 1).replace(/\s+\S*$/, '').replace(/[\s,:;-]+$/, '') + '…';
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
  const raw = ['ad', 'amazonfinds', ...copy.tags, brand.length >= 2 && brand.length <= 30 && !/^\d+$/.test(brand) ? brand : '', variant === 'deal-alert' ? pack.dealTag : ''];
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

function factsFor(product: ScriptProduct, language: Language): Facts {
  const key = categoryKey(product.category);
  const name = speakableName(product.title, product.brand, product.category);
  const author = key === 'books' && product.brand && !name.toLowerCase().includes(product.brand.toLowerCase()) ? product.brand.trim() : null;
  let ref: string;
  if (key === 'books') {
    const withAuthor = author ? (language === 'es' ? `${name} de ${author}` : `${name} by ${author}`) : name;
    ref = withAuthor.length <= MAX_NAME_CHARS + 8 ? withAuthor : name;
  } else {
    ref = language === 'en' && !/^(the|a|an)\s/i.test(name) ? `the ${name}` : name;
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
    copy: CATEGORY_COPY[key][language],
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
    .replace(/(^|, |: )([Ii])t ([a-z]+s)\b/g, (_m, pre: string, i: string, verb: string) => `${pre}${i === 'I' ? 'T' : 't'}hey ${IRREGULAR_PLURAL_VERBS[verb] ?? verb.replace(/s$/, '')}`)
    .replace(/\b(rate|give) it\b/g, '$1 them');
}

export function variantVersion(name: string): number | undefined {
  return TEMPLATE_VARIANTS.find((v) => v.name === name)?.version;
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
    const disclosure = DISCLOSURES[language];

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
