import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogProductSchema, type CatalogProduct } from '../../src/domain/product.js';
import { catalogFieldProblems } from '../../src/providers/catalog/limits.js';
import {
  AssociateNotEligibleError,
  CREATORS_RESOURCES,
  CreatorsApiClient,
  CreatorsApiError,
  defaultTokenUrl,
  parseRetryAfter,
  type CreatorsApiOptions,
  type CreatorsCredentialVersion,
  type CreatorsItem,
} from '../../src/providers/catalog/creators/client.js';
import {
  CreatorsCatalogProvider,
  DEFAULT_CATALOG_SEARCHES,
  defaultCommissionRate,
  mapItem,
  parseCatalogSearches,
} from '../../src/providers/catalog/creators/catalog.js';
import { FakeCreatorsApi, type FakeCreatorsOptions } from '../fakes/creators-api.js';

const TAG = 'mystore-20';
const DOG_TOYS = { keywords: 'dog toys', searchIndex: 'PetSupplies' };
const servers: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startFake(opts: FakeCreatorsOptions = {}): Promise<FakeCreatorsApi> {
  const fake = await FakeCreatorsApi.start({ tps: 20, ...opts });
  servers.push(fake);
  return fake;
}

function clientFor(fake: FakeCreatorsApi, version: CreatorsCredentialVersion = '3.1', over: Partial<CreatorsApiOptions> = {}): CreatorsApiClient {
  return new CreatorsApiClient({
    ...fake.credentials(version),
    version,
    marketplace: 'www.amazon.com',
    partnerTag: TAG,
    apiUrl: fake.apiUrl,
    tokenUrl: fake.tokenUrl(version),
    requestsPerSecond: 20,
    backoffBaseMs: 10,
    ...over,
  });
}

const statuses = (fake: FakeCreatorsApi) => fake.apiRequests().map((r) => r.status);

describe('Creators API client: tokens', () => {
  it('gets a 2.x token from Cognito with a form body and scope creatorsapi/default', async () => {
    const fake = await startFake();
    await clientFor(fake, '2.1').searchItems(DOG_TOYS);
    const [token] = fake.requests;
    expect(token).toMatchObject({ path: '/oauth2/token', status: 200, contentType: 'application/x-www-form-urlencoded' });
    expect(token.body).toEqual({ grant_type: 'client_credentials', client_id: 'fake-credential-2.1', scope: 'creatorsapi/default' });
  });

  it('gets a 3.x token from Login with Amazon with a JSON body and scope creatorsapi::default', async () => {
    const fake = await startFake();
    await clientFor(fake, '3.2').searchItems(DOG_TOYS);
    const [token] = fake.requests;
    expect(token).toMatchObject({ path: '/auth/o2/token', status: 200, contentType: 'application/json' });
    expect(token.body).toEqual({ grant_type: 'client_credentials', client_id: 'fake-credential-3.2', scope: 'creatorsapi::default' });
  });

  it('defaults to the token URL of the credential version', () => {
    expect(defaultTokenUrl('2.2')).toBe('https://creatorsapi.auth.eu-south-2.amazoncognito.com/oauth2/token');
    expect(defaultTokenUrl('3.1')).toBe('https://api.amazon.com/auth/o2/token');
  });

  it('caches the token, and concurrent calls share one token request', async () => {
    const fake = await startFake();
    const client = clientFor(fake);
    await Promise.all([1, 2, 3].map((itemPage) => client.searchItems({ ...DOG_TOYS, itemPage })));
    await client.getItems(fake.searchAsins(DOG_TOYS).slice(0, 2));
    expect(fake.tokensIssued).toBe(1);
    expect(client.stats).toMatchObject({ tokenRequests: 1, requests: 4 });
  });

  it('fetches a new token before the cached one expires', async () => {
    const fake = await startFake({ tokenTtlSec: 1 });
    const client = clientFor(fake, '2.3');
    await client.searchItems(DOG_TOYS);
    await new Promise((r) => setTimeout(r, 600));
    await client.searchItems(DOG_TOYS);
    expect(fake.tokensIssued).toBe(2);
    expect(statuses(fake)).toEqual([200, 200]);
  });

  it('replaces a token the API calls expired and retries the call once', async () => {
    const fake = await startFake();
    const client = clientFor(fake);
    await client.searchItems(DOG_TOYS);
    fake.expireTokens();
    const r = await client.searchItems(DOG_TOYS);
    expect(r.items).toHaveLength(10);
    expect(statuses(fake)).toEqual([200, 401, 200]);
    expect(fake.tokensIssued).toBe(2);
  });

  it('fails after one token refresh when the API still says 401, naming the settings to fix', async () => {
    const fake = await startFake();
    const client = clientFor(fake, '2.1');
    fake.failNext('unauthorized', 2);
    const err = await client.searchItems(DOG_TOYS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CreatorsApiError);
    expect(err).toMatchObject({ status: 401, retryable: false });
    expect((err as Error).message).toMatch(
      /AMAZON_CREATORS_CREDENTIAL_ID, AMAZON_CREATORS_CREDENTIAL_SECRET and AMAZON_CREATORS_CREDENTIAL_VERSION \(now 2\.1/,
    );
    expect(fake.tokensIssued).toBe(2);
    expect(statuses(fake)).toEqual([401, 401]);
  });

  it.each(['2.1', '3.1'] as const)('names the token URL and status when a %s credential is refused, never the secret', async (version) => {
    const fake = await startFake();
    const client = clientFor(fake, version, { credentialSecret: 'wrong-secret-123456' });
    const err = (await client.searchItems(DOG_TOYS).catch((e: unknown) => e)) as CreatorsApiError;
    expect(err.message).toContain(`Creators API token request to ${fake.tokenUrl(version)} failed with HTTP ${version === '2.1' ? 400 : 401} (invalid_client`);
    expect(err.message).toContain('AMAZON_CREATORS_CREDENTIAL_SECRET');
    expect(err.message).not.toContain('wrong-secret-123456');
    expect(fake.apiRequests()).toHaveLength(0);
  });
});

describe('Creators API client: calls', () => {
  it.each([
    ['2.1', /^Bearer \S+, Version 2\.1$/],
    ['3.1', /^Bearer \S+$/],
  ] as const)('sends the SDK headers and body for a %s credential', async (version, authorization) => {
    const fake = await startFake();
    await clientFor(fake, version).searchItems({ ...DOG_TOYS, itemPage: 2 });
    const [call] = fake.apiRequests();
    expect(call.authorization).toMatch(authorization);
    expect(call).toMatchObject({ path: '/catalog/v1/searchItems', marketplace: 'www.amazon.com', contentType: 'application/json; charset=utf-8' });
    expect(call.body).toEqual({
      partnerTag: TAG,
      keywords: 'dog toys',
      searchIndex: 'PetSupplies',
      itemCount: 10,
      itemPage: 2,
      resources: [...CREATORS_RESOURCES],
    });
  });

  it('paces calls at the configured rate: never faster, no 429, no idle time beyond the budget', async () => {
    const fake = await startFake({ tps: 10 });
    const client = clientFor(fake, '3.1', { requestsPerSecond: 10 });
    await client.searchItems(DOG_TOYS); // the token first
    await Promise.all([1, 2, 3, 4, 5].map((itemPage) => client.searchItems({ ...DOG_TOYS, itemPage })));
    // Arrival times at the fake: 100 ms apart, less the arrival jitter the fake forgives (20 ms).
    const times = fake.apiRequests().map((r) => r.time);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(80);
    expect(times[5] - times[0]).toBeGreaterThanOrEqual(480);
    expect(times[5] - times[0]).toBeLessThan(600);
    expect(statuses(fake)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(client.stats.throttled).toBe(0);
  });

  it('is throttled by the fake when it calls faster than the limit', async () => {
    const fake = await startFake({ tps: 5 });
    const client = clientFor(fake, '3.1', { requestsPerSecond: 100, maxAttempts: 1 });
    const results = await Promise.allSettled([1, 2, 3].map((itemPage) => client.searchItems({ ...DOG_TOYS, itemPage })));
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toContainEqual(
      expect.objectContaining({ status: 429, code: 'ThrottleException', retryable: true }),
    );
  });

  it('waits as long as Retry-After says on a 429, heartbeating while it waits', async () => {
    const fake = await startFake({ retryAfterSec: 1 });
    let waits = 0;
    const client = clientFor(fake, '3.1', { onWait: () => waits++ });
    fake.failNext('throttle');
    const t0 = performance.now();
    await client.searchItems(DOG_TOYS);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(statuses(fake)).toEqual([429, 200]);
    expect(client.stats).toMatchObject({ throttled: 1, retries: 1 });
    expect(client.stats.waitedMs).toBeGreaterThanOrEqual(990);
    expect(waits).toBeGreaterThanOrEqual(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-05-01T12:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Fri, 01 May 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('retries server errors with backoff, then gives up with a retryable error', async () => {
    const fake = await startFake();
    const client = clientFor(fake, '3.1', { maxAttempts: 3 });
    fake.failNext('server', 2);
    expect((await client.searchItems(DOG_TOYS)).items).toHaveLength(10);
    expect(client.stats.retries).toBe(2);
    fake.failNext('server', 3);
    await expect(client.searchItems(DOG_TOYS)).rejects.toMatchObject({ status: 500, code: 'InternalServerException', retryable: true });
  });

  it('does not retry AssociateNotEligible and explains the eligibility rule', async () => {
    const fake = await startFake();
    fake.failNext('associate-not-eligible');
    const err = await clientFor(fake)
      .searchItems(DOG_TOYS)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AssociateNotEligibleError);
    expect(err).toMatchObject({ status: 403, reason: 'AssociateNotEligible', retryable: false });
    expect((err as Error).message).toMatch(/10 qualified shipped sales in the trailing 30 days; until then products come from the bundled catalog/);
    expect(fake.apiRequests()).toHaveLength(1);
  });

  it('treats 404 ResourceNotFound as no results, but a 404 without the API JSON as a wrong URL', async () => {
    const fake = await startFake({ itemsPerQuery: 15 });
    const r = await clientFor(fake).searchItems({ ...DOG_TOYS, itemPage: 3 });
    expect(r).toEqual({ items: [], errors: [] });
    await expect(clientFor(fake, '3.1', { apiUrl: `${fake.apiUrl}/v2` }).searchItems(DOG_TOYS)).rejects.toThrow(/AMAZON_CREATORS_API_URL/);
  });

  it('returns the partial errors of a 200 with their ASINs', async () => {
    const fake = await startFake();
    const [a, b] = fake.searchAsins(DOG_TOYS);
    fake.setPartialErrors([b]);
    const r = await clientFor(fake).getItems([a, b, 'B0NOTKNOWN']);
    expect(r.items.map((i) => i.asin)).toEqual([a]);
    expect(r.errors).toEqual([
      { asin: b, code: 'ItemNotAccessible', message: expect.stringContaining(b) },
      { asin: 'B0NOTKNOWN', code: 'ItemNotAccessible', message: expect.stringContaining('B0NOTKNOWN') },
    ]);
  });

  it('refuses more than 10 ASINs before calling', async () => {
    const fake = await startFake();
    await expect(clientFor(fake).getItems(Array.from({ length: 11 }, (_, i) => `B0000000${String(i).padStart(2, '0')}`))).rejects.toThrow(RangeError);
    expect(fake.requests).toHaveLength(0);
  });

  it('turns a response of an unknown shape into a clear error, and a malformed item into an error entry', async () => {
    let answer: unknown = { searchResult: 'nope' };
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url === '/token' ? { access_token: 'tok' } : answer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push({ close: () => new Promise<void>((r) => server.close(() => r())) });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = clientFor(await startFake(), '3.1', { apiUrl: base, tokenUrl: `${base}/token` });
    await expect(client.searchItems(DOG_TOYS)).rejects.toMatchObject({ code: 'UnexpectedResponse', message: expect.stringContaining('searchResult') });
    answer = { searchResult: { items: [{ asin: 'B0AAAAAAAA', offersV2: { listings: [{ price: { money: { amount: '12.99' } } }] } }] } };
    const r = await client.searchItems(DOG_TOYS);
    expect(r.items).toEqual([]);
    expect(r.errors).toEqual([{ asin: 'B0AAAAAAAA', code: 'InvalidItem', message: expect.stringContaining('offersV2.listings.0.price.money.amount') }]);
  });

  it('stops waiting when its signal is aborted', async () => {
    const fake = await startFake({ retryAfterSec: 30 });
    const abort = new AbortController();
    fake.failNext('throttle');
    setTimeout(() => abort.abort(), 100);
    const t0 = performance.now();
    await expect(clientFor(fake, '3.1', { signal: abort.signal }).searchItems(DOG_TOYS)).rejects.toThrow(/abort/i);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

const ctx = { category: 'Pet Supplies', commissionRate: 0.03 };
const url = 'https://www.amazon.com/dp/B0TESTASIN?tag=mystore-20&linkCode=ogi&th=1&psc=1';
function item(over: Partial<CreatorsItem> = {}): CreatorsItem {
  return {
    asin: 'B0TESTASIN',
    detailPageURL: url,
    itemInfo: { title: { displayValue: '  Pawsome Squeaky Dog Toy, Pack of 3  ' }, byLineInfo: { brand: { displayValue: 'Pawsome' } } },
    images: { primary: { large: { url: 'https://m.media-amazon.com/images/I/71abc.jpg' } } },
    offersV2: { listings: [{ price: { money: { amount: 19.99, currency: 'USD' } }, availability: { type: 'InStock' } }] },
    browseNodeInfo: { websiteSalesRank: { salesRank: 321 } },
    customerReviews: { count: 1523, starRating: { value: 4.6 } },
    ...over,
  };
}
const product = (r: ReturnType<typeof mapItem>): CatalogProduct => ('product' in r ? r.product : expect.fail(`not a product: ${JSON.stringify(r.error)}`));
const error = (r: ReturnType<typeof mapItem>) => ('error' in r ? r.error : expect.fail('expected an error'));

describe('mapItem', () => {
  it('maps an item to a catalog product, keeping detailPageURL verbatim', () => {
    expect(product(mapItem(item(), ctx))).toEqual({
      asin: 'B0TESTASIN',
      title: 'Pawsome Squeaky Dog Toy, Pack of 3',
      brand: 'Pawsome',
      category: 'Pet Supplies',
      price: 19.99,
      currency: 'USD',
      commissionRate: 0.03,
      rating: 4.6,
      reviewCount: 1523,
      salesRank: 321,
      imageUrls: ['https://m.media-amazon.com/images/I/71abc.jpg'],
      detailPageUrl: url,
    });
  });

  it('takes the buy-box winner price, else the first listing', () => {
    const listings = [{ price: { money: { amount: 25 } } }, { price: { money: { amount: 21 } }, isBuyBoxWinner: true }];
    expect(product(mapItem(item({ offersV2: { listings } }), ctx)).price).toBe(21);
    expect(product(mapItem(item({ offersV2: { listings: [listings[0]] } }), ctx)).price).toBe(25);
  });

  it('falls back from brand to manufacturer to Generic; missing reviews and rank become null/0', () => {
    const byManufacturer = item({ itemInfo: { title: { displayValue: 'A dog toy' }, byLineInfo: { manufacturer: { displayValue: 'Acme Pets' } } } });
    expect(product(mapItem(byManufacturer, ctx)).brand).toBe('Acme Pets');
    const bare = product(
      mapItem(item({ itemInfo: { title: { displayValue: 'A dog toy' } }, customerReviews: null, browseNodeInfo: { browseNodes: [{ salesRank: 77 }] } }), ctx),
    );
    expect(bare).toMatchObject({ brand: 'Generic', rating: null, reviewCount: 0, salesRank: 77 });
  });

  it('skips items without a price or out of stock, with an error entry', () => {
    expect(error(mapItem(item({ offersV2: null }), ctx))).toMatchObject({ asin: 'B0TESTASIN', code: 'NoOffer' });
    for (const type of ['OutOfStock', 'OUT_OF_STOCK']) {
      expect(error(mapItem(item({ offersV2: { listings: [{ availability: { type } }] } }), ctx)).code).toBe('Unavailable');
    }
  });

  it('turns an item that breaks the catalog rules into an error entry instead of throwing', () => {
    const e = error(mapItem(item({ detailPageURL: 'https://evil.example/dp/B0TESTASIN' }), ctx));
    expect(e).toMatchObject({ code: 'InvalidItem', message: expect.stringContaining('detailPageUrl') });
    expect(error(mapItem(item({ asin: 'nope' }), ctx)).code).toBe('InvalidItem');
  });

  it('trims an over-long title to the schema maximum', () => {
    const p = product(mapItem(item({ itemInfo: { title: { displayValue: 'Dog toy '.repeat(100) } } }), ctx));
    expect(p.title.length).toBeLessThanOrEqual(500);
  });
});

describe('CreatorsCatalogProvider', () => {
  it('yields searched products page by page, then refreshes known products the searches missed', async () => {
    const fake = await startFake();
    const kitchen = { keywords: 'kitchen gadgets', searchIndex: 'HomeAndKitchen' };
    const [gone] = fake.searchAsins(DOG_TOYS, 2);
    fake.setUnavailable([gone]);
    const [stored1, stored2] = fake.searchAsins({ keywords: 'usb cables' });
    const known = [fake.searchAsins(DOG_TOYS)[0], stored1, stored2, 'B0NOTKNOWN'].map((asin) => ({ asin, category: 'Electronics', commissionRate: 0.025 }));
    const provider = new CreatorsCatalogProvider({
      client: clientFor(fake),
      searches: [
        { category: 'Pet Supplies', ...DOG_TOYS, pages: 2 },
        { category: 'Home & Kitchen', ...kitchen, commissionRate: 0.045 },
      ],
      knownProducts: () => Promise.resolve(known),
    });
    const batches: CatalogProduct[][] = [];
    for await (const batch of provider.fetchProducts()) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([10, 9, 10, 2]);
    const all = batches.flat();
    expect(all.find((p) => p.asin === fake.searchAsins(DOG_TOYS)[0])).toMatchObject({ category: 'Pet Supplies', commissionRate: 0.03 });
    expect(all.filter((p) => p.asin === stored1 || p.asin === stored2)).toEqual([
      expect.objectContaining({ category: 'Electronics', commissionRate: 0.025 }),
      expect.objectContaining({ category: 'Electronics', commissionRate: 0.025 }),
    ]);
    expect(all.filter((p) => p.category === 'Home & Kitchen').every((p) => p.commissionRate === 0.045)).toBe(true);
    for (const p of all) {
      expect(catalogProductSchema.parse(p)).toEqual(p);
      expect(catalogFieldProblems(p)).toEqual([]);
      expect(p.detailPageUrl).toBe(`https://www.amazon.com/dp/${p.asin}?tag=${TAG}&linkCode=ogi&th=1&psc=1`);
    }
    expect(provider.lastErrors.map((e) => [e.asin, e.code])).toEqual([
      [gone, 'Unavailable'],
      ['B0NOTKNOWN', 'ItemNotAccessible'],
    ]);
    expect(fake.apiRequests().map((r) => r.path.split('/').pop())).toEqual(['searchItems', 'searchItems', 'searchItems', 'getItems']);
    expect(fake.apiRequests()[3].body.itemIds).toEqual([stored1, stored2, 'B0NOTKNOWN']);
  });

  it('stops paging a search when a page comes back short', async () => {
    const fake = await startFake({ itemsPerQuery: 15 });
    const provider = new CreatorsCatalogProvider({ client: clientFor(fake), searches: [{ category: 'Pet Supplies', ...DOG_TOYS, pages: 5 }] });
    const batches: CatalogProduct[][] = [];
    for await (const batch of provider.fetchProducts()) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([10, 5]);
    expect(fake.apiRequests()).toHaveLength(2);
  });

  it('lets AssociateNotEligibleError through, so the caller can fall back to the bundled catalog', async () => {
    const fake = await startFake();
    fake.failNext('associate-not-eligible');
    const provider = new CreatorsCatalogProvider({ client: clientFor(fake), searches: DEFAULT_CATALOG_SEARCHES });
    await expect(provider.fetchProducts()[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(AssociateNotEligibleError);
  });
});

describe('CATALOG_SEARCHES and commission rates', () => {
  it('parses a valid list; a numeric browseNodeId becomes a string', () => {
    expect(parseCatalogSearches('[{"category":"Pet Supplies","keywords":"dog toys","pages":2},{"category":"Toys & Games","browseNodeId":165793011}]')).toEqual([
      { category: 'Pet Supplies', keywords: 'dog toys', pages: 2 },
      { category: 'Toys & Games', browseNodeId: '165793011' },
    ]);
    expect(parseCatalogSearches(JSON.stringify(DEFAULT_CATALOG_SEARCHES))).toEqual(DEFAULT_CATALOG_SEARCHES);
  });

  it.each([
    ['{not json', /CATALOG_SEARCHES is not valid JSON .*expected an array such as \[\{"category"/],
    ['{"category":"Pets"}', /must be a JSON array/],
    ['[]', /empty array/],
    [
      '[{"category":"Pets","keywords":"dog toys"},{"category":"Toys"}]',
      /entry 2 \(\{"category":"Toys"\}\): needs "keywords" or "browseNodeId"; each entry looks like \[/,
    ],
    ['[{"category":"Pets","keyword":"dog toys"}]', /entry 1 .*keyword/],
    ['[{"category":"Pets","keywords":"dog toys","pages":11}]', /entry 1 .*"pages" must be 1 to 10/],
  ])('refuses %s with a message naming the problem', (raw, message) => {
    expect(() => parseCatalogSearches(raw)).toThrow(message);
  });

  it('uses the Associates US fee rates, 4 % for all other categories', () => {
    expect(defaultCommissionRate('Books')).toBe(0.045);
    expect(defaultCommissionRate('Kitchen & Dining')).toBe(0.045);
    expect(defaultCommissionRate('Home & Kitchen')).toBe(0.03);
    expect(defaultCommissionRate('Pet Supplies')).toBe(0.03);
    expect(defaultCommissionRate('Health & Household')).toBe(0.01);
    expect(defaultCommissionRate('Luxury Beauty')).toBe(0.1);
    expect(defaultCommissionRate('Clothing, Shoes & Jewelry')).toBe(0.04);
    expect(defaultCommissionRate('Electronics')).toBe(0.04);
    expect(defaultCommissionRate('Something New')).toBe(0.04);
  });
});

describe('the fake refuses what the real service refuses', () => {
  const post = (u: string, contentType: string, body: string, headers: Record<string, string> = {}) =>
    fetch(u, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body }).then(async (r) => ({ status: r.status, body: await r.json() }));

  /** A token request as the client sends it for `version`, with one thing changed. */
  const tokenRequest = (
    fake: FakeCreatorsApi,
    version: CreatorsCredentialVersion,
    o: { json?: boolean; scope?: string; as?: CreatorsCredentialVersion; secret?: string } = {},
  ) => {
    const lwa = version.startsWith('3.');
    const c = fake.credentials(o.as ?? version);
    const scope = o.scope ?? (lwa ? 'creatorsapi::default' : 'creatorsapi/default');
    const fields = { grant_type: 'client_credentials', client_id: c.credentialId, client_secret: o.secret ?? c.credentialSecret, scope };
    const json = o.json ?? lwa;
    return post(
      fake.tokenUrl(version),
      json ? 'application/json' : 'application/x-www-form-urlencoded',
      json ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
    );
  };

  it.each([
    ['a JSON body at Cognito (2.x)', '2.1', { json: true }, 400, 'invalid_request'],
    ['a form body at Login with Amazon (3.x)', '3.1', { json: false }, 400, 'invalid_request'],
    ['the LwA scope at Cognito', '2.1', { scope: 'creatorsapi::default' }, 400, 'invalid_scope'],
    ['the Cognito scope at LwA', '3.1', { scope: 'creatorsapi/default' }, 400, 'invalid_scope'],
    ['a wrong secret at Cognito', '2.1', { secret: 'x' }, 400, 'invalid_client'],
    ['a wrong secret at LwA', '3.1', { secret: 'x' }, 401, 'invalid_client'],
    ['a 2.x credential at LwA', '3.1', { as: '2.1' }, 401, 'invalid_client'],
  ] as const)('refuses a token request with %s', async (_, version, o, status, error) => {
    const fake = await startFake();
    expect(await tokenRequest(fake, version, o)).toMatchObject({ status, body: { error } });
  });

  it('refuses a malformed Authorization, a missing or unknown marketplace and out-of-range parameters', async () => {
    const fake = await startFake({ tps: 1000 });
    const token = async (v: CreatorsCredentialVersion) => (await tokenRequest(fake, v)).body.access_token as string;
    const t2 = await token('2.1');
    const call = (op: string, body: object, headers: Record<string, string>, contentType = 'application/json; charset=utf-8') =>
      post(`${fake.apiUrl}/catalog/v1/${op}`, contentType, JSON.stringify({ partnerTag: TAG, ...body }), headers);
    const ok = { authorization: `Bearer ${t2}, Version 2.1`, 'x-marketplace': 'www.amazon.com' };
    const search = { keywords: 'dog toys' };
    expect((await call('searchItems', search, ok)).status).toBe(200);
    expect(await call('searchItems', search, { ...ok, authorization: `Bearer ${t2}` })).toMatchObject({ status: 401, body: { type: 'UnauthorizedException' } });
    expect((await call('searchItems', search, { ...ok, authorization: `Bearer ${t2}, Version 2.2` })).status).toBe(401);
    expect((await call('searchItems', search, { ...ok, authorization: `Bearer ${t2},Version 2.1` })).status).toBe(401);
    const t3 = await token('3.1');
    expect((await call('searchItems', search, { ...ok, authorization: `Bearer ${t3}` })).status).toBe(200);
    expect((await call('searchItems', search, { authorization: ok.authorization })).body).toMatchObject({
      type: 'ValidationException',
      fieldList: [{ name: 'x-marketplace' }],
    });
    expect((await call('searchItems', search, { ...ok, 'x-marketplace': 'www.amazon.xx' })).status).toBe(400);
    expect((await call('searchItems', search, ok, 'text/plain')).body).toMatchObject({ reason: 'CannotParse' });
    expect((await call('searchItems', { ...search, itemCount: 11 }, ok)).body).toMatchObject({ fieldList: [{ name: 'itemCount' }] });
    expect((await call('searchItems', { ...search, resources: ['itemInfo.colour'] }, ok)).body).toMatchObject({ fieldList: [{ name: 'resources' }] });
    expect((await call('searchItems', { ...search, partnerTag: undefined }, ok)).body).toMatchObject({ reason: 'InvalidPartnerTag' });
    const eleven = Array.from({ length: 11 }, (_, i) => `B0000000${String(i).padStart(2, '0')}`);
    expect(await call('getItems', { itemIds: eleven }, ok)).toMatchObject({ status: 400, body: { fieldList: [{ name: 'itemIds' }] } });
    expect(await call('getItems', { itemIds: ['not-an-asin'] }, ok)).toMatchObject({ status: 400 });
  });
});
