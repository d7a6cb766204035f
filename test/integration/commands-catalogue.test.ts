// A command is one definition: handler, permission and visibility together, and
// every surface (parsing, authorization, help, Slack manifest, Discord registration)
// follows from it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/harness.js';
import { COMMANDS, helpText, type CommandDef } from '../../commands/index.js';
import { ChatOps } from '../../src/chatops/core/core.js';
import { policyFromConfig } from '../../src/chatops/core/auth.js';
import { ephemeral, msg } from '../../src/chatops/core/messages.js';
import { parseCommandText } from '../../src/chatops/core/parse.js';
import { discordCommands } from '../../src/chatops/discord/commands.js';
import { slackManifest } from '../../scripts/slack-manifest.js';

const ping: CommandDef = {
  name: 'ping',
  description: 'Answer pong',
  subcommands: [
    {
      name: 'now',
      description: 'Pong, now',
      permission: 'operators',
      visibility: 'private',
      options: [{ name: 'times', type: 'integer', description: 'How many pongs', min: 1, max: 3, example: 'times:2' }],
      async execute(ctx, args) {
        return ephemeral(msg(`${'pong '.repeat(Number(args.times ?? 1)).trim()} for ${ctx.who}`));
      },
    },
  ],
};

describe('the command catalogue', () => {
  let sys: TestSystem;
  const commands = [...COMMANDS, ping];
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false });
  });
  afterAll(async () => sys?.stop());

  it('a made-up subcommand needs one definition: parsed, authorized, run, audited, and listed everywhere', async () => {
    const chatops = new ChatOps({
      orchestrator: sys.orchestrator,
      db: sys.db,
      policy: policyFromConfig({ CHATOPS_OPERATORS: 'UOPS' }),
      timeZone: 'UTC',
      commands,
    });
    const ops = await chatops.command({ platform: 'slack', userId: 'UOPS', userName: 'ops' }, parseCommandText('ping', 'now times:2', commands));
    expect(ops.message.text).toBe('pong pong for @ops');
    const other = await chatops.command({ platform: 'slack', userId: 'UOTHER' }, parseCommandText('ping', 'now', commands));
    expect(other.message.text).toMatch(/not authorized/);
    expect(() => parseCommandText('ping', 'now times:9', commands)).toThrow(/times must be between 1 and 3/);
    expect(await sys.db.auditEvent.findMany({ where: { action: '/ping now' }, orderBy: { at: 'asc' } })).toMatchObject([
      { actor: 'UOPS', outcome: 'ok' },
      { actor: 'UOTHER', outcome: 'denied' },
    ]);

    expect(helpText(commands)).toContain('`/ping now [times:2]`: Pong, now _(operators only)_');
    expect(
      (slackManifest({ PUBLIC_BASE_URL: 'https://bot.example.com', SLACK_APP_TOKEN: undefined }, { commands }) as any).features.slash_commands.map(
        (c: any) => c.command,
      ),
    ).toContain('/ping');
    expect(discordCommands(commands).find((c) => c.name === 'ping')?.options?.[0]).toMatchObject({ name: 'now', description: 'Pong, now (operators only)' });
  });

  it('every shipped subcommand has its handler, permission and visibility', () => {
    for (const c of COMMANDS) {
      if (!c.subcommands.length) expect(typeof c.execute).toBe('function');
      for (const s of c.subcommands) {
        expect(typeof s.execute).toBe('function');
        expect(['everyone', 'operators']).toContain(s.permission);
        expect(['public', 'private']).toContain(s.visibility);
      }
    }
  });
});
