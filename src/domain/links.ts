import { createHash, randomBytes } from 'node:crypto';

/**
 * Tracked links: every video description carries `${PUBLIC_BASE_URL}/r/<code>`
 * (optionally `-yt`, `-tt` or `-ig` for the platform it was posted on). The
 * redirect route counts the click and forwards to Amazon with our partner tag.
 * Pure helpers: no I/O, no clock except where a date is passed in.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const TRACKING_CODE_LENGTH = 8;

/** A tracked code, optionally followed by a platform suffix. Strict: nothing else is accepted. */
export const TRACKED_CODE_RE = /^([0-9A-Za-z]{8})(?:-(yt|tt|ig))?$/;

export type TrackedPlatform = 'YOUTUBE' | 'TIKTOK' | 'INSTAGRAM';

export const PLATFORM_CODES: Readonly<Record<TrackedPlatform, string>> = Object.freeze({
  YOUTUBE: 'yt',
  TIKTOK: 'tt',
  INSTAGRAM: 'ig',
});

export const PLATFORMS_BY_CODE: Readonly<Record<string, TrackedPlatform>> = Object.freeze(
  Object.fromEntries(Object.entries(PLATFORM_CODES).map(([platform, code]) => [code, platform as TrackedPlatform])),
);

/** 8 base62 characters from the crypto RNG (62^8 ≈ 2.2e14 codes), unbiased by rejection sampling. */
export function newTrackingCode(): string {
  let out = '';
  while (out.length < TRACKING_CODE_LENGTH) {
    for (const b of randomBytes(16)) {
      // 248 = 4 × 62: bytes at or above it would favour the first characters.
      if (b < 248) out += BASE62[b % 62];
      if (out.length === TRACKING_CODE_LENGTH) break;
    }
  }
  return out;
}

export function isTrackingCode(code: string): boolean {
  return /^[0-9A-Za-z]{8}$/.test(code);
}

/** `${base}/r/${code}` or, with a platform, `${base}/r/${code}-yt`. */
export function trackedUrl(baseUrl: string, code: string, platform?: TrackedPlatform | null): string {
  if (!isTrackingCode(code)) throw new Error(`"${code}" is not a tracking code: expected ${TRACKING_CODE_LENGTH} letters or digits.`);
  const base = baseUrl.replace(/\/+$/, '');
  if (!platform) return `${base}/r/${code}`;
  const suffix = PLATFORM_CODES[platform];
  if (!suffix) throw new Error(`Unknown platform "${platform}": use one of ${Object.keys(PLATFORM_CODES).join(', ')}.`);
  return `${base}/r/${code}-${suffix}`;
}

/** `AbCd1234-tt` → { code: 'AbCd1234', platform: 'TIKTOK' }; anything malformed → null. */
export function parseTrackedCode(raw: string | null | undefined): { code: string; platform: TrackedPlatform | null } | null {
  if (typeof raw !== 'string' || raw.length > 16) return null;
  const m = TRACKED_CODE_RE.exec(raw);
  if (!m) return null;
  return { code: m[1], platform: m[2] ? PLATFORMS_BY_CODE[m[2]] : null };
}

/**
 * Amazon marketplaces whose product pages take the Associates `tag` parameter.
 * A host must be one of these domains or a subdomain of one (www., smile.).
 */
export const AMAZON_DOMAINS = [
  'amazon.com',
  'amazon.ca',
  'amazon.com.mx',
  'amazon.com.br',
  'amazon.co.uk',
  'amazon.ie',
  'amazon.de',
  'amazon.fr',
  'amazon.it',
  'amazon.es',
  'amazon.nl',
  'amazon.se',
  'amazon.pl',
  'amazon.com.be',
  'amazon.com.tr',
  'amazon.ae',
  'amazon.sa',
  'amazon.eg',
  'amazon.in',
  'amazon.co.jp',
  'amazon.sg',
  'amazon.com.au',
  'amazon.cn',
] as const;

export function isAmazonHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return AMAZON_DOMAINS.some((d) => host === d || host.endsWith(`.${d}`));
}

/** Subdomains of a marketplace domain that serve product pages. */
const PRODUCT_PAGE_SUBDOMAINS = ['', 'www.', 'smile.'] as const;

/** `/dp/<ASIN>` or `/gp/product/<ASIN>`, anywhere in the path (a title slug may come first). */
const PRODUCT_PATH_RE = /(?:^|\/)(?:dp|gp\/product)\/([A-Z0-9]{10})(?:[/?#]|$)/i;

export const AMAZON_PRODUCT_URL_EXAMPLE = 'https://www.amazon.com/dp/B08N5WRWNW';

/**
 * Why a URL is not an Amazon product page, or undefined when it is one: https,
 * no credentials or port, a marketplace host (amazon.<tld>, www.amazon.<tld> or
 * smile.amazon.<tld> for a domain in AMAZON_DOMAINS) and `/dp/<ASIN>` or
 * `/gp/product/<ASIN>` in the path. Stricter than affiliateUrl (click time):
 * this is what a catalog row must hold at import time.
 */
export function amazonProductUrlProblem(detailPageUrl: string): string | undefined {
  const expected = `a valid one looks like ${AMAZON_PRODUCT_URL_EXAMPLE} or https://www.amazon.co.uk/gp/product/B08N5WRWNW`;
  let url: URL;
  try {
    url = new URL(detailPageUrl);
  } catch {
    return `is not a URL: it must be an Amazon product page; ${expected}`;
  }
  if (url.protocol !== 'https:') return `must be an https:// URL, not ${url.protocol}; ${expected}`;
  if (url.username || url.password) return `must not contain a user name or password; ${expected}`;
  if (url.port) return `must not name a port; ${expected}`;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (!AMAZON_DOMAINS.some((d) => PRODUCT_PAGE_SUBDOMAINS.some((sub) => host === `${sub}${d}`))) {
    return `must be an Amazon product page, but ${host} is not an Amazon marketplace host (amazon.<marketplace domain>, optionally with www. or smile.); ${expected}`;
  }
  if (!PRODUCT_PATH_RE.test(url.pathname)) return `must be an Amazon product page with /dp/<ASIN> or /gp/product/<ASIN> in its path; ${expected}`;
  return undefined;
}

const PARTNER_TAG_RE = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The product page with our Associates tag: `tag=<partnerTag>` replaces any tag
 * already there; other parameters are kept. Only http(s) Amazon marketplace URLs
 * are accepted, so a bad catalog row can never turn /r/ into an open redirect.
 */
export function affiliateUrl(detailPageUrl: string, partnerTag: string): string {
  if (!PARTNER_TAG_RE.test(partnerTag)) throw new Error(`"${partnerTag}" is not an Associates tag: expected letters, digits and dashes, e.g. mystore-20.`);
  let url: URL;
  try {
    url = new URL(detailPageUrl);
  } catch {
    throw new Error(`"${detailPageUrl}" is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`"${detailPageUrl}" is not an http(s) URL.`);
  if (url.username || url.password || url.port) throw new Error(`"${detailPageUrl}" has credentials or a port: not an Amazon product page.`);
  if (!isAmazonHost(url.hostname)) throw new Error(`"${url.hostname}" is not an Amazon marketplace host.`);
  url.searchParams.set('tag', partnerTag);
  return url.toString();
}

/**
 * User agents that are not a person clicking: link-preview fetchers (chat apps and
 * social networks unfurl every link that is posted), search and SEO crawlers, AI
 * crawlers, uptime monitors, headless browsers and HTTP libraries. Each entry is a
 * case-insensitive pattern with what it catches; clicks from them are stored with
 * isBot=true and left out of click counts.
 */
export const BOT_USER_AGENT_PATTERNS: readonly { pattern: RegExp; what: string }[] = [
  // Generic words most bots put in their UA string.
  {
    pattern: /bot(?:\b|_)/i,
    what: 'anything calling itself a bot: Googlebot, bingbot, Twitterbot, Discordbot, TelegramBot, LinkedInBot, AhrefsBot, SemrushBot, Applebot, Amazonbot, GPTBot …',
  },
  { pattern: /crawl/i, what: 'crawlers (Crawler, crawl.), e.g. Screaming Frog, Sogou web crawler' },
  { pattern: /spider/i, what: 'spiders: Baiduspider, Bytespider, YisouSpider …' },
  { pattern: /preview/i, what: 'link previews: BingPreview, Google Web Preview, SkypeUriPreview, Slack link previews' },
  { pattern: /slurp|scraper|scrapy|archiver|ia_archiver|fetcher|feedfetcher|validator/i, what: 'scrapers, archivers, feed fetchers and validators' },
  // Link unfurlers that do not say "bot".
  { pattern: /facebookexternalhit|facebookcatalog|meta-externalagent|meta-externalfetcher/i, what: 'Facebook, Instagram and Messenger link previews' },
  { pattern: /slack-imgproxy|slackbot-linkexpanding/i, what: 'Slack link unfurling' },
  { pattern: /whatsapp/i, what: 'WhatsApp link previews (the app opens links in the system browser)' },
  {
    pattern: /redditbot|vkshare|embedly|iframely|outbrain|quora link preview|skypeuripreview|mastodon|bluesky|cardyb/i,
    what: 'other social networks and embed services fetching cards',
  },
  {
    pattern: /google-inspectiontool|googleother|google-read-aloud|adsbot-google|mediapartners-google|apis-google|google-safety|storebot-google/i,
    what: 'Google fetchers that do not all say bot',
  },
  { pattern: /yandex|baidu|sogou|exabot|petalbot|seznam|qwantify|duckduck/i, what: 'other search engines' },
  { pattern: /ahrefs|semrush|mj12|dotbot|rogerbot|dataforseo|serpstat|screaming frog|sitebulb|blexbot|barkrowler/i, what: 'SEO tools' },
  {
    pattern: /gptbot|chatgpt-user|oai-searchbot|claudebot|claude-web|anthropic-ai|perplexity|ccbot|cohere-ai|bytespider|diffbot|omgili|imagesift/i,
    what: 'AI crawlers and assistants',
  },
  {
    pattern: /uptimerobot|pingdom|statuscake|site24x7|newrelicpinger|datadog|better uptime|checkly|monitis|nagios|check_http|zabbix/i,
    what: 'uptime monitors',
  },
  // Automation and headless browsers.
  {
    pattern: /headlesschrome|phantomjs|puppeteer|playwright|selenium|webdriver|lighthouse|pagespeed|gtmetrix|chrome-lighthouse/i,
    what: 'headless browsers and page-speed tools',
  },
  // HTTP client libraries and command-line tools: a person on a phone never sends these.
  { pattern: /^(curl|wget|httpie|aria2|lynx|links)\b|\bcurl\/|\bwget\//i, what: 'command-line clients: curl, Wget, HTTPie' },
  { pattern: /python-requests|python-urllib|python-httpx|aiohttp|httpx\/|urllib3|pycurl|mechanize/i, what: 'Python HTTP libraries' },
  {
    pattern:
      /go-http-client|okhttp|java\/|apache-httpclient|jakarta commons|libwww|lwp::|\bphp\/|guzzlehttp|node-fetch|axios\/|undici|got \(|ruby|faraday|rest-client|dart:io|reqwest|hyper\/|postmanruntime|insomnia|restsharp|winhttp/i,
    what: 'HTTP libraries: Go, OkHttp, Java, Apache HttpClient, libwww-perl, PHP, Node, Ruby, Dart, Rust, Postman',
  },
  { pattern: /zgrab|masscan|nmap|nikto|sqlmap|nuclei|censys|shodan|expanse|internet-measurement/i, what: 'scanners' },
];

/** True for an empty user agent or one matching BOT_USER_AGENT_PATTERNS. */
export function isLikelyBot(userAgent: string | null | undefined): boolean {
  const ua = (userAgent ?? '').trim();
  if (ua.length < 8) return true; // empty or a stub like "-" or "test": no browser sends that
  return BOT_USER_AGENT_PATTERNS.some(({ pattern }) => pattern.test(ua));
}

/**
 * A one-way hash of a client IP for counting unique clickers per day without
 * storing the address: sha256 of the IP with a salt that changes every UTC day
 * (derived from the date and an optional server secret), so hashes from
 * different days cannot be joined. 32 hex characters.
 */
export function hashIp(ip: string, at: Date = new Date(), secret = 'affiliate-empire/click-ip'): string {
  const day = at.toISOString().slice(0, 10);
  const salt = createHash('sha256').update(`${secret}|${day}`).digest('hex');
  return createHash('sha256').update(`${ip}|${salt}`).digest('hex').slice(0, 32);
}
