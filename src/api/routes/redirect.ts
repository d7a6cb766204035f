import { isIPv4, isIPv6 } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db.js';
import { affiliateUrl, hashIp, isLikelyBot, parseTrackedCode, PLATFORM_CODES } from '../../domain/links.js';
import { errorBody } from '../errors.js';

export interface RedirectDeps {
  db: Db;
  /** The Associates tag added to every Amazon URL (AMAZON_PARTNER_TAG). */
  partnerTag: string;
  /** How long a redirect waits for its click to be stored before answering anyway. */
  clickTimeoutMs?: number;
  /** Mixed into the daily IP-hash salt; set it to a server secret so hashes cannot be brute-forced back to IPs. */
  ipHashSecret?: string;
  now?: () => Date;
  /** Overrides of the click limits below (tests); production uses the defaults. */
  limits?: Partial<ClickLimits>;
}

const MAX_USER_AGENT = 512;
const DEFAULT_CLICK_TIMEOUT_MS = 500;
const NOT_FOUND_MESSAGE = 'This link is unknown or has expired.';

// Click limits. A "link" is the 8-character tracking code in any of its posts (the -yt, -tt and
// -ig suffixes are one link: otherwise each suffix would be a free extra click). A "client" is
// the salted daily hash of the client's address, an IPv6 address taken as its /64 (one
// subscriber's network: rotating addresses inside it must not buy extra clicks).

/** Per-client burst: a request is a burst when this client already made CLIENT_BURST_MAX requests for the link in the last CLIENT_BURST_WINDOW_MS (the 6th within a minute). */
export const CLIENT_BURST_MAX = 5;
export const CLIENT_BURST_WINDOW_MS = 60_000;
/**
 * Per-link burst, from all clients together (the cheap-bot pattern: many addresses hitting one
 * link at once): a request is a burst when the link already had LINK_BURST_MAX requests in the
 * last LINK_BURST_WINDOW_MS. 30 in 10 s is 3 clicks a second sustained, about 260,000 a day: far
 * above what one of our videos brings; a genuinely viral video would have its peak undercounted.
 */
export const LINK_BURST_MAX = 30;
export const LINK_BURST_WINDOW_MS = 10_000;
/** Per-client rate limit across all links: a token bucket of this many requests, refilled at this many per minute. */
export const CLIENT_REQUESTS_PER_MINUTE = 60;
/** Clients the rate limiter remembers (about 200 bytes each); the least recently seen are forgotten first. */
export const MAX_LIMITED_CLIENTS = 100_000;

export interface ClickLimits {
  clientBurstMax: number;
  clientBurstWindowMs: number;
  linkBurstMax: number;
  linkBurstWindowMs: number;
  clientRequestsPerMinute: number;
  maxLimitedClients: number;
}

export const DEFAULT_CLICK_LIMITS: Readonly<ClickLimits> = Object.freeze({
  clientBurstMax: CLIENT_BURST_MAX,
  clientBurstWindowMs: CLIENT_BURST_WINDOW_MS,
  linkBurstMax: LINK_BURST_MAX,
  linkBurstWindowMs: LINK_BURST_WINDOW_MS,
  clientRequestsPerMinute: CLIENT_REQUESTS_PER_MINUTE,
  maxLimitedClients: MAX_LIMITED_CLIENTS,
});

/** The client key of a request that has no address (never seen in practice): all such requests share one. */
const NO_ADDRESS = 'unknown';

/**
 * The tracked links in video descriptions: `GET /r/<code>` (or `/r/<code>-yt|tt|ig`)
 * answers 302 to the Amazon product page with our partner tag and records a
 * ClickEvent. HEAD (link previews) redirects the same way without counting a click.
 * Public: no API token (register it outside the bearer-auth scope).
 *
 * Every request for a known link is redirected: a person must always reach the product.
 * What is recorded, and whether it counts, is decided per request:
 *
 * 1. Rate limit (in memory, per API process: with several API processes each allows the
 *    limit): each client has a token bucket of CLIENT_REQUESTS_PER_MINUTE across all links.
 *    A request over it is redirected but not recorded at all (no database write: this is what
 *    keeps a flood away from the database; only an in-memory counter moves, and the first
 *    dropped request of a run is logged). The limiter holds at most MAX_LIMITED_CLIENTS clients.
 * 2. Otherwise the click is stored by one SQL statement (RECORD_CLICK_SQL) that decides
 *    `counted` and `flag`: 'bot' for a bot user agent (isBot, as before); 'burst' when the
 *    client or the link is bursting (CLIENT_BURST_*, LINK_BURST_*); else the click claims
 *    (link, client, UTC day) in ClickCount with ON CONFLICT DO NOTHING: the claim that wins
 *    counts (flag null), any other is a 'repeat'. So at most one click per link, client and day
 *    counts, however many requests arrive at once. Analytics and the optimizer count only
 *    counted clicks.
 */
export function redirectRoutes(app: FastifyInstance, deps: RedirectDeps): void {
  const clickTimeoutMs = deps.clickTimeoutMs ?? DEFAULT_CLICK_TIMEOUT_MS;
  const now = deps.now ?? (() => new Date());
  const limits: ClickLimits = { ...DEFAULT_CLICK_LIMITS, ...deps.limits };
  const limiter = new ClickRateLimiter(limits.clientRequestsPerMinute, limits.maxLimitedClients);

  const notFound = (reply: FastifyReply) => reply.status(404).header('cache-control', 'no-store').send(errorBody('link_not_found', NOT_FOUND_MESSAGE));

  const handler = async (req: FastifyRequest<{ Params: { code: string } }>, reply: FastifyReply) => {
    const raw = req.params.code;
    const parsed = parseTrackedCode(raw);
    if (!parsed) return notFound(reply);

    // A database error here propagates to the app's error handler (503 when the database is down).
    const content = await deps.db.content.findUnique({
      where: { trackingCode: parsed.code },
      select: {
        id: true,
        product: { select: { id: true, detailPageUrl: true } },
        videos: { select: { id: true }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 1 },
      },
    });
    if (!content) return notFound(reply);

    let location: string;
    try {
      location = affiliateUrl(content.product.detailPageUrl, deps.partnerTag);
    } catch (err) {
      // A catalog row with a non-Amazon URL: never redirect there (no open redirect), and say no more than "unknown".
      req.log.error({ err: (err as Error).message, contentId: content.id, productId: content.product.id }, 'tracked link has an unusable product URL');
      return notFound(reply);
    }

    if (req.method === 'GET') {
      const at = now();
      const ipHash = req.ip ? hashIp(clientNetwork(req.ip), at, deps.ipHashSecret) : null;
      const dropped = limiter.take(ipHash ?? NO_ADDRESS, at.getTime());
      if (dropped === 0) {
        const userAgent = sanitizeUserAgent(req.headers['user-agent']);
        const insert = deps.db.$queryRawUnsafe<{ counted: boolean; flag: string | null }[]>(
          RECORD_CLICK_SQL,
          content.videos[0]?.id ?? null,
          raw,
          parsed.platform,
          userAgent,
          isLikelyBot(userAgent),
          ipHash,
          sqlTimestamp(at),
          parsed.code,
          ipHash ?? NO_ADDRESS,
          at.toISOString().slice(0, 10),
          linkCodes(parsed.code),
          limits.clientBurstWindowMs,
          limits.clientBurstMax,
          limits.linkBurstWindowMs,
          limits.linkBurstMax,
        );
        await recordWithin(insert, clickTimeoutMs, req, raw);
      } else if (dropped === 1) {
        req.log.warn(
          { code: raw, perMinute: limits.clientRequestsPerMinute },
          'a client is over the click rate limit: redirecting without recording its clicks',
        );
      }
    }

    return reply
      .status(302)
      .header('location', location)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer-when-downgrade')
      .header('x-robots-tag', 'noindex, nofollow')
      .send();
  };

  app.route<{ Params: { code: string } }>({ method: ['GET', 'HEAD'], url: '/r/:code', handler });
}

/**
 * Stores one click and decides whether it counts, in one statement (one round trip, one
 * snapshot). Parameters: $1 videoId, $2 the code as requested (with its suffix), $3 platform,
 * $4 user agent, $5 isBot, $6 ipHash (null without an address), $7 clickedAt (UTC timestamp
 * text), $8 the link (8-character code), $9 the client key for ClickCount, $10 the UTC day,
 * $11 the link's codes with every suffix, $12/$13 client burst window (ms) and maximum,
 * $14/$15 link burst window (ms) and maximum.
 *
 * The burst counts include every stored request (bots, repeats, bursts) in the window before
 * this one, and stop scanning at the maximum (both use an index on (code|ipHash, clickedAt)).
 * Two requests at the same instant may not see each other, so a burst threshold may be
 * exceeded by the requests in flight; the one-counted-click rule cannot: the ClickCount
 * insert waits for a concurrent insert of the same key and then does nothing.
 */
const RECORD_CLICK_SQL = `
WITH
client_recent AS (
  SELECT count(*) AS n FROM (
    SELECT 1 FROM "ClickEvent"
    WHERE "ipHash" = $6::text AND code = ANY($11::text[])
      AND "clickedAt" > $7::timestamp - $12::int * interval '1 millisecond' AND "clickedAt" <= $7::timestamp
    LIMIT $13::int
  ) x
),
link_recent AS (
  SELECT count(*) AS n FROM (
    SELECT 1 FROM "ClickEvent"
    WHERE code = ANY($11::text[])
      AND "clickedAt" > $7::timestamp - $14::int * interval '1 millisecond' AND "clickedAt" <= $7::timestamp
    LIMIT $15::int
  ) x
),
verdict AS (
  SELECT CASE
    WHEN $5::boolean THEN 'bot'
    WHEN (SELECT n FROM client_recent) >= $13::int OR (SELECT n FROM link_recent) >= $15::int THEN 'burst'
  END AS flag
),
claimed AS (
  INSERT INTO "ClickCount" (code, "ipHash", day)
  SELECT $8::text, $9::text, $10::date FROM verdict WHERE flag IS NULL
  ON CONFLICT DO NOTHING
  RETURNING 1
)
INSERT INTO "ClickEvent" ("videoId", code, platform, "userAgent", "isBot", "ipHash", "clickedAt", counted, flag)
SELECT $1::text, $2::text, $3::text::"Platform", $4::text, $5::boolean, $6::text, $7::timestamp,
       EXISTS (SELECT 1 FROM claimed),
       CASE WHEN EXISTS (SELECT 1 FROM claimed) THEN NULL ELSE COALESCE(v.flag, 'repeat') END
FROM verdict v
RETURNING counted, flag`;

/** Prisma stores DateTime as UTC in "timestamp without time zone": compare in the same terms. */
const sqlTimestamp = (d: Date) => d.toISOString().replace('Z', '');

/** The codes one link is requested by: bare and with each platform suffix. */
const linkCodes = (code: string) => [code, ...Object.values(PLATFORM_CODES).map((suffix) => `${code}-${suffix}`)];

/**
 * The part of a client address that identifies one client: an IPv4 address as it is (also
 * when written IPv4-mapped, ::ffff:a.b.c.d), an IPv6 address as its /64 network, since one
 * subscriber usually gets a whole /64 and can rotate through it at will.
 */
export function clientNetwork(ip: string): string {
  const addr = ip.trim().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(addr);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (!isIPv6(addr)) return addr;
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const [head, tail] = addr.split('::');
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const full = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${full
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Token buckets per client key, in memory (so per API process). Each key holds up to
 * `perMinute` tokens and regains `perMinute` a minute; a request takes one. At most `maxKeys`
 * keys are kept: the least recently seen is forgotten first (Map order, refreshed on each use),
 * which only gives that client a full bucket again. A key whose bucket would be full again
 * carries no information; forgetting it is harmless.
 */
export class ClickRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; dropped: number }>();
  /** Requests refused since the process started. */
  dropped = 0;

  constructor(
    private readonly perMinute: number,
    private readonly maxKeys: number,
  ) {}

  /** 0 when the request may be recorded; otherwise how many requests in a row this key has had refused (1 for the first). */
  take(key: string, nowMs: number): number {
    const b = this.buckets.get(key);
    let tokens = this.perMinute;
    let dropped = 0;
    if (b) {
      tokens = Math.min(this.perMinute, b.tokens + (Math.max(0, nowMs - b.at) * this.perMinute) / 60_000);
      dropped = b.dropped;
      this.buckets.delete(key); // re-inserted below: most recently seen last
    }
    if (tokens >= 1) {
      tokens -= 1;
      dropped = 0;
    } else {
      dropped++;
      this.dropped++;
    }
    this.buckets.set(key, { tokens, at: Math.max(nowMs, b?.at ?? nowMs), dropped });
    while (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    return dropped;
  }

  get size(): number {
    return this.buckets.size;
  }
}

function sanitizeUserAgent(header: string | string[] | undefined): string | null {
  const ua = Array.isArray(header) ? header.join(' ') : header;
  if (!ua) return null;
  // eslint-disable-next-line no-control-regex
  const clean = ua.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean ? clean.slice(0, MAX_USER_AGENT) : null;
}

/** Waits for the click insert at most `ms`; a slow or failed insert is logged, never fails the redirect. */
async function recordWithin(insert: Promise<unknown>, ms: number, req: FastifyRequest, code: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const outcome = insert.then(
    () => 'stored' as const,
    (err: Error) => {
      req.log.warn({ err: err.message.split('\n')[0], code }, 'click not recorded');
      return 'failed' as const;
    },
  );
  try {
    const first = await Promise.race([outcome, timeout]);
    if (first === 'timeout') req.log.warn({ code, timeoutMs: ms }, 'click insert is slow; redirecting without waiting for it');
  } finally {
    clearTimeout(timer);
  }
}
