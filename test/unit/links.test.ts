import { describe, expect, it } from 'vitest';
import {
  PLATFORM_CODES,
  PLATFORMS_BY_CODE,
  affiliateUrl,
  hashIp,
  isAmazonHost,
  isLikelyBot,
  newTrackingCode,
  parseTrackedCode,
  trackedUrl,
} from '../../src/domain/links.js';

describe('tracking codes', () => {
  it('are 8 URL-safe base62 characters from the crypto RNG, practically never repeating', () => {
    const codes = Array.from({ length: 5000 }, () => newTrackingCode());
    for (const c of codes) expect(c).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(new Set(codes).size).toBe(codes.length);
    // Every character class shows up (no bias towards digits only, etc.).
    const chars = codes.join('');
    expect(chars).toMatch(/[0-9]/);
    expect(chars).toMatch(/[A-Z]/);
    expect(chars).toMatch(/[a-z]/);
    expect(new Set(chars).size).toBe(62);
  });

  it('map platforms to short suffixes both ways', () => {
    expect(PLATFORM_CODES).toEqual({ YOUTUBE: 'yt', TIKTOK: 'tt', INSTAGRAM: 'ig' });
    expect(PLATFORMS_BY_CODE).toEqual({ yt: 'YOUTUBE', tt: 'TIKTOK', ig: 'INSTAGRAM' });
  });
});

describe('trackedUrl', () => {
  it('builds /r/<code> with an optional platform suffix, without double slashes', () => {
    expect(trackedUrl('https://go.example.com', 'AbCd1234')).toBe('https://go.example.com/r/AbCd1234');
    expect(trackedUrl('https://go.example.com/', 'AbCd1234', 'YOUTUBE')).toBe('https://go.example.com/r/AbCd1234-yt');
    expect(trackedUrl('http://127.0.0.1:3000//', 'AbCd1234', 'TIKTOK')).toBe('http://127.0.0.1:3000/r/AbCd1234-tt');
    expect(trackedUrl('https://go.example.com', 'AbCd1234', 'INSTAGRAM')).toBe('https://go.example.com/r/AbCd1234-ig');
    expect(trackedUrl('https://go.example.com', 'AbCd1234', null)).toBe('https://go.example.com/r/AbCd1234');
  });

  it('refuses a malformed code', () => {
    expect(() => trackedUrl('https://go.example.com', 'short')).toThrow(/not a tracking code/);
    expect(() => trackedUrl('https://go.example.com', 'AbCd12/4')).toThrow(/not a tracking code/);
  });
});

describe('parseTrackedCode', () => {
  it('parses a code with and without a platform suffix', () => {
    expect(parseTrackedCode('AbCd1234')).toEqual({ code: 'AbCd1234', platform: null });
    expect(parseTrackedCode('AbCd1234-yt')).toEqual({ code: 'AbCd1234', platform: 'YOUTUBE' });
    expect(parseTrackedCode('AbCd1234-tt')).toEqual({ code: 'AbCd1234', platform: 'TIKTOK' });
    expect(parseTrackedCode('AbCd1234-ig')).toEqual({ code: 'AbCd1234', platform: 'INSTAGRAM' });
  });

  it('round-trips every generated URL', () => {
    for (const platform of [undefined, 'YOUTUBE', 'TIKTOK', 'INSTAGRAM'] as const) {
      const code = newTrackingCode();
      const url = trackedUrl('https://x.example', code, platform);
      expect(parseTrackedCode(url.split('/r/')[1])).toEqual({ code, platform: platform ?? null });
    }
  });

  it('rejects anything malformed', () => {
    for (const bad of [
      '',
      'AbCd123',
      'AbCd12345',
      'AbCd1234-',
      'AbCd1234-fb',
      'AbCd1234-YT',
      'AbCd1234-yt-tt',
      'AbCd1234_yt',
      'AbCd-1234',
      'AbCd 1234',
      'AbCd1234\n',
      '../etc/pa',
      'AbCd1234%2F',
      'ÄbCd1234',
      'a'.repeat(1000),
    ]) {
      expect(parseTrackedCode(bad), JSON.stringify(bad)).toBeNull();
    }
    expect(parseTrackedCode(undefined)).toBeNull();
    expect(parseTrackedCode(null)).toBeNull();
  });
});

describe('affiliateUrl', () => {
  it('adds our tag to a product URL', () => {
    expect(affiliateUrl('https://www.amazon.com/dp/B0JRTY546N', 'mystore-20')).toBe('https://www.amazon.com/dp/B0JRTY546N?tag=mystore-20');
  });

  it('replaces an existing tag (even duplicated) and keeps other parameters', () => {
    const out = new URL(affiliateUrl('https://www.amazon.com/dp/B0JRTY546N?th=1&tag=someoneelse-20&psc=1&tag=again-21', 'mystore-20'));
    expect(out.searchParams.getAll('tag')).toEqual(['mystore-20']);
    expect(out.searchParams.get('th')).toBe('1');
    expect(out.searchParams.get('psc')).toBe('1');
    expect(out.pathname).toBe('/dp/B0JRTY546N');
  });

  it('accepts Amazon marketplaces and their subdomains', () => {
    for (const url of [
      'https://amazon.com/dp/B0JRTY546N',
      'https://www.amazon.co.uk/dp/B0JRTY546N',
      'https://www.amazon.de/dp/B0JRTY546N',
      'https://www.amazon.com.mx/dp/B0JRTY546N',
      'https://www.amazon.es/dp/B0JRTY546N',
      'http://www.amazon.co.jp/dp/B0JRTY546N',
      'https://smile.amazon.com/dp/B0JRTY546N',
      'https://WWW.AMAZON.COM/dp/B0JRTY546N',
    ]) {
      expect(new URL(affiliateUrl(url, 'mystore-20')).searchParams.get('tag'), url).toBe('mystore-20');
    }
  });

  it('refuses anything that is not an http(s) Amazon URL (no open redirect)', () => {
    for (const url of [
      'https://evil.example.com/dp/B0JRTY546N',
      'https://amazon.com.evil.example/dp/B0JRTY546N',
      'https://evilamazon.com/dp/B0JRTY546N',
      'https://amazon.evil/dp/B0JRTY546N',
      'https://www.amazon.com@evil.example/dp/x',
      'https://user:pw@www.amazon.com/dp/B0JRTY546N',
      'https://www.amazon.com:8443/dp/B0JRTY546N',
      'javascript:alert(1)//www.amazon.com',
      'ftp://www.amazon.com/dp/B0JRTY546N',
      '//www.amazon.com/dp/B0JRTY546N',
      'not a url',
      '',
    ]) {
      expect(() => affiliateUrl(url, 'mystore-20'), url).toThrow();
    }
  });

  it('refuses a malformed partner tag', () => {
    expect(() => affiliateUrl('https://www.amazon.com/dp/B0JRTY546N', 'bad tag&x=1')).toThrow(/Associates tag/);
    expect(() => affiliateUrl('https://www.amazon.com/dp/B0JRTY546N', '')).toThrow(/Associates tag/);
  });

  it('knows the Amazon hosts', () => {
    expect(isAmazonHost('www.amazon.com')).toBe(true);
    expect(isAmazonHost('amazon.com.')).toBe(true);
    expect(isAmazonHost('amazon.com.au')).toBe(true);
    expect(isAmazonHost('amazonaws.com')).toBe(false);
    expect(isAmazonHost('notamazon.com')).toBe(false);
  });
});

describe('isLikelyBot', () => {
  const humans = [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0',
    // In-app browsers are people.
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_34.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 329.0.3.29.120 (iPhone15,2; iOS 17_4; en_US)',
    'Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/460.0.0.0;]',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [Pinterest/iOS]',
  ];
  const bots = [
    '',
    '   ',
    '-',
    'curl/8.5.0',
    'Wget/1.21.4',
    'python-requests/2.31.0',
    'Python-urllib/3.11',
    'Go-http-client/1.1',
    'Go-http-client/2.0',
    'okhttp/4.12.0',
    'Java/17.0.2',
    'Apache-HttpClient/4.5.14 (Java/17.0.2)',
    'libwww-perl/6.72',
    'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
    'axios/1.6.7',
    'PostmanRuntime/7.36.3',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36',
    'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    'Twitterbot/1.0',
    'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
    'WhatsApp/2.23.20.0',
    'TelegramBot (like TwitterBot)',
    'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
    'Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)',
    'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)',
    'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; +https://openai.com/gptbot)',
    'Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5',
    'Mozilla/5.0 (compatible; Google-InspectionTool/1.0)',
    'Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
    'Some Generic Web Crawler 1.0',
  ];

  it('lets real browsers and in-app browsers through', () => {
    for (const ua of humans) expect(isLikelyBot(ua), ua).toBe(false);
  });

  it('flags empty user agents, HTTP libraries, headless browsers, crawlers and link previews', () => {
    for (const ua of bots) expect(isLikelyBot(ua), ua).toBe(true);
    expect(isLikelyBot(undefined)).toBe(true);
    expect(isLikelyBot(null)).toBe(true);
  });
});

describe('hashIp', () => {
  it('is a 32-hex one-way hash that changes every day and never contains the address', () => {
    const day1 = new Date('2025-03-01T10:00:00Z');
    const day1Later = new Date('2025-03-01T23:59:59Z');
    const day2 = new Date('2025-03-02T00:00:01Z');
    const h = hashIp('203.0.113.7', day1);
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(h).not.toContain('203');
    expect(hashIp('203.0.113.7', day1Later)).toBe(h);
    expect(hashIp('203.0.113.7', day2)).not.toBe(h);
    expect(hashIp('203.0.113.8', day1)).not.toBe(h);
    expect(hashIp('203.0.113.7', day1, 'server-secret')).not.toBe(h);
  });
});
