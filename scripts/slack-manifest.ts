// `npm run slack:manifest` prints the Slack app manifest (YAML), generated from
// commands/index.ts. Paste it at https://api.slack.com/apps → Create New App → From a manifest.
import { pathToFileURL } from 'node:url';
import { COMMANDS, usage, type CommandDef } from '../commands/index.js';
import type { Config } from '../src/config.js';

export type ManifestConfig = Pick<Config, 'PUBLIC_BASE_URL' | 'SLACK_APP_TOKEN'> & { publicBaseUrl?: string };

/** The manifest as an object: Socket Mode when SLACK_APP_TOKEN is set, else HTTP to `${PUBLIC_BASE_URL}/slack/events`. */
export function slackManifest(config: ManifestConfig, opts: { name?: string; commands?: CommandDef[] } = {}): Record<string, unknown> {
  const commands = opts.commands ?? COMMANDS;
  const socket = Boolean(config.SLACK_APP_TOKEN);
  const base = (config.PUBLIC_BASE_URL ?? config.publicBaseUrl ?? 'https://YOUR-PUBLIC-HOST').replace(/\/+$/, '');
  const eventsUrl = `${base}/slack/events`;
  const name = opts.name ?? 'Affiliate Empire';
  return {
    display_information: {
      name,
      description: 'Runs the affiliate-content business: daily loop, approvals, weekly report.',
      background_color: '#1d3557',
    },
    features: {
      bot_user: { display_name: 'affiliate-empire', always_online: true },
      slash_commands: commands.map((c) => ({
        command: `/${c.name}`,
        description: c.description.slice(0, 100),
        ...(c.subcommands.length ? { usage_hint: usageHint(c).slice(0, 1000) } : {}),
        ...(socket ? {} : { url: eventsUrl }),
        should_escape: false,
      })),
    },
    oauth_config: {
      scopes: {
        // commands: slash commands; chat:write(.public): cards, alerts and reports, also in channels the bot has not joined;
        // files:write: thumbnails, charts and approval videos are uploaded to Slack (it cannot fetch our own address).
        bot: ['commands', 'chat:write', 'chat:write.public', 'files:write'],
      },
    },
    settings: {
      interactivity: socket ? { is_enabled: true } : { is_enabled: true, request_url: eventsUrl },
      org_deploy_enabled: false,
      socket_mode_enabled: socket,
      token_rotation_enabled: false,
    },
  };
}

/** `start [max:5] … | status [workflow-id:…] | …`: the usage lines without the command name. */
function usageHint(c: CommandDef): string {
  return c.subcommands.map((s) => usage(c, s).slice(c.name.length + 2)).join(' | ');
}

/** A small YAML emitter (objects, arrays, strings, numbers, booleans): no dependency needed. */
export function toYaml(value: unknown, indent = 0): string {
  const pad = '  '.repeat(indent);
  if (Array.isArray(value)) {
    if (!value.length) return ' []';
    return value
      .map((v) => {
        if (isObject(v)) {
          const body = toYaml(v, indent + 1).replace(/^\n/, '');
          return `\n${pad}- ${body.trimStart()}`;
        }
        return `\n${pad}- ${scalar(v)}`;
      })
      .join('');
  }
  if (isObject(value)) {
    return Object.entries(value)
      .map(([k, v]) => (isObject(v) || Array.isArray(v) ? `\n${pad}${k}:${toYaml(v, indent + 1)}` : `\n${pad}${k}: ${scalar(v)}`))
      .join('');
  }
  return ' ' + scalar(value);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const scalar = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { loadConfigOrExit } = await import('../src/config.js');
  const config = loadConfigOrExit();
  if (!config.SLACK_APP_TOKEN && !config.PUBLIC_BASE_URL) {
    console.error('# PUBLIC_BASE_URL is not set: Slack cannot reach 127.0.0.1. Set it to your public https URL, or set SLACK_APP_TOKEN for Socket Mode.');
  }
  console.log(`# Slack app manifest for affiliate-empire (${config.SLACK_APP_TOKEN ? 'Socket Mode' : 'HTTP mode'})` + toYaml(slackManifest(config)));
}
