import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db.js';
import { affiliateUrl, hashIp, isLikelyBot, parseTrackedCode } from '../../domain/links.js';
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
}

const MAX_USER_AGENT = 512;
const DEFAULT_CLICK_TIMEOUT_MS = 500;
const NOT_FOUND_MESSAGE = 'This link is unknown or has expired.';

/**
 * The tracked links in video descriptions: `GET /r/<code>` (or `/r/<code>-yt|tt|ig`)
 * answers 302 to the Amazon product page with our partner tag and records a
 * ClickEvent. HEAD (link previews) redirects the same way without counting a click.
 * Public: no API token (register it outside the bearer-auth scope).
 */
export function redirectRoutes(app: FastifyInstance, deps: RedirectDeps): void {
  const clickTimeoutMs = deps.clickTimeoutMs ?? DEFAULT_CLICK_TIMEOUT_MS;
  const now = deps.now ?? (() => new Date());

  const notFound = (reply: FastifyReply) =>
    reply.status(404).header('cache-control', 'no-store').send(errorBody('link_not_found', NOT_FOUND_MESSAGE));

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
      const userAgent = sanitizeUserAgent(req.headers['user-agent']);
      const insert = deps.db.clickEvent.create({
        data: {
          videoId: content.videos[0]?.id ?? null,
          code: raw,
          platform: parsed.platform,
          userAgent,
          isBot: isLikelyBot(userAgent),
          ipHash: req.ip ? hashIp(req.ip, at, deps.ipHashSecret) : null,
          clickedAt: at,
        },
        select: { id: true },
      });
      await recordWithin(insert, clickTimeoutMs, req, raw);
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
