/**
 * Fetching a URL that came from outside (a catalog file, a marketplace API) without
 * letting it reach inside: the loopback interface, the private network, the cloud
 * metadata service.
 *
 * Each hop (the first URL and every redirect) is checked the same way: http(s)
 * only, no credentials, and every address the host resolves to must be public.
 * The connection then goes to an address that was checked (the resolved address
 * is pinned through the socket's `lookup`), so a DNS answer that changes between
 * the check and the connection (DNS rebinding) cannot redirect it. TLS still
 * verifies the certificate against the original host name (SNI and Host header
 * are the name, not the address). The body is read with a hard byte cap and the
 * whole fetch (DNS, redirects, body) has one deadline.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { isInternalAddress } from '../domain/addresses.js';

export interface ResolvedAddress {
  address: string;
  /** 4 or 6. */
  family: number;
}

/** Host name → every address it resolves to. The default is the system resolver (`dns.promises.lookup`). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

export interface UrlPolicy {
  /**
   * Accept internal addresses (loopback, private …). For tests that serve from
   * loopback ONLY; production callers never set it.
   */
  allowInternal?: boolean;
  /** Test hook, narrower than allowInternal: these exact addresses are accepted although internal. */
  allowAddresses?: readonly string[];
  /** How the URL is named in error messages, e.g. "image URL" (default "URL"). */
  label?: string;
  /** What to do about an internal address, e.g. "product images must be on the public internet". */
  publicHint?: string;
}

export interface SafeFetchOptions extends UrlPolicy {
  /** The body may not be longer than this (FetchLimitError when it is). */
  maxBytes: number;
  /** Deadline for the whole fetch: DNS, connection, redirects and body (FetchLimitError). */
  timeoutMs: number;
  /** Redirects followed at most (default 3); each target is checked like the first URL. */
  maxRedirects?: number;
  /** Host name resolution (default: the system resolver). Injectable for tests. */
  resolve?: Resolver;
  /** Aborting stops the fetch (e.g. a cancelled activity); the abort reason is thrown. */
  signal?: AbortSignal;
  /** Extra request headers (Host is always the URL's own). */
  headers?: Record<string, string>;
}

export interface SafeFetchResult {
  bytes: Buffer;
  contentType: string | undefined;
  finalUrl: string;
}

export class SafeFetchError extends Error {
  constructor(
    readonly code: 'unsafe_url' | 'fetch_limit' | 'fetch_failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SafeFetchError';
  }
}

/** The URL (or a redirect target) is not allowed: scheme, credentials or an internal address. */
export class UnsafeUrlError extends SafeFetchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unsafe_url', message, options);
    this.name = 'UnsafeUrlError';
  }
}

/** A limit was hit: the body is too large, the deadline passed, or there were too many redirects. */
export class FetchLimitError extends SafeFetchError {
  constructor(
    readonly limit: 'size' | 'timeout' | 'redirects',
    message: string,
    options?: { cause?: unknown },
  ) {
    super('fetch_limit', message, options);
    this.name = 'FetchLimitError';
  }
}

/** The URL is allowed but the fetch did not succeed: DNS failure, connection error, HTTP error status. */
export class FetchFailedError extends SafeFetchError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super('fetch_failed', message, options);
    this.name = 'FetchFailedError';
  }
}

/** A URL that passed the checks, with the addresses its host was vetted at. */
export interface CheckedUrl {
  url: URL;
  /** The host name without IPv6 brackets. */
  hostname: string;
  /** Every address the host resolved to (all public, or accepted by the policy); the connection goes to these only. */
  addresses: ResolvedAddress[];
}

const DEFAULT_MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DEFAULT_PUBLIC_HINT = 'only hosts on the public internet can be fetched';

/**
 * The URL as error messages show it: scheme, host and a shortened path; never the
 * query string, the fragment or credentials (they may hold tokens).
 */
export function displayUrl(url: string | URL): string {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    const text = String(url);
    return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  }
  const special = u.protocol === 'http:' || u.protocol === 'https:';
  const base = special ? `${u.protocol}//${u.host}${u.pathname}` : `${u.protocol}${u.host ? `//${u.host}` : ''}${u.pathname}`;
  return base.length > 100 ? `${base.slice(0, 100)}…` : base;
}

// Wording only: which kind of internal address it is. isInternalAddress decides.
const KINDS: [string, BlockList][] = (
  [
    [
      'the cloud metadata address',
      [
        ['169.254.169.254', 32, 'ipv4'],
        ['fd00:ec2::254', 128, 'ipv6'],
      ],
    ],
    [
      'a loopback address',
      [
        ['127.0.0.0', 8, 'ipv4'],
        ['::1', 128, 'ipv6'],
      ],
    ],
    [
      'an unspecified address',
      [
        ['0.0.0.0', 8, 'ipv4'],
        ['::', 128, 'ipv6'],
      ],
    ],
    [
      'a private-network address',
      [
        ['10.0.0.0', 8, 'ipv4'],
        ['172.16.0.0', 12, 'ipv4'],
        ['192.168.0.0', 16, 'ipv4'],
        ['fc00::', 7, 'ipv6'],
        ['fec0::', 10, 'ipv6'],
      ],
    ],
    [
      'a link-local address',
      [
        ['169.254.0.0', 16, 'ipv4'],
        ['fe80::', 10, 'ipv6'],
      ],
    ],
    ['a carrier-grade NAT address', [['100.64.0.0', 10, 'ipv4']]],
    [
      'a multicast address',
      [
        ['224.0.0.0', 4, 'ipv4'],
        ['ff00::', 8, 'ipv6'],
      ],
    ],
  ] as [string, [string, number, 'ipv4' | 'ipv6'][]][]
).map(([kind, nets]) => {
  const list = new BlockList();
  for (const [net, prefix, family] of nets) list.addSubnet(net, prefix, family);
  return [kind, list];
});

/** "a loopback address", "the cloud metadata address", … for an internal address. */
export function describeInternalAddress(ip: string): string {
  const bare = ip.replace(/^\[|\]$/g, '');
  const family = isIP(bare) === 4 ? 'ipv4' : 'ipv6';
  for (const [kind, list] of KINDS) if (list.check(bare, family)) return kind;
  return 'a reserved, non-public address';
}

function policyAccepts(address: string, policy: UrlPolicy): boolean {
  if (policy.allowInternal) return true;
  if (!isInternalAddress(address)) return true;
  return policy.allowAddresses?.includes(address) ?? false;
}

/**
 * Checks one hop: scheme, credentials, and every address the host resolves to
 * (an IP literal is checked as it is, without DNS). Throws UnsafeUrlError naming
 * the problem; a name that does not resolve is a FetchFailedError.
 */
export async function checkUrl(url: string | URL, resolve: Resolver = systemResolver, policy: UrlPolicy = {}): Promise<CheckedUrl> {
  const label = policy.label ?? 'URL';
  const hint = policy.publicHint ?? DEFAULT_PUBLIC_HINT;
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : new URL(url.href);
  } catch {
    throw new UnsafeUrlError(`${label} ${displayUrl(String(url))} refused: it is not a valid URL; use an absolute http:// or https:// URL`);
  }
  const shown = displayUrl(u);
  const refuse = (reason: string) => new UnsafeUrlError(`${label} ${shown} refused: ${reason}`);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw refuse(`the scheme ${u.protocol} is not allowed; only http:// and https:// URLs can be fetched`);
  }
  if (u.username || u.password) throw refuse('it contains a user name or password; remove the user:password@ part');
  const hostname = u.hostname.replace(/^\[|\]$/g, '');
  if (!hostname) throw refuse('it has no host');

  if (isIP(hostname)) {
    if (!policyAccepts(hostname, policy)) throw refuse(`${hostname} is ${describeInternalAddress(hostname)}; ${hint}`);
    return { url: u, hostname, addresses: [{ address: hostname, family: isIP(hostname) }] };
  }

  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(hostname);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FetchFailedError(`${label} ${shown} could not be fetched: ${hostname} does not resolve (${code ?? (err as Error).message})`, undefined, {
      cause: err,
    });
  }
  if (!addresses.length) throw new FetchFailedError(`${label} ${shown} could not be fetched: ${hostname} has no addresses`);
  // Refused if ANY answer is internal: a name that also points inside is not a public host.
  const bad = addresses.find((a) => !isIP(a.address) || !policyAccepts(a.address, policy));
  if (bad) {
    const what = isIP(bad.address) ? describeInternalAddress(bad.address) : 'not an IP address';
    throw refuse(`${hostname} resolves to ${bad.address}, ${what}; ${hint}`);
  }
  return { url: u, hostname, addresses: addresses.map((a) => ({ address: a.address, family: a.family === 6 || isIP(a.address) === 6 ? 6 : 4 })) };
}

/** A socket lookup that answers only with the vetted addresses, whatever DNS says now. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return ((_hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    const family = options?.family === 4 || options?.family === 6 ? options.family : undefined;
    const usable = family ? addresses.filter((a) => a.family === family) : addresses;
    if (!usable.length) {
      const err = Object.assign(new Error(`no vetted IPv${family} address`), { code: 'ENOTFOUND' });
      return options?.all ? callback(err, []) : callback(err, undefined, undefined);
    }
    if (options?.all)
      callback(
        null,
        usable.map((a) => ({ address: a.address, family: a.family })),
      );
    else callback(null, usable[0].address, usable[0].family);
  }) as LookupFunction;
}

interface HopResult {
  status: number;
  location?: string;
  bytes?: Buffer;
  contentType?: string;
}

/** One request to a checked URL, connected only to its vetted addresses. */
function requestHop(checked: CheckedUrl, opts: SafeFetchOptions, signal: AbortSignal, label: string): Promise<HopResult> {
  const { url, hostname } = checked;
  const shown = displayUrl(url);
  return new Promise<HopResult>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, value?: HopResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(value!);
    };
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request({
      protocol: url.protocol,
      hostname,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { 'user-agent': 'affiliate-empire', accept: 'image/*,*/*;q=0.5', 'accept-encoding': 'identity', ...opts.headers, host: url.host },
      lookup: pinnedLookup(checked.addresses),
      // TLS: SNI and certificate check against the name, never the address.
      ...(url.protocol === 'https:' && !isIP(hostname) ? { servername: hostname } : {}),
      // A fresh agent: no pooled socket from another host or lookup is reused.
      agent: false,
    });
    const onAbort = () => {
      req.destroy();
      finish(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    req.on('error', (err) => finish(new FetchFailedError(`${label} ${shown} could not be fetched: ${err.message}`, undefined, { cause: err })));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status)) {
        const location = res.headers.location;
        req.destroy();
        if (!location) return finish(new FetchFailedError(`${label} ${shown} could not be fetched: HTTP ${status} without a Location`, status));
        return finish(undefined, { status, location });
      }
      if (status < 200 || status > 299) {
        req.destroy();
        return finish(new FetchFailedError(`${label} ${shown} could not be fetched: HTTP ${status}`, status));
      }
      const tooLarge = (size: string) =>
        new FetchLimitError('size', `${label} ${shown} refused: the body is ${size}, over the limit of ${opts.maxBytes} bytes`);
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        req.destroy();
        return finish(tooLarge(`${declared} bytes`));
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > opts.maxBytes) {
          // Stop reading and close the connection: the rest is never downloaded.
          req.destroy();
          return finish(tooLarge(`more than ${opts.maxBytes} bytes`));
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const type = res.headers['content-type'];
        finish(undefined, { status, bytes: Buffer.concat(chunks, total), contentType: type ? String(type) : undefined });
      });
      res.on('error', (err) => finish(new FetchFailedError(`${label} ${shown} could not be fetched: ${err.message}`, status, { cause: err })));
      res.on('aborted', () => finish(new FetchFailedError(`${label} ${shown} could not be fetched: the server closed the connection mid-body`, status)));
    });
    req.end();
  });
}

/** Rejects when the signal aborts; for steps (DNS) that cannot be aborted themselves. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * GETs a URL from outside without letting it reach internal addresses. Every hop
 * (redirects included, at most `maxRedirects`) is checked by checkUrl and connected
 * to the addresses that were checked. Throws UnsafeUrlError, FetchLimitError or
 * FetchFailedError; each names the problem and the host, never the query string.
 */
export async function safeFetch(url: string, opts: SafeFetchOptions): Promise<SafeFetchResult> {
  const label = opts.label ?? 'URL';
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const resolve = opts.resolve ?? systemResolver;
  if (!(opts.maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${opts.maxBytes}`);
  if (!(opts.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${opts.timeoutMs}`);

  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new FetchLimitError('timeout', `${label} ${displayUrl(url)} refused: no complete answer within ${opts.timeoutMs} ms (timed out)`)),
    opts.timeoutMs,
  );
  const signal = opts.signal ? AbortSignal.any([deadline.signal, opts.signal]) : deadline.signal;
  try {
    let current: string | URL = url;
    for (let hop = 0; ; hop++) {
      const checked: CheckedUrl = await raceAbort(checkUrl(current, resolve, opts), signal);
      const result = await requestHop(checked, opts, signal, label);
      if (result.location === undefined) {
        return { bytes: result.bytes!, contentType: result.contentType, finalUrl: checked.url.href };
      }
      if (hop >= maxRedirects) {
        throw new FetchLimitError('redirects', `${label} ${displayUrl(url)} refused: more than ${maxRedirects} redirects`);
      }
      try {
        current = new URL(result.location, checked.url);
      } catch {
        throw new UnsafeUrlError(`${label} ${displayUrl(checked.url)} refused: it redirects to an invalid URL`);
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
