import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  REST,
  Routes,
  type APIApplicationCommandBasicOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { COMMANDS, type CommandDef, type OptionDef } from '../../../commands/index.js';

/** COMMANDS (commands/index.ts) → Discord application command JSON: one CHAT_INPUT command per entry, subcommands as type-1 options. */
export function discordCommands(commands: CommandDef[] = COMMANDS): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands.map((c) => ({
    type: ApplicationCommandType.ChatInput,
    name: c.name,
    description: desc(c.description),
    options: c.subcommands.map((s) => ({
      type: ApplicationCommandOptionType.Subcommand,
      name: s.name,
      description: desc(s.description + (s.permission === 'operators' ? ' (operators only)' : '')),
      // Discord requires the required options first.
      options: [...s.options].sort((a, b) => Number(Boolean(b.required)) - Number(Boolean(a.required))).map(option),
    })),
  }));
}

function option(o: OptionDef): APIApplicationCommandBasicOption {
  const base = { name: o.name, description: desc(o.description), required: Boolean(o.required) };
  if (o.type === 'integer')
    return {
      ...base,
      type: ApplicationCommandOptionType.Integer,
      ...(o.min !== undefined ? { min_value: o.min } : {}),
      ...(o.max !== undefined ? { max_value: o.max } : {}),
    };
  if (o.type === 'boolean') return { ...base, type: ApplicationCommandOptionType.Boolean };
  return { ...base, type: ApplicationCommandOptionType.String };
}

const desc = (s: string) => (s.length <= 100 ? s : s.slice(0, 99) + '…');

export interface RegisterOptions {
  token?: string;
  applicationId?: string;
  /** Set: register in this guild (instant). Unset: global commands (may take up to an hour to appear). */
  guildId?: string;
  /** DISCORD_API_URL, e.g. https://discord.com/api (the REST client appends /v10). */
  apiUrl?: string;
  rest?: REST;
}

export class DiscordRegisterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiscordRegisterError';
  }
}

/** Replaces the application's commands (bulk overwrite, idempotent) with COMMANDS. */
export async function registerDiscordCommands(o: RegisterOptions): Promise<{ route: string; scope: 'guild' | 'global'; names: string[] }> {
  if (!o.token) throw new DiscordRegisterError('DISCORD_TOKEN is missing: set it to the bot token from the Discord developer portal (Bot → Reset Token).');
  if (!o.applicationId)
    throw new DiscordRegisterError(
      'DISCORD_APPLICATION_ID is missing: set it to the numeric application id (General Information page of your Discord application).',
    );
  const rest = o.rest ?? new REST({ api: o.apiUrl ?? 'https://discord.com/api' }).setToken(o.token);
  const route = o.guildId ? Routes.applicationGuildCommands(o.applicationId, o.guildId) : Routes.applicationCommands(o.applicationId);
  const body = discordCommands();
  await rest.put(route, { body });
  return { route, scope: o.guildId ? 'guild' : 'global', names: body.map((c) => c.name) };
}
