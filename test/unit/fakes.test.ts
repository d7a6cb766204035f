// The local Slack and Discord fakes refuse what the real platforms refuse, over real HTTP,
// through the real clients (@slack/web-api's WebClient, @discordjs/rest's REST). No Temporal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogLevel, webApi } from '@slack/bolt';
import { DiscordAPIError, REST, Routes } from 'discord.js';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { FakeDiscord } from '../fakes/discord-gateway.js';

// A 1x1 PNG and the first bytes of an MP4.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), Buffer.alloc(64, 7)]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** WebClient logs every refused call; these tests provoke refusals on purpose. */
const quiet = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const image = (src: Record<string, unknown>, alt = 'a picture') => ({ type: 'image', alt_text: alt, ...src });

describe('the fake Slack API', () => {
  let fake: FakeSlackApi;
  /** A Web API call as WebClient makes it (form-encoded, objects as JSON), answered as JSON. */
  const call = async (method: string, args: Record<string, unknown>, token = 'xoxb-test') => {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(args)) form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    const r = await fetch(`${fake.url}/api/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    expect(r.status).toBe(200);
    return (await r.json()) as Record<string, any>;
  };
  const client = (token = 'xoxb-test') => new webApi.WebClient(token, { slackApiUrl: fake.url + '/api/', retryConfig: { retries: 0 }, logger: quiet });

  beforeAll(async () => {
    fake = await startFakeSlackApi();
  });
  afterAll(async () => {
    await fake.close();
  });

  describe('image_url: Slack downloads the image itself', () => {
    it.each([
      'http://127.0.0.1:8080/media/x.png',
      'http://localhost:3000/x.png',
      'http://api.localhost/x.png',
      'http://printer.local/x.png',
      'http://metadata.google.internal/x.png',
      'http://intranet/x.png',
      'http://10.1.2.3/x.png',
      'http://172.20.0.5/x.png',
      'http://192.168.1.10/x.png',
      'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/x.png',
      'http://0.0.0.0/x.png',
      'http://[::1]/x.png',
      'http://[::ffff:127.0.0.1]/x.png',
      'http://[fd12::1]/x.png',
      'http://[fe80::1]/x.png',
      'http://2130706433/x.png',
      'ftp://cdn.example.com/x.png',
      'not a url',
    ])('refuses %s with invalid_blocks "downloading image failed"', async (u) => {
      const r = await call('chat.postMessage', { channel: 'C1', text: 'fallback', blocks: [section('hi'), image({ image_url: u })] });
      expect(r).toEqual({
        ok: false,
        error: 'invalid_blocks',
        errors: ['downloading image failed [json-pointer:/blocks/1/image_url]'],
        response_metadata: { messages: ['[ERROR] downloading image failed [json-pointer:/blocks/1/image_url]'] },
      });
    });

    it('accepts a public https image without fetching it, and in a section accessory and a context', async () => {
      const before = fake.delivered('chat.postMessage').length;
      const blocks = [
        image({ image_url: 'https://cdn.example.com/x.png' }),
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'with a thumbnail' },
          accessory: { type: 'image', image_url: 'http://93.184.216.34/t.png', alt_text: 't' },
        },
        {
          type: 'context',
          elements: [
            { type: 'image', image_url: 'https://[2606:4700::1111]/i.png', alt_text: 'i' },
            { type: 'mrkdwn', text: 'caption' },
          ],
        },
      ];
      const r = await call('chat.postMessage', { channel: 'C1', text: 'fallback', blocks });
      expect(r.ok).toBe(true);
      expect(fake.delivered('chat.postMessage')).toHaveLength(before + 1);
      expect(fake.channelMessages('C1').at(-1)).toMatchObject({ ts: r.ts, text: 'fallback', blocks });
    });

    it('refuses a loopback image in a section accessory and in a context too', async () => {
      const r = await call('chat.postMessage', {
        channel: 'C1',
        text: 'x',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: 'x' }, accessory: { type: 'image', image_url: 'http://127.0.0.1/t.png', alt_text: 't' } },
          { type: 'context', elements: [{ type: 'image', image_url: 'http://localhost/i.png', alt_text: 'i' }] },
        ],
      });
      expect(r.errors).toEqual([
        'downloading image failed [json-pointer:/blocks/0/accessory/image_url]',
        'downloading image failed [json-pointer:/blocks/1/elements/0/image_url]',
      ]);
    });
  });

  describe('Block Kit limits', () => {
    const refused = async (blocks: unknown[], method = 'chat.postMessage') => {
      const r = await call(method, { channel: 'C1', ts: '1.000001', user: 'U1', text: 'fallback', blocks });
      expect(r.ok).toBe(false);
      expect(r.error).toBe('invalid_blocks');
      expect(r.response_metadata.messages).toEqual(r.errors.map((e: string) => `[ERROR] ${e}`));
      return r.errors as string[];
    };

    it('a 150-character header is fine, a 151-character one is refused', async () => {
      expect((await call('chat.postMessage', { channel: 'C1', text: 'x', blocks: [header('h'.repeat(150))] })).ok).toBe(true);
      expect(await refused([header('h'.repeat(151))])).toEqual(['must be less than 151 characters [json-pointer:/blocks/0/text]']);
      expect((await refused([{ type: 'header', text: { type: 'mrkdwn', text: '*h*' } }]))[0]).toMatch(/\[json-pointer:\/blocks\/0\/text\/type\]$/);
    });

    it('50 blocks are fine, 51 are refused', async () => {
      expect((await call('chat.postMessage', { channel: 'C1', text: 'x', blocks: Array.from({ length: 50 }, () => ({ type: 'divider' })) })).ok).toBe(true);
      expect(await refused(Array.from({ length: 51 }, () => ({ type: 'divider' })))).toEqual(['no more than 50 items allowed [json-pointer:/blocks]']);
    });

    it('section text, fields, context, actions, buttons, block_id and image fields are bounded', async () => {
      expect(await refused([section('s'.repeat(3001))])).toEqual(['must be less than 3001 characters [json-pointer:/blocks/0/text]']);
      expect(await refused([section('')])).toEqual(['must be more than 0 characters [json-pointer:/blocks/0/text]']);
      const field = (t: string) => ({ type: 'mrkdwn', text: t });
      expect(await refused([{ type: 'section', fields: Array.from({ length: 11 }, () => field('f')) }])).toEqual([
        'no more than 10 items allowed [json-pointer:/blocks/0/fields]',
      ]);
      expect(await refused([{ type: 'section', fields: [field('f'), field('f'.repeat(2001))] }])).toEqual([
        'must be less than 2001 characters [json-pointer:/blocks/0/fields/1]',
      ]);
      expect(await refused([{ type: 'context', elements: Array.from({ length: 11 }, () => field('c')) }])).toEqual([
        'no more than 10 items allowed [json-pointer:/blocks/0/elements]',
      ]);
      const button = (o: Record<string, unknown> = {}) => ({ type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: 'go', ...o });
      expect(await refused([{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` })) }])).toEqual([
        'no more than 25 items allowed [json-pointer:/blocks/0/elements]',
      ]);
      expect(
        await refused([
          {
            type: 'actions',
            block_id: 'b'.repeat(256),
            elements: [
              button({ text: { type: 'plain_text', text: 'x'.repeat(76) } }),
              button({ action_id: 'a'.repeat(256) }),
              button({ value: 'v'.repeat(2001) }),
              button({ url: `https://e.com/${'u'.repeat(2990)}` }),
            ],
          },
        ]),
      ).toEqual([
        'must be less than 256 characters [json-pointer:/blocks/0/block_id]',
        'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text]',
        'must be less than 256 characters [json-pointer:/blocks/0/elements/1/action_id]',
        'must be less than 2001 characters [json-pointer:/blocks/0/elements/2/value]',
        'must be less than 3001 characters [json-pointer:/blocks/0/elements/3/url]',
      ]);
      expect(await refused([{ type: 'image', image_url: 'https://cdn.example.com/x.png' }])).toEqual([
        'missing required field: alt_text [json-pointer:/blocks/0]',
      ]);
      expect(await refused([image({ image_url: 'https://cdn.example.com/x.png' }, 'a'.repeat(2001))])).toEqual([
        'must be less than 2001 characters [json-pointer:/blocks/0/alt_text]',
      ]);
      expect(await refused([image({ image_url: `https://cdn.example.com/${'p'.repeat(2980)}.png` })])).toEqual([
        'must be less than 3001 characters [json-pointer:/blocks/0/image_url]',
      ]);
      expect((await refused([image({})]))[0]).toMatch(/image_url or slack_file \[json-pointer:\/blocks\/0\]$/);
      expect((await refused([image({ image_url: 'https://cdn.example.com/x.png', slack_file: { id: 'F1' } })]))[0]).toMatch(
        /image_url or slack_file \[json-pointer:\/blocks\/0\]$/,
      );
    });

    it('chat.update and chat.postEphemeral are checked the same way', async () => {
      await refused([header('h'.repeat(151))], 'chat.update');
      await refused([image({ image_url: 'http://127.0.0.1/x.png' })], 'chat.postEphemeral');
    });

    it('text over 40,000 characters is msg_too_long; neither text nor blocks is no_text; blocks that are not JSON are invalid_blocks_format', async () => {
      expect((await call('chat.postMessage', { channel: 'C1', text: 't'.repeat(40_000) })).ok).toBe(true);
      expect(await call('chat.postMessage', { channel: 'C1', text: 't'.repeat(40_001) })).toEqual({ ok: false, error: 'msg_too_long' });
      expect(await call('chat.update', { channel: 'C1', ts: '1.000001', text: 't'.repeat(40_001) })).toEqual({ ok: false, error: 'msg_too_long' });
      expect(await call('chat.postMessage', { channel: 'C1' })).toEqual({ ok: false, error: 'no_text' });
      expect(await call('chat.postMessage', { channel: 'C1', text: '', blocks: [] })).toEqual({ ok: false, error: 'no_text' });
      expect(await call('chat.postMessage', { channel: 'C1', text: 'x', blocks: '[{"type":' })).toEqual({ ok: false, error: 'invalid_blocks_format' });
    });

    it('the text limit can be lowered to what Slack was reported to enforce (about 4,000)', async () => {
      const strict = await startFakeSlackApi({ maxTextChars: 4000 });
      try {
        const r = await fetch(`${strict.url}/api/chat.postMessage`, {
          method: 'POST',
          headers: { authorization: 'Bearer xoxb-t', 'content-type': 'application/json' },
          body: JSON.stringify({ channel: 'C1', text: 't'.repeat(4001) }),
        });
        expect(await r.json()).toEqual({ ok: false, error: 'msg_too_long' });
      } finally {
        await strict.close();
      }
    });
  });

  describe('response_url', () => {
    const respond = async (id: string, body: unknown) => {
      const r = await fetch(fake.responseUrl(id), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: await r.json() };
    };

    it('refuses a bad message with 404 {"ok":false,"error":"invalid_blocks"} and keeps it out of `responses`', async () => {
      const r = await respond('r-bad', { response_type: 'ephemeral', text: 'x', blocks: [image({ image_url: 'http://127.0.0.1:3000/x.png' })] });
      expect(r).toEqual({ status: 404, body: { ok: false, error: 'invalid_blocks' } });
      expect(fake.responses.filter((x) => x.id === 'r-bad')).toHaveLength(0);
      expect(fake.responseAttempts.find((x) => x.id === 'r-bad')).toMatchObject({
        status: 404,
        ok: false,
        error: 'invalid_blocks',
        errors: ['downloading image failed [json-pointer:/blocks/0/image_url]'],
      });
      expect(await respond('r-bad', { text: 'y'.repeat(40_001) })).toEqual({ status: 404, body: { ok: false, error: 'msg_too_long' } });
    });

    it('accepts a good message and a bare delete_original', async () => {
      expect(await respond('r-ok', { replace_original: true, text: 'Approved', blocks: [section('Approved')] })).toEqual({ status: 200, body: { ok: true } });
      expect(await respond('r-ok', { delete_original: true })).toEqual({ status: 200, body: { ok: true } });
      expect(fake.responses.filter((x) => x.id === 'r-ok').map((x) => x.body.text ?? 'deleted')).toEqual(['Approved', 'deleted']);
    });
  });

  describe('injected failures', () => {
    it('failNext refuses the next call of a method with any error, as WebClient sees it', async () => {
      const web = client();
      fake.failNext('chat.postMessage', 'channel_not_found');
      const delivered = fake.delivered('chat.postMessage').length;
      await expect(web.chat.postMessage({ channel: 'C404', text: 'hi' })).rejects.toMatchObject({
        code: 'slack_webapi_platform_error',
        data: { ok: false, error: 'channel_not_found' },
      });
      expect(fake.delivered('chat.postMessage')).toHaveLength(delivered);
      expect(fake.calls.at(-1)).toMatchObject({ method: 'chat.postMessage', status: 200, ok: false, error: 'channel_not_found' });
      expect((await web.chat.postMessage({ channel: 'C404', text: 'hi' })).ok).toBe(true);
      fake.failNext('response_url', 'expired_url');
      const r = await fetch(fake.responseUrl('r-x'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x' }) });
      expect([r.status, await r.json()]).toEqual([404, { ok: false, error: 'expired_url' }]);
    });

    it('a refused block message reaches WebClient as an invalid_blocks platform error with the details', async () => {
      const err = await client()
        .chat.postMessage({ channel: 'C1', text: 'x', blocks: [header('h'.repeat(151))] as any })
        .catch((e) => e);
      expect(err.data).toMatchObject({ ok: false, error: 'invalid_blocks', errors: ['must be less than 151 characters [json-pointer:/blocks/0/text]'] });
    });
  });

  describe('file uploads (filesUploadV2: getUploadURLExternal → POST bytes → completeUploadExternal)', () => {
    it('uploads through a real WebClient into a thread, then a slack_file image block is accepted', async () => {
      const web = client();
      const parent = await web.chat.postMessage({ channel: 'C_APPROVALS', text: 'Approval needed' });
      const res = await web.filesUploadV2({
        channel_id: 'C_APPROVALS',
        thread_ts: parent.ts!,
        file: PNG,
        filename: 'thumb.png',
        title: 'Thumbnail',
        initial_comment: 'The thumbnail',
      });
      expect(res.ok).toBe(true);
      const id = (res as any).files[0].files[0].id as string;
      const f = fake.file(id)!;
      expect(f).toMatchObject({
        filename: 'thumb.png',
        title: 'Thumbnail',
        size: PNG.length,
        declaredLength: PNG.length,
        mimetype: 'image/png',
        completed: true,
        channel: 'C_APPROVALS',
        threadTs: parent.ts,
        initialComment: 'The thumbnail',
      });
      expect(f.bytes.equals(PNG)).toBe(true);
      expect(f.uploadedAt).toBeGreaterThan(0);
      expect(fake.files).toContain(f);
      // The share is a reply in the thread, after the parent.
      const msgs = fake.channelMessages('C_APPROVALS');
      expect(msgs.map((m) => [m.ts === parent.ts, m.thread_ts, m.subtype, m.text])).toEqual([
        [true, undefined, undefined, 'Approval needed'],
        [false, parent.ts, 'file_share', 'The thumbnail'],
      ]);
      expect(msgs[1].files![0]).toMatchObject({
        id,
        name: 'thumb.png',
        mimetype: 'image/png',
        size: PNG.length,
        shares: { public: { C_APPROVALS: [{ ts: msgs[1].ts, thread_ts: parent.ts }] } },
      });
      // The private URL serves the bytes to a bot token.
      const bytes = Buffer.from(await (await fetch(f.urlPrivate, { headers: { authorization: 'Bearer xoxb-test' } })).arrayBuffer());
      expect(bytes.equals(PNG)).toBe(true);

      const ok = await web.chat.postMessage({
        channel: 'C_APPROVALS',
        thread_ts: parent.ts!,
        text: 'preview',
        blocks: [image({ slack_file: { id } }), image({ slack_file: { url: f.urlPrivate } })] as any,
      });
      expect(ok.ok).toBe(true);
      const info = await web.files.info({ file: id });
      expect(info.file).toMatchObject({ id, mimetype: 'image/png', filetype: 'png', channels: ['C_APPROVALS'] });
    });

    it('refuses a slack_file until Slack has processed the file (fileProcessingMs)', async () => {
      const slow = await startFakeSlackApi({ fileProcessingMs: 400 });
      try {
        const web = new webApi.WebClient('xoxb-test', { slackApiUrl: slow.url + '/api/', retryConfig: { retries: 0 }, logger: quiet });
        // No channel: the file stays private to the bot that uploaded it.
        const res = await web.filesUploadV2({ file: PNG, filename: 'chart.png' });
        const id = (res as any).files[0].files[0].id as string;
        expect((res as any).files[0].files[0]).toMatchObject({ id, mimetype: '', filetype: '', channels: [] });
        const blocks = [section('chart'), image({ slack_file: { id } })] as any;
        const early = await web.chat.postMessage({ channel: 'C1', text: 'chart', blocks }).catch((e) => e);
        expect(early.data).toEqual({
          ok: false,
          error: 'invalid_blocks',
          errors: ['invalid slack file [json-pointer:/blocks/1/slack_file]'],
          response_metadata: { messages: ['[ERROR] invalid slack file [json-pointer:/blocks/1/slack_file]'] },
        });
        expect((await web.files.info({ file: id })).file).toMatchObject({ mimetype: '' });
        await sleep(450);
        expect((await web.files.info({ file: id })).file).toMatchObject({ mimetype: 'image/png' });
        expect((await web.chat.postMessage({ channel: 'C1', text: 'chart', blocks })).ok).toBe(true);

        // Settable at run time, and processing can be ended by hand.
        slow.setFileProcessingMs(60_000);
        const second = await web.filesUploadV2({ file: PNG, filename: 'chart2.png' });
        const id2 = (second as any).files[0].files[0].id as string;
        const ptr = { channel: 'C1', text: 'x', blocks: [image({ slack_file: { id: id2 } })] as any };
        expect((await web.chat.postMessage(ptr).catch((e) => e)).data.error).toBe('invalid_blocks');
        slow.finishProcessing(id2);
        expect((await web.chat.postMessage(ptr)).ok).toBe(true);
        // A private file is the bot's alone: a user token cannot use it.
        const asUser = await fetch(`${slow.url}/api/chat.postMessage`, {
          method: 'POST',
          headers: { authorization: 'Bearer xoxp-user', 'content-type': 'application/json' },
          body: JSON.stringify(ptr),
        });
        expect((await asUser.json()).errors).toEqual(['invalid slack file [json-pointer:/blocks/0/slack_file]']);
      } finally {
        await slow.close();
      }
    });

    it('refuses slack_file that is unknown, not an image, or names both id and url', async () => {
      const web = client();
      const video = await web.filesUploadV2({ channel_id: 'C1', file: MP4, filename: 'video.mp4' });
      const vid = (video as any).files[0].files[0].id as string;
      expect(fake.file(vid)).toMatchObject({ mimetype: 'video/mp4', completed: true });
      const png = await web.filesUploadV2({ channel_id: 'C1', file: PNG, filename: 'p.png' });
      const pid = (png as any).files[0].files[0].id as string;
      for (const sf of [
        { id: 'F0NOSUCHFILE' },
        { id: vid },
        { id: pid, url: fake.file(pid)!.urlPrivate },
        { url: 'https://files.slack.com/files-pri/T1-F1/x.png' },
      ]) {
        const r = await call('chat.postMessage', { channel: 'C1', text: 'x', blocks: [image({ slack_file: sf })] });
        expect(r.errors).toEqual(['invalid slack file [json-pointer:/blocks/0/slack_file]']);
      }
      expect((await call('chat.postMessage', { channel: 'C1', text: 'x', blocks: [image({ slack_file: { url: fake.file(pid)!.permalink } })] })).ok).toBe(true);
    });

    it('refuses what the upload methods refuse', async () => {
      expect(await call('files.getUploadURLExternal', { length: '10' })).toEqual({ ok: false, error: 'invalid_arguments' });
      expect(await call('files.getUploadURLExternal', { filename: 'a.png' })).toEqual({ ok: false, error: 'invalid_arguments' });
      expect(await call('files.getUploadURLExternal', { filename: 'a.png', length: '0' })).toEqual({ ok: false, error: 'missing_argument' });
      expect(await call('files.getUploadURLExternal', { filename: 'a.png', length: String(1024 ** 3 + 1) })).toEqual({
        ok: false,
        error: 'file_upload_size_restricted',
      });
      expect(await call('files.getUploadURLExternal', { filename: 'a.png', length: '5', alt_txt: 'a'.repeat(1001) })).toEqual({
        ok: false,
        error: 'alt_txt_too_large',
      });
      expect(await call('files.getUploadURLExternal', { filename: 'a.png', length: '5' }, 'bad')).toEqual({ ok: false, error: 'not_authed' });

      // Raw bytes are accepted on the upload URL too; a short upload fails at completion.
      const got = await call('files.getUploadURLExternal', { filename: 'a.png', length: String(PNG.length + 1) });
      expect(got).toMatchObject({ ok: true, upload_url: `${fake.url}/upload/${got.file_id}`, file_id: expect.stringMatching(/^F[A-Z0-9]+$/) });
      const up = await fetch(got.upload_url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: PNG });
      expect([up.status, await up.text()]).toEqual([200, `OK - ${PNG.length}`]);
      expect(await call('files.completeUploadExternal', { files: [{ id: got.file_id }] })).toEqual({ ok: false, error: 'file_not_found' });

      // Unknown id; not uploaded; a thread_ts that is no message of that channel; completing twice.
      expect(await call('files.completeUploadExternal', { files: [{ id: 'F0NOPE' }] })).toEqual({ ok: false, error: 'file_not_found' });
      const fresh = await call('files.getUploadURLExternal', { filename: 'b.png', length: String(PNG.length) });
      expect(await call('files.completeUploadExternal', { files: [{ id: fresh.file_id }] })).toEqual({ ok: false, error: 'file_not_found' });
      await fetch(fresh.upload_url, { method: 'POST', body: PNG });
      expect(await call('files.completeUploadExternal', { files: [{ id: fresh.file_id }], channel_id: 'C1', thread_ts: '1234.5678' })).toEqual({
        ok: false,
        error: 'invalid_thread_ts',
      });
      const done = await call('files.completeUploadExternal', { files: [{ id: fresh.file_id, title: 'B' }] });
      expect(done).toMatchObject({ ok: true, files: [{ id: fresh.file_id, name: 'b.png', title: 'B', size: PNG.length, mimetype: 'image/png' }] });
      expect(await call('files.completeUploadExternal', { files: [{ id: fresh.file_id }] })).toEqual({ ok: false, error: 'file_not_found' });
      expect(await call('files.info', { file: 'F0NOPE' })).toEqual({ ok: false, error: 'file_not_found' });
    });
  });
});

describe('the fake Discord API', () => {
  let fake: FakeDiscord;
  let rest: REST;
  const CH = '700000000000000009';
  const refusal = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => {
        throw new Error('expected Discord to refuse');
      },
      (err) => err,
    );
    expect(e).toBeInstanceOf(DiscordAPIError);
    return e as DiscordAPIError & { rawError: any };
  };
  const post = (body: Record<string, unknown>, files?: { name: string; data: Buffer }[]) =>
    rest.post(Routes.channelMessages(CH), { body, ...(files ? { files } : {}) }) as Promise<any>;

  beforeAll(async () => {
    fake = await FakeDiscord.start({ applicationId: '123456789012345678' });
    rest = new REST({ api: fake.apiUrl, retries: 0 }).setToken('x'.repeat(30));
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('stores a multipart upload as attachments, serves their bytes and resolves attachment:// in the embed', async () => {
    const msg = await post({ content: 'New video', embeds: [{ title: 'Widget review', image: { url: 'attachment://thumb.png' } }] }, [
      { name: 'video.mp4', data: MP4 },
      { name: 'thumb.png', data: PNG },
    ]);
    expect(msg.attachments).toHaveLength(2);
    expect(msg.attachments.map((a: any) => [a.filename, a.size, a.content_type])).toEqual([
      ['video.mp4', MP4.length, 'video/mp4'],
      ['thumb.png', PNG.length, 'image/png'],
    ]);
    const thumb = msg.attachments[1];
    expect(thumb.id).toMatch(/^\d+$/);
    expect(thumb.url).toBe(`https://cdn.discordapp.com/attachments/${CH}/${thumb.id}/thumb.png`);
    expect(thumb.proxy_url).toBe(`https://media.discordapp.net/attachments/${CH}/${thumb.id}/thumb.png`);
    expect(msg.embeds[0].image).toEqual({ url: 'attachment://thumb.png' });
    expect(fake.attachmentBytes(msg.id, 'video.mp4')!.equals(MP4)).toBe(true);
    expect(fake.attachmentBytes(msg.id, 'thumb.png')!.equals(PNG)).toBe(true);
    expect(Buffer.from(await (await fetch(fake.localAttachmentUrl(thumb.url))).arrayBuffer()).equals(PNG)).toBe(true);
    const rec = fake.find('POST', `/api/v10/channels/${CH}/messages`).at(-1)!;
    expect(rec.body).toMatchObject({ content: 'New video' });
    expect(rec.files!.map((f) => [f.field, f.filename, f.size])).toEqual([
      ['files[0]', 'video.mp4', MP4.length],
      ['files[1]', 'thumb.png', PNG.length],
    ]);
    expect(fake.channelMessages(CH).at(-1)!.attachments).toHaveLength(2);
  });

  it('cleans file names like Discord, and an attachment:// that names no file leaves the embed without an image', async () => {
    const msg = await post({ embeds: [{ title: 'x', image: { url: 'attachment://my thumb.png' }, thumbnail: { url: 'attachment://missing.png' } }] }, [
      { name: 'my thumb.png', data: PNG },
    ]);
    expect(msg.attachments[0].filename).toBe('my_thumb.png');
    expect(msg.embeds[0].image).toEqual({ url: 'attachment://my thumb.png' });
    expect(msg.embeds[0].thumbnail).toBeUndefined();
    expect(fake.warnings.at(-1)).toMatch(/attachment:\/\/missing\.png matches no attachment/);
  });

  it('an edit keeps attachments unless `attachments` lists which to keep', async () => {
    const msg = await post({ content: 'v1' }, [
      { name: 'a.png', data: PNG },
      { name: 'b.mp4', data: MP4 },
    ]);
    const route = Routes.channelMessage(CH, msg.id);
    const kept = (await rest.patch(route, { body: { content: 'v2', embeds: [{ title: 't', thumbnail: { url: 'attachment://a.png' } }] } })) as any;
    expect(kept.attachments.map((a: any) => a.filename)).toEqual(['a.png', 'b.mp4']);
    expect(kept.embeds[0].thumbnail).toEqual({ url: 'attachment://a.png' });
    // An edit may name an attachment the message already has; once an edit drops it, the image goes too.
    const onlyB = (await rest.patch(route, { body: { attachments: [{ id: msg.attachments[1].id }] } })) as any;
    expect(onlyB.attachments.map((a: any) => a.filename)).toEqual(['b.mp4']);
    expect(onlyB.embeds[0].thumbnail).toBeUndefined();
    expect(fake.warnings.at(-1)).toMatch(/attachment:\/\/a\.png matches no attachment/);
    // New files must be listed too on an edit (API v10); unlisted ones are dropped.
    const replaced = (await rest.patch(route, {
      body: { attachments: [{ id: 0 }] },
      files: [
        { name: 'c.png', data: PNG },
        { name: 'd.png', data: PNG },
      ],
    })) as any;
    expect(replaced.attachments.map((a: any) => a.filename)).toEqual(['c.png']);
    expect(fake.messages.get(msg.id)!.edits).toBe(3);
  });

  it('answers 413 40005 for a file over the per-file limit (10 MiB by default)', async () => {
    expect(fake.maxUploadBytes).toBe(10 * 1024 * 1024);
    const before = fake.channelMessages(CH).length;
    const e = await refusal(post({ content: 'big' }, [{ name: 'video.mp4', data: Buffer.alloc(10 * 1024 * 1024 + 1) }]));
    expect([e.status, e.code, e.rawError]).toEqual([413, 40005, { code: 40005, message: 'Request entity too large' }]);
    expect(fake.channelMessages(CH)).toHaveLength(before);
    const ok = await post({ content: 'just fits' }, [{ name: 'video.mp4', data: Buffer.alloc(10 * 1024 * 1024) }]);
    expect(ok.attachments[0].size).toBe(10 * 1024 * 1024);
  });

  it('takes the upload limit as an option', async () => {
    const small = await FakeDiscord.start({ maxUploadBytes: 1000 });
    try {
      const r = new REST({ api: small.apiUrl, retries: 0 }).setToken('y'.repeat(30));
      const e = await refusal(r.post(Routes.channelMessages(CH), { body: { content: 'x' }, files: [{ name: 'a.png', data: Buffer.alloc(1001) }] }));
      expect(e.code).toBe(40005);
      expect(
        ((await r.post(Routes.channelMessages(CH), { body: { content: 'x' }, files: [{ name: 'a.png', data: Buffer.alloc(1000) }] })) as any).attachments,
      ).toHaveLength(1);
    } finally {
      await small.stop();
    }
  });

  it("answers 400 50035 with Discord's nested errors for a 257-character embed title", async () => {
    const e = await refusal(post({ embeds: [{ title: 't'.repeat(257) }] }));
    expect(e.status).toBe(400);
    expect(e.rawError).toEqual({
      code: 50035,
      message: 'Invalid Form Body',
      errors: { embeds: { '0': { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 256 or fewer in length.' }] } } } },
    });
    // Surrounding whitespace is not counted.
    expect((await post({ embeds: [{ title: `  ${'t'.repeat(256)}  ` }] })).embeds).toHaveLength(1);
  });

  it('refuses six buttons in a row, and other component mistakes', async () => {
    const button = (i: number, o: Record<string, unknown> = {}) => ({ type: 2, style: 1, label: `B${i}`, custom_id: `b${i}`, ...o });
    const row = (...components: unknown[]) => ({ type: 1, components });
    const six = await refusal(post({ content: 'x', components: [row(...[0, 1, 2, 3, 4, 5].map((i) => button(i)))] }));
    expect(six.rawError).toEqual({
      code: 50035,
      message: 'Invalid Form Body',
      errors: { components: { '0': { components: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 5 in length.' }] } } } },
    });
    const rows = await refusal(post({ content: 'x', components: [0, 1, 2, 3, 4, 5].map((i) => row(button(i))) }));
    expect(rows.rawError.errors.components._errors[0]).toEqual({ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 5 or fewer in length.' });
    const errs = (
      await refusal(
        post({
          content: 'x',
          components: [
            row(
              button(0, { label: 'l'.repeat(81) }),
              button(1, { custom_id: 'c'.repeat(101) }),
              button(2, { custom_id: undefined }),
              button(3, { custom_id: 'b0' }),
            ),
            row({ type: 2, style: 5, label: 'Open', url: 'https://example.com', custom_id: 'nope' }, { type: 2, style: 5, label: 'Open' }),
          ],
        }),
      )
    ).rawError.errors.components;
    expect(errs['0'].components['0'].label._errors[0].code).toBe('BASE_TYPE_MAX_LENGTH');
    expect(errs['0'].components['1'].custom_id._errors[0]).toEqual({ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' });
    expect(errs['0'].components['2'].custom_id._errors[0]).toEqual({ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
    expect(errs['0'].components['3'].custom_id._errors[0].code).toBe('COMPONENT_CUSTOM_ID_DUPLICATED');
    expect(errs['1'].components['0'].custom_id._errors).toHaveLength(1);
    expect(errs['1'].components['1'].url._errors[0].code).toBe('BASE_TYPE_REQUIRED');
    // Five buttons and a link button are fine.
    expect(
      (
        await post({
          content: 'ok',
          components: [row(...[0, 1, 2, 3, 4].map((i) => button(i))), row({ type: 2, style: 5, label: 'Open', url: 'https://example.com' })],
        })
      ).components,
    ).toHaveLength(2);
  });

  it('refuses content, embed count, embed fields and the 6,000-character total over the limits', async () => {
    expect((await refusal(post({ content: 'c'.repeat(2001) }))).rawError.errors).toEqual({
      content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
    });
    expect((await refusal(post({ embeds: Array.from({ length: 11 }, () => ({ title: 't' })) }))).rawError.errors.embeds._errors[0].message).toBe(
      'Must be 10 or fewer in length.',
    );
    const e = (
      await refusal(
        post({
          embeds: [
            {
              description: 'd'.repeat(4097),
              fields: [
                { name: 'n'.repeat(257), value: 'v' },
                { name: 'n', value: 'v'.repeat(1025) },
              ],
              footer: { text: 'f'.repeat(2049) },
              author: { name: 'a'.repeat(257) },
            },
          ],
        }),
      )
    ).rawError.errors.embeds['0'];
    expect(Object.keys(e).sort()).toEqual(['author', 'description', 'fields', 'footer']);
    expect(e.fields['0'].name._errors[0].message).toBe('Must be 256 or fewer in length.');
    expect(e.fields['1'].value._errors[0].message).toBe('Must be 1024 or fewer in length.');
    expect(
      (await refusal(post({ embeds: [{ fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })) }] }))).rawError.errors.embeds['0'].fields
        ._errors[0].message,
    ).toBe('Must be 25 or fewer in length.');
    const total = await refusal(post({ embeds: [{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2001) }] }));
    expect(total.rawError.errors).toEqual({ embeds: { _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' }] } });
  });

  it('refuses embed URLs that are not http(s) (attachment:// only for images)', async () => {
    const e = (
      await refusal(post({ embeds: [{ title: 't', url: 'steam://run/1', image: { url: 'ftp://x/y.png' }, thumbnail: { url: 'https://exa mple.com/x.png' } }] }))
    ).rawError.errors.embeds['0'];
    expect(e.url._errors[0]).toEqual({
      code: 'URL_TYPE_INVALID_SCHEME',
      message: "Scheme \"steam\" is not supported. Scheme must be one of ('http', 'https').",
    });
    expect(e.image.url._errors[0].code).toBe('URL_TYPE_INVALID_SCHEME');
    expect(e.thumbnail.url._errors[0]).toEqual({ code: 'URL_TYPE_INVALID_URL', message: 'Not a well formed URL.' });
    expect((await refusal(post({ embeds: [{ title: 't', url: 'attachment://x.png' }] }))).rawError.errors.embeds['0'].url._errors[0].code).toBe(
      'URL_TYPE_INVALID_SCHEME',
    );
  });

  it('answers 50006 for an empty message', async () => {
    const e = await refusal(post({ content: '', embeds: [], components: [] }));
    expect([e.status, e.rawError]).toEqual([400, { code: 50006, message: 'Cannot send an empty message' }]);
  });

  it('checks interaction replies, follow-ups and edits of @original the same way', async () => {
    const { id, token } = fake.slashCommand({ name: 'daily-loop', user: { id: '1', username: 'u' } });
    const cb = await refusal(
      rest.post(Routes.interactionCallback(id, token), { body: { type: 4, data: { embeds: [{ title: 't'.repeat(257) }] } }, auth: false }),
    );
    expect(cb.rawError.errors).toEqual({
      data: { embeds: { '0': { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 256 or fewer in length.' }] } } } },
    });
    expect((await refusal(rest.post(Routes.interactionCallback(id, token), { body: { type: 4, data: {} }, auth: false }))).rawError.code).toBe(50006);
    expect(fake.interaction(id, token).callbacks).toHaveLength(0);

    await rest.post(Routes.interactionCallback(id, token), { body: { type: 5 }, auth: false });
    const edit = await refusal(rest.patch(Routes.webhookMessage(fake.applicationId, token, '@original'), { body: { content: 'x'.repeat(2001) }, auth: false }));
    expect(edit.rawError.errors.content._errors[0].code).toBe('BASE_TYPE_MAX_LENGTH');
    expect(
      (await refusal(rest.patch(Routes.webhookMessage(fake.applicationId, token, '@original'), { body: { content: '' }, auth: false }))).rawError.code,
    ).toBe(50006);
    expect(fake.interaction(id, token).edits).toHaveLength(0);
    const edited = (await rest.patch(Routes.webhookMessage(fake.applicationId, token, '@original'), {
      body: { content: 'Done', embeds: [{ title: 'r', image: { url: 'attachment://r.png' } }] },
      files: [{ name: 'r.png', data: PNG }],
      auth: false,
    })) as any;
    expect(edited.embeds[0].image).toEqual({ url: 'attachment://r.png' });
    expect(edited.attachments.map((a: any) => a.filename)).toEqual(['r.png']);
    expect(fake.interaction(id, token).edits).toHaveLength(1);

    const follow = await refusal(
      rest.post(Routes.webhook(fake.applicationId, token), {
        body: { content: 'x', components: [{ type: 1, components: [{ type: 2, style: 1, label: 'no id' }] }] },
        auth: false,
      }),
    );
    expect(follow.rawError.errors.components['0'].components['0'].custom_id._errors[0].code).toBe('BASE_TYPE_REQUIRED');
    expect(fake.interaction(id, token).followUps).toHaveLength(0);

    // UPDATE_MESSAGE (type 7) on a button click edits the clicked message, checked too.
    const card = await post({ content: 'card', components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Go', custom_id: 'go' }] }] });
    const click = fake.buttonClick({ customId: 'go', user: { id: '1', username: 'u' }, message: fake.messages.get(card.id) });
    expect(
      (await refusal(rest.post(Routes.interactionCallback(click.id, click.token), { body: { type: 7, data: { content: 'c'.repeat(2001) } }, auth: false })))
        .rawError.errors.data.content,
    ).toBeDefined();
    await rest.post(Routes.interactionCallback(click.id, click.token), { body: { type: 7, data: { content: 'clicked', components: [] } }, auth: false });
    expect(fake.messages.get(card.id)).toMatchObject({ content: 'clicked', components: [], edits: 1 });
  });

  it('keeps failNext working', async () => {
    fake.failNext('POST', new RegExp(`/channels/${CH}/messages$`), 403);
    const e = await refusal(post({ content: 'x' }));
    expect(e).toBeDefined();
    expect((await post({ content: 'after' })).content).toBe('after');
  });
});
