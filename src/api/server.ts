import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { Orchestrator } from '../temporal/client.js';
import { bearerAuth } from '../http/auth.js';
import { errorBody, handleError } from './errors.js';
import { orchestratorRoutes } from './routes/orchestrator.js';
import { publicationRoutes } from './routes/publications.js';
import { mediaRoutes, publishedMediaAccess } from './routes/media.js';
import { installSecurity } from '../http/security.js';
import { ChatOps } from '../chatops/core/core.js';
import { policyFromConfig } from '../chatops/core/auth.js';
import { consoleRoutes } from '../chatops/console/routes.js';
import { createSlackApp, registerSlackRoutes } from '../chatops/slack/app.js';
import { databaseDeliveryLedger } from '../chatops/slack/deliveries.js';
import { redirectRoutes } from './routes/redirect.js';
import { createMediaStorage } from '../providers/storage/index.js';
import { describePublishers } from '../providers/publisher/describe.js';
import type { MediaStorage } from '../providers/storage/types.js';
import { clickHashSecret } from './secrets.js';
import { installApiMetrics, metricsRoute } from '../metrics/api.js';

declare module 'fastify' {
  interface FastifyInstance {
    chatops: ChatOps;
  }
}

export interface ApiDeps {
  config: Config;
  db: Db;
  orchestrator: Orchestrator;
  log: Logger;
  storage?: MediaStorage;
}

const HEALTH_TIMEOUT_MS = 3000;

export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  const { config, db, orchestrator } = deps;
  const app = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // Long path parameters reach the routes, whose own checks answer with the API's error model (not a bare 414).
    routerOptions: { maxParamLength: 2048 },
    // Behind a reverse proxy, the client address comes from X-Forwarded-For.
    trustProxy: config.TRUST_PROXY,
  });
  app.setErrorHandler(handleError);
  installSecurity(app, { apiToken: config.API_TOKEN, publicBaseUrl: config.PUBLIC_BASE_URL });
  const metrics = installApiMetrics(app, { db });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(errorBody('not_found', `No route ${req.method} ${req.url.split('?')[0]}. See the README's HTTP API section for the routes.`)),
  );
  // An empty POST without a body is fine (all fields optional); only malformed JSON is an error.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      const e = err as Error & { statusCode?: number };
      e.statusCode = 400;
      done(e, undefined);
    }
  });

  const health = async () => {
    const [temporal, database] = await Promise.all([
      orchestrator.health(),
      withTimeout(db.$queryRaw`SELECT 1`, HEALTH_TIMEOUT_MS).then(
        () => ({ ok: true }),
        (err: Error) => ({ ok: false, error: `The database is not reachable: ${err.message.split('\n')[0]}` }),
      ),
    ]);
    return { ok: temporal.ok && database.ok, temporal, database };
  };
  // Public and without details: ok or degraded, and which part (no addresses, no error text).
  app.get('/healthz', async (_req, reply) => {
    const h = await health();
    return reply.status(h.ok ? 200 : 503).send({ status: h.ok ? 'ok' : 'degraded', temporal: { ok: h.temporal.ok }, database: { ok: h.database.ok } });
  });

  // The local chat console: the same commands and cards as Slack and Discord, through the same core.
  const chatops = new ChatOps({
    orchestrator,
    db,
    policy: policyFromConfig(config),
    timeZone: config.TIMEZONE,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    namespace: config.TEMPORAL_NAMESPACE,
    publishers: describePublishers(config),
    log: deps.log,
  });
  consoleRoutes(app, { config, db, chatops });
  app.decorate('chatops', chatops);
  // Slack: HTTP mode at POST /slack/events (signature-checked), or Socket Mode with SLACK_APP_TOKEN.
  if (config.SLACK_BOT_TOKEN) {
    const slack = createSlackApp({ config, chatops, log: deps.log, deliveries: databaseDeliveryLedger(db) });
    await registerSlackRoutes(app, slack);
    await slack.start();
    app.addHook('onClose', async () => slack.stop());
  }

  // Public: tracked links in published videos must work for everyone, and the videos and
  // thumbnails of approved videos (platforms fetch them). Every other media file is private.
  mediaRoutes(app, {
    storage: deps.storage ?? createMediaStorage(config),
    access: publishedMediaAccess(db),
  });
  redirectRoutes(app, { db, partnerTag: config.AMAZON_PARTNER_TAG, ipHashSecret: clickHashSecret(config) });

  await app.register(async (scoped) => {
    if (config.API_TOKEN) scoped.addHook('onRequest', bearerAuth());
    orchestratorRoutes(scoped, { orchestrator, db, publicBaseUrl: config.publicBaseUrl });
    publicationRoutes(scoped, { db });
    // Behind the token like the API: the numbers describe the business (Prometheus sends it with `authorization`).
    metricsRoute(scoped, metrics);
    // The details /healthz leaves out: what exactly is down, and the error, for an authenticated caller.
    scoped.get('/orchestrator/health', async (_req, reply) => {
      const h = await health();
      const holds = h.database.ok ? await db.platformHold.findMany({ where: { until: { gt: new Date() } } }).catch(() => []) : [];
      return reply.status(h.ok ? 200 : 503).send({
        status: h.ok ? 'ok' : 'degraded',
        temporal: h.temporal,
        database: h.database,
        // Which adapter serves each port: the offline defaults or the real services.
        inputs: config.providers,
        publishers: describePublishers(config),
        storage: config.STORAGE,
        platformHolds: holds.map((x) => ({ platform: x.platform, until: x.until.toISOString(), code: x.code, reason: x.reason })),
      });
    });
  });

  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
