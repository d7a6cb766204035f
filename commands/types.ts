/**
 * What a slash command is: its definition (name, options, who may run it), how its
 * reply is shown, and its handler, in one object (the discord.js guide's `data` +
 * `execute`, kept platform-neutral). The Slack manifest, the Discord registration,
 * the console, the help text and authorization all read these definitions.
 */
import type { Db } from '../src/db.js';
import type { Orchestrator } from '../src/temporal/client.js';
import type { Actor } from '../src/chatops/core/auth.js';
import type { Reply } from '../src/chatops/core/messages.js';

export type Permission = 'everyone' | 'operators';
export type ArgValue = string | number | boolean;

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

/** What a handler gets: who asks, and the services it may use. */
export interface CommandContext {
  actor: Actor;
  /** The actor's platform id, for runs and approvals (`slack:U0123…`, `console`). */
  by: string;
  /** How the actor is named in replies (escaped). */
  who: string;
  orchestrator: Orchestrator;
  db: Db;
  timeZone: string;
  /** The Temporal UI, when this reader can open it. */
  temporalUiUrl?: string;
  namespace?: string;
  /** What serves each platform (outbox or its API). */
  publishers?: Record<string, string>;
  /** This subcommand's usage line, for UsageErrors. */
  usage: string;
}

export interface SubcommandDef {
  name: string;
  description: string;
  options: OptionDef[];
  /** Deny by default for anything that changes money or reputation. */
  permission: Permission;
  /** `public`: a success is announced in the channel (Discord defers its reply publicly); `private`: only the caller sees it. */
  visibility: 'public' | 'private';
  execute(ctx: CommandContext, args: Record<string, ArgValue>): Promise<Reply>;
}

export interface CommandDef {
  name: string;
  description: string;
  subcommands: SubcommandDef[];
  /** A command without subcommands (e.g. help) has its own handler. */
  execute?(ctx: CommandContext, args: Record<string, ArgValue>): Promise<Reply>;
}
