import { listSchedules, setSchedulePaused, triggerSchedule, type ScheduleName } from '../src/temporal/schedules.js';
import { ephemeral, inChannel, msg, UsageError } from '../src/chatops/core/messages.js';
import type { ArgValue, CommandContext, CommandDef, SubcommandDef } from './types.js';

function which(args: Record<string, ArgValue>, usage: string): ScheduleName {
  const w = String(args.which).toLowerCase();
  if (w !== 'daily' && w !== 'weekly') throw new UsageError(`"${w}" is not a schedule: use daily or weekly.`, usage);
  return w;
}

const change = (
  name: 'pause' | 'resume' | 'trigger',
  description: string,
  example: string,
  act: (ctx: CommandContext, w: ScheduleName) => Promise<void>,
  done: string,
): SubcommandDef => ({
  name,
  description,
  permission: 'operators',
  visibility: 'public',
  options: [{ name: 'which', type: 'string', description: 'daily or weekly', required: true, example }],
  async execute(ctx, args) {
    const w = which(args, ctx.usage);
    await act(ctx, w);
    return inChannel(msg(`${w} schedule ${done} by ${ctx.who}.`));
  },
});

export const schedules: CommandDef = {
  name: 'schedules',
  description: 'The daily and weekly schedules',
  subcommands: [
    {
      name: 'list',
      description: 'Show the schedules and their next runs',
      permission: 'everyone',
      visibility: 'private',
      options: [],
      async execute(ctx) {
        const s = await listSchedules(await ctx.orchestrator.client());
        if (!s.length) return ephemeral(msg('No schedules yet: `npm run schedules:apply` creates them (the API does at start).'));
        return ephemeral(
          msg(s.map((x) => `• *${x.name}* ${x.paused ? '⏸ paused' : '▶️ active'}: \`${x.cron}\` (${x.timeZone}), next ${x.nextRuns[0] ?? '-'}`).join('\n')),
        );
      },
    },
    change(
      'pause',
      'Pause a schedule',
      'daily',
      async (ctx, w) => setSchedulePaused(await ctx.orchestrator.client(), w, true, `paused by ${ctx.who} on ${ctx.actor.platform}`),
      'paused',
    ),
    change(
      'resume',
      'Resume a schedule',
      'daily',
      async (ctx, w) => setSchedulePaused(await ctx.orchestrator.client(), w, false, `resumed by ${ctx.who} on ${ctx.actor.platform}`),
      'resumed',
    ),
    change('trigger', 'Run a schedule now', 'weekly', async (ctx, w) => triggerSchedule(await ctx.orchestrator.client(), w), 'triggered'),
  ],
};
