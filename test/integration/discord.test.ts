import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REST } from 'discord.js';
import { createLogger } from '../../src/logger.js';
import { ChatOps } from '../../src/chatops/core/core.js';
import { policyFromConfig } from '../../src/chatops/core/auth.js';
import { actionId } from '../../src/chatops/core/messages.js';
import { createDiscordBot, type DiscordBot } from '../../src/chatops/discord/bot.js';
import { DiscordNotifier } from '../../src/chatops/discord/notifier.js';
import { discordCommands, registerDiscordCommands } from '../../src/chatops/discord/commands.js';
import { renderDiscord } from '../../src/chatops/discord/render.js';
import { FakeDiscord } from '../fakes/discord-gateway.js';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';

const OPERATOR = { id: '111111111111111111', username: 'olivia' };
const STRANGER = { id: '222222222222222222', username: 'mallory' };
const APP_ID = '123456789012345678';
const GUILD_ID = '600000000000000001';
const APPROVALS = '800000000000000001';
const ALERTS = '800000000000000002';
const TOKEN = 'x'.repeat(30) + '.fake';

describe('Discord bot and notifier through discord.js against a fake Discord (real Temporal + PostgreSQL)', () => {
  let sys: TestSystem;
  let fake: FakeDiscord;
  let bot: DiscordBot;

  beforeAll(async () => {
    fake = await FakeDiscord.start({ applicationId: APP_ID });
    sys = await startTestSystem({
      env: {
        DISCORD_API_URL: fake.apiUrl,
        DISCORD_TOKEN: TOKEN,
        DISCORD_APPLICATION_ID: APP_ID,
        DISCORD_GUILD_ID: GUILD_ID,
        DISCORD_APPROVALS_CHANNEL: APPROVALS,
        DISCORD_ALERTS_CHANNEL: ALERTS,
        CHATOPS_OPERATORS: OPERATOR.id,
      },
    });
    const chatops = new ChatOps({ orchestrator: sys.orchestrator, db: sys.db, policy: policyFromConfig(sys.config), timeZone: sys.config.TIMEZONE });
    bot = createDiscordBot({ config: sys.config, chatops, log: createLogger('discord-test', sys.config.LOG_LEVEL) });
    await bot.start();
  });
  afterAll(async () => {
    await bot?.stop();
    await sys?.stop();
    await fake?.stop();
  });

  it('connects through the gateway URL the fake REST hands out', () => {
    expect(fake.find('GET', '/api/v10/gateway/bot')).toHaveLength(1);
    expect(fake.find('GET', '/api/v10/gateway/bot')[0].headers.authorization).toBe(`Bot ${TOKEN}`);
    const identify = fake.gatewayFrames.find((f) => f.dir === 'in' && f.payload.op === 2)!.payload;
    expect(identify.d).toMatchObject({ token: TOKEN, intents: 1 });
    expect(bot.client.user?.id).toBe(fake.botUser.id);
  });

  it('/daily-loop start: defers at once, edits the reply to "started", and a real workflow runs', async () => {
    const t0 = Date.now();
    const { id, token } = fake.slashCommand({
      name: 'daily-loop',
      sub: 'start',
      options: { max: 1, platforms: 'youtube', 'auto-approve': true },
      user: OPERATOR,
    });
    const callback = await fake.waitFor(() => fake.interaction(id, token).callbacks[0], 3000);
    expect(callback.at - t0).toBeLessThan(3000);
    expect(callback.body.type).toBe(5);
    expect(callback.body.data?.flags ?? 0).toBe(0); // a start is announced in the channel
    const edit = await fake.waitFor(() => fake.interaction(id, token).edits[0], 15_000);
    const shown = JSON.stringify([edit.body.content, edit.body.embeds]);
    expect(shown).toMatch(/daily-\d{4}-\d{2}-\d{2}\** started by/);
    expect(shown).toContain('@olivia');
    const workflowId = /daily-\d{4}-\d{2}-\d{2}/.exec(shown)![0];

    const done = await eventually(
      async () => {
        const s = await sys.orchestrator.status(workflowId);
        return s.status === 'COMPLETED' ? s : undefined;
      },
      150_000,
      500,
    );
    expect((done.result as { selected: unknown[] }).selected).toHaveLength(1);
    const log = await sys.db.auditEvent.findFirst({ where: { platform: 'discord', action: '/daily-loop start' } });
    expect(log).toMatchObject({ outcome: 'ok', channel: '700000000000000001' });
  }, 180_000);

  it('a bad argument gets an ephemeral usage text', async () => {
    const { id, token } = fake.slashCommand({ name: 'daily-loop', sub: 'start', options: { max: 0 }, user: OPERATOR });
    const callback = await fake.waitFor(() => fake.interaction(id, token).callbacks[0]);
    expect(callback.body).toMatchObject({ type: 5, data: { flags: 64 } });
    const edit = await fake.waitFor(() => fake.interaction(id, token).edits[0]);
    expect(edit.body.content).toMatch(/max must be between 1 and 100/);
    expect(edit.body.content).toMatch(/Usage: `\/daily-loop start/);
  });

  it('a bad platform (found by the core, after a public defer) ends as an ephemeral follow-up', async () => {
    const { id, token } = fake.slashCommand({ name: 'daily-loop', sub: 'start', options: { platforms: 'myspace' }, user: OPERATOR });
    const follow = await fake.waitFor(() => fake.interaction(id, token).followUps[0]);
    expect(follow.body.flags).toBe(64);
    expect(follow.body.content).toMatch(/"MYSPACE" is not a platform/);
    await fake.waitFor(() => fake.interaction(id, token).deletes[0]);
  });

  describe('approval buttons', () => {
    let workflowId: string;
    let videoId: string;
    let card: { id: string; channel_id: string; components: any[]; embeds: any[]; attachments?: unknown };
    let delivery: unknown;
    let videoBytes: Buffer;

    beforeAll(async () => {
      // Tomorrow's run, so it does not collide with today's (started above).
      const r = await sys.orchestrator.startDailyLoop({ maxProducts: 1, platforms: ['YOUTUBE'], at: new Date(Date.now() + 86_400_000) });
      workflowId = r.workflowId;
      const waiting = await eventually(
        async () => {
          const s = await sys.orchestrator.status(workflowId);
          return s.progress?.step === 'awaitApproval' && s.approvals?.some((a) => a.state === 'pending') ? s : undefined;
        },
        150_000,
        500,
      );
      videoId = waiting.approvals!.find((a) => a.state === 'pending')!.videoId;

      // The notifier posts the approval card the workflow asks for, with the rendered video attached.
      const v = await sys.db.video.findUniqueOrThrow({ where: { id: videoId } });
      const notifier = DiscordNotifier.fromConfig(sys.config, { media: sys.storage })!;
      delivery = await notifier.notify({
        kind: 'approval_requested',
        level: 'INFO',
        title: 'Approval needed',
        message: 'A video is ready',
        workflowId,
        data: { videoId, title: 'Test video', product: 'Widget', asin: 'B000TEST01', videoKey: v.videoPath, thumbnailKey: v.thumbnailPath },
        dedupeKey: `approval:${videoId}`,
      });
      videoBytes = fs.readFileSync(sys.storage.localPath(v.videoPath!));
      card = fake.channelMessages(APPROVALS).at(-1)! as typeof card;
    }, 180_000);

    it('the DiscordNotifier posted an approval card with both buttons to the approvals channel', () => {
      expect(card).toBeDefined();
      const buttons = card.components.flatMap((row: any) => row.components);
      expect(buttons.map((b: any) => [b.label, b.style, b.custom_id])).toEqual([
        ['Approve', 1, actionId({ kind: 'approve', workflowId, videoId })],
        ['Reject', 4, actionId({ kind: 'reject', workflowId, videoId })],
      ]);
      // The media is attached, never linked by the server's loopback address: the MP4 plays inline in Discord.
      expect(delivery).toEqual({ channel: 'discord', status: 'delivered' });
      expect(card.embeds[0]).toMatchObject({ title: '🎬 Test video', thumbnail: { url: 'attachment://thumbnail.png' } });
      expect(JSON.stringify(card)).not.toContain(sys.config.publicBaseUrl);
      expect((card.attachments as any[]).map((a) => a.filename).sort()).toEqual(['thumbnail.png', 'video.mp4']);
      expect(fake.attachmentBytes(card.id, 'video.mp4')!.equals(videoBytes)).toBe(true);
      const post = fake.find('POST', `/api/v10/channels/${APPROVALS}/messages`)[0];
      expect(post.headers.authorization).toBe(`Bot ${TOKEN}`);
      expect(post.body.allowed_mentions).toEqual({ parse: [] });
    });

    it('an unauthorized click gets an ephemeral "not authorized" and changes nothing', async () => {
      const { id, token } = fake.buttonClick({ customId: actionId({ kind: 'approve', workflowId, videoId }), user: STRANGER, message: card });
      const callback = await fake.waitFor(() => fake.interaction(id, token).callbacks[0]);
      expect(callback.body.type).toBe(6);
      const follow = await fake.waitFor(() => fake.interaction(id, token).followUps[0]);
      expect(follow.body.flags).toBe(64);
      expect(follow.body.content).toMatch(/not authorized/);
      expect(fake.interaction(id, token).edits).toHaveLength(0);
      const s = await sys.orchestrator.status(workflowId);
      expect(s.approvals!.find((a) => a.videoId === videoId)!.state).toBe('pending');
    });

    it('the operator\'s click approves, edits the card to "Approved by" and the run publishes', async () => {
      const { id, token } = fake.buttonClick({ customId: actionId({ kind: 'approve', workflowId, videoId }), user: OPERATOR, message: card });
      const edit = await fake.waitFor(() => fake.interaction(id, token).edits[0], 15_000);
      expect(JSON.stringify(edit.body.embeds)).toMatch(/Approved by @olivia/);
      expect(edit.body.components).toEqual([]); // the buttons are gone
      expect(fake.messages.get(card.id)!.edits).toBe(1);
      const follow = await fake.waitFor(() => fake.interaction(id, token).followUps[0]);
      expect(follow.body).toMatchObject({ flags: 64, content: expect.stringMatching(/Done: ✅ Approved by @olivia/) });

      const done = await eventually(
        async () => {
          const s = await sys.orchestrator.status(workflowId);
          return s.status === 'COMPLETED' ? s : undefined;
        },
        120_000,
        500,
      );
      expect((done.result as { approvals: { approved: string[] } }).approvals.approved).toEqual([videoId]);
      const rows = await sys.db.approval.findMany({ where: { videoId } });
      expect(rows).toMatchObject([
        { decision: expect.stringMatching(/approve/i), decidedBy: `discord:${OPERATOR.id}`, decidedByName: 'olivia', source: 'discord', effective: true },
      ]);
    }, 150_000);
  });

  it('the notifier edits (not re-posts) a repeat with the same dedupeKey', async () => {
    const notifier = DiscordNotifier.fromConfig(sys.config)!;
    const n = {
      kind: 'workflow_failed' as const,
      level: 'ERROR' as const,
      title: 'Daily loop failed',
      message: 'boom',
      workflowId: 'daily-2030-01-01',
      data: { step: 'syncProducts', attempts: 3 },
      dedupeKey: 'fail:daily-2030-01-01',
    };
    await notifier.notify(n);
    await notifier.notify(n);
    const msgs = fake.channelMessages(ALERTS).filter((m) => JSON.stringify(m.embeds).includes('daily-2030-01-01'));
    expect(msgs).toHaveLength(1);
    expect(msgs[0].edits).toBe(1);
    expect(JSON.stringify(msgs[0].embeds)).toContain('2 times');
    expect(msgs[0].components[0].components[0]).toMatchObject({ label: 'Retry', custom_id: 'retry|daily', style: 1 });
  });

  it('a 429 with retry_after on a channel message POST is retried and delivered once', async () => {
    const notifier = DiscordNotifier.fromConfig(sys.config)!;
    const path = new RegExp(`^/api/v10/channels/${ALERTS}/messages$`);
    fake.failNext('POST', path, 429, { retryAfter: 0.4 });
    const before = fake.channelMessages(ALERTS).length;
    await notifier.notify({ kind: 'workflow_failed', level: 'ERROR', title: 'Rate limited once', message: 'x', workflowId: 'daily-2030-01-02' });
    const posts = fake.find('POST', path).slice(-2);
    expect(posts.map((p) => p.status)).toEqual([429, 200]);
    expect(posts[1].at - posts[0].at).toBeGreaterThanOrEqual(400);
    expect(fake.channelMessages(ALERTS).length).toBe(before + 1);
  });

  it('renders Slack-style text, images, link buttons and plain replies for Discord', () => {
    const plain = renderDiscord({ text: 'hi', blocks: [{ type: 'text', text: '*bold* and <https://x.test/a|a link>' }] });
    expect(plain).toEqual({ content: '**bold** and [a link](https://x.test/a)', embeds: [], components: [] });
    const rich = renderDiscord(
      {
        text: 'r',
        blocks: [
          { type: 'header', text: 'Report' },
          { type: 'image', media: { key: 'reports/w/chart.png' }, alt: 'c' },
          {
            type: 'buttons',
            buttons: [
              { actionId: 'retry|daily', label: 'Retry', style: 'primary' },
              { actionId: 'open', label: 'Open', url: 'https://x.test/ui' },
              { actionId: 'x'.repeat(101), label: 'Too long' },
            ],
          },
        ],
      },
      { image: () => 'attachment://chart.png' },
    );
    expect(rich.embeds[0]).toMatchObject({ title: 'Report', image: { url: 'attachment://chart.png' } });
    expect(rich.components[0].components).toEqual([
      { type: 2, style: 1, label: 'Retry', custom_id: 'retry|daily' },
      { type: 2, style: 5, label: 'Open', url: 'https://x.test/ui' },
    ]);
  });

  it('registration PUTs every command to the guild route (and globally without a guild)', async () => {
    const r = await registerDiscordCommands({ token: TOKEN, applicationId: APP_ID, guildId: GUILD_ID, apiUrl: fake.apiUrl });
    expect(r).toMatchObject({ scope: 'guild', route: `/applications/${APP_ID}/guilds/${GUILD_ID}/commands` });
    const put = fake.find('PUT', `/api/v10/applications/${APP_ID}/guilds/${GUILD_ID}/commands`)[0];
    expect(put.body).toEqual(discordCommands());
    const daily = put.body.find((c: any) => c.name === 'daily-loop');
    expect(daily.type).toBe(1);
    const start = daily.options.find((o: any) => o.name === 'start');
    expect(start).toMatchObject({ type: 1 });
    expect(start.options).toEqual([
      { name: 'max', description: expect.any(String), required: false, type: 4, min_value: 1, max_value: 100 },
      { name: 'platforms', description: expect.any(String), required: false, type: 3 },
      { name: 'auto-approve', description: expect.any(String), required: false, type: 5 },
    ]);
    const pause = put.body.find((c: any) => c.name === 'schedules').options.find((o: any) => o.name === 'pause');
    expect(pause.options[0]).toMatchObject({ name: 'which', type: 3, required: true });

    await registerDiscordCommands({ token: TOKEN, applicationId: APP_ID, apiUrl: fake.apiUrl });
    expect(fake.find('PUT', `/api/v10/applications/${APP_ID}/commands`)).toHaveLength(1);
    await expect(registerDiscordCommands({ token: undefined, applicationId: APP_ID })).rejects.toThrow(/DISCORD_TOKEN is missing/);
    await expect(registerDiscordCommands({ token: TOKEN, applicationId: undefined })).rejects.toThrow(/DISCORD_APPLICATION_ID is missing/);
    // An unknown token is rejected by the fake like Discord does.
    const bad = new REST({ api: fake.apiUrl }).setToken('short');
    await expect(registerDiscordCommands({ token: 'short', applicationId: APP_ID, rest: bad })).rejects.toThrow(/Unauthorized/);
  });
});
