// A thin, typed wrapper around the ffmpeg and ffprobe binaries: spawned
// directly (never through a shell), progress parsed from `-progress pipe:1`,
// the tail of stderr kept and surfaced in every error, cancellation through an
// AbortSignal, and (optionally) the child's peak resident memory.
import os from 'node:os';
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export const DEFAULT_FFMPEG = 'ffmpeg';
export const DEFAULT_FFPROBE = 'ffprobe';
const STDERR_KEEP_BYTES = 64 * 1024;
const ERROR_TAIL_LINES = 30;
const KILL_GRACE_MS = 5000;
/** Harmless notices that would push the real error out of the tail (one per mono WAV input). */
const NOISE = /^Guessed Channel Layout for Input Stream/;

/** ffmpeg (or ffprobe) exited non-zero, was killed, or timed out. The message ends with the tail of its stderr. */
export class FfmpegError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
    readonly args: string[],
  ) {
    super(message);
    this.name = 'FfmpegError';
  }
}

/** The binary could not be started (not installed, or not executable). */
export class MediaToolMissingError extends Error {
  constructor(
    readonly tool: string,
    cause: unknown,
  ) {
    const pkg = /ff(mpeg|probe)/.test(tool) ? 'ffmpeg' : tool;
    super(`${tool} is not installed or not executable: run npm run setup or apt-get install ${pkg}`, { cause });
    this.name = 'MediaToolMissingError';
  }
}

export interface FfmpegRunOptions {
  /** The ffmpeg binary (default `ffmpeg` on PATH). */
  ffmpegPath?: string;
  /** Expected output duration: progress fractions are out_time / durationSec. */
  durationSec?: number;
  /** Called with a non-decreasing fraction in [0, 1] as ffmpeg reports progress, and with 1 at the end. */
  onProgress?: (fraction: number) => void;
  /** Aborting kills ffmpeg (SIGTERM, then SIGKILL) and rejects. */
  signal?: AbortSignal;
  /** Kills ffmpeg and rejects after this many milliseconds. */
  timeoutMs?: number;
  cwd?: string;
  /** Polls /proc/<pid>/status for VmHWM (Linux) and reports the child's peak RSS. */
  measureMemory?: boolean;
}

export interface FfmpegRunResult {
  elapsedMs: number;
  /** The child's peak resident set size (VmHWM), when measureMemory was set and /proc is available. */
  peakRssBytes?: number;
  /** The last lines of stderr (warnings). */
  stderrTail: string;
}

/** Keeps only the last `max` bytes written to it. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(b: Buffer) {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.max && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  lines(n: number): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !NOISE.test(l));
    return lines.slice(-n).join('\n');
  }
}

function readVmHwm(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs ffmpeg with `args` (the wrapper adds `-progress pipe:1 -nostats` in front).
 * Resolves when ffmpeg exits 0; rejects with FfmpegError (stderr tail in the
 * message) otherwise, or MediaToolMissingError when the binary cannot be started.
 */
export function runFfmpeg(args: string[], opts: FfmpegRunOptions = {}): Promise<FfmpegRunResult> {
  const bin = opts.ffmpegPath ?? DEFAULT_FFMPEG;
  const fullArgs = ['-progress', 'pipe:1', '-nostats', ...args];
  const t0 = performance.now();
  return new Promise<FfmpegRunResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(abortError(opts.signal));
      return;
    }
    const child = spawn(bin, fullArgs, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    lowerPriority(child.pid);
    const stderr = new Tail(STDERR_KEEP_BYTES);
    let peak: number | undefined;
    let lastFraction = -1;
    let stdoutRest = '';
    let killedFor: string | undefined;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;

    const report = (f: number) => {
      if (!opts.onProgress) return;
      const clamped = Math.max(0, Math.min(1, f));
      if (clamped <= lastFraction) return;
      lastFraction = clamped;
      try {
        opts.onProgress(clamped);
      } catch {
        // A failing progress callback (e.g. a heartbeat after cancellation) must not break the render.
      }
    };

    const sample = () => {
      if (child.pid === undefined) return;
      const v = readVmHwm(child.pid);
      if (v !== undefined) peak = Math.max(peak ?? 0, v);
    };
    const memTimer = opts.measureMemory ? setInterval(sample, 100) : undefined;

    const kill = (why: string) => {
      if (killedFor || child.exitCode !== null) return;
      killedFor = why;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const onAbort = () => kill('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timeout = opts.timeoutMs ? setTimeout(() => kill(`timed out after ${opts.timeoutMs} ms`), opts.timeoutMs) : undefined;

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (opts.measureMemory) sample();
      const text = stdoutRest + chunk;
      const lines = text.split('\n');
      stdoutRest = lines.pop() ?? '';
      for (const line of lines) {
        const eq = line.indexOf('=');
        if (eq < 0) continue;
        const key = line.slice(0, eq).trim();
        const value = line.slice(eq + 1).trim();
        if ((key === 'out_time_us' || key === 'out_time_ms') && opts.durationSec && opts.durationSec > 0) {
          // Both keys carry microseconds (out_time_ms is misnamed in ffmpeg 5).
          const us = Number(value);
          if (Number.isFinite(us) && us >= 0) report(us / 1e6 / opts.durationSec);
        } else if (key === 'progress' && value === 'end') {
          report(1);
        }
      }
    });
    child.stderr.on('data', (b: Buffer) => stderr.push(b));

    const cleanup = () => {
      if (memTimer) clearInterval(memTimer);
      if (timeout) clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
    };

    child.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      cleanup();
      if (err.code === 'ENOENT' || err.code === 'EACCES') reject(new MediaToolMissingError(bin, err));
      else reject(err);
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      cleanup();
      const tail = stderr.lines(ERROR_TAIL_LINES);
      const elapsedMs = performance.now() - t0;
      if (code === 0 && !killedFor) {
        report(1);
        resolve({ elapsedMs, peakRssBytes: peak, stderrTail: tail });
        return;
      }
      if (killedFor === 'aborted' && opts.signal) {
        reject(abortError(opts.signal));
        return;
      }
      const how = killedFor ? `was stopped (${killedFor})` : code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
      reject(new FfmpegError(`ffmpeg ${how}: ${tail || '(no output on stderr)'}`, code, signal, tail, fullArgs));
    });
  });
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error(typeof reason === 'string' ? reason : 'ffmpeg was aborted');
  e.name = 'AbortError';
  return e;
}

/** Runs ffprobe and parses its JSON output (`-print_format json` plus `args`). */
export function ffprobeJson<T = FfprobeOutput>(file: string, args: string[] = ['-show_format', '-show_streams'], ffprobePath = DEFAULT_FFPROBE): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fullArgs = ['-v', 'error', '-print_format', 'json', ...args, '--', file];
    const child = spawn(ffprobePath, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err = new Tail(16 * 1024);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' || e.code === 'EACCES' ? new MediaToolMissingError(ffprobePath, e) : e));
    child.on('close', (code, signal) => {
      const tail = err.lines(ERROR_TAIL_LINES);
      if (code !== 0) {
        reject(
          new FfmpegError(
            `ffprobe ${code !== null ? `exited with code ${code}` : `was killed by ${signal}`} on ${file}: ${tail || '(no output on stderr)'}`,
            code,
            signal,
            tail,
            fullArgs,
          ),
        );
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as T);
      } catch (e) {
        reject(new FfmpegError(`ffprobe printed invalid JSON for ${file}: ${(e as Error).message}`, code, signal, tail, fullArgs));
      }
    });
  });
}

export interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  sample_rate?: string;
  channels?: number;
  pix_fmt?: string;
}

export interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { duration?: string; size?: string; format_name?: string; tags?: Record<string, string> };
}

/** Parses "30/1" or "30000/1001" into a number (0 when unknown). */
export function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [n, d] = rate.split('/').map(Number);
  if (!Number.isFinite(n)) return 0;
  if (d === undefined) return n;
  return d ? n / d : 0;
}

/**
 * Encoding is batch work: at nice 10 it takes the CPU only when interactive work (the API's
 * slash-command acks, workflow tasks) does not need it, so a render on the same machine cannot
 * push a Slack ack past its 3 s (bench/slash-load.ts).
 */
function lowerPriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    os.setPriority(pid, 10);
  } catch {
    // Not permitted here (or the process already ended): it simply runs at normal priority.
  }
}
