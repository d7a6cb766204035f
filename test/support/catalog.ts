import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CatalogProduct } from '../../src/domain/product.js';

const CATEGORIES = [
  'Electronics',
  'Home & Kitchen',
  'Beauty',
  'Sports & Outdoors',
  'Toys & Games',
  'Pet Supplies',
  'Office Products',
  'Tools',
  'Automotive',
  'Books',
];

/** A deterministic synthetic catalog of n products (for load, crash and benchmark tests). */
export function syntheticCatalog(n: number, seed = 1): CatalogProduct[] {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out: CatalogProduct[] = [];
  for (let i = 0; i < n; i++) {
    const asin = 'B' + (i + seed * 1_000_000).toString(36).toUpperCase().padStart(9, '0');
    out.push({
      asin,
      title: `Synthetic product ${i} for load tests`,
      brand: `Brand${i % 97}`,
      category: CATEGORIES[i % CATEGORIES.length],
      price: Math.round((5 + rnd() * 300) * 100) / 100,
      currency: 'USD',
      commissionRate: [0.01, 0.03, 0.04, 0.045, 0.1][i % 5],
      rating: Math.round((3 + rnd() * 2) * 10) / 10,
      reviewCount: Math.floor(rnd() * 50_000),
      salesRank: 1 + Math.floor(rnd() * 900_000),
      imageUrls: [`https://m.media-amazon.com/images/I/${asin}._AC_SL1500_.jpg`],
      detailPageUrl: `https://www.amazon.com/dp/${asin}`,
    });
  }
  return out;
}

export function writeCatalogFile(products: CatalogProduct[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ae-catalog-'));
  const file = path.join(dir, 'catalog.json');
  fs.writeFileSync(file, JSON.stringify(products));
  return file;
}
