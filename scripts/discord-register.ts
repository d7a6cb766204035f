// npm run discord:register: registers the slash commands of commands/index.ts with Discord.
// In DISCORD_GUILD_ID when set (appears at once), else globally (can take up to an hour).
import { loadConfig, ConfigError } from '../src/config.js';
import { registerDiscordCommands } from '../src/chatops/discord/commands.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const r = await registerDiscordCommands({
    token: config.DISCORD_TOKEN,
    applicationId: config.DISCORD_APPLICATION_ID,
    guildId: config.DISCORD_GUILD_ID,
    apiUrl: config.DISCORD_API_URL,
  });
  console.log(
    `Registered ${r.names.length} commands (${r.names.map((n) => '/' + n).join(', ')}) ${r.scope === 'guild' ? `in guild ${config.DISCORD_GUILD_ID}` : 'globally (may take up to an hour to appear)'}.`,
  );
}

main().catch((err: unknown) => {
  const e = err as Error & { status?: number; code?: number };
  if (err instanceof ConfigError || e.name === 'DiscordRegisterError') console.error(e.message);
  else if (e.status === 401) console.error('Discord rejected DISCORD_TOKEN (401 Unauthorized): reset the bot token in the developer portal and set it again.');
  else console.error(`Registering the Discord commands failed: ${e.message}`);
  process.exit(1);
});
