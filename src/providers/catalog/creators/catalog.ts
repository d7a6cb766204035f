/**
 * The catalog port on Amazon's Creators API: products found by a set of searches
 * (CATALOG_SEARCHES, or a default set of categories that sell well in short videos),
 * then a refresh of products we already know that the searches did not return.
 * Items without a price, out of stock or failing our catalog rules are skipped and
 * listed in lastErrors; only account-level failures (e.g. AssociateNotEligibleError) throw.
 */
import { z } from 'zod';
import { catalogProductSchema, type CatalogProduct } from '../../../domain/product.js';
import type { CatalogProvider } from '../index.js';
import { CATALOG_LIMITS, catalogFieldProblems } from '../limits.js';
import type { CreatorsApiClient, CreatorsItem, CreatorsItemError, CreatorsOfferListing } from './client.js';

export interface CatalogSearch {
  /** Our category name for what this search finds (e.g. "Home & Kitchen"). */
  category: string;
  keywords?: string;
  browseNodeId?: string;
  /** e.g. HomeAndKitchen; the API searches All when unset. */
  searchIndex?: string;
  /** Result pages of 10 items to read, 1..10 (default 1). */
  pages?: number;
  /** Overrides defaultCommissionRate(category). */
  commissionRate?: number;
}

/**
 * Categories whose products sell well in short videos. searchIndex values are
 * PA-API 5's US search indexes, assumed unchanged in the Creators API [guess].
 * "Kitchen" earns 4.5 % while the rest of Home & Kitchen earns 3 %, hence the override.
 */
export const DEFAULT_CATALOG_SEARCHES: CatalogSearch[] = [
  { category: 'Home & Kitchen', keywords: 'kitchen gadgets', searchIndex: 'HomeAndKitchen', commissionRate: 0.045 },
  { category: 'Electronics', keywords: 'phone accessories', searchIndex: 'Electronics' },
  { category: 'Beauty & Personal Care', keywords: 'skin care tools', searchIndex: 'Beauty' },
  { category: 'Pet Supplies', keywords: 'dog toys', searchIndex: 'PetSupplies' },
  { category: 'Home & Kitchen', keywords: 'home organization', searchIndex: 'HomeAndKitchen' },
  { category: 'Sports & Outdoors', keywords: 'home workout equipment', searchIndex: 'SportsAndOutdoors' },
  { category: 'Toys & Games', keywords: 'fidget toys', searchIndex: 'ToysAndGames' },
  { category: 'Office Products', keywords: 'desk accessories', searchIndex: 'OfficeProducts' },
];

const SEARCHES_EXAMPLE = '[{"category":"Pet Supplies","keywords":"dog toys","searchIndex":"PetSupplies","pages":2}]';

const catalogSearchSchema = z
  .strictObject({
    category: z.string().trim().min(1, 'is required').max(CATALOG_LIMITS.category, `must be at most ${CATALOG_LIMITS.category} characters`),
    keywords: z.string().trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters').optional(),
    browseNodeId: z
      .preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().regex(/^\d{1,19}$/, 'must be a numeric browse node id such as "1055398"'))
      .optional(),
    searchIndex: z
      .string()
      .regex(/^[A-Za-z]{1,50}$/, 'must be a search index such as HomeAndKitchen, Electronics or PetSupplies')
      .optional(),
    pages: z.number().int('must be a whole number').min(1, 'must be 1 to 10').max(10, 'must be 1 to 10').optional(),
    commissionRate: z.number().min(0, 'must be between 0 and 1 (0.04 = 4 %)').max(1, 'must be between 0 and 1 (0.04 = 4 %)').optional(),
  })
  .refine((s) => s.keywords !== undefined || s.browseNodeId !== undefined, { message: 'needs "keywords" or "browseNodeId"' });

/** CATALOG_SEARCHES: a JSON array of CatalogSearch objects. Errors name the entry and field and show an example. */
export function parseCatalogSearches(raw: string): CatalogSearch[] {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    throw new Error(`CATALOG_SEARCHES is not valid JSON (${(err as Error).message}); expected an array such as ${SEARCHES_EXAMPLE}`, { cause: err });
  }
  if (!Array.isArray(data)) throw new Error(`CATALOG_SEARCHES must be a JSON array of searches, such as ${SEARCHES_EXAMPLE}`);
  if (data.length === 0)
    throw new Error(`CATALOG_SEARCHES is an empty array: list at least one search, such as ${SEARCHES_EXAMPLE}, or unset it for the default set`);
  return data.map((entry: unknown, i) => {
    const parsed = catalogSearchSchema.safeParse(entry);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const field = issue.path.length ? `"${issue.path.join('.')}" ` : '';
    const shown = JSON.stringify(entry) ?? String(entry);
    throw new Error(
      `CATALOG_SEARCHES entry ${i + 1} (${shown.length > 120 ? `${shown.slice(0, 117)}...` : shown}): ${field}${issue.message}; each entry looks like ${SEARCHES_EXAMPLE}`,
    );
  });
}

/**
 * Amazon Associates (US) standard fee rates by category, from the Associates Program
 * Standard Commission Income Statement, Table 1 (https://affiliate-program.amazon.com/help/operating/schedule),
 * rates in force since 2020-04-21. Categories are matched by name; "All other categories" earn 4 %.
 * Home & Kitchen gets the 3 % of "Home" (kitchen items earn 4.5 %: set commissionRate on the search).
 */
const COMMISSION_RULES: readonly [RegExp, number][] = [
  [/luxury beauty|luxury stores beauty|amazon explore/, 0.1],
  [/gift card|wireless service|alcohol/, 0],
  [/grocery|gourmet|health|household|amazon fresh|video game console|physical video game|^video games$/, 0.01],
  [/digital video game|television|\btvs?\b/, 0.02],
  [/computer|\bpcs?\b|dvd|blu-?ray/, 0.025],
  [/^home & kitchen$|^home$/, 0.03],
  [/book|kitchen|automotive/, 0.045],
  [/digital music|physical music|^music$|handmade|digital video/, 0.05],
  [
    /toy|furniture|home|garden|patio|\bpets?\b|headphone|beauty|personal care|musical instrument|business|industrial|outdoor|tool|sport|baby|fitness|exercise/,
    0.03,
  ],
  [/kindle|\becho\b|fire tv|\bring\b|apparel|clothing|fashion|shoe|jewelry|watch|luggage|handbag/, 0.04],
];

export function defaultCommissionRate(category: string): number {
  const c = category.trim().toLowerCase();
  return COMMISSION_RULES.find(([re]) => re.test(c))?.[1] ?? 0.04;
}

export interface KnownProduct {
  asin: string;
  category: string;
  commissionRate: number;
}

export interface CreatorsCatalogOptions {
  client: CreatorsApiClient;
  searches: CatalogSearch[];
  /** Products already stored: refreshed with getItems when the searches did not return them. */
  knownProducts?: () => Promise<KnownProduct[]>;
  /** ASINs per getItems call, 1..10 (default 10, the API's maximum). */
  batchSize?: number;
}

const PAGE_SIZE = 10;

export class CreatorsCatalogProvider implements CatalogProvider {
  readonly name = 'amazon-creators';
  /** Per-item errors and skipped items of the latest fetchProducts() run. */
  lastErrors: CreatorsItemError[] = [];
  private readonly batchSize: number;

  constructor(private readonly opts: CreatorsCatalogOptions) {
    const size = opts.batchSize ?? 10;
    if (!Number.isInteger(size) || size < 1 || size > 10)
      throw new RangeError(`batchSize must be a whole number from 1 to 10 (ASINs per getItems call), got ${size}`);
    this.batchSize = size;
  }

  async *fetchProducts(): AsyncIterable<CatalogProduct[]> {
    this.lastErrors = [];
    const seen = new Set<string>();
    for (const search of this.opts.searches) {
      const ctx = { category: search.category, commissionRate: search.commissionRate ?? defaultCommissionRate(search.category) };
      const pages = search.pages ?? 1;
      for (let page = 1; page <= pages; page++) {
        const r = await this.opts.client.searchItems({
          keywords: search.keywords,
          browseNodeId: search.browseNodeId,
          searchIndex: search.searchIndex,
          itemCount: PAGE_SIZE,
          itemPage: page,
        });
        this.lastErrors.push(...r.errors);
        // The same product can turn up in two searches: the first one names its category.
        const fresh = r.items.filter((item) => !seen.has(item.asin));
        const products = this.mapAll(fresh, () => ctx);
        for (const item of r.items) seen.add(item.asin);
        if (products.length) yield products;
        const exhausted = r.items.length < PAGE_SIZE || (r.totalResultCount !== undefined && page * PAGE_SIZE >= r.totalResultCount);
        if (exhausted) break;
      }
    }

    const known = new Map<string, KnownProduct>();
    for (const k of (await this.opts.knownProducts?.()) ?? []) if (!seen.has(k.asin) && !known.has(k.asin)) known.set(k.asin, k);
    const asins = [...known.keys()];
    for (let i = 0; i < asins.length; i += this.batchSize) {
      const batch = asins.slice(i, i + this.batchSize);
      const r = await this.opts.client.getItems(batch);
      this.lastErrors.push(...r.errors);
      const returned = new Set(r.items.map((item) => item.asin));
      const answered = new Set(r.errors.map((e) => e.asin));
      for (const asin of batch) {
        if (!returned.has(asin) && !answered.has(asin)) this.lastErrors.push({ asin, code: 'NotReturned', message: `getItems returned nothing for ${asin}` });
      }
      const products = this.mapAll(
        r.items.filter((item) => known.has(item.asin)),
        (item) => known.get(item.asin)!,
      );
      if (products.length) yield products;
    }
  }

  private mapAll(items: CreatorsItem[], ctxOf: (item: CreatorsItem) => { category: string; commissionRate: number }): CatalogProduct[] {
    const products: CatalogProduct[] = [];
    for (const item of items) {
      const r = mapItem(item, ctxOf(item));
      if ('product' in r) products.push(r.product);
      else this.lastErrors.push(r.error);
    }
    return products;
  }
}

/** Availability types that mean "cannot be bought now": OutOfStock (python-amazon-paapi's integration tests) or PA-API 5's OUT_OF_STOCK. */
const UNAVAILABLE = new Set(['OUTOFSTOCK', 'UNAVAILABLE']);
const FALLBACK_BRAND = 'Generic';

/** One API item as a catalog product, or the reason it cannot be one (never throws). */
export function mapItem(item: CreatorsItem, ctx: { category: string; commissionRate: number }): { product: CatalogProduct } | { error: CreatorsItemError } {
  const asin = item.asin;
  const fail = (code: string, message: string) => ({ error: { asin, code, message } });
  const listings = item.offersV2?.listings ?? [];
  const listing: CreatorsOfferListing | undefined = listings.find((l) => l.isBuyBoxWinner === true) ?? listings[0];
  const availability = (listing?.availability?.type ?? '').toUpperCase().replace(/[^A-Z]/g, '');
  if (UNAVAILABLE.has(availability)) return fail('Unavailable', `${asin} is not available (${listing?.availability?.message ?? listing?.availability?.type})`);
  const money = listing?.price?.money;
  if (typeof money?.amount !== 'number' || !(money.amount > 0)) return fail('NoOffer', `${asin} has no offer with a price`);
  if (!item.detailPageURL) return fail('InvalidItem', `${asin} has no detailPageURL`);

  const byLine = item.itemInfo?.byLineInfo;
  const brand = [byLine?.brand?.displayValue, byLine?.manufacturer?.displayValue, byLine?.contributors?.[0]?.name].map((s) => s?.trim()).find(Boolean);
  const rating = item.customerReviews?.starRating?.value;
  const reviews = item.customerReviews?.count;
  const rank = item.browseNodeInfo?.websiteSalesRank?.salesRank ?? item.browseNodeInfo?.browseNodes?.find((n) => typeof n.salesRank === 'number')?.salesRank;
  const image = item.images?.primary?.large?.url;

  const candidate = {
    asin,
    title: clip(item.itemInfo?.title?.displayValue ?? '', CATALOG_LIMITS.title),
    // The schema allows 120 characters for a brand (stricter than CATALOG_LIMITS.brand).
    brand: clip(brand ?? FALLBACK_BRAND, 120),
    category: ctx.category,
    price: money.amount,
    ...(money.currency ? { currency: money.currency } : {}),
    commissionRate: ctx.commissionRate,
    rating: typeof rating === 'number' && rating >= 0 && rating <= 5 ? rating : null,
    reviewCount: typeof reviews === 'number' && reviews >= 0 ? Math.round(reviews) : 0,
    salesRank: typeof rank === 'number' && rank >= 1 ? Math.round(rank) : null,
    imageUrls: image ? [image] : [],
    // Verbatim: Amazon's URL already carries our tag and its own link parameters.
    detailPageUrl: item.detailPageURL,
  };
  const parsed = catalogProductSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail('InvalidItem', `${asin}: ${issue.path.join('.')} ${issue.message}`);
  }
  const problem = catalogFieldProblems(parsed.data)[0];
  if (problem) return fail('InvalidItem', `${asin}: ${problem.field} ${problem.reason}`);
  return { product: parsed.data };
}

function clip(s: string, max: number): string {
  const t = s.trim();
  return t.length <= max ? t : t.slice(0, max).trimEnd();
}
