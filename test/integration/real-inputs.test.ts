// The daily loop end to end on the real Temporal dev server and PostgreSQL with the
// real input adapters: products from Amazon's Creators API, scripts and voice from
// OpenAI, each a loopback fake that speaks the real protocol (test/fakes/). Also the
// two account problems a real business meets: OpenAI's quota runs out (one alert,
// the run completes with the template writer) and Amazon refuses an account without
// enough sales (one alert, the run uses the bundled catalog).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCreatorsApi } from '../fakes/creators-api.js';
import { defaultScriptAnswer, FakeOpenAI } from '../fakes/openai.js';
import { eventually, startTestSystem, type TestSystem } from '../support/harness.js';

describe('real inputs: Creators API products, OpenAI scripts and voice (loopback fakes, real Temporal + PostgreSQL)', () => {
  let sys: TestSystem;
  let amazon: FakeCreatorsApi;
  let openai: FakeOpenAI;
  const answers: Record<string, unknown>[] = [];

  beforeAll(async () => {
    amazon = await FakeCreatorsApi.start({ tps: 50 });
    openai = await FakeOpenAI.start();
    openai.respondWith((req) => {
      const a = defaultScriptAnswer(req);
      answers.push(a);
      return a;
    });
    const cred = amazon.credentials('3.1');
    sys = await startTestSystem({
      env: {
        AMAZON_CREATORS_CREDENTIAL_ID: cred.credentialId,
        AMAZON_CREATORS_CREDENTIAL_SECRET: cred.credentialSecret,
        AMAZON_CREATORS_CREDENTIAL_VERSION: '3.1',
        AMAZON_CREATORS_API_URL: amazon.apiUrl,
        AMAZON_CREATORS_TOKEN_URL: amazon.tokenUrl('3.1'),
        AMAZON_CREATORS_TPS: '50',
        AMAZON_PARTNER_TAG: 'mystore-20',
        OPENAI_API_KEY: openai.apiKey,
        OPENAI_BASE_URL: openai.baseURL,
        FETCH_PRODUCT_IMAGES: 'false',
      },
    });
    expect(sys.config.providers).toEqual({ catalog: 'amazon-creators', writer: 'openai', voice: 'openai' });
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
    await amazon?.close();
    await openai?.close();
  });

  async function runToCompletion(body: Record<string, unknown>) {
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { autoApprove: true, platforms: ['youtube'], ...body });
    expect(start.status).toBe(201);
    return eventually(
      async () => {
        const r = await sys.request('GET', `/orchestrator/daily-loop/status/${start.body.workflowId}`);
        if (r.body.status === 'FAILED') throw new Error(`run failed: ${JSON.stringify(r.body.error ?? r.body)}`);
        return r.body.status === 'COMPLETED' ? { ...r.body, runId: start.body.runId as string } : undefined;
      },
      150_000,
      250,
    );
  }

  it('syncs the fake marketplace, writes the scripts with the fake model (our disclosure and link added), and speaks them with its voice', async () => {
    const speechBefore = openai.counts.speech;
    const done = await runToCompletion({ maxProducts: 2 });
    const { workflowId, runId } = done;

    // Products: the fake's, with the detail page URL as Amazon gave it (it carries the tag).
    expect(done.result.synced).toMatchObject({ source: 'amazon-creators' });
    expect(done.result.synced.total).toBeGreaterThan(20);
    const products = await sys.db.product.findMany({ where: { source: 'amazon-creators' } });
    expect(products).toHaveLength(done.result.synced.total);
    for (const p of products) expect(p.detailPageUrl).toMatch(new RegExp(`^https://www\\.amazon\\.com/dp/${p.asin}\\?tag=mystore-20`));
    const calls = amazon.apiRequests();
    expect(calls.length).toBeGreaterThanOrEqual(8);
    // A 3.x (Login with Amazon) token goes as a plain Bearer; only 2.x adds ", Version 2.x" (the official SDK's api_client.py).
    const offHeader = calls.filter((r) => !/^Bearer [^\s,]+$/.test(r.authorization ?? '') || r.marketplace !== 'www.amazon.com');
    expect(offHeader.map((r) => ({ path: r.path, authorization: r.authorization?.replace(/Bearer \S+/, 'Bearer …'), marketplace: r.marketplace }))).toEqual([]);

    // Scripts: the model's text, our compliance around it, the generation recorded.
    const contents = await sys.db.content.findMany({ where: { workflowId, runId }, include: { videos: true } });
    expect(contents).toHaveLength(2);
    for (const c of contents) {
      expect(c).toMatchObject({ writer: 'openai', model: sys.config.OPENAI_MODEL, promptVersion: expect.any(String), writerNote: null });
      expect(c.promptTokens).toBeGreaterThan(0);
      expect(c.completionTokens).toBeGreaterThan(0);
      expect(answers.map((a) => a.hook)).toContain(c.hook);
      const lines = c.script.split('\n');
      expect(lines[lines.length - 1]).toBe(c.disclosure);
      expect(c.description).toContain(`/r/${c.trackingCode}`);
      expect(c.description).toContain(c.disclosure);
      expect(c.hashtags[0]).toBe('#ad');
      expect(c.videos[0].status).toBe('PUBLISHED');
    }

    // Voice: one fake TTS request per spoken sentence, and the cost ledger has both.
    const sentences = contents.reduce((n, c) => n + c.script.split('\n').length, 0);
    expect(openai.counts.speech - speechBefore).toBe(sentences);
    const costs = await sys.db.costEntry.findMany({ where: { productId: { in: contents.map((c) => c.productId) } } });
    expect(costs.filter((e) => e.key.startsWith('script:'))).toHaveLength(2);
    expect(costs.filter((e) => e.key.startsWith('voice:'))).toHaveLength(2);
    expect(costs.find((e) => e.key.startsWith('voice:'))?.provider).toBe('openai-tts:gpt-4o-mini-tts');
    expect(await sys.db.notification.count({ where: { kind: 'provider_alert' } })).toBe(0);
  }, 180_000);

  it('an exhausted OpenAI quota raises one alert and the run completes with the template writer', async () => {
    const chatBefore = openai.counts.chat;
    // One fault: a retry (or the second product) would get a normal answer and show up as a second call.
    openai.failNext('insufficient_quota', 1, { endpoint: 'chat' });
    const done = await runToCompletion({ maxProducts: 2 });
    // One failing call: not retried, and the second product did not try again.
    expect(openai.counts.chat - chatBefore).toBe(1);
    const contents = await sys.db.content.findMany({ where: { workflowId: done.workflowId, runId: done.runId } });
    expect(contents.map((c) => c.writer)).toEqual(['template', 'template']);
    for (const c of contents) expect(c.writerNote).toMatch(/insufficient_quota/);
    expect(done.result.content.notes[0]).toMatch(/2 of 2 script\(s\) written by the template writer/);
    const alerts = await sys.db.notification.findMany({ where: { kind: 'provider_alert', workflowId: done.workflowId } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ level: 'WARNING', count: 1 });
    expect(alerts[0].title).toMatch(/insufficient_quota/);
    expect(alerts[0].message).not.toContain(openai.apiKey);
  }, 180_000);

  it('an account Amazon does not accept yet (AssociateNotEligible) falls back to the bundled catalog with one alert', async () => {
    amazon.failNext('associate-not-eligible', 1);
    const done = await runToCompletion({ maxProducts: 1 });
    expect(done.result.synced.source).toBe('bundled');
    expect(done.result.synced.fallback).toMatch(/10 .*sales/i);
    expect(done.result.synced.total).toBe(251);
    const alerts = await sys.db.notification.findMany({ where: { kind: 'provider_alert', workflowId: done.workflowId } });
    const amazonAlerts = alerts.filter((a) => (a.data as { provider?: string }).provider === 'amazon-creators');
    expect(amazonAlerts).toHaveLength(1);
    expect(amazonAlerts[0].message).toMatch(/10/);
  }, 180_000);

  it('credentials Amazon no longer accepts fail the sync at once with a message about the credential (one token refresh, no retry storm)', async () => {
    const tokensBefore = amazon.tokensIssued;
    const callsBefore = amazon.apiRequests().length;
    amazon.failNext('unauthorized', 2);
    const start = await sys.request('POST', '/orchestrator/daily-loop/start', { autoApprove: true, maxProducts: 1, platforms: ['youtube'] });
    const failed = await eventually(
      async () => {
        const r = await sys.request('GET', `/orchestrator/daily-loop/status/${start.body.workflowId}`);
        return r.body.status === 'FAILED' ? r.body : undefined;
      },
      60_000,
      250,
    );
    expect(JSON.stringify(failed)).toMatch(/AMAZON_CREATORS_CREDENTIAL/);
    // The sync's token, the first call, one refresh and one retry with the new token: then the step fails for good (non-retryable).
    expect(amazon.tokensIssued - tokensBefore).toBe(2);
    expect(amazon.apiRequests().length - callsBefore).toBe(2);
  }, 90_000);
});
