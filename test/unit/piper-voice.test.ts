// The Piper voice for real: the piper-tts binary and the bundled joe model that
// `npm run setup` installs. A recording wrapper around the real binary shows
// what piper was given (its arguments, its input file) and how often it ran.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { readWavInfo } from '../../src/providers/voice/audio.js';
import { EspeakVoice } from '../../src/providers/voice/espeak.js';
import { OpenAIVoice } from '../../src/providers/voice/openai.js';
import { checkPiper, PiperModelError, PiperNotInstalledError, PiperVoice } from '../../src/providers/voice/piper.js';
import { buildVoices } from '../../src/worker.js';
import { findPiper, PIPER_MISSING } from '../support/piper.js';

const run = promisify(execFile);
const piper = findPiper();
if (!piper.ok) console.warn(`Piper voice tests skipped: ${PIPER_MISSING} (${piper.problem})`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'piper-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const EN = [
  'Here is a quick look.',
  'The Voltix PowerCore Slim charges two phones at once and fits in a jeans pocket.',
  'Over twelve thousand buyers give it four point six stars, and right now it costs about thirty dollars, which is less than most brand chargers.',
];

/** A piper that records each run (arguments, input file) in `logDir`, then execs the real one. */
function recordingPiper(real: string): { binary: string; runs: () => { argv: string[]; input: string }[] } {
  const logDir = fs.mkdtempSync(path.join(tmp, 'log-'));
  const binary = path.join(logDir, 'piper');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(
    binary,
    [
      '#!/bin/sh',
      `log=${q(logDir)}`,
      'n=$(ls "$log" | grep -c "^argv-")',
      'n=$((n + 1))',
      `printf '%s\\n' "$@" > "$log/argv-$n"`,
      'prev=""',
      'for a in "$@"; do [ "$prev" = "-i" ] && cp "$a" "$log/input-$n"; prev="$a"; done',
      `exec ${q(real)} "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const runs = () =>
    fs
      .readdirSync(logDir)
      .filter((f) => f.startsWith('argv-'))
      .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
      .map((f) => ({
        argv: fs.readFileSync(path.join(logDir, f), 'utf8').split('\n').slice(0, -1),
        input: fs.readFileSync(path.join(logDir, `input-${f.slice(5)}`), 'utf8'),
      }));
  return { binary, runs };
}

describe.skipIf(!piper.ok)('PiperVoice (the real piper-tts 1.8 and the joe voice)', () => {
  const real = piper.ok ? piper : { binary: '', model: '' };
  let rec: ReturnType<typeof recordingPiper>;
  let voice: PiperVoice;
  beforeAll(() => {
    rec = recordingPiper(real.binary);
    voice = new PiperVoice({ binary: rec.binary, model: real.model, fallback: new EspeakVoice() });
  });

  it('speaks three English sentences in one piper run, into one 22.05 kHz mono WAV each, longer for longer text', async () => {
    const dir = path.join(tmp, 'en');
    const segs = await voice.synthesize(EN, 'en', dir);
    expect(rec.runs()).toHaveLength(1);
    expect(segs.map((s) => s.text)).toEqual(EN);
    for (const s of segs) {
      expect(path.dirname(s.audioPath)).toBe(dir);
      expect(path.basename(s.audioPath)).toMatch(/^piper-en-\d{3}-[0-9a-f]{16}\.wav$/);
      const head = Buffer.alloc(12);
      const fd = fs.openSync(s.audioPath, 'r');
      fs.readSync(fd, head, 0, 12, 0);
      fs.closeSync(fd);
      expect([head.toString('latin1', 0, 4), head.toString('latin1', 8, 12)]).toEqual(['RIFF', 'WAVE']);
      const info = await readWavInfo(s.audioPath);
      expect(info).toMatchObject({ audioFormat: 1, channels: 1, sampleRate: 22_050, bitsPerSample: 16 });
      expect(s.durationSec).toBe(info.durationSec);
      expect(s.durationSec).toBeGreaterThan(0.5);
      // Between 75 and 300 words per minute.
      const words = s.text.split(/\s+/).length;
      expect(s.durationSec).toBeGreaterThan(words / 5);
      expect(s.durationSec).toBeLessThan(words / 1.25 + 1);
    }
    expect(segs[0]!.durationSec).toBeLessThan(segs[1]!.durationSec);
    expect(segs[1]!.durationSec).toBeLessThan(segs[2]!.durationSec);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=duration', '-of', 'csv=p=0', segs[2]!.audioPath]);
    expect(Math.abs(Number(stdout.trim()) - segs[2]!.durationSec)).toBeLessThan(0.002);
    // Only the finished files are left: no work folder, no partial file.
    expect(fs.readdirSync(dir).sort()).toEqual(segs.map((s) => path.basename(s.audioPath)).sort());
  });

  it('reuses the WAVs of a second call without starting piper, speaks only a changed sentence again, and clears abandoned work', async () => {
    const dir = path.join(tmp, 'reuse');
    const first = await voice.synthesize(EN.slice(0, 2), 'en', dir);
    const runs = rec.runs().length;
    const mtimes = first.map((s) => fs.statSync(s.audioPath).mtimeMs);
    // The work folder of a worker killed mid-run a day ago.
    const abandoned = path.join(dir, '.piper-4242-deadbeef');
    fs.mkdirSync(path.join(abandoned, 'wav'), { recursive: true });
    fs.utimesSync(abandoned, new Date(Date.now() - 86_400_000), new Date(Date.now() - 86_400_000));
    const t0 = performance.now();
    const second = await voice.synthesize(EN.slice(0, 2), 'en', dir);
    const reuseMs = performance.now() - t0;
    expect(second).toEqual(first);
    expect(rec.runs()).toHaveLength(runs);
    expect(second.map((s) => fs.statSync(s.audioPath).mtimeMs)).toEqual(mtimes);
    expect(reuseMs).toBeLessThan(500);
    expect(fs.existsSync(abandoned)).toBe(false);

    const changed = await voice.synthesize([EN[0]!, 'A different second sentence.'], 'en', dir);
    expect(rec.runs()).toHaveLength(runs + 1);
    expect(rec.runs().at(-1)!.input).toBe('A different second sentence.\n');
    expect(changed[0]!.audioPath).toBe(first[0]!.audioPath);
    expect(changed[1]!.audioPath).not.toBe(first[1]!.audioPath);
    expect(fs.existsSync(first[1]!.audioPath)).toBe(false);
    expect(fs.readdirSync(dir)).toHaveLength(2);
  });

  it('hands Spanish, which the joe voice does not speak, to the fallback voice without starting piper', async () => {
    const runs = rec.runs().length;
    const segs = await voice.synthesize(['Hola, ¿qué tal?', 'El enlace está en la descripción.'], 'es', path.join(tmp, 'es'));
    expect(rec.runs()).toHaveLength(runs);
    expect(segs.map((s) => path.basename(s.audioPath))).toEqual([expect.stringMatching(/^sentence-es-000-/), expect.stringMatching(/^sentence-es-001-/)]);
    expect(segs.every((s) => s.durationSec > 0.5)).toBe(true);

    const alone = new PiperVoice({ binary: real.binary, model: real.model });
    await expect(alone.synthesize(['Hola.'], 'es', path.join(tmp, 'es-alone'))).rejects.toThrow(
      /en_US-joe-medium\.onnx speaks en, not es: set PIPER_MODEL to a es voice, or give PiperVoice a fallback voice/,
    );
  });

  it('speaks shell metacharacters and quotes literally: through a file, never argv or a shell', async () => {
    const dir = path.join(tmp, 'hostile');
    const marker = path.join(tmp, 'PWNED');
    const text = `Say "$(touch ${marker})" and \`touch ${marker}\`; it's 50% off & | > ${marker} \\ $HOME 'done'.`;
    const segs = await voice.synthesize([text], 'en', dir);
    const last = rec.runs().at(-1)!;
    expect(last.input).toBe(text + '\n');
    expect(last.argv.some((a) => a.includes('touch') || a.includes('$HOME'))).toBe(false);
    expect(fs.existsSync(marker)).toBe(false);
    expect(segs[0]!.text).toBe(text);
    // Every word was spoken, so the take is long: far beyond a couple of words.
    expect(segs[0]!.durationSec).toBeGreaterThan(text.split(/\s+/).length / 5);
  });

  it('names a missing binary and says how to install it or set PIPER_PATH', async () => {
    const missing = new PiperVoice({ binary: path.join(tmp, 'nowhere', 'piper'), model: real.model });
    const err = await missing.synthesize(['Hello.'], 'en', path.join(tmp, 'no-binary')).catch((e: Error) => e);
    expect(err).toBeInstanceOf(PiperNotInstalledError);
    expect((err as Error).message).toMatch(/^Piper is not installed: .*nowhere\/piper was not found or cannot run\. Run npm run setup .* or set PIPER_PATH/);
    expect(fs.readdirSync(path.join(tmp, 'no-binary'))).toEqual([]);
  });

  it('names a missing or unreadable model and says to set PIPER_MODEL', async () => {
    const gone = new PiperVoice({ binary: real.binary, model: path.join(tmp, 'missing.onnx') });
    await expect(gone.synthesize(['Hello.'], 'en', path.join(tmp, 'no-model'))).rejects.toThrow(/missing\.onnx cannot be read \(ENOENT\): set PIPER_MODEL/);
    await expect(gone.synthesize(['Hello.'], 'en', path.join(tmp, 'no-model'))).rejects.toBeInstanceOf(PiperModelError);

    const orphan = path.join(tmp, 'orphan.onnx');
    fs.copyFileSync(real.model, orphan);
    await expect(new PiperVoice({ binary: real.binary, model: orphan }).synthesize(['Hello.'], 'en', path.join(tmp, 'orphan'))).rejects.toThrow(
      /orphan\.onnx\.json cannot be read \(ENOENT\): set PIPER_MODEL/,
    );
  });

  it('reports piper exiting non-zero with the tail of its stderr, and leaves no partial file', async () => {
    const corrupt = path.join(tmp, 'corrupt.onnx');
    fs.writeFileSync(corrupt, Buffer.alloc(64 * 1024, 7));
    fs.copyFileSync(`${real.model}.json`, `${corrupt}.json`);
    const dir = path.join(tmp, 'corrupt');
    const err = (await new PiperVoice({ binary: real.binary, model: corrupt }).synthesize(['Hello.'], 'en', dir).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/^piper exited with code [1-9]\d*: \S/);
    // The headline is the exception itself (onnxruntime cannot load the model), not a traceback frame.
    expect(err.message.split('\n')[0]).toMatch(/corrupt\.onnx/);
    expect(err.message).toContain('PIPER_MODEL');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('kills piper after the timeout and says so', async () => {
    const dir = path.join(tmp, 'timeout');
    const slow = new PiperVoice({ binary: real.binary, model: real.model, timeoutMs: 100 });
    await expect(slow.synthesize(EN, 'en', dir)).rejects.toThrow(/^piper timed out after 100 ms on 3 sentence\(s\) and was killed/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('Piper at start-up (file checks only)', () => {
  const warnings: string[] = [];
  const log = { warn: (_obj: unknown, msg: string) => warnings.push(msg) } as unknown as Logger;

  it('names PIPER_PATH or PIPER_MODEL when the file they point at is missing', () => {
    expect(checkPiper({ binary: path.join(tmp, 'no-piper') })).toEqual({
      ok: false,
      problem: expect.stringMatching(/^PIPER_PATH=.*no-piper is not an executable file/),
    });
    if (piper.ok) {
      const r = checkPiper({ binary: piper.binary, model: path.join(tmp, 'none.onnx') });
      expect(r).toEqual({ ok: false, problem: expect.stringMatching(/none\.onnx cannot be read: set PIPER_MODEL/) });
    }
  });

  it('falls back to espeak-ng with one warning when Piper is missing, so the worker still runs', () => {
    warnings.length = 0;
    const voices = buildVoices(loadConfig({ PIPER_PATH: path.join(tmp, 'no-piper') }), log);
    expect(voices.voice).toBeInstanceOf(EspeakVoice);
    expect(warnings).toEqual([expect.stringMatching(/PIPER_PATH=.* is not an executable file.*Videos use espeak-ng until then\.$/)]);
    expect(buildVoices(loadConfig({ VOICE: 'espeak' }), log).voice).toBeInstanceOf(EspeakVoice);
    expect(warnings).toHaveLength(1);
  });

  it.skipIf(!piper.ok)('speaks with Piper by default, and makes it the fallback of the OpenAI voice', () => {
    warnings.length = 0;
    expect(buildVoices(loadConfig({}), log).voice).toBeInstanceOf(PiperVoice);
    const withOpenAI = buildVoices(loadConfig({ OPENAI_API_KEY: 'sk-test-1234567890' }), log);
    expect(withOpenAI.voice).toBeInstanceOf(OpenAIVoice);
    expect(withOpenAI.fallbackVoice).toBeInstanceOf(PiperVoice);
    expect(warnings).toEqual([]);
  });
});
