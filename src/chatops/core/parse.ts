import { COMMANDS, findCommand, usage } from '../../../commands/index.js';
import type { ArgValue, CommandDef, OptionDef, SubcommandDef } from '../../../commands/types.js';
import { UsageError } from './messages.js';

export type { ArgValue };

export interface ParsedCommand {
  command: CommandDef;
  sub?: SubcommandDef;
  args: Record<string, ArgValue>;
}

export { UsageError };

/** Slack/console text form: `/daily-loop start max:5 platforms:youtube,tiktok auto-approve`. */
export function parseCommandText(commandName: string, text: string, commands: CommandDef[] = COMMANDS): ParsedCommand {
  const command = findCommand(commandName, commands);
  if (!command) throw new UsageError(`Unknown command ${commandName}.`, '/affiliate-help');
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  if (!command.subcommands.length) {
    if (tokens.length) throw new UsageError(`/${command.name} takes no arguments.`, `/${command.name}`);
    return { command, args: {} };
  }
  const subName = tokens.shift();
  const sub = command.subcommands.find((s) => s.name === subName?.toLowerCase());
  if (!sub) throw new UsageError(subName ? `Unknown subcommand "${subName}".` : 'Which subcommand?', usage(command));
  const raw: Record<string, string | true> = {};
  const positional: string[] = [];
  for (const t of tokens) {
    const m = /^([a-z-]+)[:=](.*)$/i.exec(t);
    if (m) raw[m[1].toLowerCase()] = m[2];
    else if (sub.options.some((o) => o.name === t.toLowerCase() && o.type === 'boolean')) raw[t.toLowerCase()] = true;
    else positional.push(t);
  }
  // A lone positional value fills the first required option, or the only option (e.g. a workflow id).
  const fillable = sub.options.filter((o) => o.type !== 'boolean' && raw[o.name] === undefined);
  if (positional.length === 1 && fillable.length >= 1) raw[fillable[0].name] = positional[0];
  else if (positional.length) throw new UsageError(`I did not understand "${positional.join(' ')}".`, usage(command, sub));
  return { command, sub, args: coerceOptions(command, sub, raw) };
}

/** Discord form: options already split by name; values still validated the same way. */
export function parseCommandOptions(
  commandName: string,
  subName: string | undefined,
  options: Record<string, ArgValue>,
  commands: CommandDef[] = COMMANDS,
): ParsedCommand {
  const command = findCommand(commandName, commands);
  if (!command) throw new UsageError(`Unknown command ${commandName}.`, '/affiliate-help');
  if (!command.subcommands.length) return { command, args: {} };
  const sub = command.subcommands.find((s) => s.name === subName);
  if (!sub) throw new UsageError(`Unknown subcommand "${subName ?? ''}".`, usage(command));
  const raw: Record<string, string | true> = {};
  for (const [k, v] of Object.entries(options)) raw[k] = v === true ? true : String(v);
  return { command, sub, args: coerceOptions(command, sub, raw) };
}

function coerceOptions(command: CommandDef, sub: SubcommandDef, raw: Record<string, string | true>): Record<string, ArgValue> {
  const u = usage(command, sub);
  const args: Record<string, ArgValue> = {};
  for (const name of Object.keys(raw)) {
    if (!sub.options.some((o) => o.name === name)) throw new UsageError(`Unknown option "${name}".`, u);
  }
  for (const o of sub.options) {
    const v = raw[o.name];
    if (v === undefined) {
      if (o.required) throw new UsageError(`Missing ${o.name}.`, u);
      continue;
    }
    args[o.name] = coerce(o, v, u);
  }
  return args;
}

function coerce(o: OptionDef, v: string | true, u: string): ArgValue {
  if (o.type === 'boolean') {
    if (v === true) return true;
    if (/^(true|yes|on|1)$/i.test(v)) return true;
    if (/^(false|no|off|0)$/i.test(v)) return false;
    throw new UsageError(`${o.name} must be true or false, not "${v}".`, u);
  }
  if (v === true) throw new UsageError(`${o.name} needs a value, e.g. ${o.example ?? `${o.name}:…`}.`, u);
  if (o.type === 'integer') {
    if (!/^\d+$/.test(v)) throw new UsageError(`${o.name} must be a whole number, not "${v}".`, u);
    const n = Number(v);
    if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) throw new UsageError(`${o.name} must be between ${o.min} and ${o.max}.`, u);
    return n;
  }
  return v;
}
