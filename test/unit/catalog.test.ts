import { describe, it, expect, vi, afterEach } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'node:fs/promises';
import { catalogProductSchema, type CatalogProduct } from '../../src/domain/product.js';
import {
  BundledCatalogProvider,
  CATALOG_LIMITS,
  catalogFieldProblems,
  CatalogFileError,
  FileCatalogProvider,
  createCatalogProvider,
  parseCatalogText,
  readCatalogFile,
  type CatalogProvider,
} from '../../src/providers/catalog/index.js';
import { formatReport, main, validateCatalogFile } from '../../scripts/import-catalog.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/catalog/${name}`, import.meta.url));
const bundledPath = fileURLToPath(new URL('../../src/providers/catalog/bundled-catalog.json', import.meta.url));

async function collect(provider: CatalogProvider): Promise<CatalogProduct[][]> {
  const batches: CatalogProduct[][] = [];
  for await (const batch of provider.fetchProducts()) batches.push(batch);
  return batches;
}

async function tempFile(name: string, content: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'catalog-test-')), name);
  await writeFile(path, content);
  return path;
}

const HEADER = 'asin,title,brand,category,price,currency,commissionRate,rating,reviewCount,salesRank,imageUrls,detailPageUrl';
const IMG = 'https://m.media-amazon.com/images/I/71abcdefghL._AC_SL1500_.jpg';

/** A valid CSV data line; pass overrides to break one cell. */
function line(asin: string, overrides: Partial<Record<string, string>> = {}): string {
  const cells: Record<string, string> = {
    asin,
    title: 'Voltix Portable Charger 10000mAh',
    brand: 'Voltix',
    category: 'Electronics',
    price: '24.99',
    currency: 'USD',
    commissionRate: '0.04',
    rating: '4.5',
    reviewCount: '1200',
    salesRank: '350',
    imageUrls: IMG,
    detailPageUrl: `https://www.amazon.com/dp/${asin}`,
    ...overrides,
  };
  return HEADER.split(',')
    .map((column) => cells[column])
    .join(',');
}

const csv = (...lines: string[]) => [HEADER, ...lines].join('\n') + '\n';

describe('bundled catalog', () => {
  it('ships at least 200 products across at least 8 categories', async () => {
    const products = (await collect(new BundledCatalogProvider())).flat();
    expect(products.length).toBeGreaterThanOrEqual(200);
    expect(new Set(products.map((p) => p.category)).size).toBeGreaterThanOrEqual(8);
  });

  it('has unique B0 ASINs, each linked to its own detail page', async () => {
    const products = (await collect(new BundledCatalogProvider())).flat();
    expect(new Set(products.map((p) => p.asin)).size).toBe(products.length);
    for (const p of products) {
      expect(p.asin).toMatch(/^B0[A-Z0-9]{8}$/);
      expect(p.detailPageUrl).toBe(`https://www.amazon.com/dp/${p.asin}`);
    }
  });

  it('contains only entries that pass the catalog schema as written in the file', async () => {
    const raw: unknown[] = JSON.parse(await readFile(bundledPath, 'utf8'));
    const invalid = raw.filter((item) => !catalogProductSchema.safeParse(item).success);
    expect(invalid).toEqual([]);
  });

  it('keeps within the import limits: field lengths, http(s) images, Amazon product pages', async () => {
    const raw: unknown[] = JSON.parse(await readFile(bundledPath, 'utf8'));
    const problems = raw.flatMap((item, i) => catalogFieldProblems(item as Record<string, unknown>).map((p) => ({ entry: i + 1, ...p })));
    expect(problems).toEqual([]);
  });

  it('varies price, commission, rating, reviews and rank so that ranking is meaningful', async () => {
    const products = (await collect(new BundledCatalogProvider())).flat();
    for (const key of ['price', 'commissionRate', 'rating', 'reviewCount', 'salesRank'] as const) {
      expect(new Set(products.map((p) => p[key])).size, key).toBeGreaterThan(3);
    }
  });

  it('yields batches of the configured size, the last one holding the remainder', async () => {
    const batches = await collect(new BundledCatalogProvider({ batchSize: 100 }));
    const total = batches.flat().length;
    expect(batches.slice(0, -1).every((b) => b.length === 100)).toBe(true);
    expect(batches.at(-1)!.length).toBe(total % 100 || 100);
  });

  it('yields everything in one batch by default (batch size 1000)', async () => {
    expect(await collect(new BundledCatalogProvider())).toHaveLength(1);
  });

  it('rejects a batch size that is not a positive whole number', () => {
    expect(() => new BundledCatalogProvider({ batchSize: 0 })).toThrow(/batchSize/);
  });
});

describe('CSV import', () => {
  it('imports valid rows and fills empty optional cells with the schema defaults', () => {
    const text = csv(line('B0TEST0001'), line('B0TEST0002', { currency: '', rating: '', reviewCount: '', salesRank: '', imageUrls: '' }));
    const { products, errors } = parseCatalogText(text, 'csv');
    expect(errors).toEqual([]);
    expect(products).toHaveLength(2);
    expect(products[0]).toMatchObject({
      asin: 'B0TEST0001',
      price: 24.99,
      commissionRate: 0.04,
      rating: 4.5,
      reviewCount: 1200,
      salesRank: 350,
      imageUrls: [IMG],
    });
    expect(products[1]).toMatchObject({ currency: 'USD', rating: null, reviewCount: 0, salesRank: null, imageUrls: [] });
  });

  it('reports a non-numeric price on CSV row 3 with the field name', () => {
    const { products, errors } = parseCatalogText(csv(line('B0TEST0001'), line('B0TEST0002', { price: '12.5abc' })), 'csv');
    expect(errors).toEqual([{ row: 3, field: 'price', reason: 'must be a number' }]);
    expect(products.map((p) => p.asin)).toEqual(['B0TEST0001']);
  });

  it('reports a negative price with the schema message', () => {
    const { errors } = parseCatalogText(csv(line('B0TEST0001', { price: '-3' })), 'csv');
    expect(errors).toEqual([{ row: 2, field: 'price', reason: 'must be greater than 0' }]);
  });

  it('reports an empty title cell as required', () => {
    const { errors } = parseCatalogText(csv(line('B0TEST0001'), line('B0TEST0002'), line('B0TEST0003', { title: '  ' })), 'csv');
    expect(errors).toEqual([{ row: 4, field: 'title', reason: 'is required' }]);
  });

  it('reports a malformed ASIN and explains the expected form', () => {
    const { products, errors } = parseCatalogText(csv(line('B0-123')), 'csv');
    expect(products).toEqual([]);
    // The detail page URL (/dp/B0-123) is reported too: it has no valid ASIN in its path either.
    expect(errors.map((e) => e.field)).toEqual(['asin', 'detailPageUrl']);
    expect(errors[0]).toMatchObject({ row: 2, field: 'asin' });
    expect(errors[0].reason).toMatch(/10-character ASIN/);
  });

  it('upper-cases ASINs and currency codes typed in lower case', () => {
    const { products } = parseCatalogText(csv(line('b0test0001', { currency: 'usd' })), 'csv');
    expect(products[0]).toMatchObject({ asin: 'B0TEST0001', currency: 'USD' });
  });

  it('accepts a percentage commission rate: "4%" is 0.04 and "4.5 %" is 0.045', () => {
    const { products, errors } = parseCatalogText(csv(line('B0TEST0001', { commissionRate: '4%' }), line('B0TEST0002', { commissionRate: '4.5 %' })), 'csv');
    expect(errors).toEqual([]);
    expect(products.map((p) => p.commissionRate)).toEqual([0.04, 0.045]);
  });

  it('reports a commission rate of 4 (instead of 4% or 0.04) with a hint about the scale', () => {
    const { errors } = parseCatalogText(csv(line('B0TEST0001', { commissionRate: '4' })), 'csv');
    expect(errors).toEqual([{ row: 2, field: 'commissionRate', reason: 'must be between 0 and 1 (0.04 = 4 %)' }]);
  });

  it('reports a non-numeric commission rate and mentions percentages', () => {
    const { errors } = parseCatalogText(csv(line('B0TEST0001', { commissionRate: 'four%' })), 'csv');
    expect(errors).toEqual([{ row: 2, field: 'commissionRate', reason: 'must be a number or a percentage such as 4%' }]);
  });

  it('parses numbers strictly: rejects "4.5 stars", "1e", "0x10" and fractional review counts', () => {
    const { errors } = parseCatalogText(
      csv(
        line('B0TEST0001', { rating: '4.5 stars' }),
        line('B0TEST0002', { salesRank: '1e' }),
        line('B0TEST0003', { reviewCount: '0x10' }),
        line('B0TEST0004', { reviewCount: '12.5' }),
      ),
      'csv',
    );
    expect(errors).toEqual([
      { row: 2, field: 'rating', reason: 'must be a number' },
      { row: 3, field: 'salesRank', reason: 'must be a number' },
      { row: 4, field: 'reviewCount', reason: 'must be a number' },
      { row: 5, field: 'reviewCount', reason: 'must be a whole number' },
    ]);
  });

  it('accepts a leading $ on prices and correctly grouped thousands separators', () => {
    const { products, errors } = parseCatalogText(
      csv(line('B0TEST0001', { price: '"$1,299.00"', reviewCount: '"12,345"' }), line('B0TEST0002', { reviewCount: '"1,5"' })),
      'csv',
    );
    expect(products[0]).toMatchObject({ price: 1299, reviewCount: 12345 });
    expect(errors).toEqual([{ row: 3, field: 'reviewCount', reason: 'must be a number' }]);
  });

  it('rejects a duplicate ASIN on the later row and names the row of the first occurrence', () => {
    const { products, errors } = parseCatalogText(csv(line('B0TEST0001'), line('B0TEST0002'), line('B0TEST0001')), 'csv');
    expect(products.map((p) => p.asin)).toEqual(['B0TEST0001', 'B0TEST0002']);
    expect(errors).toEqual([{ row: 4, field: 'asin', reason: 'duplicates ASIN B0TEST0001 from row 2; each ASIN may appear only once' }]);
  });

  it('reports every problem in a row at once, not just the first', () => {
    const { errors } = parseCatalogText(csv(line('B0TEST0001', { title: '', price: 'abc', detailPageUrl: 'not a url' })), 'csv');
    expect(errors.map((e) => e.field).sort()).toEqual(['detailPageUrl', 'price', 'title']);
    expect(errors.every((e) => e.row === 2)).toBe(true);
  });

  it('keeps commas inside quoted cells', () => {
    const { products, errors } = parseCatalogText(csv(line('B0TEST0001', { title: '"Voltix Charger, 10000mAh, Black"' })), 'csv');
    expect(errors).toEqual([]);
    expect(products[0].title).toBe('Voltix Charger, 10000mAh, Black');
  });

  it('reports an unquoted comma that shifts cells as a row error with the fix', () => {
    const { errors } = parseCatalogText(csv(line('B0TEST0001', { title: 'Voltix Charger, Black' })), 'csv');
    expect(errors).toEqual([{ row: 2, field: 'row', reason: 'has 13 cells but the header has 12 columns; wrap values that contain commas in double quotes' }]);
  });

  it('handles a byte-order mark and CRLF line endings', () => {
    const text = '\uFEFF' + [HEADER, line('B0TEST0001'), line('B0TEST0002', { price: 'x' })].join('\r\n') + '\r\n';
    const { products, errors } = parseCatalogText(text, 'csv');
    expect(products.map((p) => p.asin)).toEqual(['B0TEST0001']);
    expect(errors).toEqual([{ row: 3, field: 'price', reason: 'must be a number' }]);
  });

  it('counts file lines, not records, when a quoted cell spans lines or blank lines are present', () => {
    const text = [
      HEADER,
      line('B0TEST0001', { title: '"Voltix Charger\r\n10000mAh"' }), // lines 2-3
      '', // line 4
      ',,,,,,,,,,,', // line 5: an empty spreadsheet row
      line('B0TEST0002', { price: 'free' }), // line 6
    ].join('\r\n');
    const { products, errors } = parseCatalogText(text, 'csv');
    expect(products).toHaveLength(1);
    expect(errors).toEqual([{ row: 6, field: 'price', reason: 'must be a number' }]);
  });

  it('matches headers case-insensitively and in snake_case, reporting errors under the column name as written', () => {
    const text = [
      'ASIN,Title,Brand,Category,Price,commission_rate,review_count,sales_rank,image_urls,detail_page_url,internal_note',
      `B0TEST0001,Voltix Charger,Voltix,Electronics,9.99,3%,"1,000",20,${IMG},https://www.amazon.com/dp/B0TEST0001,keep`,
      'B0TEST0002,Voltix Charger,Voltix,Electronics,9.99,cheap,5,20,,https://www.amazon.com/dp/B0TEST0002,',
    ].join('\n');
    const { products, errors } = parseCatalogText(text, 'csv');
    expect(products[0]).toMatchObject({ commissionRate: 0.03, reviewCount: 1000, salesRank: 20, imageUrls: [IMG] });
    expect(errors).toEqual([{ row: 3, field: 'commission_rate', reason: 'must be a number or a percentage such as 4%' }]);
  });

  it('splits image URLs on | or whitespace and reports a bad one by position', () => {
    const other = IMG.replace('71abcdefghL', '81zyxwvutsL');
    const { products, errors } = parseCatalogText(
      csv(line('B0TEST0001', { imageUrls: `${IMG} | ${other}` }), line('B0TEST0002', { imageUrls: `${IMG} nope` })),
      'csv',
    );
    expect(products[0].imageUrls).toEqual([IMG, other]);
    expect(errors).toEqual([{ row: 3, field: 'imageUrls[1]', reason: 'must be a URL' }]);
  });

  it('reads semicolon-separated files exported by spreadsheets in decimal-comma locales', () => {
    const text = `${HEADER.replaceAll(',', ';')}\n${line('B0TEST0001').replaceAll(',', ';')}\n`;
    expect(parseCatalogText(text, 'csv').products).toHaveLength(1);
  });
});

describe('JSON import', () => {
  const good = {
    asin: 'B0JSON0001',
    title: 'Pawfect No-Pull Dog Harness',
    brand: 'Pawfect',
    category: 'Pet Supplies',
    price: 24.99,
    commissionRate: 0.03,
    detailPageUrl: 'https://www.amazon.com/dp/B0JSON0001',
  };

  it('reports errors by 1-based array index', () => {
    const items = [good, { ...good, asin: 'B0JSON0002', price: 'cheap' }, { ...good, asin: 'B0JSON0003', title: undefined }];
    const { products, errors } = parseCatalogText(JSON.stringify(items), 'json');
    expect(products.map((p) => p.asin)).toEqual(['B0JSON0001']);
    expect(errors).toEqual([
      { row: 2, field: 'price', reason: 'must be a number' },
      { row: 3, field: 'title', reason: 'is required' },
    ]);
  });

  it('reports a wrongly typed value with the schema message', () => {
    const { errors } = parseCatalogText(JSON.stringify([{ ...good, reviewCount: true }]), 'json');
    expect(errors).toEqual([{ row: 1, field: 'reviewCount', reason: 'must be a number' }]);
  });

  it('reports an array element that is not an object as a whole-row error', () => {
    const { errors } = parseCatalogText(JSON.stringify([good, 'B0JSON0002', null]), 'json');
    expect(errors).toEqual([
      { row: 2, field: 'row', reason: 'must be an object with product fields but it is a string' },
      { row: 3, field: 'row', reason: 'must be an object with product fields but it is null' },
    ]);
  });

  it('accepts snake_case keys, numeric strings and percentage strings like a CSV cell', () => {
    const { products, errors } = parseCatalogText(
      JSON.stringify([{ ...good, commissionRate: undefined, commission_rate: '4%', price: '19.99', sales_rank: null }]),
      'json',
    );
    expect(errors).toEqual([]);
    expect(products[0]).toMatchObject({ commissionRate: 0.04, price: 19.99, salesRank: null });
  });

  it('rejects a duplicate ASIN on the later index', () => {
    const { errors } = parseCatalogText(JSON.stringify([good, good]), 'json');
    expect(errors).toEqual([{ row: 2, field: 'asin', reason: 'duplicates ASIN B0JSON0001 from row 1; each ASIN may appear only once' }]);
  });
});

describe('import limits and safe URLs', () => {
  const good = {
    asin: 'B0LIMIT001',
    title: 'Pawfect No-Pull Dog Harness',
    brand: 'Pawfect',
    category: 'Pet Supplies',
    price: 24.99,
    commissionRate: 0.03,
    imageUrls: [IMG],
    detailPageUrl: 'https://www.amazon.com/dp/B0LIMIT001',
  };
  const importOne = (overrides: Record<string, unknown>) => parseCatalogText(JSON.stringify([{ ...good, ...overrides }]), 'json');
  const errorsOf = (overrides: Record<string, unknown>) => importOne(overrides).errors;

  it('accepts a row exactly at every cap', () => {
    const { products, errors } = importOne({
      title: 'T'.repeat(500),
      brand: 'B'.repeat(120),
      category: 'C'.repeat(100),
      imageUrls: Array.from({ length: 10 }, (_, i) => `https://m.media-amazon.com/images/I/${i}${'a'.repeat(2048 - 40)}.jpg`.slice(0, 2048)),
    });
    expect(errors).toEqual([]);
    expect(products).toHaveLength(1);
  });

  it('rejects a title over 500 characters', () => {
    expect(errorsOf({ title: 'T'.repeat(501) })).toEqual([{ row: 1, field: 'title', reason: 'must be at most 500 characters' }]);
  });

  it('rejects a brand over the cap (the schema allows 120, the import limit 200)', () => {
    for (const length of [121, 201]) {
      const errors = errorsOf({ brand: 'B'.repeat(length) });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ row: 1, field: 'brand', reason: expect.stringMatching(/must be at most 120 characters/) });
    }
  });

  it('rejects a category over 100 characters, saying how long it is', () => {
    expect(errorsOf({ category: 'C'.repeat(101) })).toEqual([{ row: 1, field: 'category', reason: 'must be at most 100 characters (it has 101)' }]);
  });

  it('rejects an ASIN that is not exactly 10 capital letters and digits', () => {
    for (const asin of ['B0LIMIT0011', 'B0LIMIT00', 'B0LIMIT-01']) {
      const errors = errorsOf({ asin, detailPageUrl: 'https://www.amazon.com/dp/B0LIMIT001' });
      expect(errors, asin).toEqual([{ row: 1, field: 'asin', reason: expect.stringMatching(/10-character ASIN/) }]);
    }
  });

  it('rejects an image URL over 2,048 characters, by position', () => {
    const long = `https://m.media-amazon.com/images/I/${'a'.repeat(2048)}.jpg`;
    expect(errorsOf({ imageUrls: [IMG, long] })).toEqual([
      { row: 1, field: 'imageUrls[1]', reason: `must be at most 2048 characters (it has ${long.length})` },
    ]);
  });

  it('rejects more than 10 image URLs per product', () => {
    const urls = Array.from({ length: 11 }, (_, i) => IMG.replace('71abcdefghL', `7${i}abcdefgh`));
    expect(errorsOf({ imageUrls: urls })).toEqual([{ row: 1, field: 'imageUrls', reason: 'has 11 URLs; at most 10 per product' }]);
  });

  it.each([
    'ftp://images.example.com/a.jpg',
    'file:///etc/passwd',
    'gopher://images.example.com/a',
    'javascript:alert(1)',
    'data:image/png;base64,iVBORw0KGgo=',
  ])('rejects the non-http image URL %s', (url) => {
    const { products, errors } = importOne({ imageUrls: [IMG, url] });
    expect(products).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ row: 1, field: 'imageUrls[1]' });
    expect(errors[0].reason).toMatch(/http/);
  });

  it('rejects an image URL with credentials, and reports a non-http image URL in a CSV cell by CSV line', () => {
    expect(errorsOf({ imageUrls: ['https://user:secret@images.example.com/a.jpg'] })).toEqual([
      { row: 1, field: 'imageUrls[0]', reason: 'must not contain a user name or password' },
    ]);
    const { errors } = parseCatalogText(csv(line('B0TEST0001'), line('B0TEST0002', { imageUrls: 'file:///etc/passwd' })), 'csv');
    expect(errors).toEqual([{ row: 3, field: 'imageUrls[0]', reason: expect.stringMatching(/must be an http:\/\/ or https:\/\/ URL, not file:/) }]);
  });

  it('does not resolve image hosts at import time (an internal-looking host is checked when fetched)', () => {
    expect(errorsOf({ imageUrls: ['http://images.internal.example/a.jpg'] })).toEqual([]);
  });

  it.each([
    ['https://evil.example/dp/B000000000', /evil\.example is not an Amazon marketplace host/],
    ['https://amazon.com.evil.example/dp/B000000000', /amazon\.com\.evil\.example is not an Amazon marketplace host/],
    ['https://evil.amazon.com/dp/B000000000', /evil\.amazon\.com is not an Amazon marketplace host/],
    ['https://www.amazon.example/dp/B000000000', /is not an Amazon marketplace host/],
    ['javascript:alert(1)', /https:\/\/ URL, not javascript:/],
    ['http://www.amazon.com/dp/B000000000', /https:\/\/ URL, not http:/],
    ['https://user:pw@www.amazon.com/dp/B000000000', /user name or password/],
    ['https://www.amazon.com:8443/dp/B000000000', /port/],
    ['https://www.amazon.com/s?k=dog+harness', /\/dp\/<ASIN> or \/gp\/product\/<ASIN>/],
    ['https://www.amazon.com/dp/B0SHORT', /\/dp\/<ASIN>/],
  ])('rejects the detail page URL %s and says what a valid one looks like', (url, reason) => {
    const { products, errors } = importOne({ detailPageUrl: url });
    expect(products).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ row: 1, field: 'detailPageUrl' });
    expect(errors[0].reason).toMatch(reason);
    expect(errors[0].reason).toContain('a valid one looks like https://www.amazon.com/dp/B08N5WRWNW');
  });

  it.each([
    'https://www.amazon.com/dp/B0LIMIT001',
    'https://amazon.co.uk/gp/product/B0LIMIT001',
    'https://smile.amazon.de/Pawfect-Harness/dp/B0LIMIT001/ref=sr_1_1?th=1',
    'https://www.amazon.com.br/dp/B0LIMIT001',
    'https://www.amazon.co.jp/dp/B0LIMIT001',
    'https://www.amazon.com.be/dp/B0LIMIT001',
  ])('accepts the Amazon product page %s', (url) => {
    expect(errorsOf({ detailPageUrl: url })).toEqual([]);
  });

  it('rejects a detail page URL over 2,048 characters', () => {
    const url = `https://www.amazon.com/dp/B0LIMIT001?x=${'a'.repeat(2048)}`;
    expect(errorsOf({ detailPageUrl: url })).toEqual([{ row: 1, field: 'detailPageUrl', reason: `must be at most 2048 characters (it has ${url.length})` }]);
  });

  it('refuses a file over 50 MB before reading it, naming its size and the cap', async () => {
    const file = await tempFile('huge.csv', '');
    const fh = await open(file, 'r+');
    await fh.truncate(CATALOG_LIMITS.fileBytes + 1); // sparse: nothing is written
    await fh.close();
    const t0 = performance.now();
    const err = await readCatalogFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CatalogFileError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/the file is 50\.0 MB \(52428801 bytes\), over the 50\.0 MB limit for a catalog file\. Split it/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('refuses catalog text over 50 MB (an upload) the same way', () => {
    expect(() => parseCatalogText('x'.repeat(CATALOG_LIMITS.fileBytes + 1), 'csv')).toThrow(/over the 50\.0 MB limit for a catalog file/);
  });

  it('exits 2 from catalog:import for a file over the size cap', async () => {
    const file = await tempFile('huge.json', '');
    const fh = await open(file, 'r+');
    await fh.truncate(CATALOG_LIMITS.fileBytes + 10);
    await fh.close();
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args) => void out.push(args.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...args) => void out.push(args.join(' ')));
    try {
      expect(await main([file, '--dry-run'])).toBe(2);
    } finally {
      vi.restoreAllMocks();
    }
    expect(out.join('\n')).toMatch(/over the 50\.0 MB limit/);
  });

  it('applies the same limits to the bundled loader and exports them for other catalog sources', () => {
    expect(
      catalogFieldProblems({ category: 'C'.repeat(101), imageUrls: ['gopher://x.example/'], detailPageUrl: 'https://evil.example/dp/B000000000' }).map(
        (p) => p.field,
      ),
    ).toEqual(['category', 'imageUrls', 'detailPageUrl']);
  });
});

describe('whole-file errors', () => {
  it('names every missing required CSV column', async () => {
    await expect(readCatalogFile(fixture('missing-columns.csv'))).rejects.toThrow(CatalogFileError);
    await expect(readCatalogFile(fixture('missing-columns.csv'))).rejects.toThrow(/missing required columns: asin, title, commissionRate, detailPageUrl/);
  });

  it('names the file in whole-file errors', async () => {
    await expect(readCatalogFile(fixture('missing-columns.csv'))).rejects.toThrow(fixture('missing-columns.csv'));
  });

  it('rejects an empty CSV and shows the header to add', () => {
    expect(() => parseCatalogText('\n\n', 'csv')).toThrow(/empty.*asin,title,brand/);
  });

  it('rejects a CSV header that names the same field twice', () => {
    expect(() => parseCatalogText(`${HEADER},commission_rate\n`, 'csv')).toThrow(/"commissionRate" and "commission_rate"/);
  });

  it('rejects a CSV with an unterminated quote, explaining how to quote', () => {
    expect(() => parseCatalogText(`${HEADER}\n${line('B0TEST0001', { title: '"Voltix' })}\n`, 'csv')).toThrow(/double quotes/);
  });

  it('rejects JSON that is not an array and says to wrap the products in [ ]', async () => {
    await expect(readCatalogFile(fixture('not-an-array.json'))).rejects.toThrow(/must be an array of products.*an object.*\[ \]/);
  });

  it('rejects invalid JSON syntax', () => {
    expect(() => parseCatalogText('[{"asin": }]', 'json')).toThrow(CatalogFileError);
  });

  it('rejects an unknown extension and names the supported formats', async () => {
    await expect(readCatalogFile('/tmp/products.xlsx')).rejects.toThrow(/unknown file type "\.xlsx".*\.csv or \.json/);
  });

  it('reports a missing file with its path', async () => {
    await expect(readCatalogFile('/nonexistent/products.csv')).rejects.toThrow(
      /cannot read catalog file \/nonexistent\/products\.csv: the file does not exist/,
    );
  });

  it('sniffs the format of a .txt file or a file without extension from its content', async () => {
    const json = await tempFile('export.txt', JSON.stringify([{ ...JSON.parse(await readFile(fixture('products.json'), 'utf8'))[0] }]));
    const csvFile = await tempFile('export', csv(line('B0TEST0001')));
    expect((await readCatalogFile(json)).products).toHaveLength(1);
    expect((await readCatalogFile(csvFile)).products).toHaveLength(1);
  });
});

describe('reading fixture files', () => {
  it('reads a CSV file with good and bad rows', async () => {
    const { products, errors } = await readCatalogFile(fixture('products.csv'));
    expect(products.map((p) => p.asin)).toEqual(['B0TESTAAA1', 'B0TESTAAA3']);
    expect(products[0]).toMatchObject({ title: 'Voltix Portable Charger, 10000mAh, Black', commissionRate: 0.04 });
    expect(errors).toEqual([{ row: 3, field: 'price', reason: 'must be a number' }]);
  });

  it('reads a JSON file with good and bad elements', async () => {
    const { products, errors } = await readCatalogFile(fixture('products.json'));
    expect(products.map((p) => p.asin)).toEqual(['B0JSONAAA1']);
    expect(errors).toEqual([
      { row: 2, field: 'price', reason: 'must be greater than 0' },
      { row: 3, field: 'row', reason: 'must be an object with product fields but it is a string' },
    ]);
  });
});

describe('FileCatalogProvider', () => {
  it('yields the good rows and exposes the row errors as lastErrors', async () => {
    const provider = new FileCatalogProvider(fixture('products.csv'), { batchSize: 1 });
    const batches = await collect(provider);
    expect(batches.map((b) => b.map((p) => p.asin))).toEqual([['B0TESTAAA1'], ['B0TESTAAA3']]);
    expect(provider.lastErrors).toEqual([{ row: 3, field: 'price', reason: 'must be a number' }]);
  });

  it('throws, naming the file and the first errors, when no row is valid', async () => {
    const provider = new FileCatalogProvider(fixture('all-bad.csv'));
    await expect(collect(provider)).rejects.toThrow(
      /all-bad\.csv has no valid products \(3 row errors\): row 2, field asin: .*; row 2, field detailPageUrl: .*\/dp\/<ASIN>.*; row 3, field title: is required/,
    );
    expect(provider.lastErrors).toHaveLength(3);
  });

  it('passes whole-file errors through as CatalogFileError', async () => {
    await expect(collect(new FileCatalogProvider(fixture('not-an-array.json')))).rejects.toThrow(CatalogFileError);
  });
});

describe('createCatalogProvider', () => {
  it('uses the bundled catalog when no file is configured', () => {
    expect(createCatalogProvider({})).toBeInstanceOf(BundledCatalogProvider);
  });

  it('uses the file when catalogFile is set', () => {
    const provider = createCatalogProvider({ catalogFile: fixture('products.csv'), batchSize: 10 });
    expect(provider).toBeInstanceOf(FileCatalogProvider);
    expect(provider.name).toBe(`file:${fixture('products.csv')}`);
  });
});

describe('catalog:import CLI', () => {
  afterEach(() => vi.restoreAllMocks());

  function captureOutput() {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args) => void out.push(args.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...args) => void out.push(args.join(' ')));
    return out;
  }

  it('validateCatalogFile returns the good products and the row errors', async () => {
    const report = await validateCatalogFile(fixture('products.csv'));
    expect(report.products).toHaveLength(2);
    expect(report.errors).toEqual([{ row: 3, field: 'price', reason: 'must be a number' }]);
  });

  it('prints each row error as "row N, field F: reason", at most 50, then "... and K more"', () => {
    const errors = Array.from({ length: 53 }, (_, i) => ({ row: i + 2, field: 'price', reason: 'must be a number' }));
    const lines = formatReport({ file: 'x.csv', products: [], errors });
    expect(lines).toContain('  row 2, field price: must be a number');
    expect(lines.filter((l) => l.includes('field price'))).toHaveLength(50);
    expect(lines.at(-1)).toBe('  ... and 3 more');
  });

  it('exits 0 when every row is valid', async () => {
    const file = await tempFile('good.csv', csv(line('B0TEST0001')));
    const out = captureOutput();
    expect(await main([file, '--dry-run'])).toBe(0);
    expect(out.join('\n')).toMatch(/1 valid product row\b/);
  });

  it('exits 1 and lists the errors when some rows are invalid', async () => {
    const out = captureOutput();
    expect(await main([fixture('products.csv'), '--dry-run'])).toBe(1);
    expect(out.join('\n')).toContain('row 3, field price: must be a number');
  });

  it('exits 2 with the problem for a whole-file error', async () => {
    const out = captureOutput();
    expect(await main([fixture('missing-columns.csv')])).toBe(2);
    expect(out.join('\n')).toMatch(/missing required columns/);
  });

  it('exits 2 with a usage line when the file argument is missing', async () => {
    const out = captureOutput();
    expect(await main(['--dry-run'])).toBe(2);
    expect(out.join('\n')).toMatch(/usage: npm run catalog:import -- <file/);
  });
});
