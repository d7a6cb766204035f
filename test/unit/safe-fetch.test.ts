// Fetched URLs cannot reach inside: safeFetch against real HTTP servers on
// loopback (no fetch mocks). Refusals are checked to happen before any
// connection; the body cap and the deadline are checked against servers that
// send too much or never answer.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isInternalAddress } from '../../src/domain/addresses.js';
import { detectImageFormat, IMAGE_DEMUXERS, IMAGE_FORMATS } from '../../src/domain/image-format.js';
import { checkUrl, FetchFailedError, FetchLimitError, safeFetch, UnsafeUrlError, type ResolvedAddress, type Resolver } from '../../src/net/safe-fetch.js';
import { fetchProductImage } from '../../src/temporal/activities/videos.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="file:///etc/passwd"/></svg>');
const MB = 1024 * 1024;

interface Seen {
  path: string;
  host: string | undefined;
  localAddress: string | undefined;
}

/** A loopback server with the routes the tests need; it records every request and every connection. */
async function startServer(host = '127.0.0.1') {
  const seen: Seen[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  const bigClosed: Promise<{ finished: boolean; sent: number }>[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, host: req.headers.host, localAddress: req.socket.localAddress });
    switch (url.pathname) {
      case '/image.png':
        res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
        return;
      case '/image.svg':
        res.writeHead(200, { 'content-type': 'image/png' }).end(SVG); // lies about its type: the bytes decide
        return;
      case '/redirect':
        res.writeHead(302, { location: url.searchParams.get('to') ?? '/image.png' }).end();
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' }).end();
        return;
      case '/missing':
        res.writeHead(404).end('not here');
        return;
      case '/big-declared':
        res.writeHead(200, { 'content-length': String(2 * MB), 'content-type': 'image/png' });
        res.write(PNG); // then nothing: the client must not wait for the rest
        return;
      case '/big': {
        // 2 MB, chunked (no Content-Length): only the byte count can stop it.
        const total = Number(url.searchParams.get('bytes') ?? 2 * MB);
        let sent = 0;
        bigClosed.push(new Promise((resolve) => res.on('close', () => resolve({ finished: res.writableFinished, sent }))));
        res.writeHead(200, { 'content-type': 'image/png' });
        // 64 KB every 5 ms: the client's cap is hit while the server is still sending
        // (loopback socket buffers could otherwise swallow the whole body at once).
        const chunk = Buffer.alloc(64 * 1024, 1);
        const pump = () => {
          if (res.destroyed) return;
          if (sent >= total) return void res.end();
          const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
          sent += piece.length;
          if (res.write(piece)) setTimeout(pump, 5);
          else res.once('drain', () => setTimeout(pump, 5));
        };
        pump();
        return;
      }
      case '/hang':
        return; // never answers
      case '/drip': {
        res.writeHead(200, { 'content-type': 'image/png' });
        const timer = setInterval(() => res.write('x'), 50);
        res.on('close', () => clearInterval(timer));
        return;
      }
      default:
        res.writeHead(404).end();
    }
  });
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    seen,
    bigClosed,
    connections: () => connections,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Server = Awaited<ReturnType<typeof startServer>>;

/** A resolver from a fixed table, counting its calls; unknown names fail like DNS does. */
function tableResolver(table: Record<string, string | string[] | (() => string)>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    const entry = table[hostname];
    if (!entry) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const list = typeof entry === 'function' ? [entry()] : Array.isArray(entry) ? entry : [entry];
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(fn, { calls });
}

const LIMITS = { maxBytes: 1 * MB, timeoutMs: 3000 };

let server: Server;
let trap: Server; // on 127.0.0.2: a target that must never be connected to

beforeAll(async () => {
  server = await startServer();
  trap = await startServer('127.0.0.2');
});
afterAll(async () => {
  await server?.close();
  await trap?.close();
});

async function refusal(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!err) throw new Error('expected the fetch to be refused, but it succeeded');
  return err;
}

describe('safeFetch refuses internal destinations before connecting', () => {
  afterEach(() => {
    // Nothing refused may have reached either server.
    expect(trap.connections()).toBe(0);
  });

  it.each([
    ['loopback', 'http://127.0.0.1:PORT/image.png', /127\.0\.0\.1 is a loopback address/],
    ['another loopback address', 'http://127.0.0.2:TRAP/image.png', /127\.0\.0\.2 is a loopback address/],
    ['private 10/8', 'http://10.0.0.1/image.png', /10\.0\.0\.1 is a private-network address/],
    ['private 172.16/12', 'http://172.16.5.4/image.png', /172\.16\.5\.4 is a private-network address/],
    ['private 192.168/16', 'http://192.168.1.1/image.png', /192\.168\.1\.1 is a private-network address/],
    ['link-local', 'http://169.254.10.10/image.png', /169\.254\.10\.10 is a link-local address/],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/', /169\.254\.169\.254 is the cloud metadata address/],
    ['carrier-grade NAT', 'http://100.64.0.1/', /100\.64\.0\.1 is a carrier-grade NAT address/],
    ['unspecified', 'http://0.0.0.0:PORT/image.png', /0\.0\.0\.0 is an unspecified address/],
    ['decimal IPv4 (2130706433 = 127.0.0.1)', 'http://2130706433:PORT/image.png', /127\.0\.0\.1 is a loopback address/],
    ['hex/short IPv4 (0x7f.1 = 127.0.0.1)', 'http://0x7f.1:PORT/image.png', /127\.0\.0\.1 is a loopback address/],
    ['IPv6 loopback', 'http://[::1]:PORT/image.png', /::1 is a loopback address/],
    ['IPv6 unspecified', 'http://[::]/', /:: is an unspecified address/],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]:PORT/image.png', /::ffff:7f00:1 is a loopback address/],
    ['IPv4-mapped metadata', 'http://[::ffff:169.254.169.254]/', /::ffff:a9fe:a9fe is the cloud metadata address/],
    ['IPv4-compatible loopback', 'http://[::127.0.0.1]:PORT/', /::7f00:1 is/],
    ['NAT64 of a private address', 'http://[64:ff9b::10.0.0.1]/', /64:ff9b::a00:1 is/],
    ['6to4 of loopback', 'http://[2002:7f00:1::1]/', /2002:7f00:1::1 is/],
    ['IPv6 link-local', 'http://[fe80::1]/', /fe80::1 is a link-local address/],
    ['IPv6 unique-local', 'http://[fd00::1]/', /fd00::1 is a private-network address/],
    ['AWS IPv6 metadata', 'http://[fd00:ec2::254]/latest/meta-data/', /fd00:ec2::254 is the cloud metadata address/],
  ])('%s: %s', async (_what, template, reason) => {
    const url = template.replace('PORT', String(server.port)).replace('TRAP', String(trap.port));
    const before = server.connections();
    const resolver = tableResolver({});
    const err = await refusal(safeFetch(url, { ...LIMITS, resolve: resolver }));
    expect(err).toBeInstanceOf(UnsafeUrlError);
    expect((err as UnsafeUrlError).code).toBe('unsafe_url');
    expect(err.message).toMatch(/^URL http:\/\/\S+ refused: /);
    expect(err.message).toMatch(reason);
    expect(err.message).toMatch(/only hosts on the public internet can be fetched$/);
    expect(resolver.calls).toEqual([]); // a literal is checked as it is, without DNS
    expect(server.connections()).toBe(before);
  });

  it('names the problem, the host and the fix in the caller’s words, never the query string', async () => {
    const err = await refusal(
      safeFetch(`http://127.0.0.1:${server.port}/x?token=SECRET-TOKEN#frag`, {
        ...LIMITS,
        label: 'image URL',
        publicHint: 'product images must be on the public internet',
      }),
    );
    expect(err.message).toBe(
      `image URL http://127.0.0.1:${server.port}/x refused: 127.0.0.1 is a loopback address; product images must be on the public internet`,
    );
    expect(err.message).not.toContain('SECRET');
  });

  it('refuses localhost by its resolved address (the real system resolver)', async () => {
    const before = server.connections();
    const err = await refusal(safeFetch(`http://localhost:${server.port}/image.png`, LIMITS));
    expect(err).toBeInstanceOf(UnsafeUrlError);
    expect(err.message).toMatch(/^URL http:\/\/localhost:\d+\/image\.png refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address;/);
    expect(server.connections()).toBe(before);
  });

  it('refuses a name when ANY of its addresses is internal', async () => {
    const resolve = tableResolver({ 'mixed.example': ['93.184.216.34', '10.0.0.1'] });
    const err = await refusal(safeFetch('http://mixed.example/image.png', { ...LIMITS, resolve }));
    expect(err).toBeInstanceOf(UnsafeUrlError);
    expect(err.message).toMatch(/mixed\.example resolves to 10\.0\.0\.1, a private-network address/);
  });

  it.each([
    ['file:///etc/passwd', /the scheme file: is not allowed; only http:\/\/ and https:\/\/ URLs can be fetched/],
    ['ftp://images.example.com/a.png', /the scheme ftp: is not allowed/],
    ['gopher://127.0.0.1:6379/_FLUSHALL', /the scheme gopher: is not allowed/],
    ['data:image/png;base64,iVBORw0KGgo=', /the scheme data: is not allowed/],
    ['javascript:alert(1)', /the scheme javascript: is not allowed/],
    ['not a url', /not a valid URL/],
  ])('refuses %s', async (url, reason) => {
    const resolve = tableResolver({});
    const err = await refusal(safeFetch(url, { ...LIMITS, resolve }));
    expect(err).toBeInstanceOf(UnsafeUrlError);
    expect(err.message).toMatch(reason);
    expect(resolve.calls).toEqual([]);
  });

  it('refuses credentials in the URL without resolving or showing them', async () => {
    const resolve = tableResolver({ 'images.example': '93.184.216.34' });
    const err = await refusal(safeFetch('https://admin:hunter2@images.example/a.png', { ...LIMITS, resolve }));
    expect(err).toBeInstanceOf(UnsafeUrlError);
    expect(err.message).toBe('URL https://images.example/a.png refused: it contains a user name or password; remove the user:password@ part');
    expect(err.message).not.toContain('hunter2');
    expect(resolve.calls).toEqual([]);
  });

  it('reports a name that does not resolve as a fetch failure', async () => {
    const err = await refusal(safeFetch('http://nowhere.example/a.png', { ...LIMITS, resolve: tableResolver({}) }));
    expect(err).toBeInstanceOf(FetchFailedError);
    expect(err.message).toMatch(/nowhere\.example does not resolve \(ENOTFOUND\)/);
  });
});

describe('checkUrl: the per-hop check', () => {
  const resolve = tableResolver({
    'public.example': '93.184.216.34',
    'evil.example': '10.0.0.1',
    'meta.example': '169.254.169.254',
    'v6.example': ['2606:4700::1111', '::1'],
  });

  it('accepts a public host and returns the addresses to connect to (no connection is made)', async () => {
    const checked = await checkUrl('https://public.example/img/a.png?x=1', resolve);
    expect(checked.hostname).toBe('public.example');
    expect(checked.addresses).toEqual([{ address: '93.184.216.34', family: 4 }]);
  });

  it('a redirect chain public → private is refused at the private hop', async () => {
    await expect(checkUrl('http://public.example/redirect', resolve)).resolves.toBeTruthy();
    const next = new URL('http://evil.example/admin', 'http://public.example/redirect');
    await expect(checkUrl(next, resolve)).rejects.toThrow(/evil\.example resolves to 10\.0\.0\.1, a private-network address/);
    await expect(checkUrl('http://meta.example/', resolve)).rejects.toThrow(/resolves to 169\.254\.169\.254, the cloud metadata address/);
    await expect(checkUrl('http://v6.example/', resolve)).rejects.toThrow(/v6\.example resolves to ::1, a loopback address/);
  });

  it('allowInternal and allowAddresses widen the policy only as asked', async () => {
    await expect(checkUrl('http://evil.example/', resolve, { allowInternal: true })).resolves.toMatchObject({ addresses: [{ address: '10.0.0.1' }] });
    await expect(checkUrl('http://evil.example/', resolve, { allowAddresses: ['127.0.0.1'] })).rejects.toThrow(UnsafeUrlError);
    await expect(checkUrl('http://127.0.0.1/', resolve, { allowAddresses: ['127.0.0.1'] })).resolves.toBeTruthy();
  });
});

describe('safeFetch connects only to the address it checked', () => {
  it('fetches from a loopback server with allowInternal (tests only)', async () => {
    const r = await safeFetch(`${server.origin}/image.png?v=1`, { ...LIMITS, allowInternal: true });
    expect(r.bytes.equals(PNG)).toBe(true);
    expect(r.contentType).toBe('image/png');
    expect(r.finalUrl).toBe(`${server.origin}/image.png?v=1`);
    const viaName = await safeFetch(`http://localhost:${server.port}/image.png`, { ...LIMITS, allowInternal: true });
    expect(viaName.bytes.equals(PNG)).toBe(true);
  });

  it('pins the vetted address: a name unknown to real DNS still reaches it, with its own Host header, and is resolved once', async () => {
    // DNS rebinding: the first answer passes the check, later answers point elsewhere.
    let n = 0;
    const resolve = tableResolver({ 'cdn.example': () => (n++ === 0 ? '127.0.0.1' : '127.0.0.2') });
    const r = await safeFetch(`http://cdn.example:${server.port}/image.png`, { ...LIMITS, resolve, allowAddresses: ['127.0.0.1'] });
    expect(r.bytes.equals(PNG)).toBe(true);
    expect(resolve.calls).toEqual(['cdn.example']);
    expect(server.seen.at(-1)).toMatchObject({ path: '/image.png', host: `cdn.example:${server.port}`, localAddress: '127.0.0.1' });
    expect(trap.connections()).toBe(0);
  });

  it('re-checks every redirect: public → private is refused and the private hop is never connected to', async () => {
    const resolve = tableResolver({ 'public.example': '127.0.0.1', 'evil.example': '10.0.0.1', 'trap.example': '127.0.0.2' });
    const policy = { ...LIMITS, resolve, allowAddresses: ['127.0.0.1'] };
    const start = (to: string) => `http://public.example:${server.port}/redirect?to=${encodeURIComponent(to)}`;

    const toPrivate = await refusal(safeFetch(start(`http://evil.example:${server.port}/image.png`), policy));
    expect(toPrivate).toBeInstanceOf(UnsafeUrlError);
    expect(toPrivate.message).toMatch(/^URL http:\/\/evil\.example:\d+\/image\.png refused: evil\.example resolves to 10\.0\.0\.1, a private-network address/);

    const toTrap = await refusal(safeFetch(start(`http://trap.example:${trap.port}/image.png`), policy));
    expect(toTrap.message).toMatch(/trap\.example resolves to 127\.0\.0\.2, a loopback address/);
    expect(trap.connections()).toBe(0);

    const toMetadata = await refusal(safeFetch(start('http://169.254.169.254/latest/meta-data/'), policy));
    expect(toMetadata.message).toMatch(/169\.254\.169\.254 is the cloud metadata address/);
    const toFile = await refusal(safeFetch(start('file:///etc/passwd'), policy));
    expect(toFile.message).toMatch(/the scheme file: is not allowed/);
    const toCreds = await refusal(safeFetch(start(`http://u:p@public.example:${server.port}/image.png`), policy));
    expect(toCreds.message).toMatch(/user name or password/);
  });

  it('https: connects to the pinned address but sends the host name as SNI and verifies the certificate', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safe-fetch-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=img.example',
        '-addext',
        'subjectAltName=DNS:img.example',
      ],
      { stdio: 'ignore' },
    );
    const names: (string | undefined)[] = [];
    const tls = https.createServer(
      {
        key: fs.readFileSync(path.join(dir, 'key.pem')),
        cert: fs.readFileSync(path.join(dir, 'cert.pem')),
        SNICallback: (name, cb) => {
          names.push(name);
          cb(null, undefined);
        },
      },
      (_req, res) => res.end(PNG),
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    try {
      const port = (tls.address() as AddressInfo).port;
      const resolve = tableResolver({ 'img.example': '127.0.0.1' });
      const err = await refusal(safeFetch(`https://img.example:${port}/image.png`, { ...LIMITS, resolve, allowAddresses: ['127.0.0.1'] }));
      // Reached the pinned address, named the host in SNI, and refused the untrusted (self-signed) certificate.
      expect(names).toEqual(['img.example']);
      expect(err).toBeInstanceOf(FetchFailedError);
      expect(err.message).toMatch(/self[- ]signed certificate/);
    } finally {
      tls.closeAllConnections();
      await new Promise<void>((resolve) => tls.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows a relative redirect to an allowed host and reports the final URL', async () => {
    const r = await safeFetch(`${server.origin}/redirect?to=${encodeURIComponent('/image.png?after=redirect')}`, { ...LIMITS, allowInternal: true });
    expect(r.bytes.equals(PNG)).toBe(true);
    expect(r.finalUrl).toBe(`${server.origin}/image.png?after=redirect`);
  });

  it('stops after maxRedirects', async () => {
    const before = server.seen.filter((s) => s.path === '/loop').length;
    const err = await refusal(safeFetch(`${server.origin}/loop`, { ...LIMITS, allowInternal: true, maxRedirects: 2 }));
    expect(err).toBeInstanceOf(FetchLimitError);
    expect((err as FetchLimitError).limit).toBe('redirects');
    expect(err.message).toMatch(/more than 2 redirects/);
    expect(server.seen.filter((s) => s.path === '/loop').length - before).toBe(3);
  });

  it('reports an HTTP error status', async () => {
    const err = await refusal(safeFetch(`${server.origin}/missing`, { ...LIMITS, allowInternal: true }));
    expect(err).toBeInstanceOf(FetchFailedError);
    expect((err as FetchFailedError).status).toBe(404);
    expect(err.message).toMatch(/HTTP 404/);
  });
});

describe('safeFetch limits', () => {
  it('stops reading past the byte cap and closes the connection (2 MB body, 1 MB cap)', async () => {
    const n = server.bigClosed.length;
    const err = await refusal(safeFetch(`${server.origin}/big`, { maxBytes: 1 * MB, timeoutMs: 5000, allowInternal: true }));
    expect(err).toBeInstanceOf(FetchLimitError);
    expect((err as FetchLimitError).limit).toBe('size');
    expect(err.message).toMatch(/over the limit of 1048576 bytes/);
    // The server sees the connection closed before it could send everything.
    const closed = await server.bigClosed[n];
    expect(closed.finished).toBe(false);
    expect(closed.sent).toBeLessThan(2 * MB);
  });

  it('refuses a declared Content-Length over the cap without waiting for the body', async () => {
    const t0 = performance.now();
    const err = await refusal(safeFetch(`${server.origin}/big-declared`, { maxBytes: 1 * MB, timeoutMs: 5000, allowInternal: true }));
    expect(err).toBeInstanceOf(FetchLimitError);
    expect(err.message).toMatch(/the body is 2097152 bytes, over the limit of 1048576 bytes/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('accepts a body exactly at the cap', async () => {
    const r = await safeFetch(`${server.origin}/big?bytes=${MB}`, { maxBytes: MB, timeoutMs: 5000, allowInternal: true });
    expect(r.bytes.length).toBe(MB);
  });

  it('gives up on a server that never answers, within the deadline', async () => {
    const t0 = performance.now();
    const err = await refusal(safeFetch(`${server.origin}/hang`, { maxBytes: MB, timeoutMs: 300, allowInternal: true }));
    const ms = performance.now() - t0;
    expect(err).toBeInstanceOf(FetchLimitError);
    expect((err as FetchLimitError).limit).toBe('timeout');
    expect(err.message).toMatch(/refused: no complete answer within 300 ms \(timed out\)/);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(1500);
  });

  it('the deadline covers the body too (a server that drips bytes forever)', async () => {
    const t0 = performance.now();
    const err = await refusal(safeFetch(`${server.origin}/drip`, { maxBytes: MB, timeoutMs: 400, allowInternal: true }));
    expect(err).toBeInstanceOf(FetchLimitError);
    expect((err as FetchLimitError).limit).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('the caller’s signal aborts the fetch with its reason', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('activity cancelled')), 100);
    const err = await refusal(safeFetch(`${server.origin}/hang`, { maxBytes: MB, timeoutMs: 5000, allowInternal: true, signal: ac.signal }));
    expect(err.message).toBe('activity cancelled');
  });
});

describe('image formats by magic bytes', () => {
  const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

  it.each([
    ['png', PNG],
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF\0')],
    ['webp', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ')],
    ['gif', bytes('GIF89a', [1, 0, 1, 0])],
    ['gif', bytes('GIF87a', [1, 0, 1, 0])],
  ])('recognises %s', (format, data) => {
    expect(detectImageFormat(data)).toBe(format);
  });

  it.each([
    ['SVG', SVG],
    ['SVG with an XML declaration', bytes('<?xml version="1.0"?><svg/>')],
    ['HTML', bytes('<!DOCTYPE html><html><body>login</body></html>')],
    ['plain text', bytes('hello world, not a picture')],
    ['an HLS playlist', bytes('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\nfile:///etc/passwd\n')],
    ['RIFF that is not WebP (AVI)', bytes('RIFF', [0x24, 0, 0, 0], 'AVI LIST')],
    ['a truncated PNG signature', PNG.subarray(0, 5)],
    ['nothing', Buffer.alloc(0)],
  ])('refuses %s', (_what, data) => {
    expect(detectImageFormat(data)).toBeUndefined();
  });

  it('maps every format to a demuxer this ffmpeg has', () => {
    const demuxers = execFileSync('ffmpeg', ['-hide_banner', '-demuxers'], { encoding: 'utf8' });
    for (const format of IMAGE_FORMATS) expect(demuxers).toMatch(new RegExp(`^ D\\S*\\s+${IMAGE_DEMUXERS[format]}\\s`, 'm'));
  });
});

describe('addresses with an IPv4 address inside', () => {
  it.each([
    ['::7f00:1', true],
    ['64:ff9b::a00:1', true],
    ['64:ff9b::808:808', false],
    ['2002:c0a8:101::1', true],
    ['2002:808:808::1', false],
    ['64:ff9b:1::1', true],
    ['fec0::1', true],
    ['2606:4700::1111', false],
  ])('%s internal: %s', (ip, internal) => {
    expect(isInternalAddress(ip)).toBe(internal);
  });
});

describe('the product image fetch of the render step', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-fetch-'));
  const saved = { NODE_ENV: process.env.NODE_ENV, hook: process.env.FETCH_ALLOW_INTERNAL_FOR_TESTS };
  afterEach(() => {
    process.env.NODE_ENV = saved.NODE_ENV;
    if (saved.hook === undefined) delete process.env.FETCH_ALLOW_INTERNAL_FOR_TESTS;
    else process.env.FETCH_ALLOW_INTERNAL_FOR_TESTS = saved.hook;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is strict by default: a loopback image is not fetched (title card), even under NODE_ENV=test', async () => {
    process.env.NODE_ENV = 'test';
    delete process.env.FETCH_ALLOW_INTERNAL_FOR_TESTS;
    const before = server.connections();
    expect(await fetchProductImage(`${server.origin}/image.png`, path.join(dir, 'a'))).toBeUndefined();
    expect(server.connections()).toBe(before);
  });

  it('the opt-in alone is not enough outside NODE_ENV=test', async () => {
    process.env.NODE_ENV = 'production';
    process.env.FETCH_ALLOW_INTERNAL_FOR_TESTS = '1';
    const before = server.connections();
    expect(await fetchProductImage(`${server.origin}/image.png`, path.join(dir, 'b'))).toBeUndefined();
    expect(server.connections()).toBe(before);
  });

  it('with NODE_ENV=test and FETCH_ALLOW_INTERNAL_FOR_TESTS=1 it stores the picture under its detected format', async () => {
    process.env.NODE_ENV = 'test';
    process.env.FETCH_ALLOW_INTERNAL_FOR_TESTS = '1';
    const got = await fetchProductImage(`${server.origin}/image.png`, path.join(dir, 'c'));
    expect(got).toEqual({ path: path.join(dir, 'c.png'), format: 'png' });
    expect(fs.readFileSync(got!.path).equals(PNG)).toBe(true);
  });

  it('refuses a body that is not PNG/JPEG/WebP/GIF whatever its Content-Type (no file is stored)', async () => {
    process.env.NODE_ENV = 'test';
    process.env.FETCH_ALLOW_INTERNAL_FOR_TESTS = '1';
    expect(await fetchProductImage(`${server.origin}/image.svg`, path.join(dir, 'd'))).toBeUndefined();
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('d'))).toEqual([]);
  });
});
