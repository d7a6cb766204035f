/**
 * Limits on catalog data from outside (a user's file, later a marketplace API),
 * on top of the product schema: sizes that keep one file or row from exhausting
 * memory, and URLs that are safe to use later. Image URLs must be http(s) (they
 * are downloaded by the render step, through safeFetch, which checks the host's
 * addresses then; no DNS at import time). The product page must be an Amazon
 * product page (it becomes the target of our public /r/ redirect).
 */
import { amazonProductUrlProblem } from '../../domain/links.js';

export const CATALOG_LIMITS = Object.freeze({
  /** A catalog file (or uploaded text) larger than this is refused before it is parsed. */
  fileBytes: 50 * 1024 * 1024,
  title: 500,
  brand: 200,
  category: 100,
  imageUrlLength: 2048,
  imageUrlsPerProduct: 10,
  detailPageUrlLength: 2048,
});

export interface FieldProblem {
  field: 'title' | 'brand' | 'category' | 'imageUrls' | 'detailPageUrl';
  /** Position in imageUrls, when the problem is one URL. */
  index?: number;
  reason: string;
}

/** "52.3 MB" */
export function formatBytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const tooLong = (max: number, length: number) => `must be at most ${max} characters (it has ${length})`;

/**
 * Problems with the fields of one product (values as the schema sees them).
 * Fields of the wrong type are left to the schema.
 */
export function catalogFieldProblems(p: {
  title?: unknown;
  brand?: unknown;
  category?: unknown;
  imageUrls?: unknown;
  detailPageUrl?: unknown;
}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of ['title', 'brand', 'category'] as const) {
    const v = p[field];
    const max = CATALOG_LIMITS[field];
    if (typeof v === 'string' && v.trim().length > max) problems.push({ field, reason: tooLong(max, v.trim().length) });
  }

  if (Array.isArray(p.imageUrls)) {
    const max = CATALOG_LIMITS.imageUrlsPerProduct;
    if (p.imageUrls.length > max) {
      problems.push({ field: 'imageUrls', reason: `has ${p.imageUrls.length} URLs; at most ${max} per product` });
    }
    p.imageUrls.forEach((u: unknown, index) => {
      if (typeof u !== 'string') return;
      const problem = imageUrlProblem(u);
      if (problem) problems.push({ field: 'imageUrls', index, reason: problem });
    });
  }

  const page = p.detailPageUrl;
  if (typeof page === 'string') {
    const max = CATALOG_LIMITS.detailPageUrlLength;
    const problem = page.length > max ? tooLong(max, page.length) : amazonProductUrlProblem(page);
    if (problem) problems.push({ field: 'detailPageUrl', reason: problem });
  }
  return problems;
}

/** Why an image URL cannot be used, or undefined. No DNS: the host's addresses are checked when it is fetched. */
export function imageUrlProblem(u: string): string | undefined {
  const max = CATALOG_LIMITS.imageUrlLength;
  if (u.length > max) return tooLong(max, u.length);
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return 'must be a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must be an http:// or https:// URL, not ${url.protocol}; e.g. https://m.media-amazon.com/images/I/<id>.jpg`;
  }
  if (url.username || url.password) return 'must not contain a user name or password';
  return undefined;
}
