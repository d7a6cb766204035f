import { ephemeral, inChannel, msg } from '../src/chatops/core/messages.js';
import type { CommandDef } from './types.js';

export const weeklyOptimization: CommandDef = {
  name: 'weekly-optimization',
  description: 'The weekly optimization and owner report',
  subcommands: [
    {
      name: 'start',
      description: "Start this week's optimization",
      permission: 'everyone',
      visibility: 'public',
      options: [],
      async execute(ctx) {
        const r = await ctx.orchestrator.startWeeklyOptimization({ startedBy: ctx.by });
        return r.status === 'started'
          ? inChannel(msg(`▶️ ${ctx.who} started ${r.workflowId}. The owner report follows when it is done.`))
          : ephemeral(msg(`${r.workflowId} is already running.`));
      },
    },
  ],
};
