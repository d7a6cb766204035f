import { dailyWorkflowId } from '../src/domain/dates.js';
import { formatDuration, parsePlatforms, statusMessage } from '../src/chatops/core/cards.js';
import { actionId, ephemeral, inChannel, msg } from '../src/chatops/core/messages.js';
import type { CommandDef, OptionDef } from './types.js';

const workflowIdOption: OptionDef = {
  name: 'workflow-id',
  type: 'string',
  description: "Workflow id (default: today's run)",
  example: 'workflow-id:daily-2026-11-27',
};

export const dailyLoop: CommandDef = {
  name: 'daily-loop',
  description: 'Run and watch the daily control loop',
  subcommands: [
    {
      name: 'start',
      description: "Start today's daily loop (or show the run already open)",
      permission: 'everyone',
      visibility: 'public',
      options: [
        { name: 'max', type: 'integer', description: 'How many products to make videos for (1-100)', min: 1, max: 100, example: 'max:5' },
        { name: 'platforms', type: 'string', description: 'Comma-separated: youtube,tiktok,instagram (default: all)', example: 'platforms:youtube,tiktok' },
        // Skipping the gate needs the right to approve: checked by the core's one policy (authorizeCommand).
        { name: 'auto-approve', type: 'boolean', description: 'Skip the approval gate for this run (needs the right to approve)', example: 'auto-approve' },
      ],
      async execute(ctx, args) {
        const platforms = args.platforms ? parsePlatforms(String(args.platforms), ctx.usage) : undefined;
        const r = await ctx.orchestrator.startDailyLoop({
          maxProducts: args.max as number | undefined,
          platforms,
          autoApprove: args['auto-approve'] === true,
          startedBy: ctx.by,
        });
        if (r.status === 'already-running') return ephemeral(msg(`${r.workflowId} is already running: \`/daily-loop status\` shows its progress.`));
        return inChannel(
          msg(
            `▶️ ${ctx.who} started ${r.workflowId}.`,
            { type: 'text', text: `▶️ *${r.workflowId}* started by ${ctx.who}` },
            { type: 'context', text: `run ${r.runId}` },
          ),
        );
      },
    },
    {
      name: 'status',
      description: 'Show the progress of a run',
      permission: 'everyone',
      visibility: 'private',
      options: [workflowIdOption],
      async execute(ctx, args) {
        const id = String(args['workflow-id'] ?? dailyWorkflowId(new Date(), ctx.timeZone));
        return ephemeral(statusMessage(await ctx.orchestrator.status(id), ctx.temporalUiUrl, ctx.namespace, ctx.publishers));
      },
    },
    {
      name: 'cancel',
      description: 'Cancel a run (asks for confirmation)',
      permission: 'operators',
      visibility: 'private',
      options: [workflowIdOption],
      async execute(ctx, args) {
        const id = String(args['workflow-id'] ?? dailyWorkflowId(new Date(), ctx.timeZone));
        const d = await ctx.orchestrator.describe(id);
        if (d.status.name !== 'RUNNING') return ephemeral(msg(`${id} is not running (${d.status.name.toLowerCase()}).`));
        return ephemeral(
          msg(
            `Cancel ${id}?`,
            { type: 'text', text: `Really cancel *${id}*? Videos not yet published will not be.` },
            {
              type: 'buttons',
              buttons: [
                { actionId: actionId({ kind: 'cancel-confirm', workflowId: id }), label: 'Yes, cancel it', style: 'danger' },
                { actionId: actionId({ kind: 'cancel-abort', workflowId: id }), label: 'No' },
              ],
            },
          ),
        );
      },
    },
    {
      name: 'list',
      description: 'Recent runs with status and duration',
      permission: 'everyone',
      visibility: 'private',
      options: [],
      async execute(ctx) {
        const logs = await ctx.db.workflowLog.findMany({ orderBy: { startedAt: 'desc' }, take: 10 });
        if (!logs.length) return ephemeral(msg('No runs yet. Start one with `/daily-loop start`.'));
        const lines = logs.map(
          (l) =>
            `• \`${l.workflowId}\` ${l.status.toLowerCase()}${l.duration != null ? ` in ${formatDuration(l.duration)}` : ''}${l.step && l.status !== 'COMPLETED' ? ` (${l.step})` : ''}, started ${l.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
        );
        return ephemeral(msg(lines.join('\n')));
      },
    },
  ],
};
