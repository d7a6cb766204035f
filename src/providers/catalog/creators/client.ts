/**
 * A small fetch client for Amazon's Creators API (PA-API 5.0's successor): OAuth2 client_credentials
 * tokens, searchItems and getItems, paced to the account's request budget, retrying throttling and
 * server errors. Sources: Amazon's Python SDK 1.2.0 vendored in sergioteula/python-amazon-paapi
 * (creatorsapi_python_sdk/): auth/oauth2_config.py and oauth2_token_manager.py (token URLs, scopes,
 * encodings, 3600 s default, 30 s early refresh), api_client.py (Authorization), api/default_api.py
 * (paths, headers, error bodies), models/*.py (field names); /work/shared/PROTOCOLS.md section 1.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { describeRequestError, parseRetryAfter, safeJson } from '../../../net/http-util.js';

export { parseRetryAfter };

export type CreatorsCredentialVersion = '2.1' | '2.2' | '2.3' | '3.1' | '3.2' | '3.3';
export const CREATORS_VERSIONS: readonly CreatorsCredentialVersion[] = Object.freeze(['2.1', '2.2', '2.3', '3.1', '3.2', '3.3'] as const);

/** 2.x credentials are Amazon Cognito clients; 3.x are Login with Amazon (LwA) clients. */
const TOKEN_URLS: Readonly<Record<CreatorsCredentialVersion, string>> = {
  '2.1': 'https://creatorsapi.auth.us-east-1.amazoncognito.com/oauth2/token',
  '2.2': 'https://creatorsapi.auth.eu-south-2.amazoncognito.com/oauth2/token',
  '2.3': 'https://creatorsapi.auth.us-west-2.amazoncognito.com/oauth2/token',
  '3.1': 'https://api.amazon.com/auth/o2/token',
  '3.2': 'https://api.amazon.co.uk/auth/o2/token',
  '3.3': 'https://api.amazon.co.jp/auth/o2/token',
};

export function defaultTokenUrl(version: CreatorsCredentialVersion): string {
  const url = TOKEN_URLS[version];
  if (!url) throw new RangeError(`Unknown Creators API credential version "${version}": use one of ${CREATORS_VERSIONS.join(', ')}`);
  return url;
}

export const isLwaVersion = (version: CreatorsCredentialVersion): boolean => version.startsWith('3.');

/** What every call asks for (names from models/search_items_resource.py and get_items_resource.py). */
export const CREATORS_RESOURCES: readonly string[] = Object.freeze([
  ...['itemInfo.title', 'itemInfo.byLineInfo', 'images.primary.large', 'customerReviews.count', 'customerReviews.starRating'],
  ...['offersV2.listings.price', 'offersV2.listings.availability', 'offersV2.listings.isBuyBoxWinner'],
  ...['browseNodeInfo.browseNodes', 'browseNodeInfo.browseNodes.salesRank', 'browseNodeInfo.websiteSalesRank'],
]);

// ---- response shapes (models/item.py and the models it references) -----------
// Every field is optional and may be null (the SDK's models are all Optional);
// a field of the wrong type fails only its item, which becomes an error entry.
const text = z.string().nullish();
const count = z.number().nullish();
const attribute = z.object({ displayValue: text }).nullish();
const imageSize = z.object({ url: text, height: count, width: count }).nullish();
const money = z.object({ amount: count, currency: text, displayAmount: text }).nullish();
const byLineInfo = z.object({ brand: attribute, manufacturer: attribute, contributors: z.array(z.object({ name: text, role: text })).nullish() }).nullish();
const browseNode = z.object({ id: text, displayName: text, contextFreeName: text, salesRank: count });

const listingSchema = z.object({
  availability: z.object({ type: text, message: text, maxOrderQuantity: count, minOrderQuantity: count }).nullish(),
  condition: z.object({ value: text, subCondition: text }).nullish(),
  isBuyBoxWinner: z.boolean().nullish(),
  merchantInfo: z.object({ name: text, id: text }).nullish(),
  price: z.object({ money, pricePerUnit: money }).nullish(),
  type: text,
  violatesMAP: z.boolean().nullish(),
});

export const creatorsItemSchema = z.object({
  asin: z.string(),
  detailPageURL: text,
  parentASIN: text,
  itemInfo: z.object({ title: attribute, byLineInfo }).nullish(),
  images: z.object({ primary: z.object({ small: imageSize, medium: imageSize, large: imageSize, hiRes: imageSize }).nullish() }).nullish(),
  offersV2: z.object({ listings: z.array(listingSchema).nullish() }).nullish(),
  browseNodeInfo: z.object({ browseNodes: z.array(browseNode).nullish(), websiteSalesRank: browseNode.nullish() }).nullish(),
  customerReviews: z.object({ count, starRating: z.object({ value: count }).nullish() }).nullish(),
});

export type CreatorsItem = z.output<typeof creatorsItemSchema>;
export type CreatorsOfferListing = z.output<typeof listingSchema>;

const errorDataSchema = z.object({ code: text, message: text });
const rawItems = z.array(z.unknown()).nullish();
const partialErrors = z.array(errorDataSchema).nullish();
const searchResponseSchema = z.object({ searchResult: z.object({ totalResultCount: count, items: rawItems }).nullish(), errors: partialErrors });
const getItemsResponseSchema = z.object({ itemsResult: z.object({ items: rawItems }).nullish(), errors: partialErrors });
const tokenResponseSchema = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive().nullish() });

// ---- errors -------------------------------------------------------------------

/** `status` 0 is a network error; `retryable` says whether trying again later can help. */
export class CreatorsApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly retryable: boolean,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'CreatorsApiError';
  }
}

/** 403 AccessDenied with reason AssociateNotEligible: the account may not use the API (yet). */
export class AssociateNotEligibleError extends CreatorsApiError {
  constructor(message: string) {
    super(message, 403, 'AccessDeniedException', false, 'AssociateNotEligible');
    this.name = 'AssociateNotEligibleError';
  }
}

/** A per-item failure inside an HTTP 200 (the response's `errors`), or an item we could not use. */
export interface CreatorsItemError {
  asin?: string;
  code: string;
  message: string;
}

// ---- the client ---------------------------------------------------------------

export interface CreatorsApiOptions {
  credentialId: string;
  credentialSecret: string;
  version: CreatorsCredentialVersion;
  marketplace: string; // e.g. www.amazon.com, sent as x-marketplace
  partnerTag: string;
  apiUrl: string; // default in config: https://creatorsapi.amazon
  tokenUrl?: string; // default: defaultTokenUrl(version)
  requestsPerSecond?: number; // pacing: API requests start at least 1/requestsPerSecond apart (default 1)
  maxAttempts?: number; // HTTP attempts per call (default 5): 429, 5xx and network errors are retried
  timeoutMs?: number; // per HTTP request (default 15000)
  maxRetryWaitMs?: number; // cap on one Retry-After wait (default 60000)
  backoffBaseMs?: number; // first backoff step without Retry-After (default 1000; doubles per attempt up to 30 s, with jitter)
  onWait?: () => void; // called at least every 5 s while the client sleeps, so a Temporal activity can heartbeat
  signal?: AbortSignal; // cancels waits and requests
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

export interface SearchItemsParams {
  keywords?: string;
  browseNodeId?: string;
  searchIndex?: string;
  itemCount?: number; // 1..10 (default 10)
  itemPage?: number; // 1..10 (default 1)
}

export type SearchItemsResult = { items: CreatorsItem[]; totalResultCount?: number; errors: CreatorsItemError[] };
export type GetItemsResult = { items: CreatorsItem[]; errors: CreatorsItemError[] };

const ASIN_RE = /^[A-Z0-9]{10}$/;
const MAX_BACKOFF_MS = 30_000;
const HEARTBEAT_EVERY_MS = 5_000;

type Operation = 'searchItems' | 'getItems';

export class CreatorsApiClient {
  readonly stats = { requests: 0, tokenRequests: 0, throttled: 0, retries: 0, waitedMs: 0 };
  private readonly cfg: ReturnType<typeof settings>;
  private token?: { value: string; refreshAt: number };
  private tokenInFlight?: Promise<string>;
  /** Earliest start of the next API request (performance.now() ms). */
  private nextSlot = 0;

  constructor(private readonly opts: CreatorsApiOptions) {
    this.cfg = settings(opts);
  }

  async searchItems(p: SearchItemsParams): Promise<SearchItemsResult> {
    if (!p.keywords?.trim() && !p.browseNodeId?.trim()) throw new TypeError('searchItems needs keywords or a browseNodeId');
    const itemCount = rangeInt('itemCount', p.itemCount ?? 10, 1, 10);
    const itemPage = rangeInt('itemPage', p.itemPage ?? 1, 1, 10);
    const body = { partnerTag: this.opts.partnerTag, keywords: p.keywords, browseNodeId: p.browseNodeId, searchIndex: p.searchIndex, itemCount, itemPage };
    const json = await this.call('searchItems', { ...body, resources: CREATORS_RESOURCES });
    if (json === null) return { items: [], errors: [] };
    const parsed = parseEnvelope(searchResponseSchema, json, 'searchItems');
    const { items, errors } = parseItems(parsed.searchResult?.items ?? []);
    const total = parsed.searchResult?.totalResultCount;
    return { items, ...(typeof total === 'number' ? { totalResultCount: total } : {}), errors: [...errors, ...itemErrors(parsed.errors)] };
  }

  /** Current data for 1..10 ASINs; ASINs Amazon cannot serve come back in `errors`. */
  async getItems(asins: string[]): Promise<GetItemsResult> {
    if (asins.length < 1 || asins.length > 10) throw new RangeError(`getItems takes 1 to 10 ASINs per call, got ${asins.length}`);
    const bad = asins.find((a) => !ASIN_RE.test(a));
    if (bad !== undefined) throw new RangeError(`getItems: "${bad}" is not an ASIN (10 capital letters and digits, e.g. B08N5WRWNW)`);
    const json = await this.call('getItems', { partnerTag: this.opts.partnerTag, itemIds: asins, resources: CREATORS_RESOURCES });
    if (json === null) return { items: [], errors: asins.map((asin) => ({ asin, code: 'NotFound', message: `${asin} was not found` })) };
    const parsed = parseEnvelope(getItemsResponseSchema, json, 'getItems');
    const { items, errors } = parseItems(parsed.itemsResult?.items ?? []);
    return { items, errors: [...errors, ...itemErrors(parsed.errors, asins)] };
  }

  // ---- the token -------------------------------------------------------------

  /** One token request at a time: concurrent callers share the one in flight. */
  private accessToken(): Promise<string> {
    if (this.token && performance.now() < this.token.refreshAt) return Promise.resolve(this.token.value);
    this.tokenInFlight ??= this.requestToken().finally(() => {
      this.tokenInFlight = undefined;
    });
    return this.tokenInFlight;
  }

  private dropToken(stale: string): void {
    if (this.token?.value === stale) this.token = undefined;
  }

  private async requestToken(): Promise<string> {
    const { version } = this.opts;
    const lwa = isLwaVersion(version);
    // oauth2_token_manager.py: LwA (3.x) takes JSON and scope creatorsapi::default; Cognito (2.x) a form and creatorsapi/default.
    const fields = {
      grant_type: 'client_credentials',
      client_id: this.opts.credentialId,
      client_secret: this.opts.credentialSecret,
      scope: lwa ? 'creatorsapi::default' : 'creatorsapi/default',
    };
    const init = {
      method: 'POST',
      headers: { 'Content-Type': lwa ? 'application/json' : 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: lwa ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
    };
    for (let attempt = 1; ; attempt++) {
      this.stats.tokenRequests++;
      let res: HttpResult;
      try {
        res = await this.http(this.cfg.tokenUrl, init);
      } catch (err) {
        if (this.opts.signal?.aborted) throw err;
        if (attempt >= this.cfg.maxAttempts) {
          throw new CreatorsApiError(
            `Creators API token request to ${this.cfg.tokenUrl} failed: ${this.redact(describeRequestError(err))}`,
            0,
            'NetworkError',
            true,
          );
        }
        await this.backoff(attempt, null, 'token request failed', { error: this.redact(describeRequestError(err)) });
        continue;
      }
      if (res.status === 200) return this.acceptToken(res.text);
      if ((res.status === 429 || res.status >= 500) && attempt < this.cfg.maxAttempts) {
        await this.backoff(attempt, res.retryAfter, `token endpoint answered ${res.status}`);
        continue;
      }
      throw tokenError(this.cfg.tokenUrl, this.opts.version, res, (t) => this.redact(t));
    }
  }

  private acceptToken(body: string): string {
    const parsed = tokenResponseSchema.safeParse(safeJson(body));
    if (!parsed.success) {
      const what = `Creators API token endpoint ${this.cfg.tokenUrl} answered 200 without a usable access_token and expires_in: is AMAZON_CREATORS_TOKEN_URL right?`;
      throw new CreatorsApiError(what, 200, 'UnexpectedResponse', false);
    }
    // The SDK assumes 3600 s when expires_in is missing and refreshes 30 s early; a token shorter-lived
    // than a minute (only seen in tests) is refreshed at half its life, or it would never be reused.
    const ttlMs = (parsed.data.expires_in ?? 3600) * 1000;
    const earlyMs = ttlMs > 60_000 ? 30_000 : ttlMs / 2;
    this.token = { value: parsed.data.access_token, refreshAt: performance.now() + ttlMs - earlyMs };
    this.opts.log?.('creators: new access token', { expiresInSec: ttlMs / 1000 });
    return this.token.value;
  }

  // ---- API calls ---------------------------------------------------------------

  /** The parsed JSON of a 2xx answer, or null for 404 (nothing found). */
  private async call(op: Operation, body: Record<string, unknown>): Promise<unknown> {
    const url = `${this.cfg.apiBase}/catalog/v1/${op}`;
    let refreshedAfter401 = false;
    for (let attempt = 1; ;) {
      const token = await this.accessToken();
      await this.pace();
      this.stats.requests++;
      let res: HttpResult;
      try {
        res = await this.http(url, {
          method: 'POST',
          headers: {
            // api_client.py (SDK 1.2.0): "Version only for v2.x"; 3.x (LwA) tokens are sent as a plain Bearer.
            Authorization: isLwaVersion(this.opts.version) ? `Bearer ${token}` : `Bearer ${token}, Version ${this.opts.version}`,
            'x-marketplace': this.opts.marketplace,
            'Content-Type': 'application/json; charset=utf-8',
            Accept: 'application/json',
          },
          body: JSON.stringify(body),
        });
      } catch (err) {
        if (this.opts.signal?.aborted) throw err;
        if (attempt >= this.cfg.maxAttempts) {
          throw new CreatorsApiError(`Creators API ${op} failed after ${attempt} attempts: ${describeRequestError(err)}`, 0, 'NetworkError', true);
        }
        this.stats.retries++;
        await this.backoff(attempt++, null, `${op} request failed`, { error: describeRequestError(err) });
        continue;
      }
      if (res.status >= 200 && res.status < 300) {
        const json = safeJson(res.text);
        if (json === undefined) throw unexpected(op, res.status, 'a body that is not JSON');
        return json;
      }
      const info = errorInfo(res.text);
      // The SDK's 404 is ResourceNotFoundException: no results (a 404 that is not the API's JSON is a wrong URL).
      if (res.status === 404 && info.json) return null;
      if (res.status === 401) this.dropToken(token);
      if (res.status === 401 && !refreshedAfter401) {
        refreshedAfter401 = true;
        this.stats.retries++;
        this.opts.log?.('creators: 401, fetching a new token once', { op, reason: info.reason });
        continue;
      }
      if (res.status === 429) this.stats.throttled++;
      if ((res.status === 429 || res.status >= 500) && attempt < this.cfg.maxAttempts) {
        this.stats.retries++;
        await this.backoff(attempt++, res.retryAfter, `${op} answered ${res.status}`);
        continue;
      }
      throw apiError(op, url, res.status, info, this.opts.version, attempt);
    }
  }

  /** Requests start 1/requestsPerSecond apart, counted from the previous start; no wait beyond that. */
  private async pace(): Promise<void> {
    const now = performance.now();
    const start = Math.max(now, this.nextSlot);
    this.nextSlot = start + this.cfg.intervalMs;
    if (start > now) await this.sleep(start - now);
  }

  private async backoff(attempt: number, retryAfter: string | null, why: string, data: Record<string, unknown> = {}): Promise<void> {
    const fromHeader = parseRetryAfter(retryAfter, Date.now());
    const step = Math.min(MAX_BACKOFF_MS, this.cfg.backoffBase * 2 ** (attempt - 1));
    const ms = fromHeader !== undefined ? Math.min(fromHeader, this.cfg.maxRetryWait) : Math.min(this.cfg.maxRetryWait, step / 2 + (Math.random() * step) / 2);
    this.opts.log?.(`creators: ${why}, retrying`, { ...data, attempt, waitMs: Math.round(ms), retryAfter });
    await this.sleep(ms);
  }

  private async sleep(ms: number): Promise<void> {
    const t0 = performance.now();
    try {
      for (let left = ms; left > 0; left = ms - (performance.now() - t0)) {
        this.opts.onWait?.();
        await delay(Math.min(left, HEARTBEAT_EVERY_MS), undefined, this.opts.signal ? { signal: this.opts.signal } : undefined);
      }
    } finally {
      this.stats.waitedMs += performance.now() - t0;
    }
  }

  private async http(url: string, init: RequestInit): Promise<HttpResult> {
    const timeout = AbortSignal.timeout(this.cfg.timeoutMs);
    const signal = this.opts.signal ? AbortSignal.any([this.opts.signal, timeout]) : timeout;
    const res = await fetch(url, { ...init, signal });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
  }

  /** Error text from outside must never carry the secret or a token back into logs. */
  private redact(s: string): string {
    let out = s.split(this.opts.credentialSecret).join('[secret]');
    if (this.token) out = out.split(this.token.value).join('[token]');
    return out;
  }
}

/** The options checked, with their defaults (no secret in any message). */
function settings(opts: CreatorsApiOptions) {
  if (!CREATORS_VERSIONS.includes(opts.version)) {
    throw new RangeError(`Unknown Creators API credential version "${String(opts.version)}": use one of ${CREATORS_VERSIONS.join(', ')}`);
  }
  if (!opts.credentialId?.trim() || !opts.credentialSecret?.trim()) throw new TypeError('The Creators API needs a credential id and secret');
  if (!opts.partnerTag?.trim() || opts.partnerTag.length > 64) throw new TypeError('The Creators API needs a partner tag of at most 64 characters');
  if (!opts.marketplace?.trim()) throw new TypeError('The Creators API needs a marketplace host, e.g. www.amazon.com');
  const rps = opts.requestsPerSecond ?? 1;
  if (!(rps > 0) || !Number.isFinite(rps)) throw new RangeError(`requestsPerSecond must be a positive number, got ${rps}`);
  return {
    tokenUrl: opts.tokenUrl ?? defaultTokenUrl(opts.version),
    apiBase: opts.apiUrl.replace(/\/+$/, ''),
    intervalMs: 1000 / rps,
    maxAttempts: positiveInt('maxAttempts', opts.maxAttempts ?? 5),
    timeoutMs: positiveInt('timeoutMs', opts.timeoutMs ?? 15_000),
    maxRetryWait: Math.max(0, opts.maxRetryWaitMs ?? 60_000),
    backoffBase: Math.max(0, opts.backoffBaseMs ?? 1000),
  };
}

type HttpResult = { status: number; retryAfter: string | null; text: string };

function parseEnvelope<T extends z.ZodType>(schema: T, json: unknown, op: Operation): z.output<T> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw unexpected(op, 200, `an unexpected shape (${issue.path.join('.') || 'body'}: ${issue.message})`);
  }
  return parsed.data;
}

function parseItems(raw: unknown[]): { items: CreatorsItem[]; errors: CreatorsItemError[] } {
  const items: CreatorsItem[] = [];
  const errors: CreatorsItemError[] = [];
  for (const entry of raw) {
    const parsed = creatorsItemSchema.safeParse(entry);
    if (parsed.success) items.push(parsed.data);
    else errors.push(invalidItem(entry, parsed.error.issues[0]));
  }
  return { items, errors };
}

function invalidItem(entry: unknown, issue: z.core.$ZodIssue): CreatorsItemError {
  const asin = (entry as { asin?: unknown } | null)?.asin;
  const message = `item in an unexpected shape (${issue.path.join('.')}: ${issue.message})`;
  return { ...(typeof asin === 'string' ? { asin } : {}), code: 'InvalidItem', message };
}

/** ErrorData has only code and message; the ASIN is read from the message [guess: PA-API 5 named it there]. */
function itemErrors(errors: z.output<typeof errorDataSchema>[] | null | undefined, requested: string[] = []): CreatorsItemError[] {
  return (errors ?? []).map((e) => {
    const message = e.message ?? '';
    const asin = requested.find((a) => message.includes(a)) ?? /\b(B0[A-Z0-9]{8}|\d{9}[\dX])\b/.exec(message)?.[1];
    return { ...(asin ? { asin } : {}), code: e.code ?? 'Unknown', message: message || '(no message)' };
  });
}

type ErrorInfo = { json: boolean; code: string; reason?: string; message: string };

function errorInfo(body: string): ErrorInfo {
  const j = safeJson(body) as Record<string, unknown> | undefined;
  if (!j || typeof j !== 'object') return { json: false, code: 'Unknown', message: body.slice(0, 200) || '(empty body)' };
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const fieldList = Array.isArray(j.fieldList) ? (j.fieldList as { name?: unknown; message?: unknown }[]) : [];
  const fields = fieldList.map((f) => `${String(f?.name)}: ${String(f?.message)}`);
  const message = [str(j.message) ?? str(j.Message) ?? '(no message)', ...fields].join('; ');
  return { json: true, code: str(j.type) ?? str(j.__type) ?? str(j.code) ?? 'Unknown', reason: str(j.reason), message };
}

function tokenError(url: string, v: CreatorsCredentialVersion, res: HttpResult, redact: (s: string) => string): CreatorsApiError {
  const body = safeJson(res.text) as { error?: unknown; error_description?: unknown } | undefined;
  const code = typeof body?.error === 'string' ? body.error : `HTTP${res.status}`;
  const detail = typeof body?.error_description === 'string' ? `: ${redact(body.error_description)}` : '';
  const said = typeof body?.error === 'string' ? ` (${code}${detail})` : '';
  const hint =
    code === 'invalid_client' || res.status === 401
      ? `the credential was refused: check AMAZON_CREATORS_CREDENTIAL_ID and AMAZON_CREATORS_CREDENTIAL_SECRET (Associates Central → Tools → Creators API), and that AMAZON_CREATORS_CREDENTIAL_VERSION (${v}) is the version shown next to that credential`
      : `the token endpoint refused the request: check that AMAZON_CREATORS_CREDENTIAL_VERSION (${v}) is the credential's version and that the token URL fits it (unset AMAZON_CREATORS_TOKEN_URL to use ${defaultTokenUrl(v)})`;
  const what = `Creators API token request to ${url} failed with HTTP ${res.status}${said}; ${hint}.`;
  return new CreatorsApiError(what, res.status, code, res.status === 429 || res.status >= 500);
}

/** The error for an API answer that is not retried (any more). */
function apiError(op: Operation, url: string, status: number, info: ErrorInfo, version: CreatorsCredentialVersion, attempts: number): CreatorsApiError {
  const said = `HTTP ${status} ${info.code}${info.reason ? ` (${info.reason})` : ''}: ${info.message}`;
  const wrongUrl = `Creators API ${op}: ${url} answered 404 without the API's JSON; is AMAZON_CREATORS_API_URL right (https://creatorsapi.amazon)?`;
  if (status === 404) return new CreatorsApiError(wrongUrl, 404, 'NotFound', false);
  if (status === 401) {
    const what =
      `Creators API ${op} refused a freshly issued token (${said}). The credential id, secret or version is wrong: check AMAZON_CREATORS_CREDENTIAL_ID, ` +
      `AMAZON_CREATORS_CREDENTIAL_SECRET and AMAZON_CREATORS_CREDENTIAL_VERSION (now ${version}; it must be the version shown next to the credential in Associates Central → Tools → Creators API).`;
    return new CreatorsApiError(what, 401, info.code, false, info.reason);
  }
  if (status === 403 && info.reason === 'AssociateNotEligible') {
    return new AssociateNotEligibleError(
      `Creators API ${op}: this Associates account is not eligible for the Creators API yet (${said}). Amazon opens the API to accounts with at least ` +
        '10 qualified shipped sales in the trailing 30 days; until then products come from the bundled catalog or CATALOG_FILE.',
    );
  }
  const retryable = status === 429 || status >= 500;
  const what = retryable ? `Creators API ${op} failed after ${attempts} attempts: ${said}` : `Creators API ${op} refused the request: ${said}${hint400(info)}`;
  return new CreatorsApiError(what, status, info.code, retryable, info.reason);
}

/** The wrapper's string matches (amazon_creatorsapi/core/error_handling.py), with what to do. */
function hint400(info: { reason?: string; message: string }): string {
  const all = `${info.reason ?? ''} ${info.message}`;
  if (/InvalidPartnerTag/i.test(all)) return '. Check AMAZON_PARTNER_TAG: it must be a tracking id of this Associates account.';
  const market = '. The credential is not valid for this marketplace: check AMAZON_MARKETPLACE and AMAZON_CREATORS_CREDENTIAL_VERSION.';
  return /InvalidAssociate/i.test(all) ? market : '';
}

function unexpected(op: Operation, status: number, what: string): CreatorsApiError {
  return new CreatorsApiError(`Creators API ${op} answered HTTP ${status} with ${what}`, status, 'UnexpectedResponse', false);
}

const positiveInt = (name: string, n: number) => rangeInt(name, n, 1, Number.MAX_SAFE_INTEGER);

function rangeInt(name: string, n: number, min: number, max: number): number {
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${n}`);
  return n;
}
