import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { App, ReceiverMultipleAckError, verifySlackRequest, webApi } from '@slack/bolt';
import type { App as BoltApp, BlockAction, ButtonAction, Receiver, ReceiverEvent, RespondArguments, RespondFn } from '@slack/bolt';
import { COMMANDS } from '../../../commands/index.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { errorBody } from '../../http/errors.js';
import type { Actor } from '../core/auth.js';
import type { ChatOps } from '../core/core.js';
import type { Reply } from '../core/messages.js';
import { parseCommandText, UsageError, type ParsedCommand } from '../core/parse.js';
import { slackApiUrl, slackLogger } from './client.js';
import { slackText, toBlockKit, type SlackImageSource } from './blocks.js';
import { deliveryKey, memoryDeliveryLedger, type SlackDeliveryLedger } from './deliveries.js';

type WebClientOptions = webApi.WebClientOptions;

export type SlackConfig = Pick<Config, 'SLACK_BOT_TOKEN' | 'SLACK_SIGNING_SECRET' | 'SLACK_APP_TOKEN' | 'SLACK_API_URL'>;

export interface SlackAppDeps {
  config: SlackConfig;
  chatops: ChatOps;
  log: Logger;
  /** Extra WebClient options (tests: retryConfig). */
  clientOptions?: WebClientOptions;
  /** Which requests were handled, so Slack's retries are processed once (default: in memory). */
  deliveries?: SlackDeliveryLedger;
}

export interface SlackApp {
  readonly mode: 'http' | 'socket';
  readonly bolt: BoltApp;
  /** The HTTP receiver mounted at POST /slack/events (HTTP mode only). */
  readonly receiver?: FastifySlackReceiver;
  /** Socket Mode: opens the WebSocket. HTTP mode: nothing to do (the route is served by Fastify). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The Slack bot. HTTP mode (SLACK_SIGNING_SECRET): Slack posts to our Fastify app
 * at POST /slack/events (see registerSlackRoutes). Socket Mode (SLACK_APP_TOKEN):
 * Bolt's SocketModeReceiver connects out, so no public URL is needed.
 */
export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const { config, chatops, log } = deps;
  if (!config.SLACK_BOT_TOKEN) throw new Error('createSlackApp needs SLACK_BOT_TOKEN');
  const logger = slackLogger(log);
  const clientOptions: WebClientOptions = { slackApiUrl: slackApiUrl(config), logger, ...deps.clientOptions };
  const socket = Boolean(config.SLACK_APP_TOKEN);
  const receiver = socket ? undefined : new FastifySlackReceiver({ signingSecret: config.SLACK_SIGNING_SECRET!, log, deliveries: deps.deliveries });

  const botToken = config.SLACK_BOT_TOKEN;
  const authClient = new webApi.WebClient(botToken, { ...clientOptions, retryConfig: { retries: 0 }, timeout: 2000 });
  let identity: Promise<{ botId?: string; botUserId?: string }> | undefined;
  const app = new App({
    // Our own authorize instead of `token`: auth.test is called once, lazily, and a
    // failure is retried on the next event instead of being cached forever.
    authorize: async () => {
      identity ??= authClient.auth.test().then(
        (r) => ({ botId: r.bot_id, botUserId: r.user_id }),
        (err: Error) => {
          identity = undefined;
          log.warn({ err: err.message }, 'slack auth.test failed; continuing without the bot identity');
          return {};
        },
      );
      return { botToken, ...(await identity) };
    },
    clientOptions,
    logger,
    ...(socket ? { socketMode: true, appToken: config.SLACK_APP_TOKEN, installerOptions: { clientOptions } } : { receiver }),
  });

  app.error(async (err) => {
    log.error({ err: err.message, code: (err as { code?: string }).code }, 'slack listener failed');
  });

  // Slash commands, one listener per command defined in commands/index.ts.
  for (const c of COMMANDS) {
    app.command(`/${c.name}`, async ({ ack, body, respond }) => {
      await ack(); // within 3 s; the work follows
      const actor: Actor = { platform: 'slack', userId: body.user_id, userName: body.user_name, channelId: body.channel_id };
      let parsed: ParsedCommand | UsageError;
      try {
        parsed = parseCommandText(c.name, body.text ?? '');
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        parsed = err;
      }
      const reply = await chatops.command(actor, parsed);
      await respond(toRespond(reply));
    });
  }

  // Buttons: approval cards, cancel confirmations, retry on failure alerts.
  app.action<BlockAction<ButtonAction>>(/^(approve|reject|cancel-confirm|cancel-abort|retry)\|/, async ({ ack, body, action, respond }) => {
    await ack();
    const actor: Actor = {
      platform: 'slack',
      userId: body.user.id,
      userName: body.user.username ?? body.user.name,
      channelId: body.channel?.id ?? body.container?.channel_id,
    };
    const reply = await chatops.action(actor, action.action_id);
    await deliverActionReply(reply, respond, uploadedImage(body.message?.blocks));
  });
  // Link buttons (e.g. "Open in Temporal UI") also send an interaction: acknowledge it, nothing else.
  app.action(/^open-/, async ({ ack }) => ack());

  return {
    mode: socket ? 'socket' : 'http',
    bolt: app,
    receiver,
    async start() {
      if (socket) await app.start();
    },
    async stop() {
      if (socket) await app.stop();
    },
  };
}

/**
 * The uploaded image (the video's thumbnail) that the clicked card shows, so the
 * decided card keeps it: the card is rebuilt from our data, which names the image
 * by its storage key, and only the original message knows its Slack file.
 */
function uploadedImage(blocks: unknown): SlackImageSource | undefined {
  if (!Array.isArray(blocks)) return undefined;
  const img = blocks.find((b) => b && typeof b === 'object' && b.type === 'image' && b.slack_file && typeof b.slack_file.id === 'string');
  return img ? { slack_file: { id: String(img.slack_file.id) } } : undefined;
}

async function deliverActionReply(reply: Reply, respond: RespondFn, image?: SlackImageSource): Promise<void> {
  if (reply.replaceOriginal) {
    await respond({
      replace_original: true,
      text: slackText(reply.replaceOriginal.text),
      blocks: toBlockKit(reply.replaceOriginal, { image: () => image }),
    } as RespondArguments);
  }
  await respond({ ...toRespond(reply), replace_original: false });
}

function toRespond(reply: Reply): RespondArguments {
  return {
    response_type: reply.visibility === 'channel' ? 'in_channel' : 'ephemeral',
    text: slackText(reply.message.text),
    blocks: toBlockKit(reply.message),
  } as RespondArguments;
}

// ---------------------------------------------------------------------------
// HTTP mode: a Bolt Receiver served by our Fastify app.

/** Bolt's window for the request timestamp; Bolt bounds the past only, we refuse the same distance into the future. */
const MAX_AGE_SECONDS = 5 * 60;
const STALE = 'stale request: the timestamp is more than 5 minutes away';

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Slack's v0 request signature (HMAC-SHA256 of `v0:<timestamp>:<raw body>`, timestamp
 * within 5 minutes), checked by Bolt's own `verifySlackRequest`. Around it: the headers
 * must be present and the timestamp a plain integer (Bolt would otherwise throw a
 * TypeError or sign a reformatted number), and a timestamp more than 5 minutes in the
 * future is refused as before. The reasons end up in the 401 answer.
 */
export function verifySlackSignature(opts: { signingSecret: string; rawBody: string; signature?: string; timestamp?: string; nowMs?: number }): SignatureCheck {
  const { signature, timestamp } = opts;
  if (!signature || !timestamp) return { ok: false, reason: 'missing X-Slack-Signature or X-Slack-Request-Timestamp' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad X-Slack-Request-Timestamp' };
  const nowMs = opts.nowMs ?? Date.now();
  if (Number(timestamp) - Math.floor(nowMs / 1000) > MAX_AGE_SECONDS) return { ok: false, reason: STALE };
  try {
    verifySlackRequest({
      signingSecret: opts.signingSecret,
      body: opts.rawBody,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) },
      nowMilliseconds: nowMs,
    });
  } catch (err) {
    const message = (err as Error).message.replace(/^Failed to verify authenticity:\s*/, '');
    return { ok: false, reason: /stale/.test(message) ? STALE : message };
  }
  return { ok: true };
}

type AckValue = { acked: true; response: unknown } | { acked: false; error?: unknown };

/**
 * A Bolt Receiver for POST /slack/events on Fastify: it checks the signature over
 * the exact bytes, answers url_verification, acks Slack's retries without
 * dispatching them again, and sends the HTTP response as soon as a listener acks
 * (the listener's work continues after the response).
 */
export class FastifySlackReceiver implements Receiver {
  private app?: BoltApp;
  private readonly deliveries: SlackDeliveryLedger;
  constructor(private readonly opts: { signingSecret: string; log: Logger; nowMs?: () => number; deliveries?: SlackDeliveryLedger }) {
    if (!opts.signingSecret) throw new Error('HTTP mode needs SLACK_SIGNING_SECRET');
    this.deliveries = opts.deliveries ?? memoryDeliveryLedger();
  }

  init(app: BoltApp): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async handle(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const log = this.opts.log;
    const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : typeof req.body === 'string' ? req.body : '';
    const check = verifySlackSignature({
      signingSecret: this.opts.signingSecret,
      rawBody,
      signature: header(req, 'x-slack-signature'),
      timestamp: header(req, 'x-slack-request-timestamp'),
      nowMs: this.opts.nowMs?.(),
    });
    if (!check.ok) {
      log.warn({ reason: check.reason }, 'slack request rejected');
      return reply.status(401).send(errorBody('invalid_signature', `Slack request rejected: ${check.reason}.`));
    }

    let body: Record<string, unknown>;
    try {
      body = parseBody(rawBody, header(req, 'content-type'));
    } catch (err) {
      return reply.status(400).send(errorBody('bad_request', `Cannot parse the Slack payload: ${(err as Error).message}`));
    }
    if (body.type === 'url_verification') return reply.send({ challenge: body.challenge });
    if (body.ssl_check) return reply.status(200).send();

    if (!this.app) return reply.status(503).send(errorBody('not_ready', 'The Slack app is not initialised.'));
    // A retry is dropped only if its first delivery was taken in hand; otherwise it is processed, once.
    const retryNum = header(req, 'x-slack-retry-num');
    const key = deliveryKey(rawBody);
    let claimed: boolean;
    try {
      claimed = await this.deliveries.claim(key);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'slack delivery ledger unavailable');
      return reply.status(503).send(errorBody('database_unavailable', 'Cannot record this Slack request right now; Slack will retry it.'));
    }
    if (!claimed) {
      log.info({ retryNum, reason: header(req, 'x-slack-retry-reason') }, 'slack delivery already handled: acknowledged without processing');
      return reply.status(200).header('x-slack-no-retry', '1').send();
    }
    if (retryNum !== undefined) log.info({ retryNum }, 'slack retry of a delivery never handled: processing it');

    let resolveAck!: (v: AckValue) => void;
    const acked = new Promise<AckValue>((r) => (resolveAck = r));
    let isAcked = false;
    const event: ReceiverEvent = {
      body,
      ack: async (response?: unknown) => {
        if (isAcked) throw new ReceiverMultipleAckError();
        isAcked = true;
        resolveAck({ acked: true, response });
      },
    };
    this.app.processEvent(event).then(
      () => {
        resolveAck({ acked: false });
        this.deliveries.handled(key).catch((err: Error) => log.warn({ err: err.message }, 'could not record the slack delivery as handled'));
      },
      (error: unknown) => {
        log.error({ err: (error as Error)?.message }, 'slack event processing failed');
        resolveAck({ acked: false, error });
        this.deliveries.release(key).catch(() => undefined);
      },
    );
    const result = await acked;
    if (!result.acked) {
      if (result.error) return reply.status(500).send(errorBody('internal', 'The Slack event could not be processed.'));
      log.debug({ type: body.type }, 'slack event not acknowledged by any listener');
      return reply.status(200).send();
    }
    const r = result.response;
    if (r === undefined || r === '') return reply.status(200).send();
    if (typeof r === 'string') return reply.status(200).type('text/plain; charset=utf-8').send(r);
    return reply.status(200).type('application/json; charset=utf-8').send(JSON.stringify(r));
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseBody(raw: string, contentType = ''): Record<string, unknown> {
  if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const form = new URLSearchParams(raw);
  const payload = form.get('payload');
  if (payload !== null) return JSON.parse(payload) as Record<string, unknown>;
  return Object.fromEntries(form);
}

/**
 * Mounts POST /slack/events (HTTP mode). The route lives in its own encapsulated
 * plugin with a raw-body parser, so the signature is checked over the exact bytes
 * Slack signed and the app's JSON parser is untouched. Socket Mode: nothing to mount.
 */
export async function registerSlackRoutes(fastify: FastifyInstance, slack: SlackApp, opts: { path?: string } = {}): Promise<void> {
  const receiver = slack.receiver;
  if (!receiver) return;
  await fastify.register(async (scoped) => {
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scoped.post(opts.path ?? '/slack/events', (req, reply) => receiver.handle(req, reply));
  });
}
