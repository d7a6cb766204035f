import { z } from 'zod';

/** A product as a catalog provider delivers it (before it gets an id and scores). */
export const catalogProductSchema = z.object({
  asin: z.string().regex(/^[A-Z0-9]{10}$/, 'must be a 10-character ASIN of capital letters and digits, e.g. B08N5WRWNW'),
  title: z.string().trim().min(3, 'must be at least 3 characters').max(500, 'must be at most 500 characters'),
  brand: z.string().trim().min(1, 'is required').max(120, 'must be at most 120 characters'),
  category: z.string().trim().min(1, 'is required').max(120, 'must be at most 120 characters'),
  price: z.number({ error: 'must be a number' }).positive('must be greater than 0').max(1_000_000, 'must be at most 1000000'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO currency code such as USD')
    .default('USD'),
  commissionRate: z.number({ error: 'must be a number' }).min(0, 'must be between 0 and 1 (0.04 = 4 %)').max(1, 'must be between 0 and 1 (0.04 = 4 %)'),
  rating: z.number({ error: 'must be a number' }).min(0, 'must be between 0 and 5').max(5, 'must be between 0 and 5').nullable().default(null),
  reviewCount: z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 or more').default(0),
  salesRank: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be 1 or more').nullable().default(null),
  imageUrls: z.array(z.string().url('must be a URL')).default([]),
  detailPageUrl: z.string().url('must be a URL'),
});

export type CatalogProduct = z.output<typeof catalogProductSchema>;

/** The inputs the scoring formulas need; a subset of a stored product. */
export interface ScoringInput {
  price: number;
  commissionRate: number;
  rating: number | null;
  reviewCount: number;
  salesRank: number | null;
}
