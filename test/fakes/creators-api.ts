// A local fake of Amazon's Creators API and its two token endpoints (Amazon Cognito
// for 2.x credentials, Login with Amazon for 3.x) on 127.0.0.1:<random>. It refuses
// what the real service refuses (wrong body encoding or scope at the token endpoint,
// a malformed Authorization header, a missing marketplace, out-of-range parameters,
// requests above the rate limit) with the real error shapes, so tests catch what
// production would.
//
// Sources: Amazon's Python SDK 1.2.0 vendored in sergioteula/python-amazon-paapi
// (creatorsapi_python_sdk/: auth/*, api_client.py, api/default_api.py, models/*) and its
// wrapper (amazon_creatorsapi/: core/marketplaces.py, tests/), the Cognito token endpoint
// docs (https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html);
// see /work/shared/PROTOCOLS.md section 1. What no source shows is marked [guess].
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CREATORS_VERSIONS as VERSIONS, isLwaVersion as isLwa, type CreatorsCredentialVersion } from '../../src/providers/catalog/creators/client.js';

export type FaultKind = 'throttle' | 'server' | 'associate-not-eligible' | 'unauthorized';

export interface FakeCreatorsOptions {
  /** Requests per second the API accepts (token bucket, burst 1); default 1. */
  tps?: number;
  /** Sent as Retry-After on 429s when set [guess: whether the real API sends it]. */
  retryAfterSec?: number;
  /** expires_in of issued tokens; default 3600. */
  tokenTtlSec?: number;
  /** Results a search has in total (10 pages of 10 at most); default 100. */
  itemsPerQuery?: number;
}

export interface FakeRequest {
  path: string;
  /** performance.now() when the request arrived. */
  time: number;
  status: number;
  authorization?: string;
  marketplace?: string;
  contentType?: string;
  body?: any;
  /** The error type or code answered, if any. */
  error?: string;
}

/** Marketplace hosts (amazon_creatorsapi/core/marketplaces.py) and their currencies. */
const MARKETPLACES = new Map<string, string>(
  'com.au:AUD com.be:EUR com.br:BRL ca:CAD fr:EUR de:EUR in:INR it:EUR co.jp:JPY com.mx:MXN nl:EUR pl:PLN sg:SGD sa:SAR es:EUR se:SEK com.tr:TRY ae:AED co.uk:GBP com:USD'
    .split(' ')
    .map((m) => [`www.amazon.${m.split(':')[0]}`, m.split(':')[1]] as const),
);

/** models/get_items_resource.py; search_items_resource.py adds searchRefinements. */
const ITEM_RESOURCES = new Set([
  'browseNodeInfo.browseNodes',
  'browseNodeInfo.browseNodes.ancestor',
  'browseNodeInfo.browseNodes.salesRank',
  'browseNodeInfo.websiteSalesRank',
  'customerReviews.count',
  'customerReviews.starRating',
  ...['primary', 'variants'].flatMap((t) => ['small', 'medium', 'large', 'highRes'].map((s) => `images.${t}.${s}`)),
  ...[
    'byLineInfo',
    'contentInfo',
    'contentRating',
    'classifications',
    'externalIds',
    'features',
    'manufactureInfo',
    'productInfo',
    'technicalInfo',
    'title',
    'tradeInInfo',
  ].map((f) => `itemInfo.${f}`),
  ...['availability', 'condition', 'dealDetails', 'isBuyBoxWinner', 'loyaltyPoints', 'merchantInfo', 'price', 'type'].map((f) => `offersV2.listings.${f}`),
  'parentASIN',
]);
const SEARCH_RESOURCES = new Set([...ITEM_RESOURCES, 'searchRefinements']);

const ASIN_RE = /^[A-Z0-9]{10}$/;
/** Arrival jitter the rate limit forgives: a client pacing at exactly 1/tps is never refused [guess: the real tolerance is unknown]. */
const JITTER_MS = 20;

type Token = { version: CreatorsCredentialVersion; expiresAt: number };
type Generated = { key: string; index: number; noun: string };

export class FakeCreatorsApi {
  readonly requests: FakeRequest[] = [];
  /** Access tokens issued so far. */
  tokensIssued = 0;
  private readonly tokens = new Map<string, Token>();
  private readonly generated = new Map<string, Generated>();
  private readonly faults: FaultKind[] = [];
  private readonly partialErrors = new Set<string>();
  private readonly unavailable = new Set<string>();
  private bucket = 1;
  private bucketAt = performance.now();
  private readonly tps: number;
  private readonly tokenTtlSec: number;
  private readonly itemsPerQuery: number;

  private constructor(
    private readonly server: http.Server,
    readonly apiUrl: string,
    private readonly opts: FakeCreatorsOptions,
  ) {
    this.tps = opts.tps ?? 1;
    this.tokenTtlSec = opts.tokenTtlSec ?? 3600;
    this.itemsPerQuery = Math.min(100, opts.itemsPerQuery ?? 100);
  }

  static async start(opts: FakeCreatorsOptions = {}): Promise<FakeCreatorsApi> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeCreatorsApi(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, opts);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const time = performance.now();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => fake.handle(req, res, Buffer.concat(chunks).toString('utf8'), time));
    });
    return fake;
  }

  /** `${base}/oauth2/token` (Cognito, form-encoded) for 2.x; `${base}/auth/o2/token` (LwA, JSON) for 3.x. */
  tokenUrl(version: CreatorsCredentialVersion): string {
    return `${this.apiUrl}${isLwa(version) ? '/auth/o2/token' : '/oauth2/token'}`;
  }

  /** The one credential the fake knows for each version. */
  credentials(version: CreatorsCredentialVersion): { credentialId: string; credentialSecret: string } {
    return { credentialId: `fake-credential-${version}`, credentialSecret: `fake-secret-${version.replace('.', '')}-x7Q2` };
  }

  /** Every issued token is expired from now on (the API answers 401 TokenExpired). */
  expireTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  /** The next `times` API calls fail this way (after the Authorization check). */
  failNext(kind: FaultKind, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(kind);
  }

  /** These ASINs come back as partial `errors` (ItemNotAccessible) instead of items. */
  setPartialErrors(asins: string[]): void {
    for (const a of asins) this.partialErrors.add(a);
  }

  /** These ASINs are out of stock: an offer listing with availability OutOfStock and no price. */
  setUnavailable(asins: string[]): void {
    for (const a of asins) this.unavailable.add(a);
  }

  /** The ASINs a search answers on a page, without a request (10 per page). */
  searchAsins(q: { keywords?: string; browseNodeId?: string; searchIndex?: string }, page = 1): string[] {
    const out: string[] = [];
    for (let i = (page - 1) * 10; i < Math.min(page * 10, this.itemsPerQuery); i++) out.push(this.generate(q, i).asin);
    return out;
  }

  apiRequests(): FakeRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/catalog/'));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------------------

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string, time: number): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const contentType = String(req.headers['content-type'] ?? '');
    const rec: FakeRequest = { path, time, status: 0, contentType };
    this.requests.push(rec);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      const b = body as { type?: string; error?: string } | undefined;
      if (status >= 400) rec.error = b?.type ?? b?.error;
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomBytes(8).toString('hex'), ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && path === '/oauth2/token') return this.cognitoToken(req, raw, rec, send);
    if (req.method === 'POST' && path === '/auth/o2/token') return this.lwaToken(raw, rec, send);
    rec.authorization = req.headers.authorization;
    rec.marketplace = req.headers['x-marketplace'] as string | undefined;
    if (path.startsWith('/catalog/v1/')) return this.api(req, raw, rec, send);
    rec.status = 404;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not Found');
  }

  // ---- token endpoints ----------------------------------------------------------

  /**
   * Cognito: "Content-Type: Must always be 'application/x-www-form-urlencoded'"; client id and
   * secret in the body or as Basic auth (token-endpoint.html). The docs' negative responses are
   * HTTP 400 `{"error":"invalid_request|invalid_client|..."}`. Older docs say unknown scopes are
   * ignored; the fake refuses them with invalid_scope [guess].
   */
  private cognitoToken(req: http.IncomingMessage, raw: string, rec: FakeRequest, send: Send): void {
    const form = new URLSearchParams(raw);
    rec.body = withoutSecret(Object.fromEntries(form));
    if (!rec.contentType?.startsWith('application/x-www-form-urlencoded')) return send(400, { error: 'invalid_request' });
    if (form.get('grant_type') !== 'client_credentials') return send(400, { error: 'unsupported_grant_type' });
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic) [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    const version = this.credentialVersion(id, secret);
    if (!version || isLwa(version)) return send(400, { error: 'invalid_client' });
    const scope = form.get('scope');
    if (scope !== null && scope !== 'creatorsapi/default') return send(400, { error: 'invalid_scope' });
    const token = `eyJraWQiOiJmYWtlIn0.${randomBytes(24).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
    send(200, { access_token: this.issue(token, version), expires_in: this.tokenTtlSec, token_type: 'Bearer' });
  }

  /**
   * Login with Amazon. The SDK sends JSON for 3.x (oauth2_token_manager.py); the fake refuses
   * a form body with invalid_request, stricter than LwA, whose other APIs document form bodies
   * (developer.amazon.com/docs/reports-promo/API-access.html) [guess]. An unknown client is
   * 401 invalid_client (documentation.onesignal.com: "Amazon returns a 401 INVALID_CLIENT");
   * error_description wording and the invalid_scope answer are [guess].
   */
  private lwaToken(raw: string, rec: FakeRequest, send: Send): void {
    const refuse = (status: number, error: string, error_description: string) => send(status, { error_description, error });
    if (!rec.contentType?.startsWith('application/json')) return refuse(400, 'invalid_request', 'The request has an invalid parameter : Content-Type');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
      rec.body = withoutSecret(body);
    } catch {
      return refuse(400, 'invalid_request', 'The request is malformed');
    }
    if (body.grant_type !== 'client_credentials') return refuse(400, 'unsupported_grant_type', 'Unsupported grant type');
    const version = this.credentialVersion(body.client_id, body.client_secret);
    if (!version || !isLwa(version)) return refuse(401, 'invalid_client', 'Client authentication failed');
    if (body.scope !== 'creatorsapi::default') return refuse(400, 'invalid_scope', 'An unknown scope was requested');
    const token = `Atc|${randomBytes(48).toString('base64url')}`;
    send(200, { access_token: this.issue(token, version), scope: 'creatorsapi::default', token_type: 'bearer', expires_in: this.tokenTtlSec });
  }

  private credentialVersion(id: unknown, secret: unknown): CreatorsCredentialVersion | undefined {
    return VERSIONS.find((v) => {
      const c = this.credentials(v);
      return c.credentialId === id && c.credentialSecret === secret;
    });
  }

  private issue(token: string, version: CreatorsCredentialVersion): string {
    this.tokens.set(token, { version, expiresAt: performance.now() + this.tokenTtlSec * 1000 });
    this.tokensIssued++;
    return token;
  }

  // ---- the API --------------------------------------------------------------------

  private api(req: http.IncomingMessage, raw: string, rec: FakeRequest, send: Send): void {
    const op = rec.path.slice('/catalog/v1/'.length);
    // ValidationExceptionReason has UnknownOperation (models/validation_exception_reason.py) [guess: the status for it].
    if (req.method !== 'POST' || (op !== 'searchItems' && op !== 'getItems')) return send(400, validation(`Unknown operation ${op}`, 'UnknownOperation'));

    // Authorization: "Bearer <token>, Version <v>" for 2.x; a plain "Bearer <token>" for 3.x (api_client.py,
    // SDK 1.2.0: "Version only for v2.x"). A 3.x token with a matching ", Version 3.x" is also accepted [guess].
    const auth = rec.authorization ?? '';
    if (!auth) return send(401, unauthorized('Missing Authorization header', 'MissingCredential'));
    const m = /^Bearer (\S+?)(?:, Version (\d\.\d))?$/.exec(auth);
    const token = m ? this.tokens.get(m[1]) : undefined;
    if (!m || !token) return send(401, unauthorized('Invalid token', 'InvalidToken'));
    if (token.expiresAt <= performance.now()) return send(401, unauthorized('The incoming token has expired', 'TokenExpired'));
    const sentVersion = m[2];
    if (isLwa(token.version) ? sentVersion !== undefined && sentVersion !== token.version : sentVersion !== token.version) {
      const expected = isLwa(token.version) ? `Bearer <token>` : `Bearer <token>, Version ${token.version}`;
      return send(401, unauthorized(`Authorization must be "${expected}" for a ${token.version} credential`, 'InvalidToken'));
    }

    const fault = this.faults.shift();
    if (fault) return this.sendFault(fault, send);
    if (!this.takeBucket(rec.time)) return this.sendThrottle(send);

    // [guess] Smithy services answer a wrong content type with 415; the SDK's error map has no 415, so 400 CannotParse.
    if (!(rec.contentType ?? '').startsWith('application/json')) return send(400, validation('Content-Type must be application/json', 'CannotParse'));
    const market = rec.marketplace;
    if (!market) return send(400, validation('Missing required header x-marketplace', 'FieldValidationFailed', 'x-marketplace'));
    const currency = MARKETPLACES.get(market);
    if (!currency) return send(400, validation(`Unknown marketplace ${market}`, 'FieldValidationFailed', 'x-marketplace'));
    let body: Record<string, any>;
    try {
      body = JSON.parse(raw) as Record<string, any>;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return send(400, validation('Could not parse the request body as a JSON object', 'CannotParse'));
    }
    rec.body = body;
    // partnerTag: required, at most 64 characters (models/get_items_request_content.py, search_items_request_content.py).
    const tag = body.partnerTag;
    if (typeof tag !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(tag))
      return send(400, validation('The partnerTag is invalid or not present', 'InvalidPartnerTag', 'partnerTag'));
    const resources = body.resources ?? [];
    const known = op === 'searchItems' ? SEARCH_RESOURCES : ITEM_RESOURCES;
    const badResource = Array.isArray(resources) ? resources.find((r) => !known.has(r)) : 'resources';
    if (badResource !== undefined)
      return send(400, validation(`Invalid value ${JSON.stringify(badResource)} for resources`, 'FieldValidationFailed', 'resources'));
    const ctx = { tag, market, currency, resources: new Set<string>(resources as string[]) };
    return op === 'searchItems' ? this.searchItems(body, ctx, send) : this.getItems(body, ctx, send);
  }

  private searchItems(body: Record<string, any>, ctx: Ctx, send: Send): void {
    const { keywords, browseNodeId, searchIndex } = body;
    const itemCount = body.itemCount ?? 10;
    const itemPage = body.itemPage ?? 1;
    // itemCount: the SDK allows 1..100; PA-API 5 allowed 1..10 [guess: the server keeps 10]. itemPage 1..10 (SDK).
    if (!Number.isInteger(itemCount) || itemCount < 1 || itemCount > 10)
      return send(400, validation('itemCount must be 1 to 10', 'FieldValidationFailed', 'itemCount'));
    if (!Number.isInteger(itemPage) || itemPage < 1 || itemPage > 10)
      return send(400, validation('itemPage must be 1 to 10', 'FieldValidationFailed', 'itemPage'));
    if (typeof keywords !== 'string' && typeof browseNodeId !== 'string') {
      return send(400, validation('Either keywords or browseNodeId must be provided', 'FieldValidationFailed', 'keywords'));
    }
    const q = { keywords, browseNodeId, searchIndex };
    const items: unknown[] = [];
    const errors: { code: string; message: string }[] = [];
    for (let i = (itemPage - 1) * itemCount; i < Math.min(itemPage * itemCount, this.itemsPerQuery); i++) {
      const g = this.generate(q, i);
      if (this.partialErrors.has(g.asin)) errors.push(notAccessible(g.asin));
      else items.push(this.itemJson(g, ctx));
    }
    // No results: 404 ResourceNotFoundException (the SDK's 404 model requires resourceId and resourceType) [guess: message].
    if (items.length === 0 && errors.length === 0) {
      return send(404, {
        type: 'ResourceNotFoundException',
        message: 'No results found for your request.',
        resourceId: keywords ?? browseNodeId,
        resourceType: 'SearchResult',
      });
    }
    const searchURL = `https://${ctx.market}/s?k=${encodeURIComponent(keywords ?? '')}&tag=${ctx.tag}`;
    send(200, { searchResult: { totalResultCount: this.itemsPerQuery, searchURL, items }, ...(errors.length ? { errors } : {}) });
  }

  private getItems(body: Record<string, any>, ctx: Ctx, send: Send): void {
    const ids = body.itemIds;
    // itemIds: required, 1..10 (models/get_items_request_content.py); each an ASIN.
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 10)
      return send(400, validation('itemIds must list 1 to 10 ASINs', 'FieldValidationFailed', 'itemIds'));
    const bad = ids.find((a) => typeof a !== 'string' || !ASIN_RE.test(a));
    if (bad !== undefined) return send(400, validation(`The ItemId ${String(bad)} provided in the request is invalid.`, 'FieldValidationFailed', 'itemIds'));
    const items: unknown[] = [];
    const errors: { code: string; message: string }[] = [];
    for (const asin of ids as string[]) {
      const g = this.generated.get(asin);
      if (!g || this.partialErrors.has(asin)) errors.push(notAccessible(asin));
      else items.push(this.itemJson({ ...g, asin }, ctx));
    }
    send(200, { ...(items.length ? { itemsResult: { items } } : {}), ...(errors.length ? { errors } : {}) });
  }

  private sendFault(kind: FaultKind, send: Send): void {
    if (kind === 'throttle') return this.sendThrottle(send);
    if (kind === 'server') return send(500, { type: 'InternalServerException', message: 'We encountered an internal error. Please try again.' });
    if (kind === 'unauthorized') return send(401, unauthorized('Invalid token', 'InvalidToken'));
    // AccessDeniedReason AssociateNotEligible (models/access_denied_reason.py) [guess: message wording].
    send(403, {
      type: 'AccessDeniedException',
      message: 'Your account does not currently meet the eligibility requirements to access the Creators API.',
      reason: 'AssociateNotEligible',
    });
  }

  /** ThrottleException {type, message, serviceCode, quotaCode} (models/throttle_exception_response_content.py) [guess: the values]. */
  private sendThrottle(send: Send): void {
    const headers: Record<string, string> = this.opts.retryAfterSec !== undefined ? { 'retry-after': String(this.opts.retryAfterSec) } : {};
    send(429, { type: 'ThrottleException', message: 'Rate exceeded', serviceCode: 'creatorsapi', quotaCode: 'RequestsPerSecond' }, headers);
  }

  /** A token bucket refilled at `tps`, holding at most one request, forgiving JITTER_MS (at most half an interval) of arrival jitter. */
  private takeBucket(now: number): boolean {
    this.bucket = Math.min(1, this.bucket + ((now - this.bucketAt) / 1000) * this.tps);
    this.bucketAt = now;
    if (this.bucket < 1 - Math.min(0.5, (JITTER_MS / 1000) * this.tps)) return false;
    this.bucket -= 1;
    return true;
  }

  // ---- generated items ----------------------------------------------------------

  private generate(q: { keywords?: string; browseNodeId?: string; searchIndex?: string }, index: number): Generated & { asin: string } {
    const key = `${q.searchIndex ?? 'All'}|${(q.keywords ?? '').trim().toLowerCase()}|${q.browseNodeId ?? ''}`;
    const asin = 'B0' + [...hash(`${key}#${index}`).subarray(0, 8)].map((b) => ALNUM[b % 36]).join('');
    const words = (q.keywords ?? '').trim().split(/\s+/).filter(Boolean);
    const noun = words.length ? words.map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase()).join(' ') : 'Everyday Essential';
    const g = { key, index, noun };
    this.generated.set(asin, g);
    return { ...g, asin };
  }

  /** The item as the API returns it, holding only what `resources` asked for (as PA-API 5 did). */
  private itemJson(g: Generated & { asin: string }, ctx: Ctx): Record<string, unknown> {
    const r = prng(`${g.key}#${g.index}`);
    const has = (name: string) => ctx.resources.has(name);
    const brand = BRANDS[Math.floor(r() * BRANDS.length)];
    const title = `${brand} ${pick(r, ADJECTIVES)} ${g.noun}, ${pick(r, FEATURES)}, ${pick(r, COLOURS)}`;
    const price = Math.floor(8 + r() * 80) + 0.99;
    const rank = 1 + Math.floor(r() ** 2 * 150_000);
    const locale = 'en_US';
    const item: Record<string, any> = {
      asin: g.asin,
      detailPageURL: `https://${ctx.market}/dp/${g.asin}?tag=${ctx.tag}&linkCode=ogi&th=1&psc=1`,
    };
    const info: Record<string, any> = {};
    if (has('itemInfo.title')) info.title = { displayValue: title, label: 'Title', locale };
    // Every 7th item names only a manufacturer, as unbranded listings do.
    if (has('itemInfo.byLineInfo')) {
      info.byLineInfo = {
        ...(g.index % 7 === 6 ? {} : { brand: { displayValue: brand, label: 'Brand', locale } }),
        manufacturer: { displayValue: `${brand} Inc.`, label: 'Manufacturer', locale },
      };
    }
    if (Object.keys(info).length) item.itemInfo = info;
    if (has('images.primary.large')) {
      const id = [...hash(`img#${g.asin}`).subarray(0, 9)].map((b) => ALNUM[b % 36]).join('');
      item.images = { primary: { large: { url: `https://m.media-amazon.com/images/I/71${id}L._SL500_.jpg`, height: 500, width: 500 } } };
    }
    const outOfStock = this.unavailable.has(g.asin);
    const listing = (amount: number, isBuyBoxWinner: boolean, merchant: string) => {
      const l: Record<string, any> = {};
      const stock = outOfStock ? { type: 'OutOfStock', message: 'Currently unavailable.' } : { type: 'InStock', message: 'In Stock', minOrderQuantity: 1 };
      if (has('offersV2.listings.availability')) l.availability = stock;
      if (has('offersV2.listings.condition')) l.condition = { value: 'New' };
      if (has('offersV2.listings.isBuyBoxWinner')) l.isBuyBoxWinner = isBuyBoxWinner;
      if (has('offersV2.listings.merchantInfo')) l.merchantInfo = { name: merchant, id: 'ATVPDKIKX0DER' };
      if (has('offersV2.listings.price') && !outOfStock) l.price = { money: { amount, currency: ctx.currency, displayAmount: money(amount, ctx.currency) } };
      return l;
    };
    // Every 5th item has a dearer third-party offer listed before the buy-box winner.
    const winner = listing(price, true, 'Amazon.com');
    const listings = g.index % 5 === 4 ? [listing(price + 5, false, 'Marketplace Seller'), winner] : [winner];
    if ([...ctx.resources].some((x) => x.startsWith('offersV2.'))) item.offersV2 = { listings };
    const nodes: Record<string, any> = {};
    const node: Record<string, any> = { id: String(1000000 + (rank % 9000)), displayName: g.noun, contextFreeName: g.noun, isRoot: false };
    if (has('browseNodeInfo.browseNodes.salesRank')) node.salesRank = rank;
    if (has('browseNodeInfo.browseNodes')) nodes.browseNodes = [node];
    const top = g.key.split('|')[0];
    if (has('browseNodeInfo.websiteSalesRank')) nodes.websiteSalesRank = { salesRank: rank, displayName: top, contextFreeName: top, id: top.toLowerCase() };
    if (Object.keys(nodes).length) item.browseNodeInfo = nodes;
    const reviews: Record<string, any> = {};
    if (has('customerReviews.count')) reviews.count = Math.floor(20 + r() ** 3 * 60_000);
    if (has('customerReviews.starRating')) reviews.starRating = { value: Math.round((3.6 + r() * 1.3) * 10) / 10 };
    if (Object.keys(reviews).length) item.customerReviews = reviews;
    return item;
  }
}

/** Token requests are logged without the secret. */
const withoutSecret = ({ client_secret: _, ...rest }: Record<string, unknown>) => rest;

type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;
interface Ctx {
  tag: string;
  market: string;
  currency: string;
  resources: Set<string>;
}

/** UnauthorizedException {type, message, reason} (models/unauthorized_exception_*.py). */
const unauthorized = (message: string, reason: string) => ({ type: 'UnauthorizedException', message, reason });

/** ValidationException {type, message, reason, fieldList} (models/validation_exception_*.py) [guess: message wording]. */
function validation(message: string, reason: string, field?: string) {
  return { type: 'ValidationException', message, reason, ...(field ? { fieldList: [{ name: field, message }] } : {}) };
}

/** PA-API 5's partial error for an ASIN it cannot serve [guess: kept by the Creators API, wording adapted]. */
const notAccessible = (asin: string) => ({ code: 'ItemNotAccessible', message: `The ItemId ${asin} is not accessible through the Creators API.` });

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const BRANDS = ['Voltix', 'Kitchora', 'Lumiq', 'Pawsome', 'Nexora', 'Brightnest', 'Fitlane', 'Deskwise', 'Glowra', 'Toyvana', 'Homely', 'Zestro'];
const ADJECTIVES = ['Premium', 'Compact', 'Portable', 'Heavy-Duty', 'Upgraded', 'Ergonomic', 'Rechargeable', 'Foldable', 'Stainless Steel', 'Multi-Purpose'];
const FEATURES = ['Easy to Clean', 'BPA-Free', 'Gift Idea', 'Pack of 2', 'USB-C Rechargeable', 'Non-Slip Grip', 'Travel Size', 'Dishwasher Safe', 'Set of 3'];
const COLOURS = ['Black', 'White', 'Grey', 'Sage Green', 'Navy Blue', 'Pink', 'Teal'];

const money = (amount: number, currency: string) => new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount);
const hash = (s: string) => createHash('sha256').update(s).digest();
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** mulberry32 seeded from the text: the same query gives the same items in every run. */
function prng(seed: string): () => number {
  let a = hash(seed).readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
