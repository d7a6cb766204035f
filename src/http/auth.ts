import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';

/**
 * Requires the bearer token on a scope of routes (/orchestrator/…, the console's
 * data). The token itself is compared once per request, in constant time, by the
 * global security hook (`identify` in security.ts), which sets `req.caller`; this
 * only reads the result and says what is wrong.
 */
export function bearerAuth() {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.caller === 'api:token') return;
    const sent = /^Bearer\s+\S+\s*$/i.test(req.headers.authorization ?? '');
    return reply
      .status(401)
      .header('www-authenticate', 'Bearer')
      .send(
        errorBody(
          'unauthorized',
          sent ? 'The bearer token is wrong: use the value of API_TOKEN.' : 'Missing bearer token: send the header "Authorization: Bearer <API_TOKEN>".',
        ),
      );
  };
}
