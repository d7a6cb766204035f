// Who is calling, and requests a browser page must not be able to make.
//
// - Identity: `req.caller` is `api:token` for a valid bearer token, `console` for the
//   console's session cookie, `api:loopback` when no API_TOKEN is set (the server then
//   listens on loopback only, so the caller is someone on this machine), else undefined.
// - Cross-site requests: a page in the operator's browser can send requests to
//   127.0.0.1 (forms, fetch without CORS, DNS rebinding). Every state-changing request
//   must be `Content-Type: application/json` (a form or text/plain POST gets 415, and
//   a cross-site fetch with that type needs a CORS preflight we never grant), and a
//   request whose Origin or Sec-Fetch-Site says another site is refused (403). Without
//   API_TOKEN, the Host header must name this server (loopback or PUBLIC_BASE_URL's
//   host), which closes DNS rebinding (a page at evil.example resolving to 127.0.0.1
//   sends Host: evil.example).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: api:token, console, api:loopback, or undefined (not authenticated). */
    caller?: string;
  }
}

export const CONSOLE_COOKIE = 'ae_console';

/** Routes that outside services call with their own authentication (Slack signs its requests). */
const SERVER_TO_SERVER = new Set(['/slack/events']);
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface SecurityOptions {
  apiToken?: string;
  /** PUBLIC_BASE_URL, whose host is also this server's. */
  publicBaseUrl?: string;
}

/** The console's session cookie value: derived from API_TOKEN, so rotating the token ends every session. */
export function consoleSessionValue(apiToken: string): string {
  return createHmac('sha256', apiToken).update('affiliate-empire console session v1').digest('base64url');
}

const sha = (s: string) => createHash('sha256').update(s).digest();
const same = (a: string, b: string) => timingSafeEqual(sha(a), sha(b));

function cookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** Who the request comes from (see the header comment). */
export function identify(req: FastifyRequest, apiToken: string | undefined): string | undefined {
  if (!apiToken) return 'api:loopback';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (m && same(m[1], apiToken)) return 'api:token';
  const c = cookie(req, CONSOLE_COOKIE);
  if (c && same(c, consoleSessionValue(apiToken))) return 'console';
  return undefined;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function hostName(hostHeader: string): string {
  // host:port, [v6]:port, or a bare name
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1).toLowerCase();
  return hostHeader.replace(/:\d+$/, '').toLowerCase();
}

/** The Host names this server answers to without a token: loopback and PUBLIC_BASE_URL's host. */
function allowedHosts(publicBaseUrl?: string): Set<string> {
  const hosts = new Set(LOOPBACK_HOSTS);
  if (publicBaseUrl) {
    try {
      hosts.add(new URL(publicBaseUrl).hostname.toLowerCase());
    } catch {
      /* config validated it */
    }
  }
  return hosts;
}

/**
 * Installs the identity and cross-site checks on every route (a global onRequest
 * hook, so no route can be mounted around them).
 */
export function installSecurity(app: FastifyInstance, opts: SecurityOptions): void {
  const hosts = allowedHosts(opts.publicBaseUrl);
  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    req.caller = identify(req, opts.apiToken);
    const path = req.url.split('?')[0];
    if (SERVER_TO_SERVER.has(path)) return;

    if (!opts.apiToken) {
      const host = req.headers.host ? hostName(req.headers.host) : '';
      if (!hosts.has(host)) {
        return reply
          .status(403)
          .send(
            errorBody(
              'forbidden_host',
              `Host "${(req.headers.host ?? '').slice(0, 100)}" is not this server's address. Without API_TOKEN the API answers only to 127.0.0.1 or localhost (or PUBLIC_BASE_URL's host); open it by that address.`,
            ),
          );
      }
    }

    if (!STATE_CHANGING.has(req.method)) return;
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    if (site === 'cross-site' || site === 'same-site' || (origin !== undefined && !sameOrigin(origin, req.headers.host))) {
      return reply
        .status(403)
        .send(
          errorBody(
            'cross_site_request',
            `Requests from another site (Origin ${String(origin ?? site).slice(0, 100)}) cannot change anything here. Call the API from a script or the console at its own address.`,
          ),
        );
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      return reply
        .status(415)
        .send(
          errorBody(
            'unsupported_media_type',
            `Content-Type ${type ? `"${type.slice(0, 100)}"` : 'is missing'}${type ? ' is not accepted' : ''}: requests that change something must send Content-Type: application/json (an empty body is fine).`,
          ),
        );
    }
  });
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host || origin === 'null') return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
