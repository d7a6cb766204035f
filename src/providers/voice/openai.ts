// OpenAI text-to-speech (`POST /v1/audio/speech`): one request per sentence, so
// captions follow the speech exactly, as with espeak-ng. Raw PCM is asked for
// (24 kHz, 16-bit little-endian mono) and wrapped in our own WAV header: OpenAI's
// streamed `wav` header does not carry the real data size [guess, see
// PROTOCOLS.md], while PCM has nothing to get wrong. Each file is named after a
// hash of model, voice, instructions and text, so a retried activity reuses
// what it already paid for (`usage.cached`).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import OpenAI from 'openai';
import type { Language } from '../writer/types.js';
import { mapLimit, normalizeText, pcm16ToWav, wavDurationSec } from './audio.js';
import type { VoiceProvider, VoiceSegment } from './types.js';

/** OpenAI's `pcm` output (openai-node src/resources/audio/speech.ts: "24kHz 16-bit signed little-endian"). */
export const OPENAI_PCM_SAMPLE_RATE = 24_000;
/** The documented input limit of /audio/speech. */
export const OPENAI_TTS_MAX_CHARS = 4096;

export interface OpenAIVoiceOptions {
  apiKey: string;
  baseURL: string;
  model: string;
  voice: string;
  /** Style instructions (gpt-4o-mini-tts only; tts-1 ignores or refuses them). */
  instructions?: string;
  /** Per request (default 60 s). */
  timeoutMs?: number;
  /** Attempts per sentence on 429 rate limits, 5xx and timeouts (default 4). */
  maxAttempts?: number;
  /** Sentences synthesized at the same time (default 3). */
  concurrency?: number;
}

/** The account cannot synthesize (quota, key, model): retrying will not help; the operator must act. */
export class OpenAIVoiceAccountError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OpenAIVoiceAccountError';
  }
}

const DEFAULT_INSTRUCTIONS: Record<Language, string> = {
  en: 'Speak like an upbeat, friendly product reviewer in a short social video: natural, warm, not salesy.',
  es: 'Habla como un reseñador de productos cercano y alegre en un video corto: natural, cálido, sin sonar a anuncio.',
};

export class OpenAIVoice implements VoiceProvider {
  readonly name: string;
  private readonly client: OpenAI;
  private readonly maxAttempts: number;
  private readonly concurrency: number;

  constructor(private readonly opts: OpenAIVoiceOptions) {
    this.name = `openai-tts:${opts.model}`;
    // Our own retry loop: the SDK would also retry 429 insufficient_quota (PROTOCOLS.md §2).
    this.client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout: opts.timeoutMs ?? 60_000 });
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
    this.concurrency = Math.max(1, opts.concurrency ?? 3);
  }

  fileName(index: number, text: string, language: Language): string {
    const hash = createHash('sha256')
      .update(JSON.stringify([this.opts.model, this.opts.voice, this.instructionsFor(language), normalizeText(text)]))
      .digest('hex')
      .slice(0, 16);
    return `openai-${language}-${String(index).padStart(3, '0')}-${hash}.wav`;
  }

  async synthesize(sentences: string[], language: Language, outDir: string): Promise<VoiceSegment[]> {
    sentences.forEach((s, i) => {
      const t = normalizeText(s);
      if (t === '') throw new Error(`sentence ${i + 1} of ${sentences.length} is empty: there is nothing to speak`);
      if (t.length > OPENAI_TTS_MAX_CHARS) throw new Error(`sentence ${i + 1} has ${t.length} characters; OpenAI TTS takes at most ${OPENAI_TTS_MAX_CHARS}`);
    });
    await fs.mkdir(outDir, { recursive: true });
    const segments = new Array<VoiceSegment>(sentences.length);
    await mapLimit(sentences, this.concurrency, async (text, i) => {
      const audioPath = path.join(outDir, this.fileName(i, text, language));
      const cached = await wavDurationSec(audioPath).catch(() => 0);
      const characters = normalizeText(text).length;
      if (cached > 0) {
        segments[i] = { text, audioPath, durationSec: cached, usage: { characters, cached: true } };
        return;
      }
      const pcm = await this.speak(normalizeText(text), language);
      if (pcm.length < 2) throw new Error(`OpenAI TTS returned no audio for sentence ${i + 1}: ${JSON.stringify(text.slice(0, 80))}`);
      const tmp = `${audioPath}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
      await fs.writeFile(tmp, pcm16ToWav(pcm, OPENAI_PCM_SAMPLE_RATE));
      await fs.rename(tmp, audioPath);
      segments[i] = { text, audioPath, durationSec: await wavDurationSec(audioPath), usage: { characters, cached: false } };
    });
    return segments;
  }

  private instructionsFor(language: Language): string | undefined {
    // tts-1 and tts-1-hd do not take instructions (openai-node speech.ts).
    if (!this.opts.model.startsWith('gpt-')) return undefined;
    return this.opts.instructions ?? DEFAULT_INSTRUCTIONS[language];
  }

  private async speak(input: string, language: Language): Promise<Buffer> {
    const instructions = this.instructionsFor(language);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.client.audio.speech.create({
          model: this.opts.model,
          voice: this.opts.voice,
          input,
          response_format: 'pcm',
          ...(instructions ? { instructions } : {}),
        });
        return Buffer.from(await res.arrayBuffer());
      } catch (err) {
        const verdict = classify(err);
        if (verdict.account) throw new OpenAIVoiceAccountError(verdict.code, verdict.message);
        if (!verdict.retry || attempt >= this.maxAttempts) {
          throw new Error(`OpenAI TTS failed after ${attempt} attempt(s): ${verdict.message}`, { cause: err });
        }
        await sleep(verdict.waitMs ?? Math.min(8000, 500 * 2 ** (attempt - 1)) * (1 + Math.random() * 0.25));
      }
    }
  }
}

interface Verdict {
  retry: boolean;
  account: boolean;
  code: string;
  message: string;
  waitMs?: number;
}

/** What an OpenAI error means for us: retry (rate limit, 5xx, timeout), or stop and tell the operator (quota, key, model). */
export function classify(err: unknown): Verdict {
  if (err instanceof OpenAI.APIConnectionTimeoutError) return { retry: true, account: false, code: 'timeout', message: 'the request timed out' };
  if (err instanceof OpenAI.APIConnectionError) return { retry: true, account: false, code: 'connection', message: `cannot reach the API (${err.message})` };
  if (err instanceof OpenAI.APIError) {
    const code = String(err.code ?? (err.error as { type?: string } | undefined)?.type ?? err.status ?? 'error');
    const message = `${err.status ?? ''} ${code}: ${(err.error as { message?: string } | undefined)?.message ?? err.message}`.trim();
    if (err.status === 429 && code === 'insufficient_quota') {
      return { retry: false, account: true, code, message: `${message} Add credit or raise the limit at platform.openai.com → Billing.` };
    }
    if (err.status === 401 || err.status === 403) return { retry: false, account: true, code, message: `${message} Check OPENAI_API_KEY.` };
    if (err.status === 404) return { retry: false, account: true, code, message: `${message} Check the model name (OPENAI_TTS_MODEL / OPENAI_MODEL).` };
    if (err.status === 429 || err.status === 408 || (err.status ?? 0) >= 500) {
      return { retry: true, account: false, code, message, waitMs: retryAfterMs(err.headers) };
    }
    return { retry: false, account: false, code, message };
  }
  return { retry: false, account: false, code: 'error', message: (err as Error)?.message ?? String(err) };
}

/** `retry-after-ms`, then `retry-after` (seconds or an HTTP date), capped at 60 s; undefined when absent. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (headers?.get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return Math.min(ms, 60_000);
  const ra = headers?.get('retry-after');
  if (!ra) return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs)) return Math.min(Math.max(0, secs * 1000), 60_000);
  const at = Date.parse(ra);
  return Number.isFinite(at) ? Math.min(Math.max(0, at - Date.now()), 60_000) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
