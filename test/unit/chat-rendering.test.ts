import { describe, expect, it } from 'vitest';
import { isInternalAddress, isPubliclyReachableUrl } from '../../src/domain/addresses.js';
import { clip } from '../../src/chatops/core/text.js';
import { approvalCard, linkFor, statusMessage } from '../../src/chatops/core/cards.js';
import { remoteLinks, renderNotification } from '../../src/chatops/core/notifications.js';
import type { ChatMessage } from '../../src/chatops/core/messages.js';
import { SLACK_LIMITS, toBlockKit } from '../../src/chatops/slack/blocks.js';
import { fallbackBlocks } from '../../src/chatops/slack/notifier.js';
import { renderDiscord } from '../../src/chatops/discord/render.js';

const LONG_TITLE = 'Ultra Premium Stainless Steel Insulated Water Bottle with Leak Proof Lid '.repeat(8).trim();
const card = (title = 'Insulated bottle') =>
  approvalCard({
    workflowId: 'daily-2030-01-01',
    videoId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    title,
    product: title,
    asin: 'B000TEST01',
    videoKey: 'videos/v1/video.mp4',
    thumbnailKey: 'videos/v1/thumbnail.png',
    platforms: ['YOUTUBE', 'TIKTOK'],
  });

describe('which addresses a remote reader can reach', () => {
  it.each([
    ['http://127.0.0.1:3000', false],
    ['http://localhost:3000', false],
    ['http://api.localhost', false],
    ['http://[::1]:3000', false],
    ['http://10.1.2.3', false],
    ['http://172.20.0.5:3000', false],
    ['http://192.168.1.10', false],
    ['http://169.254.169.254/latest', false],
    ['http://100.64.0.1', false],
    ['http://[fe80::1]', false],
    ['http://[fd00::1]', false],
    ['http://[::ffff:127.0.0.1]', false],
    ['http://0.0.0.0:3000', false],
    ['http://temporal:8233', false],
    ['http://nas.local', false],
    ['ftp://bot.example.com', false],
    ['not a url', false],
    ['https://bot.example.com', true],
    ['https://203.0.114.10', true],
    ['http://[2606:4700::1111]', true],
  ])('%s → %s', (url, expected) => {
    expect(isPubliclyReachableUrl(url)).toBe(expected);
  });

  it('classifies address literals only', () => {
    expect(isInternalAddress('127.0.0.2')).toBe(true);
    expect(isInternalAddress('8.8.8.8')).toBe(false);
    expect(isInternalAddress('example.com')).toBe(false);
  });
});

describe('clip', () => {
  it('cuts at a word boundary with an ellipsis, within the limit', () => {
    const c = clip(LONG_TITLE, 150);
    expect(c.length).toBeLessThanOrEqual(150);
    expect(c.endsWith('…')).toBe(true);
    expect(LONG_TITLE.startsWith(c.slice(0, -1))).toBe(true);
    expect(c.slice(0, -1)).not.toMatch(/\s$/);
    expect(LONG_TITLE.charAt(c.length - 1)).toBe(' '); // the cut fell between words
  });
  it('never splits an emoji', () => {
    const c = clip('ab' + '😀'.repeat(10), 6);
    expect(c.length).toBeLessThanOrEqual(6);
    expect(() => encodeURIComponent(c)).not.toThrow();
  });
  it('leaves short text alone', () => expect(clip('short', 10)).toBe('short'));
});

describe('Slack Block Kit', () => {
  it('an approval card names no URL of ours: the thumbnail is an uploaded file, the video is in the thread', () => {
    const plain = toBlockKit(card());
    expect(JSON.stringify(plain)).not.toMatch(/https?:\/\//);
    expect(plain.map((b: any) => b.type)).toEqual(['header', 'section', 'context', 'actions']);
    const withFile = toBlockKit(card(), { image: (key) => (key === 'videos/v1/thumbnail.png' ? { slack_file: { id: 'F123' } } : undefined) }) as any[];
    expect(withFile[2]).toEqual({ type: 'image', slack_file: { id: 'F123' }, alt_text: 'Insulated bottle' });
    expect(withFile[3].elements[0].text).toMatch(/thread/);
  });

  it('cuts an over-long title cleanly and stays within every limit', () => {
    const blocks = toBlockKit(card(LONG_TITLE)) as any[];
    expect(blocks[0].text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    expect(blocks[0].text.text).toMatch(/…$/);
    for (const f of blocks[1].fields) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.field);
    const buttons = blocks.find((b) => b.type === 'actions').elements;
    for (const b of buttons) {
      expect(b.action_id.length).toBeLessThanOrEqual(SLACK_LIMITS.actionId);
      expect(b.value.length).toBeLessThanOrEqual(SLACK_LIMITS.value);
      expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
    }
  });

  it('keeps the buttons when a message has more than 50 blocks, and says what was left out', () => {
    const m: ChatMessage = {
      text: 'many',
      blocks: [
        ...Array.from({ length: 70 }, (_, i) => ({ type: 'text' as const, text: `line ${i} ${'x'.repeat(4000)}` })),
        {
          type: 'buttons',
          buttons: [
            { actionId: 'retry|daily', label: 'B'.repeat(100) },
            { actionId: 'a'.repeat(300), label: 'too long an id' },
          ],
        },
      ],
    };
    const blocks = toBlockKit(m) as any[];
    expect(blocks).toHaveLength(SLACK_LIMITS.blocks);
    expect(blocks.at(-1).type).toBe('actions');
    expect(blocks.at(-1).elements).toHaveLength(1); // the 300-character action_id cannot be sent: dropped
    expect(blocks.at(-1).elements[0].text.text.length).toBeLessThanOrEqual(75);
    expect(blocks.at(-2).elements[0].text).toMatch(/22 more blocks not shown/);
    for (const b of blocks.filter((x) => x.type === 'section')) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.section);
  });

  it('the plain-text fallback carries the essentials and the buttons', () => {
    const blocks = fallbackBlocks(card(LONG_TITLE)) as any[];
    expect(blocks.map((b) => b.type)).toEqual(['section', 'actions']);
    expect(blocks[0].text.text).toMatch(/^Approve "Ultra Premium/);
    expect(blocks[0].text.text).toMatch(/B000TEST01/);
    expect(blocks[0].text.text.length).toBeLessThanOrEqual(3000);
    expect(blocks[1].elements.map((e: any) => e.text.text)).toEqual(['Approve', 'Reject']);
  });
});

describe('links to our own pages', () => {
  const failure = {
    kind: 'workflow_failed' as const,
    level: 'ERROR' as const,
    title: 'Daily loop failed',
    message: 'boom',
    workflowId: 'daily-2030-01-01',
    data: { step: 'x' },
  };
  const report = {
    kind: 'weekly_report' as const,
    level: 'INFO' as const,
    title: 'Weekly report weekly-2030-W01',
    message: '# md',
    workflowId: 'weekly-2030-W01',
    data: { chartKey: 'reports/weekly-2030-W01/chart.png', earnings: 1, cost: 2, roi: 0.5, clicks: 3, views: null },
  };

  it('are left out for remote readers when they point at loopback', () => {
    const links = remoteLinks({ publicBaseUrl: 'http://127.0.0.1:3000', TEMPORAL_UI_URL: 'http://127.0.0.1:8233' });
    expect(links).toEqual({ publicBaseUrl: undefined, temporalUiUrl: undefined });
    expect(JSON.stringify(renderNotification(failure, links))).not.toMatch(/127\.0\.0\.1/);
    const r = renderNotification(report, links);
    expect(JSON.stringify(r)).not.toMatch(/127\.0\.0\.1|Full report/);
    expect(r.blocks.find((b) => b.type === 'image')).toMatchObject({ media: { key: 'reports/weekly-2030-W01/chart.png' } });
  });

  it('stay when the address is public', () => {
    const links = remoteLinks({ publicBaseUrl: 'https://bot.example.com', TEMPORAL_UI_URL: 'https://temporal.example.com' });
    expect(JSON.stringify(renderNotification(failure, links))).toMatch(/https:\/\/temporal\.example\.com\/namespaces\/default\/workflows\/daily-2030-01-01/);
    expect(JSON.stringify(renderNotification(report, links))).toMatch(/<https:\/\/bot\.example\.com\/orchestrator\/reports\/weekly-2030-W01\|Full report>/);
  });

  it('the console reader gets them all; a chat reader only public ones', () => {
    expect(linkFor({ platform: 'console', userId: 'c' }, 'http://127.0.0.1:8233')).toBe('http://127.0.0.1:8233');
    expect(linkFor({ platform: 'slack', userId: 'U1' }, 'http://127.0.0.1:8233')).toBeUndefined();
    expect(linkFor({ platform: 'discord', userId: '1' }, 'https://t.example.com')).toBe('https://t.example.com');
  });
});

describe('Discord messages', () => {
  it('attach the media: the thumbnail by attachment:// name, a note for the attached video', () => {
    const r = renderDiscord(card(), { image: (key) => (key.endsWith('thumbnail.png') ? 'attachment://thumbnail.png' : undefined) });
    expect(r.embeds[0].thumbnail).toEqual({ url: 'attachment://thumbnail.png' });
    expect(JSON.stringify(r)).not.toMatch(/https?:\/\//);
    expect(r.embeds[0].fields?.find((f) => f.name === 'Video')?.value).toMatch(/attached/);
  });

  it('fit every limit with a long title and a huge report', () => {
    const r = renderDiscord(card(LONG_TITLE));
    expect(r.embeds[0].title!.length).toBeLessThanOrEqual(256);
    expect(r.embeds[0].title).toMatch(/…$/);
    const huge = renderDiscord({
      text: 'r',
      blocks: [
        { type: 'header', text: 'H'.repeat(300) },
        { type: 'text', text: 'd'.repeat(5000) },
        { type: 'fields', fields: Array.from({ length: 30 }, (_, i) => ({ label: `L${i}`.repeat(200), value: 'v'.repeat(2000) })) },
      ],
    });
    const e = huge.embeds[0];
    const total = (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
    expect(total).toBeLessThanOrEqual(6000);
    expect(e.fields!.length).toBeLessThanOrEqual(25);
    for (const f of e.fields!) {
      expect(f.name.length).toBeLessThanOrEqual(256);
      expect(f.value.length).toBeLessThanOrEqual(1024);
    }
    expect(e.description!.length).toBeLessThanOrEqual(4096);
  });
});

describe('provider alerts and run warnings', () => {
  const alert = {
    kind: 'provider_alert' as const,
    level: 'WARNING' as const,
    title: 'OpenAI: insufficient_quota, scripts fall back to the templates',
    message: '429 insufficient_quota: You exceeded your current quota. Add credit at platform.openai.com → Billing.',
    workflowId: 'daily-2030-01-01',
    data: { provider: 'openai', code: 'insufficient_quota' },
  };

  it('renders a provider alert with provider and code, and no Retry button (retrying cannot fix a quota)', () => {
    const m = renderNotification(alert, {});
    const json = JSON.stringify(m);
    expect(json).toContain('insufficient_quota');
    expect(json).toContain('openai');
    expect(m.blocks?.some((b) => b.type === 'buttons')).toBe(false);
    const slack = toBlockKit(m);
    expect(JSON.stringify(slack)).toContain('Billing');
    const discord = renderDiscord(m);
    expect(JSON.stringify(discord)).toContain('insufficient_quota');
  });

  it('shows the catalog source and the run warnings in /daily-loop status', () => {
    const m = statusMessage({
      workflowId: 'daily-2030-01-01',
      status: 'RUNNING',
      progress: {
        step: 'generateContentForProducts',
        stepsDone: ['syncProducts', 'rankAllProducts', 'selectTopProducts'],
        products: { synced: 251, ranked: 251, selected: 2, source: 'bundled' },
        videos: { generated: 0, ready: 0, published: 0 },
        approvals: { pending: 0, approved: 0, rejected: 0 },
        errors: [],
        warnings: [{ step: 'syncProducts', message: 'amazon-creators refused this account: 10 qualified sales needed. Used bundled for this run.' }],
      },
    } as never);
    const json = JSON.stringify(m);
    expect(json).toContain('2 selected of 251 (bundled)');
    expect(json).toContain('⚠️ syncProducts: amazon-creators refused this account');
  });
});

describe('run notice with the published posts', () => {
  it('links the platform pages of published posts, and never an outbox folder', () => {
    const m = renderNotification(
      {
        kind: 'run_progress',
        level: 'INFO',
        title: '✅ Daily loop daily-2030-01-01: completed',
        message: 'Finished: 1 video(s) published.',
        workflowId: 'daily-2030-01-01',
        data: {
          step: 'completed',
          posts: [
            { videoId: 'v1', platform: 'YOUTUBE', url: 'https://www.youtube.com/shorts/abc123' },
            { videoId: 'v1', platform: 'TIKTOK', url: 'file:///var/outbox/tiktok/v1-1' },
          ],
        },
      },
      {},
    );
    const json = JSON.stringify(m);
    expect(json).toContain('<https://www.youtube.com/shorts/abc123|youtube>');
    expect(json).not.toContain('file://');
  });
});
