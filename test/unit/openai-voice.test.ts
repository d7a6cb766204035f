// The OpenAI TTS adapter against the loopback fake, with the real openai SDK:
// one request per sentence, real audio (checked with ffprobe), the cache by
// content hash, and the faults (rate limit honoured, quota not retried).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIVoice, OpenAIVoiceAccountError, retryAfterMs } from '../../src/providers/voice/openai.js';
import { readWavInfo } from '../../src/providers/voice/audio.js';
import { FakeOpenAI, speechSeconds } from '../fakes/openai.js';

describe('OpenAI TTS voice (loopback fake)', () => {
  let fake: FakeOpenAI;
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'openai-voice-'));
    dirs.push(d);
    return d;
  };
  const voice = (over: Partial<ConstructorParameters<typeof OpenAIVoice>[0]> = {}) =>
    new OpenAIVoice({ apiKey: fake.apiKey, baseURL: fake.baseURL, model: 'gpt-4o-mini-tts', voice: 'coral', timeoutMs: 5000, ...over });

  beforeAll(async () => {
    fake = await FakeOpenAI.start({ retryAfterMs: 300 });
  });
  afterAll(async () => {
    await fake?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  afterEach(() => fake.respondWith());

  it('speaks each sentence into a WAV whose duration follows the audio, and ffprobe reads it', async () => {
    const before = fake.counts.speech;
    const sentences = ['This lamp changed my desk.', 'It folds flat, charges by USB, and costs $24.99.', 'Link in the description.'];
    const out = tmp();
    const segs = await voice().synthesize(sentences, 'en', out);
    expect(fake.counts.speech - before).toBe(3);
    expect(segs.map((s) => s.text)).toEqual(sentences);
    for (const [i, s] of segs.entries()) {
      const info = await readWavInfo(s.audioPath);
      expect(info).toMatchObject({ audioFormat: 1, channels: 1, sampleRate: 24_000, bitsPerSample: 16 });
      expect(s.durationSec).toBeCloseTo(speechSeconds(sentences[i]), 1);
      expect(s.usage).toEqual({ characters: sentences[i].length, cached: false });
      const probed = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', s.audioPath]).toString());
      expect(probed).toBeCloseTo(s.durationSec, 2);
    }
    // What the adapter asked for: raw PCM, the configured voice, style instructions for gpt-4o-mini-tts.
    const sent = fake.requests.filter((r) => r.endpoint === 'speech').slice(-3);
    expect(sent.map((r) => r.body)).toEqual(
      sentences.map((input) => expect.objectContaining({ input, voice: 'coral', response_format: 'pcm', instructions: expect.any(String) })),
    );
  });

  it('reuses the audio it already paid for: a retry makes no request, a changed sentence makes one', async () => {
    const out = tmp();
    await voice().synthesize(['One.', 'Two.'], 'en', out);
    const before = fake.counts.speech;
    const again = await voice().synthesize(['One.', 'Two.'], 'en', out);
    expect(fake.counts.speech).toBe(before);
    expect(again.every((s) => s.usage?.cached)).toBe(true);
    await voice().synthesize(['One.', 'Three.'], 'en', out);
    expect(fake.counts.speech).toBe(before + 1);
    // Another voice is another take.
    await voice({ voice: 'nova' }).synthesize(['One.'], 'en', out);
    expect(fake.counts.speech).toBe(before + 2);
  });

  it('waits as long as retry-after-ms says on a rate limit, then succeeds', async () => {
    fake.failNext('rate_limit', 1, { endpoint: 'speech', retryAfterMs: 400 });
    const t0 = Date.now();
    const [seg] = await voice().synthesize(['Rate limited once.'], 'en', tmp());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    expect(seg.durationSec).toBeGreaterThan(0);
  });

  it('does not retry an exhausted quota: one request, an account error the activity turns into a fallback and an alert', async () => {
    const before = fake.counts.speech;
    fake.failNext('insufficient_quota', 5, { endpoint: 'speech' });
    const err = await voice()
      .synthesize(['No credit left.'], 'en', tmp())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAIVoiceAccountError);
    expect((err as OpenAIVoiceAccountError).code).toBe('insufficient_quota');
    expect((err as Error).message).toMatch(/Billing/);
    expect((err as Error).message).not.toContain(fake.apiKey);
    expect(fake.counts.speech - before).toBe(1);
    // Drain the queued faults so later tests start clean.
    for (let i = 0; i < 4; i++)
      await voice()
        .synthesize([`drain ${i}`], 'en', tmp())
        .catch(() => undefined);
  });

  it('retries a server error and reports a clear failure when it persists', async () => {
    fake.failNext('server_error', 1, { endpoint: 'speech' });
    await expect(voice().synthesize(['Back after one 500.'], 'en', tmp())).resolves.toHaveLength(1);
    fake.failNext('server_error', 2, { endpoint: 'speech' });
    await expect(voice({ maxAttempts: 2 }).synthesize(['Still down.'], 'en', tmp())).rejects.toThrow(/failed after 2 attempt/);
  });

  it('refuses an empty sentence or one over the 4096-character limit before any request', async () => {
    const before = fake.counts.speech;
    await expect(voice().synthesize(['ok', '   '], 'en', tmp())).rejects.toThrow(/sentence 2 of 2 is empty/);
    await expect(voice().synthesize(['x'.repeat(4097)], 'en', tmp())).rejects.toThrow(/4096/);
    expect(fake.counts.speech).toBe(before);
  });

  it('reads retry-after-ms, then retry-after in seconds or as a date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '1500' }))).toBe(1500);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(Date.now() + 3000).toUTCString() }))).toBeGreaterThan(1000);
    expect(retryAfterMs(new Headers({ 'retry-after': '99999' }))).toBe(60_000);
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });
});
