import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';

/**
 * Bearer-token check for /orchestrator/… routes. Both sides are hashed first so
 * the comparison is constant-time whatever the lengths are.
 */
export function bearerAuth(token: string) {
  const expected = createHash('sha256').update(token).digest();
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const given = createHash('sha256')
      .update(m ? m[1] : '')
      .digest();
    if (!m || !timingSafeEqual(expected, given)) {
      return reply
        .status(401)
        .header('www-authenticate', 'Bearer')
        .send(
          errorBody(
            'unauthorized',
            m ? 'The bearer token is wrong: use the value of API_TOKEN.' : 'Missing bearer token: send the header "Authorization: Bearer <API_TOKEN>".',
          ),
        );
    }
  };
}
