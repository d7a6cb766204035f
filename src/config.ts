import type { RankWeights } from './domain/scoring.js';
import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { checkCron } from './domain/cron.js';
import { PLATFORMS, parsePlatformList, type PlatformName } from './domain/platforms.js';
import { ConfigError, IDENTITY, IDENTITY_LIST, bool, duration, hostPort, int, num, oneOf, str, url, type VarSpec, musicBed } from './config-vars.js';
import { temporalConnectionOptions, tlsSwitch, type TemporalConnectionOptions } from './config-temporal.js';
import { PROVIDER_SPEC, checkProviderConfig, deriveProviders, type ProviderChoice } from './config-providers.js';
import { PLATFORM_SPEC, checkPlatformConfig, type PublisherChoice } from './config-platforms.js';

/**
 * The one environment schema. Every variable is parsed here, once, into a typed
 * config; `.env.example` documents each of them. A bad value stops start-up with
 * one message that names the variable and the fix, and never echoes a secret.
 * The parsers are in config-vars.ts, the outside providers' settings in config-providers.ts.
 */

export { ConfigError, parseDuration } from './config-vars.js';
export type { PlatformName };

const platforms: VarSpec<PlatformName[]> = {
  hint: `a comma-separated list of ${PLATFORMS.join(', ')} (any case)`,
  parse(raw) {
    if (raw === undefined || raw.trim() === '') return [...PLATFORMS];
    const r = parsePlatformList(raw);
    if (!r.ok) throw new Error('invalid');
    return r.platforms;
  },
};

const SPEC = {
  NODE_ENV: oneOf(['development', 'production', 'test'] as const, 'development'),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  DATA_DIR: str({ default: 'var', hint: 'a directory path' }),

  TEMPORAL_ADDRESS: hostPort,
  TEMPORAL_NAMESPACE: str({ default: 'default', pattern: /^[A-Za-z0-9._-]{1,255}$/, hint: 'a namespace name (letters, digits, . _ -)' }),
  TEMPORAL_TASK_QUEUE: str({ default: 'ai-affiliate-empire', pattern: /^[A-Za-z0-9._-]{1,255}$/, hint: 'a task queue name' }),
  TEMPORAL_RENDER_TASK_QUEUE: str({ pattern: /^[A-Za-z0-9._-]{1,255}$/, hint: 'a task queue name (default: TEMPORAL_TASK_QUEUE + "-render")' }),
  TEMPORAL_CLI_PATH: str({ hint: 'the path of a temporal CLI binary' }),
  TEMPORAL_DEV_PORT: int(7233, 1, 65535),
  TEMPORAL_UI_PORT: int(8233, 1, 65535),
  TEMPORAL_UI_URL: url({ protocols: ['http:', 'https:'] }),
  // Temporal Cloud and secured clusters (src/config-temporal.ts reads and checks the files).
  TEMPORAL_API_KEY: str({ secret: true, pattern: /^\S+$/, hint: 'an API key (one line, no spaces) from Temporal Cloud or your server' }),
  TEMPORAL_TLS: tlsSwitch,
  TEMPORAL_TLS_CERT: str({ hint: 'the path of a PEM client certificate, or the PEM text' }),
  TEMPORAL_TLS_KEY: str({ secret: true, hint: 'the path of a PEM private key, or the PEM text' }),
  TEMPORAL_TLS_CA: str({ hint: 'the path of a PEM CA certificate, or the PEM text' }),
  TEMPORAL_TLS_SERVER_NAME: str({ pattern: /^[A-Za-z0-9*.-]{1,253}$/, hint: "a DNS name in the server's certificate, e.g. temporal.internal" }),
  TEMPORAL_METRICS_ADDRESS: hostPort,

  DATABASE_URL: url({ protocols: ['postgresql:', 'postgres:'], secret: true }),
  EMBEDDED_PG_PORT: int(5433, 1, 65535),
  START_WORKERS: str({
    default: 'all',
    pattern: /^(all|orchestration|render)(,(all|orchestration|render))*$/,
    hint: 'worker roles separated by commas, e.g. all, or orchestration,render,render',
  }),

  PORT: int(3000, 0, 65535),
  HOST: str({ hint: 'an interface address such as 0.0.0.0 or 127.0.0.1' }),
  PUBLIC_BASE_URL: url({ protocols: ['http:', 'https:'] }),
  API_TOKEN: str({ pattern: /^\S{16,}$/, hint: 'at least 16 characters without spaces (e.g. `openssl rand -hex 32`)', secret: true }),

  DAILY_MAX_PRODUCTS: int(10, 1, 100),
  DAILY_PLATFORMS: platforms,
  SELECT_MAX_PER_CATEGORY: int(3, 1, 100),
  RANK_WEIGHT_TREND: num(0.35, 0, 100),
  RANK_WEIGHT_PROFIT: num(0.4, 0, 100),
  RANK_WEIGHT_VIRALITY: num(0.25, 0, 100),
  TIMEZONE: str({ default: 'UTC', hint: 'an IANA time zone such as UTC or America/New_York' }),

  ACTIVITY_START_TO_CLOSE: duration('10m', 1000),
  ACTIVITY_HEARTBEAT_TIMEOUT: duration('60s', 1000),
  ACTIVITY_MAX_ATTEMPTS: int(3, 1, 100),
  ACTIVITY_INITIAL_INTERVAL: duration('30s'),
  ACTIVITY_BACKOFF: num(2, 1, 100),
  ACTIVITY_MAX_INTERVAL: duration('5m'),

  CONTENT_LANGUAGE: oneOf(['en', 'es'] as const, 'en'),
  APPROVAL_TIMEOUT: duration('24h', 1000),
  APPROVAL_DEFAULT_ACTION: oneOf(['reject', 'approve'] as const, 'reject'),
  // 1: on 2 cores a second ffmpeg adds ~350 MB and no speed (each ffmpeg already uses every core).
  RENDER_CONCURRENCY: int(1, 1, 16),
  RENDER_THREADS: int(0, 0, 64),
  RENDER_PRESET: oneOf(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'] as const, 'ultrafast'),
  VIDEO_MAX_SECONDS: int(60, 5, 180),
  MUSIC_BED: musicBed,
  FETCH_PRODUCT_IMAGES: bool(true),
  OUTBOX_DIR: str({ hint: 'a directory path' }),
  MEDIA_DIR: str({ hint: 'a directory path' }),
  FAULT_INJECTION: oneOf(['none', 'publish-after-call:throw-once', 'publish-after-call:crash'] as const, 'none'),

  COST_PER_VIDEO: num(0.05, 0, 1000),
  COST_PER_API_CALL: num(0.002, 0, 1000),
  ANALYTICS_DAYS_BACK: int(7, 1, 365),
  KILL_THRESHOLD: num(0.3, 0, 1000),
  SCALE_THRESHOLD: num(2, 0, 1000),
  SCALE_FACTOR: num(1.5, 1, 100),
  MAX_SELECTION_WEIGHT: num(5, 1, 1000),
  OPTIMIZE_MIN_VIDEOS: int(2, 1, 1000),
  OPTIMIZE_MIN_VIDEOS_PER_VARIANT: int(3, 1, 1000),
  PROMOTED_VARIANT_SHARE: num(0.7, 0, 1),
  SCHEDULER: oneOf(['temporal', 'cron', 'off'] as const, 'temporal'),
  SCHEDULE_DAILY_CRON: str({ default: '0 0 * * *', pattern: /^(\S+\s+){4}\S+$/, hint: 'a 5-field cron expression such as "0 0 * * *"' }),
  SCHEDULE_WEEKLY_CRON: str({ default: '0 0 * * 0', pattern: /^(\S+\s+){4}\S+$/, hint: 'a 5-field cron expression such as "0 0 * * 0" (Sundays)' }),
  SCHEDULE_DAILY_AUTO_APPROVE: bool(false),

  CATALOG_FILE: str({ hint: 'the path of a .json or .csv product file' }),
  CLICK_HASH_SECRET: str({ secret: true, pattern: /^\S{16,}$/, hint: 'at least 16 characters (unset: a random secret kept in DATA_DIR)' }),
  TRUST_PROXY: bool(false),
  AMAZON_PARTNER_TAG: str({ default: 'affiliateempire-20', pattern: /^[A-Za-z0-9-]{1,64}$/, hint: 'your Associates tracking id, e.g. mystore-20' }),

  CHATOPS_OPERATORS: str({
    pattern: IDENTITY_LIST,
    hint: 'a comma-separated list of Slack user ids (U0123ABCD), Discord user ids (123456789012345678) or Discord roles (role:123456789012345678); names are not accepted, because their owners can change them',
  }),
  CHATOPS_CHANNELS: str({ hint: 'a comma-separated list of channel ids where commands are accepted' }),
  CHATOPS_RULES: {
    hint: 'JSON such as {"daily-loop cancel": {"allow": ["U0123ABCD", "role:987654321098765432"], "channels": ["C42"]}, "approve": {"allow": ["*"]}}, where allow lists user ids, role:<id> or "*" (never @names)',
    parse(raw: string | undefined) {
      if (raw === undefined || raw.trim() === '') return undefined;
      const rule = z.object({ allow: z.array(z.string().regex(IDENTITY)).optional(), channels: z.array(z.string().min(1)).optional() }).strict();
      const json: unknown = JSON.parse(raw);
      // zod drops a "__proto__" key silently; a rule that does nothing must not pass for one that does.
      if (json && typeof json === 'object' && Object.keys(json).some((k) => !/^[a-z-]+( [a-z-]+)?$/.test(k))) throw new Error('invalid');
      const r = z.record(z.string().regex(/^[a-z-]+( [a-z-]+)?$/), rule).safeParse(json);
      if (!r.success) throw new Error('invalid');
      return r.data;
    },
  } as VarSpec<Record<string, { allow?: string[]; channels?: string[] }> | undefined>,
  SLACK_BOT_TOKEN: str({ pattern: /^xoxb-/, hint: 'a bot token starting with xoxb-', secret: true }),
  SLACK_SIGNING_SECRET: str({ pattern: /^[0-9a-f]{16,}$/i, hint: "the app's signing secret (hex)", secret: true }),
  SLACK_APP_TOKEN: str({ pattern: /^xapp-/, hint: 'an app-level token starting with xapp-', secret: true }),
  SLACK_API_URL: url({ protocols: ['http:', 'https:'], default: 'https://slack.com/api' }),
  SLACK_ALERTS_CHANNEL: str(),
  SLACK_APPROVALS_CHANNEL: str(),
  SLACK_REPORTS_CHANNEL: str(),
  DISCORD_TOKEN: str({ secret: true, pattern: /^\S{20,}$/, hint: 'a bot token from the Discord developer portal' }),
  DISCORD_APPLICATION_ID: str({ pattern: /^\d{5,25}$/, hint: 'the numeric application id' }),
  DISCORD_GUILD_ID: str({ pattern: /^\d{5,25}$/, hint: 'a numeric guild (server) id' }),
  DISCORD_API_URL: url({ protocols: ['http:', 'https:'], default: 'https://discord.com/api' }),
  DISCORD_ALERTS_CHANNEL: str({ pattern: /^\d{5,25}$/, hint: 'a numeric channel id' }),
  DISCORD_APPROVALS_CHANNEL: str({ pattern: /^\d{5,25}$/, hint: 'a numeric channel id' }),
  DISCORD_REPORTS_CHANNEL: str({ pattern: /^\d{5,25}$/, hint: 'a numeric channel id' }),
  DISCORD_MAX_UPLOAD_MB: int(10, 1, 500),
  // The chat outbox (src/chatops/outbox.ts): a notice that cannot be delivered yet is retried with backoff up to this long.
  CHAT_DELIVERY_EXPIRY: duration('24h', 1000),
  CHAT_RETRY_MAX_INTERVAL: duration('2m', 1000),
  ...PROVIDER_SPEC,
  ...PLATFORM_SPEC,
} as const;

type Spec = typeof SPEC;
export type RawConfig = { [K in keyof Spec]: ReturnType<Spec[K]['parse']> };

export interface Config extends RawConfig {
  /** DATABASE_URL, or the embedded PostgreSQL's (what `npm start` runs when it is unset). */
  databaseUrl: string;
  /** The embedded PostgreSQL's URL (on EMBEDDED_PG_PORT). */
  embeddedDatabaseUrl: string;
  /** TEMPORAL_ADDRESS, or the local dev server on TEMPORAL_DEV_PORT. */
  temporalAddress: string;
  /** Address, TLS material and API key for every Temporal connection (client and workers). */
  temporalConnection: TemporalConnectionOptions;
  dataDir: string;
  mediaDir: string;
  outboxDir: string;
  /** Base URL for links we hand out (tracked links, media): PUBLIC_BASE_URL or the local API. */
  publicBaseUrl: string;
  retry: ActivityRetryConfig;
  rankWeights: RankWeights;
  /** The task queue render workers poll: TEMPORAL_RENDER_TASK_QUEUE, or TEMPORAL_TASK_QUEUE + "-render". */
  renderTaskQueue: string;
  /** True when the API is allowed to listen beyond loopback (API_TOKEN set). */
  apiProtected: boolean;
  listenHost: string;
  /** Which adapter serves each outside-provider port (offline default or the real service). */
  providers: ProviderChoice;
  /** Which publisher serves each platform: the outbox, or the platform's API (credentials set). */
  publishers: PublisherChoice;
}

export interface ActivityRetryConfig {
  startToCloseMs: number;
  heartbeatTimeoutMs: number;
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

export type { RankWeights };

export const CONFIG_VARIABLES = Object.keys(SPEC) as (keyof Spec)[];
export const SECRET_VARIABLES = CONFIG_VARIABLES.filter((k) => (SPEC[k] as VarSpec<unknown>).secret);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = {} as Record<string, unknown>;
  for (const key of CONFIG_VARIABLES) {
    const spec = SPEC[key] as VarSpec<unknown>;
    const value = env[key];
    try {
      raw[key] = spec.parse(value);
    } catch (err) {
      const shown = spec.secret ? '(hidden)' : JSON.stringify(value);
      // A parser that knows more (which entry, which field) says so; a secret's parser never gets to.
      const detail = !spec.secret && err instanceof Error && err.message !== 'invalid' ? ` (${err.message})` : '';
      throw new ConfigError(
        key,
        `${key} is invalid${detail}: got ${shown}, expected ${spec.hint}. Fix it in your environment or .env file, or unset it to use the default.`,
      );
    }
  }
  const c = raw as RawConfig;

  if (c.RANK_WEIGHT_TREND + c.RANK_WEIGHT_PROFIT + c.RANK_WEIGHT_VIRALITY <= 0) {
    throw new ConfigError(
      'RANK_WEIGHT_TREND',
      'RANK_WEIGHT_TREND, RANK_WEIGHT_PROFIT and RANK_WEIGHT_VIRALITY are all 0: give at least one a positive weight.',
    );
  }
  if (c.ACTIVITY_MAX_INTERVAL < c.ACTIVITY_INITIAL_INTERVAL) {
    throw new ConfigError('ACTIVITY_MAX_INTERVAL', 'ACTIVITY_MAX_INTERVAL is shorter than ACTIVITY_INITIAL_INTERVAL: raise it or lower the initial interval.');
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: c.TIMEZONE });
  } catch {
    throw new ConfigError('TIMEZONE', `TIMEZONE is invalid: got ${JSON.stringify(c.TIMEZONE)}, expected an IANA time zone such as UTC or Europe/Berlin.`);
  }
  if (c.SLACK_BOT_TOKEN && !c.SLACK_SIGNING_SECRET && !c.SLACK_APP_TOKEN) {
    throw new ConfigError(
      'SLACK_SIGNING_SECRET',
      'SLACK_SIGNING_SECRET is missing: set it (HTTP mode) or SLACK_APP_TOKEN (Socket Mode), or unset SLACK_BOT_TOKEN to use the local console.',
    );
  }
  if ((c.SLACK_SIGNING_SECRET || c.SLACK_APP_TOKEN) && !c.SLACK_BOT_TOKEN) {
    throw new ConfigError(
      'SLACK_BOT_TOKEN',
      'SLACK_BOT_TOKEN is missing: Slack settings are present but the bot token is not. Set it, or unset the other SLACK_* variables.',
    );
  }
  if (c.DISCORD_TOKEN && !c.DISCORD_APPLICATION_ID) {
    throw new ConfigError(
      'DISCORD_APPLICATION_ID',
      'DISCORD_APPLICATION_ID is missing: it is required with DISCORD_TOKEN (see the General Information page of your Discord application).',
    );
  }
  for (const key of ['SCHEDULE_DAILY_CRON', 'SCHEDULE_WEEKLY_CRON'] as const) {
    try {
      checkCron(c[key]!, c.TIMEZONE);
    } catch (err) {
      throw new ConfigError(key, `${key} is invalid: ${(err as Error).message}. Use 5 fields such as "0 0 * * *" (midnight) or "0 0 * * 0" (Sundays).`);
    }
  }
  if (c.FAULT_INJECTION !== 'none' && (env.NODE_ENV ?? process.env.NODE_ENV) !== 'test') {
    throw new ConfigError(
      'FAULT_INJECTION',
      `FAULT_INJECTION is ${c.FAULT_INJECTION}, a test hook that makes publishing fail on purpose: it is honoured only with NODE_ENV=test. Unset it.`,
    );
  }
  if (!c.API_TOKEN && c.PUBLIC_BASE_URL && !isLoopbackUrl(c.PUBLIC_BASE_URL)) {
    throw new ConfigError(
      'API_TOKEN',
      `API_TOKEN is missing: PUBLIC_BASE_URL (${c.PUBLIC_BASE_URL}) says this server is reachable from outside, and without a token anyone who reaches it could start, cancel or approve runs. Set API_TOKEN (at least 16 characters), or unset PUBLIC_BASE_URL.`,
    );
  }
  if (!c.API_TOKEN && c.SLACK_BOT_TOKEN && c.SLACK_SIGNING_SECRET && !c.SLACK_APP_TOKEN) {
    throw new ConfigError(
      'API_TOKEN',
      'API_TOKEN is missing: Slack HTTP mode (SLACK_SIGNING_SECRET without SLACK_APP_TOKEN) needs this server reachable from Slack, and without a token anyone who reaches it could start, cancel or approve runs through the API. Set API_TOKEN (at least 16 characters), or use Socket Mode (SLACK_APP_TOKEN).',
    );
  }
  checkProviderConfig(c);
  const temporalConnection = temporalConnectionOptions(c);
  const publishers = checkPlatformConfig(c);
  if (c.HOST && !c.API_TOKEN && !isLoopback(c.HOST)) {
    throw new ConfigError('HOST', `HOST is ${c.HOST} but API_TOKEN is not set: an unprotected API may only listen on loopback. Set API_TOKEN, or unset HOST.`);
  }

  return {
    ...c,
    databaseUrl: c.DATABASE_URL ?? embeddedDatabaseUrl(c),
    embeddedDatabaseUrl: embeddedDatabaseUrl(c),
    temporalAddress: c.TEMPORAL_ADDRESS ?? `127.0.0.1:${c.TEMPORAL_DEV_PORT}`,
    renderTaskQueue: c.TEMPORAL_RENDER_TASK_QUEUE ?? `${c.TEMPORAL_TASK_QUEUE}-render`,
    temporalConnection,
    dataDir: path.resolve(c.DATA_DIR),
    mediaDir: path.resolve(c.MEDIA_DIR ?? path.join(c.DATA_DIR, 'media')),
    outboxDir: path.resolve(c.OUTBOX_DIR ?? path.join(c.DATA_DIR, 'outbox')),
    publicBaseUrl: c.PUBLIC_BASE_URL ?? `http://127.0.0.1:${c.PORT || 3000}`,
    retry: {
      startToCloseMs: c.ACTIVITY_START_TO_CLOSE,
      heartbeatTimeoutMs: c.ACTIVITY_HEARTBEAT_TIMEOUT,
      maximumAttempts: c.ACTIVITY_MAX_ATTEMPTS,
      initialIntervalMs: c.ACTIVITY_INITIAL_INTERVAL,
      backoffCoefficient: c.ACTIVITY_BACKOFF,
      maximumIntervalMs: c.ACTIVITY_MAX_INTERVAL,
    },
    rankWeights: { trend: c.RANK_WEIGHT_TREND, profit: c.RANK_WEIGHT_PROFIT, virality: c.RANK_WEIGHT_VIRALITY },
    apiProtected: Boolean(c.API_TOKEN),
    listenHost: c.API_TOKEN ? (c.HOST ?? '0.0.0.0') : (c.HOST ?? '127.0.0.1'),
    providers: deriveProviders(c),
    publishers,
  };
}

/** The embedded database's URL (what `npm start` runs when DATABASE_URL is unset). */
function embeddedDatabaseUrl(c: { EMBEDDED_PG_PORT: number }): string {
  return `postgresql://postgres:affiliate-empire-local@127.0.0.1:${c.EMBEDDED_PG_PORT}/affiliate_empire`;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopback(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * Reads `.env` from the working directory into process.env, without overriding
 * variables that are already set (the real environment wins).
 */
export function loadDotEnv(file = path.resolve('.env'), env: NodeJS.ProcessEnv = process.env): void {
  if (!fs.existsSync(file)) return;
  const parsed = parseEnv(fs.readFileSync(file, 'utf8'));
  for (const [k, v] of Object.entries(parsed)) if (env[k] === undefined) env[k] = v;
}

/** Loads `.env` and the config, or exits the process with the one message that explains the problem. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  loadDotEnv(undefined, env);
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

export { PLATFORMS };
