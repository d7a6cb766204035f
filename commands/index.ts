/**
 * The slash commands, each defined once with its handler, permission and reply
 * visibility (one file per command): the single source for the Slack app manifest,
 * Discord command registration, the console, the generated help and authorization.
 * Adding a command is one new definition in this list.
 */
import { ephemeral, msg } from '../src/chatops/core/messages.js';
import { dailyLoop } from './daily-loop.js';
import { schedules } from './schedules.js';
import type { CommandDef, SubcommandDef } from './types.js';
import { weeklyOptimization } from './weekly-optimization.js';

export type { ArgValue, CommandContext, CommandDef, OptionDef, Permission, SubcommandDef } from './types.js';

const affiliateHelp: CommandDef = {
  name: 'affiliate-help',
  description: 'What the affiliate-empire bot can do',
  subcommands: [],
  async execute() {
    return ephemeral(msg(helpText()));
  },
};

export const COMMANDS: CommandDef[] = [dailyLoop, weeklyOptimization, schedules, affiliateHelp];

/** The usage line of a subcommand, in the Slack/console text form. */
export function usage(command: CommandDef, sub?: SubcommandDef): string {
  if (!sub) return `/${command.name} ${command.subcommands.map((s) => s.name).join('|')}`.trim();
  const opts = sub.options.map((o) => (o.required ? `<${o.example ?? o.name}>` : `[${o.example ?? `${o.name}:…`}]`)).join(' ');
  return `/${command.name} ${sub.name}${opts ? ' ' + opts : ''}`;
}

/** Help generated from the definitions. */
export function helpText(commands: CommandDef[] = COMMANDS): string {
  const lines = ['*affiliate-empire commands*'];
  for (const c of commands) {
    if (!c.subcommands.length) {
      lines.push(`• \`/${c.name}\`: ${c.description}`);
      continue;
    }
    for (const s of c.subcommands) lines.push(`• \`${usage(c, s)}\`: ${s.description}${s.permission === 'operators' ? ' _(operators only)_' : ''}`);
  }
  lines.push('Approve or reject videos with the buttons on their approval cards (operators only).');
  return lines.join('\n');
}

export function findCommand(name: string, commands: CommandDef[] = COMMANDS): CommandDef | undefined {
  return commands.find((c) => c.name === name.replace(/^\//, ''));
}
