// The offline voice: espeak-ng, one WAV per sentence, so captions can be timed
// to the exact audio offsets. Files are named after a hash of everything that
// shapes the audio (voice, speed, pitch, text), so a retried activity reuses
// the WAVs it already made and a changed sentence is synthesized again.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Language } from '../writer/types.js';
import type { VoiceProvider, VoiceSegment } from './types.js';
import { mapLimit, normalizeText, wavDurationSec } from './audio.js';

export { readWavInfo, wavDurationSec, type WavInfo } from './audio.js';

export interface EspeakVoiceOptions {
  /** The espeak-ng binary (default `espeak-ng` on PATH). */
  binary?: string;
  /** Speaking rate in words per minute (espeak-ng `-s`, 80..450; default 165). */
  wpm?: number;
  /** Pitch 0..99 (espeak-ng `-p`, default 50). */
  pitch?: number;
  /** espeak-ng voice per language (defaults: en → en-us, es → es). */
  voices?: Partial<Record<Language, string>>;
  /** Sentences synthesized at the same time (default 2). */
  concurrency?: number;
  /** Kill a single espeak-ng run after this long (default 60 s). */
  timeoutMs?: number;
}

export const DEFAULT_ESPEAK_VOICES: Record<Language, string> = { en: 'en-us', es: 'es' };
const INSTALL_HINT = 'espeak-ng is not installed: run npm run setup or apt-get install espeak-ng';

export class EspeakNotInstalledError extends Error {
  constructor(cause?: unknown) {
    super(INSTALL_HINT, { cause });
    this.name = 'EspeakNotInstalledError';
  }
}

export class EspeakVoice implements VoiceProvider {
  readonly name = 'espeak-ng';
  private readonly binary: string;
  private readonly wpm: number;
  private readonly pitch: number;
  private readonly voices: Record<Language, string>;
  private readonly concurrency: number;
  private readonly timeoutMs: number;

  constructor(opts: EspeakVoiceOptions = {}) {
    this.binary = opts.binary ?? 'espeak-ng';
    this.wpm = opts.wpm ?? 165;
    this.pitch = opts.pitch ?? 50;
    this.voices = { ...DEFAULT_ESPEAK_VOICES, ...opts.voices };
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 2));
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    if (!Number.isInteger(this.wpm) || this.wpm < 80 || this.wpm > 450) throw new RangeError(`wpm must be an integer from 80 to 450, got ${opts.wpm}`);
    if (!Number.isInteger(this.pitch) || this.pitch < 0 || this.pitch > 99) throw new RangeError(`pitch must be an integer from 0 to 99, got ${opts.pitch}`);
  }

  /** The file name for sentence `index`: language and position plus a short hash of voice, speed, pitch and text. */
  fileName(index: number, text: string, language: Language): string {
    const hash = createHash('sha1')
      .update(JSON.stringify([this.name, this.voices[language], this.wpm, this.pitch, normalizeText(text)]))
      .digest('hex')
      .slice(0, 12);
    return `sentence-${language}-${String(index).padStart(3, '0')}-${hash}.wav`;
  }

  async synthesize(sentences: string[], language: Language, outDir: string): Promise<VoiceSegment[]> {
    if (!this.voices[language]) throw new Error(`no espeak-ng voice configured for language ${JSON.stringify(language)}`);
    sentences.forEach((s, i) => {
      if (normalizeText(s) === '') throw new Error(`sentence ${i + 1} of ${sentences.length} is empty: there is nothing to speak`);
    });
    await fs.mkdir(outDir, { recursive: true });
    const existing = new Set(await fs.readdir(outDir));
    const segments = new Array<VoiceSegment>(sentences.length);
    await mapLimit(sentences, this.concurrency, async (text, i) => {
      const name = this.fileName(i, text, language);
      const audioPath = path.join(outDir, name);
      let durationSec: number | undefined;
      if (existing.has(name)) {
        durationSec = await wavDurationSec(audioPath).catch(() => undefined);
      }
      if (durationSec === undefined || durationSec <= 0) {
        await this.speak(text, language, audioPath);
        durationSec = await wavDurationSec(audioPath);
        if (durationSec <= 0) throw new Error(`espeak-ng produced an empty WAV for sentence ${i + 1}: ${JSON.stringify(text.slice(0, 80))}`);
      }
      // Older takes of this position (a sentence that has changed since) are dropped.
      const prefix = name.slice(0, name.lastIndexOf('-') + 1);
      await Promise.all(
        [...existing].filter((f) => f.startsWith(prefix) && f !== name && f.endsWith('.wav')).map((f) => fs.rm(path.join(outDir, f), { force: true })),
      );
      segments[i] = { text, audioPath, durationSec };
    });
    return segments;
  }

  /** Writes the WAV to a temporary name, then renames it: a crash never leaves a half file under the final name. */
  private async speak(text: string, language: Language, audioPath: string): Promise<void> {
    const tmp = `${audioPath}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
    const args = ['-v', this.voices[language], '-s', String(this.wpm), '-p', String(this.pitch), '-b', '1', '-w', tmp, '--stdin'];
    try {
      await runWithStdin(this.binary, args, normalizeText(text) + '\n', this.timeoutMs);
      await fs.rename(tmp, audioPath);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }
}

function runWithStdin(bin: string, args: string[], input: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' || err.code === 'EACCES' ? new EspeakNotInstalledError(err) : err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else if (timedOut) reject(new Error(`espeak-ng timed out after ${timeoutMs} ms`));
      else
        reject(new Error(`espeak-ng ${code !== null ? `exited with code ${code}` : `was killed by ${signal}`}: ${stderr.trim() || '(no output on stderr)'}`));
    });
    // EPIPE when the binary dies early is reported through 'close'.
    child.stdin.on('error', () => {});
    child.stdin.end(input, 'utf8');
  });
}
