// API entry point: `npm run api`. One port for the orchestrator API, health,
// and (later) Slack events, the console, tracked redirects and media.
import { loadConfigOrExit } from '../config.js';
import { createDb } from '../db.js';
import { createLogger } from '../logger.js';
import { Orchestrator } from '../temporal/client.js';
import { startCronFallback } from '../temporal/cron-fallback.js';
import { applySchedules } from '../temporal/schedules.js';
import { buildServer } from './server.js';
import { createDiscordBot } from '../chatops/discord/bot.js';

const config = loadConfigOrExit();
const log = createLogger('api', config.LOG_LEVEL);
const db = createDb(config.databaseUrl);
const orchestrator = new Orchestrator(config);
const app = await buildServer({ config, db, orchestrator, log });

try {
  await app.listen({ port: config.PORT, host: config.listenHost });
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  log.fatal(e.code === 'EADDRINUSE' ? `Port ${config.PORT} is already in use: stop the other process or set PORT to a free port.` : e.message);
  process.exit(1);
}
if (!config.apiProtected) {
  log.warn(
    `API_TOKEN is not set: the API listens on ${config.listenHost} only (loopback). Set API_TOKEN to require a bearer token and allow other interfaces.`,
  );
}
log.info({ url: `http://${config.listenHost}:${config.PORT}` }, 'API listening');

// Chat platforms: the Discord gateway bot when its token is set (Slack is served at /slack/events).
let discordBot: { stop(): Promise<void> } | undefined;
if (config.DISCORD_TOKEN) {
  const bot = createDiscordBot({ config, chatops: app.chatops, log });
  bot.start().then(
    () => log.info('Discord bot connected'),
    (err: Error) => log.error({ err: err.message }, 'Discord bot could not connect; the API keeps serving'),
  );
  discordBot = bot;
}

// Schedules: applied idempotently at every start (in the background: Temporal may come up later).
let stopCron: (() => void) | undefined;
if (config.SCHEDULER === 'temporal') {
  void (async () => {
    for (let attempt = 1; attempt <= 60; attempt++) {
      try {
        const applied = await applySchedules(await orchestrator.client(), config, orchestrator);
        log.info({ schedules: applied }, 'Temporal schedules applied');
        return;
      } catch (err) {
        if (attempt === 60) log.error({ err: (err as Error).message }, 'could not apply the schedules; run npm run schedules:apply');
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
      }
    }
  })();
} else if (config.SCHEDULER === 'cron') {
  log.warn('SCHEDULER=cron: using the in-process cron fallback instead of Temporal Schedules');
  stopCron = startCronFallback(
    [
      {
        name: 'daily',
        cron: config.SCHEDULE_DAILY_CRON,
        run: () => orchestrator.startDailyLoop({ autoApprove: config.SCHEDULE_DAILY_AUTO_APPROVE, startedBy: 'cron' }),
      },
      { name: 'weekly', cron: config.SCHEDULE_WEEKLY_CRON, run: () => orchestrator.startWeeklyOptimization({ startedBy: 'cron' }) },
    ],
    config.TIMEZONE,
    log,
  );
}

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => void shutdown(sig));
}
async function shutdown(sig: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal: sig }, 'stopping');
  stopCron?.();
  await discordBot?.stop().catch(() => undefined);
  await app.close().catch(() => undefined);
  await orchestrator.close();
  await db.$disconnect().catch(() => undefined);
  process.exit(0);
}
