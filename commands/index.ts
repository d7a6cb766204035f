/**
 * The slash commands, defined once: the single source for the Slack app
 * manifest, Discord command registration, the console and the generated help.
 */

export type Permission = 'everyone' | 'operators';

export interface OptionDef {
  name: string;
  type: 'integer' | 'string' | 'boolean';
  description: string;
  required?: boolean;
  min?: number;
  max?: number;
  /** Slack text form: `name:value` (or just `name` for a boolean flag). */
  example?: string;
}

export interface SubcommandDef {
  name: string;
  description: string;
  options: OptionDef[];
  /** Deny by default for anything that changes money or reputation. */
  permission: Permission;
}

export interface CommandDef {
  name: string;
  description: string;
  subcommands: SubcommandDef[];
}

const workflowIdOption: OptionDef = { name: 'workflow-id', type: 'string', description: "Workflow id (default: today's run)", example: 'workflow-id:daily-2026-11-27' };

export const COMMANDS: CommandDef[] = [
  {
    name: 'daily-loop',
    description: 'Run and watch the daily control loop',
    subcommands: [
      {
        name: 'start',
        description: "Start today's daily loop (or show the run already open)",
        permission: 'everyone',
        options: [
          { name: 'max', type: 'integer', description: 'How many products to make videos for (1-100)', min: 1, max: 100, example: 'max:5' },
          { name: 'platforms', type: 'string', description: 'Comma-separated: youtube,tiktok,instagram (default: all)', example: 'platforms:youtube,tiktok' },
          { name: 'auto-approve', type: 'boolean', description: 'Skip the approval gate for this run', example: 'auto-approve' },
        ],
      },
      { name: 'status', description: 'Show the progress of a run', permission: 'everyone', options: [workflowIdOption] },
      { name: 'cancel', description: 'Cancel a run (asks for confirmation)', permission: 'operators', options: [workflowIdOption] },
      { name: 'list', description: 'Recent runs with status and duration', permission: 'everyone', options: [] },
    ],
  },
  {
    name: 'weekly-optimization',
    description: 'The weekly optimization and owner report',
    subcommands: [{ name: 'start', description: "Start this week's optimization", permission: 'everyone', options: [] }],
  },
  {
    name: 'schedules',
    description: 'The daily and weekly schedules',
    subcommands: [
      { name: 'list', description: 'Show the schedules and their next runs', permission: 'everyone', options: [] },
      { name: 'pause', description: 'Pause a schedule', permission: 'operators', options: [{ name: 'which', type: 'string', description: 'daily or weekly', required: true, example: 'daily' }] },
      { name: 'resume', description: 'Resume a schedule', permission: 'operators', options: [{ name: 'which', type: 'string', description: 'daily or weekly', required: true, example: 'daily' }] },
      { name: 'trigger', description: 'Run a schedule now', permission: 'operators', options: [{ name: 'which', type: 'string', description: 'daily or weekly', required: true, example: 'weekly' }] },
    ],
  },
  {
    name: 'affiliate-help',
    description: 'What the affiliate-empire bot can do',
    subcommands: [],
  },
];

/** The usage line of a subcommand, in the Slack/console text form. */
export function usage(command: CommandDef, sub?: SubcommandDef): string {
  if (!sub) return `/${command.name} ${command.subcommands.map((s) => s.name).join('|')}`;
  const opts = sub.options.map((o) => (o.required ? `<${o.example ?? o.name}>` : `[${o.example ?? `${o.name}:…`}]`)).join(' ');
  return `/${command.name} ${sub.name}${opts ? ' ' + opts : ''}`;
}

/** Help generated from the definitions. */
export function helpText(): string {
  const lines = ['*affiliate-empire commands*'];
  for (const c of COMMANDS) {
    if (!c.subcommands.length) {
      lines.push(`• \`/${c.name}\`: ${c.description}`);
      continue;
    }
    for (const s of c.subcommands) lines.push(`• \`${usage(c, s)}\`: ${s.description}${s.permission === 'operators' ? ' _(operators only)_' : ''}`);
  }
  lines.push('Approve or reject videos with the buttons on their approval cards (operators only).');
  return lines.join('\n');
}

export function findCommand(name: string): CommandDef | undefined {
  return COMMANDS.find((c) => c.name === name.replace(/^\//, ''));
}
