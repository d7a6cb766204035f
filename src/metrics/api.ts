// GET /metrics on the API server: Prometheus text format (prom-client).
//
// What it serves: the business metrics read from PostgreSQL (database.ts), the HTTP latency of
// this server, and the process metrics of this Node.js process. The Temporal SDK's metrics and
// the step durations come from each worker's own endpoint (TEMPORAL_METRICS_ADDRESS, see
// temporal.ts): a worker has no HTTP server of its own, and its SDK exports them natively.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Db } from '../db.js';
import { databaseMetrics, type DatabaseMetrics } from './database.js';

export const HTTP_DURATION = 'affiliate_empire_http_request_duration_seconds';

/** Upper bounds in seconds: from a cached GET to a slow media stream or a command that waits for Temporal. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface ApiMetrics {
  /** Process and HTTP metrics, and whether the database could be read: always served. */
  registry: Registry;
  business: DatabaseMetrics;
}

/**
 * Creates the API's registry (one per server, so tests can run several in one process) and
 * times every request. Call before the routes are registered: the hook then covers all of them.
 */
export function installApiMetrics(app: FastifyInstance, deps: { db: Db }): ApiMetrics {
  const registry = new Registry();
  // The standard process_* and nodejs_* names, unprefixed: Node.js dashboards and alerts expect them,
  // and the scrape job's labels already say which process they describe.
  collectDefaultMetrics({ register: registry });
  const business = databaseMetrics(registry, deps.db);

  const http = new Histogram({
    name: HTTP_DURATION,
    help: 'HTTP requests by method, route template (not the raw URL: one series per route, not per id) and status class.',
    labelNames: ['method', 'route', 'status_class'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    http.observe(
      {
        method: METHODS.has(req.method) ? req.method : 'OTHER',
        // The template ("/orchestrator/daily-loop/status/:workflowId"); requests no route matched share one label.
        route: req.routeOptions.url ?? 'unmatched',
        status_class: `${Math.floor(reply.statusCode / 100)}xx`,
      },
      reply.elapsedTime / 1000,
    );
  });
  return { registry, business };
}

/** GET /metrics; register it in the scope that requires API_TOKEN when one is set. */
export function metricsRoute(scope: FastifyInstance, metrics: ApiMetrics): void {
  scope.get('/metrics', async (_req, reply) => {
    const business = (await metrics.business.readable()) ? await metrics.business.registry.metrics() : '';
    const body = (await metrics.registry.metrics()) + business;
    return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(body);
  });
}
