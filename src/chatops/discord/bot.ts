import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Interaction,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
} from 'discord.js';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { findCommand } from '../../../commands/index.js';
import { authorize, policyFromConfig, type Actor } from '../core/auth.js';
import type { ChatOps } from '../core/core.js';
import type { ChatMessage, Reply } from '../core/messages.js';
import { parseCommandOptions, UsageError, type ArgValue, type ParsedCommand } from '../core/parse.js';
import { renderDiscord } from './render.js';

export type DiscordBotConfig = Pick<Config, 'DISCORD_TOKEN' | 'DISCORD_APPLICATION_ID' | 'DISCORD_API_URL'> &
  Partial<Pick<Config, 'CHATOPS_OPERATORS' | 'CHATOPS_CHANNELS'>>;

export interface DiscordBot {
  /** Logs in over the gateway and resolves once the client is ready. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly client: Client;
}

/**
 * The Discord bot: a gateway client (intent Guilds only; no message content)
 * that turns slash commands and button clicks into ChatOps calls.
 *
 * Every interaction is acknowledged first (deferReply / deferUpdate, well inside
 * Discord's 3-second window), then answered with editReply / followUp through the
 * interaction webhook, so it needs no channel permissions. Button custom ids are
 * the core's action ids (`approve|<workflowId>|<videoId>` …): they carry no
 * secret and everything needed, so buttons keep working after a restart.
 */
export function createDiscordBot(deps: { config: DiscordBotConfig; chatops: ChatOps; log: Logger }): DiscordBot {
  const { config, chatops, log } = deps;
  if (!config.DISCORD_TOKEN) throw new Error('DISCORD_TOKEN is not set: the Discord bot needs a bot token.');
  const policy = policyFromConfig(config);
  // The REST base (and with it the gateway URL, which discord.js asks REST for via GET /gateway/bot) comes from DISCORD_API_URL.
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: config.DISCORD_API_URL } });

  client.on(Events.InteractionCreate, (interaction) => {
    void handle(interaction).catch((err: unknown) => log.error({ err, interactionId: interaction.id }, 'discord interaction failed'));
  });
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  client.on(Events.Warn, (m) => log.warn(m));

  async function handle(i: Interaction): Promise<void> {
    if (i.isChatInputCommand()) return onCommand(i);
    if (i.isButton()) return onButton(i);
  }

  async function onCommand(i: ChatInputCommandInteraction): Promise<void> {
    const actor = actorOf(i);
    const sub = i.options.getSubcommand(false) ?? undefined;
    const raw: readonly CommandInteractionOption[] = sub ? (i.options.data[0]?.options ?? []) : i.options.data;
    const options: Record<string, ArgValue> = {};
    for (const o of raw) if (o.value !== undefined && o.value !== null) options[o.name] = o.value as ArgValue;
    let parsed: ParsedCommand | UsageError;
    try {
      parsed = parseCommandOptions(i.commandName, sub, options);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      parsed = err;
    }
    const key = `${i.commandName} ${sub ?? ''}`.trim();
    const def = findCommand(i.commandName)?.subcommands.find((s) => s.name === sub);
    // A subcommand whose success is announced in the channel (its definition says so) defers publicly, if this
    // caller may run it; if the reply turns out private ("already running", Temporal down), it is sent as an
    // ephemeral follow-up and the public placeholder is deleted.
    const deferPublic = !(parsed instanceof UsageError) && def?.visibility === 'public' && authorize(actor, def.permission, policy, key).ok;
    await i.deferReply(deferPublic ? {} : { flags: MessageFlags.Ephemeral });

    let reply: Reply;
    try {
      reply = await chatops.command(actor, parsed);
    } catch (err) {
      log.error({ err, command: key }, 'discord command failed');
      reply = { visibility: 'ephemeral', message: { text: `Something went wrong: ${(err as Error).message.split('\n')[0]}`, blocks: [] } };
    }
    const wantPublic = reply.visibility === 'channel';
    if (wantPublic === deferPublic) {
      await i.editReply(editOptions(reply.message));
    } else {
      await i.followUp({ ...editOptions(reply.message), ...(wantPublic ? {} : { flags: MessageFlags.Ephemeral }) } as InteractionReplyOptions);
      await i.deleteReply().catch((err: unknown) => log.warn({ err }, 'could not delete the deferred reply'));
    }
  }

  async function onButton(i: ButtonInteraction): Promise<void> {
    // Acknowledge first: "deferred update" keeps the card as it is until we edit it.
    await i.deferUpdate();
    let reply: Reply;
    try {
      reply = await chatops.action(actorOf(i), i.customId);
    } catch (err) {
      log.error({ err, customId: i.customId }, 'discord button failed');
      reply = { visibility: 'ephemeral', message: { text: `Something went wrong: ${(err as Error).message.split('\n')[0]}`, blocks: [] } };
    }
    // editReply after deferUpdate edits the message the button is on (also works on ephemeral messages).
    // The card keeps its attachments (an edit without `attachments` does), so its thumbnail is still `attachment://<name>`.
    const attached = new Set(i.message.attachments.map((a) => a.name));
    if (reply.replaceOriginal)
      await i.editReply(
        editOptions(reply.replaceOriginal, (key) =>
          attached.has(key.slice(key.lastIndexOf('/') + 1)) ? `attachment://${key.slice(key.lastIndexOf('/') + 1)}` : undefined,
        ),
      );
    if (reply.visibility === 'ephemeral') {
      await i.followUp({ ...editOptions(reply.message), flags: MessageFlags.Ephemeral } as InteractionReplyOptions);
    } else if (!reply.replaceOriginal || reply.replaceOriginal.text !== reply.message.text) {
      await i.followUp(editOptions(reply.message) as InteractionReplyOptions);
    }
  }

  return {
    client,
    async start() {
      const ready = new Promise<void>((resolve, reject) => {
        client.once(Events.ClientReady, () => resolve());
        client.once(Events.Error, reject);
      });
      await client.login(config.DISCORD_TOKEN);
      await ready;
      log.info({ user: client.user?.tag, applicationId: client.application?.id }, 'discord bot connected');
    },
    async stop() {
      await client.destroy();
    },
  };
}

function actorOf(i: ChatInputCommandInteraction | ButtonInteraction): Actor {
  const member = i.member;
  let roles: string[] = [];
  if (member) roles = Array.isArray(member.roles) ? [...member.roles] : [...(member.roles as { cache: Map<string, unknown> }).cache.keys()];
  return { platform: 'discord', userId: i.user.id, userName: i.user.username, roles, channelId: i.channelId ?? undefined };
}

/** Rendered message as discord.js options; mentions are never parsed (product titles cannot ping @everyone). */
function editOptions(m: ChatMessage, image?: (key: string) => string | undefined): InteractionEditReplyOptions {
  const r = renderDiscord(m, image ? { image } : {});
  return { content: r.content, embeds: r.embeds, components: r.components, allowedMentions: { parse: [] } };
}
