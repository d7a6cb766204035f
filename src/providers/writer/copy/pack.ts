import type { Language } from '../types.js';

/**
 * The shape of a language pack: everything the template writer says, in one
 * language. The packs themselves (en.ts, es.ts) are data: phrases, and small
 * functions that fill a phrase from the product's facts. Choosing, ordering and
 * fitting the phrases into a script is template.ts's job.
 */

/** Bump a variant's version whenever its wording changes, so optimization compares like with like. */
export const TEMPLATE_VARIANTS = [
  { name: 'problem-solution', version: 1 },
  { name: 'top-reasons', version: 1 },
  { name: 'social-proof', version: 1 },
  { name: 'deal-alert', version: 1 },
] as const;
export type TemplateVariantName = (typeof TEMPLATE_VARIANTS)[number]['name'];

export type CategoryKey =
  'electronics' | 'home' | 'beauty' | 'sports' | 'toys' | 'health' | 'pets' | 'office' | 'tools' | 'automotive' | 'books' | 'baby' | 'fashion' | 'general';

export interface CategoryCopy {
  /** Questions that open a problem-solution script. */
  problems: string[];
  /** Generic, honest benefit sentences (no claims about specific features). */
  benefits: string[];
  /** Hashtags without '#', already [A-Za-z0-9]. */
  tags: string[];
}

/** What a script knows about the product, already formatted for speech in the pack's language. */
export interface Facts {
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

/** A phrase filled from the facts; null when it does not apply (e.g. a rating line without a rating). */
export type Text = (f: Facts) => string | null;

export interface VariantCopy {
  hooks: Text[];
  titles: Text[];
  summary: Text[];
}

export interface LangPack {
  /** The affiliate disclosure: spoken last, on screen and in the description. */
  disclosure: string;
  /** "4.6 out of 5 stars", from the score already formatted ("4.6"). */
  stars: (score: string) => string;
  /** "over 12,000 reviews" (over: the count was rounded down) or "12,000 reviews". */
  reviewCount: (count: string, over: boolean) => string;
  /** A book with its author: "Dune by Frank Herbert". */
  bookByAuthor: (title: string, author: string) => string;
  /** How a (non-book) product is named mid-sentence: "the Voltix Charger". */
  productRef: (name: string) => string;
  categories: Record<CategoryKey, CategoryCopy>;
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

/** Capitalizes the first letter: for a phrase that starts with a filled-in value. */
export const cap = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);
