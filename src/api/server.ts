import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { Orchestrator } from '../temporal/client.js';
import { bearerAuth } from './auth.js';
import { errorBody, handleError } from './errors.js';
import { orchestratorRoutes } from './routes/orchestrator.js';
import { mediaRoutes } from './routes/media.js';
import { ChatOps } from '../chatops/core/core.js';
import { policyFromConfig } from '../chatops/core/auth.js';
import { consoleRoutes } from '../chatops/console/routes.js';
import { createSlackApp, registerSlackRoutes } from '../chatops/slack/app.js';
import { redirectRoutes } from './routes/redirect.js';
import { LocalMediaStorage } from '../providers/storage/local.js';
import type { MediaStorage } from '../providers/storage/types.js';
import { clickHashSecret } from './secrets.js';

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
    // Behind a reverse proxy, the client address comes from X-Forwarded-For.
    trustProxy: config.TRUST_PROXY,
  });
  app.setErrorHandler(handleError);
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

  app.get('/healthz', async (_req, reply) => {
    const [temporal, database] = await Promise.all([
      orchestrator.health(),
      withTimeout(db.$queryRaw`SELECT 1`, HEALTH_TIMEOUT_MS).then(
        () => ({ ok: true }),
        (err: Error) => ({ ok: false, error: `The database is not reachable: ${err.message.split('\n')[0]}` }),
      ),
    ]);
    const ok = temporal.ok && database.ok;
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', temporal, database });
  });

  // The local chat console: the same commands and cards as Slack and Discord, through the same core.
  const chatops = new ChatOps({ orchestrator, db, policy: policyFromConfig(config), timeZone: config.TIMEZONE ?? 'UTC', publicBaseUrl: config.publicBaseUrl, temporalUiUrl: config.TEMPORAL_UI_URL, namespace: config.TEMPORAL_NAMESPACE });
  consoleRoutes(app, { config, db, chatops });
  app.decorate('chatops', chatops);
  // Slack: HTTP mode at POST /slack/events (signature-checked), or Socket Mode with SLACK_APP_TOKEN.
  if (config.SLACK_BOT_TOKEN) {
    const slack = createSlackApp({ config, chatops, log: deps.log });
    await registerSlackRoutes(app, slack);
    await slack.start();
    app.addHook('onClose', async () => slack.stop());
  }

  // Public: tracked links in published videos must work for everyone.
  // Rendered videos and thumbnails (approval cards link to them; browsers seek with Range).
  mediaRoutes(app, { storage: deps.storage ?? new LocalMediaStorage({ root: config.mediaDir, publicBaseUrl: config.publicBaseUrl }) });
  redirectRoutes(app, { db, partnerTag: config.AMAZON_PARTNER_TAG!, ipHashSecret: clickHashSecret(config) });

  await app.register(async (scoped) => {
    if (config.API_TOKEN) scoped.addHook('onRequest', bearerAuth(config.API_TOKEN));
    orchestratorRoutes(scoped, { orchestrator, db, publicBaseUrl: config.publicBaseUrl });
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
