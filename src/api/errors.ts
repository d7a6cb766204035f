import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../db.js';
import { TemporalUnavailableError, UnknownVideoError, UnknownWorkflowError, WorkflowStateError, isUnavailable } from '../temporal/client.js';

import { HttpError, errorBody } from '../http/errors.js';

export { HttpError, errorBody };

export function fromZod(err: ZodError): HttpError {
  const issue = err.issues[0];
  let field = issue.path.join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    field = issue.keys[0];
    message = `unknown field "${field}"`;
  }
  const text = field ? `${field}: ${message}` : message;
  return new HttpError(400, 'invalid_request', text, field || undefined);
}

export function handleError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  const e = err as FastifyError;
  if (err instanceof HttpError) return reply.status(err.statusCode).send(errorBody(err.code, err.message, err.field));
  if (err instanceof ZodError) {
    const h = fromZod(err);
    return reply.status(400).send(errorBody(h.code, h.message, h.field));
  }
  if (err instanceof UnknownWorkflowError) return reply.status(404).send(errorBody('workflow_not_found', err.message, 'workflowId'));
  if (err instanceof UnknownVideoError) return reply.status(404).send(errorBody('video_not_found', err.message, 'videoId'));
  if (err instanceof WorkflowStateError) return reply.status(409).send({ error: { code: err.code, message: err.message, ...err.details } });
  if (err instanceof TemporalUnavailableError || isUnavailable(err)) {
    req.log.warn({ err: err.message }, 'temporal unavailable');
    return reply
      .status(503)
      .send(
        errorBody('temporal_unavailable', err instanceof TemporalUnavailableError ? err.message : `Temporal is not reachable: ${err.message.split('\n')[0]}`),
      );
  }
  if (isDatabaseUnavailable(err)) {
    req.log.warn({ err: err.message }, 'database unavailable');
    return reply
      .status(503)
      .send(
        errorBody(
          'database_unavailable',
          'The database is not reachable: start it (`npm start` runs an embedded PostgreSQL) or fix DATABASE_URL. Nothing was changed; retry when it is back.',
        ),
      );
  }
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return reply
      .status(400)
      .send(errorBody('invalid_json', 'The body is empty but Content-Type is application/json: send a JSON object such as {} or drop the header.'));
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return reply.status(415).send(errorBody('unsupported_media_type', `Content-Type ${req.headers['content-type']} is not supported: send application/json.`));
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply.status(413).send(errorBody('body_too_large', 'The request body is too large: bodies are limited to 1 MB.'));
  }
  if (e.statusCode === 400 && (e instanceof SyntaxError || /JSON/i.test(e.message))) {
    return reply.status(400).send(errorBody('invalid_json', `The body is not valid JSON (${e.message}): send a JSON object such as {"maxProducts": 5}.`));
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return reply.status(e.statusCode).send(errorBody(e.code?.toLowerCase() ?? 'bad_request', e.message));
  }
  req.log.error({ err }, 'unhandled error');
  return reply.status(500).send(errorBody('internal', `Internal error (request ${req.id}); the server log has the details.`));
}
