// MoviePy's side of bench/moviepy-compare.ts: the bench venv (.tools/bench-venv, created from
// requirements.txt when missing) and one run of render.py, timed, with the peak memory of python and
// every process it spawns (ffmpeg readers of each WAV, the audio and video writers), summed.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { onInterrupt, PROJECT_ROOT } from '../lib.js';

const VENV = path.join(PROJECT_ROOT, '.tools', 'bench-venv');
const VENV_PYTHON = path.join(VENV, 'bin', 'python');
const REQUIREMENTS = path.join(PROJECT_ROOT, 'bench', 'moviepy', 'requirements.txt');
const RENDER_PY = path.join(PROJECT_ROOT, 'bench', 'moviepy', 'render.py');
export const MEMORY_POLL_MS = 50;

// ---------------------------------------------------------------- the bench venv

function pinnedMoviePy(): string {
  const pin = /^moviepy==(\S+)/m.exec(fs.readFileSync(REQUIREMENTS, 'utf8'))?.[1];
  if (!pin) throw new Error(`${REQUIREMENTS} must pin moviepy (moviepy==2.x)`);
  return pin;
}

function installedMoviePy(): string | undefined {
  if (!fs.existsSync(VENV_PYTHON)) return undefined;
  try {
    const script = "from importlib.metadata import version; print(version('moviepy'))";
    return execFileSync(VENV_PYTHON, ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The venv's python, with the pinned MoviePy installed (creating the venv and installing when needed). */
export function ensureBenchVenv(): { python: string; moviepy: string } {
  const pin = pinnedMoviePy();
  if (installedMoviePy() === pin) return { python: VENV_PYTHON, moviepy: pin };
  const rel = path.relative(PROJECT_ROOT, VENV);
  if (!fs.existsSync(VENV_PYTHON)) {
    console.log(`  bench venv: creating ${rel} (python3 -m venv) …`);
    try {
      execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    } catch (err) {
      throw new Error(`python3 -m venv ${rel} failed: install python3 and python3-venv (apt-get install python3-venv)`, { cause: err });
    }
  }
  console.log(`  bench venv: pip install -r ${path.relative(PROJECT_ROOT, REQUIREMENTS)} (moviepy ${pin}) …`);
  try {
    execFileSync(VENV_PYTHON, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', REQUIREMENTS], { stdio: 'inherit' });
  } catch (err) {
    throw new Error(
      `pip could not install ${path.relative(PROJECT_ROOT, REQUIREMENTS)} into ${rel}: ` +
        `PyPI (or the index in PIP_INDEX_URL) must be reachable; remove ${rel} and run the bench again`,
      { cause: err },
    );
  }
  const got = installedMoviePy();
  if (got !== pin) throw new Error(`${rel} has moviepy ${got ?? '(none)'} after pip install, expected ${pin}: remove ${rel} and run the bench again`);
  return { python: VENV_PYTHON, moviepy: pin };
}

// ---------------------------------------------------------------- memory of a process tree

interface ProcStatus {
  pid: number;
  ppid: number;
  name: string;
  rssBytes: number;
  hwmBytes: number;
}

const STATUS_FIELDS = { ppid: /^PPid:\s+(\d+)/m, name: /^Name:\s+(.*)$/m, rss: /^VmRSS:\s+(\d+) kB/m, hwm: /^VmHWM:\s+(\d+) kB/m };

function readProcStatus(pid: number): ProcStatus | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  const kib = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0) * 1024;
  return {
    pid,
    ppid: Number(STATUS_FIELDS.ppid.exec(text)?.[1] ?? 0),
    name: STATUS_FIELDS.name.exec(text)?.[1].trim() ?? '?',
    rssBytes: kib(STATUS_FIELDS.rss),
    hwmBytes: kib(STATUS_FIELDS.hwm),
  };
}

/** `root` and its descendants. /proc/<pid>/task/<tid>/children is missing on some kernels (this one), so all of /proc is read. */
function processTree(root: number): ProcStatus[] {
  const all = fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map((n) => readProcStatus(Number(n)))
    .filter((s): s is ProcStatus => s !== undefined);
  const children = new Map<number, ProcStatus[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const tree = all.filter((s) => s.pid === root);
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i].pid) ?? []));
  return tree;
}

interface TreeMemory {
  /** The largest sum of the tree's RSS seen in one sample. */
  peakSumBytes: number;
  /** Each process's own peak (VmHWM) as last seen, by pid. */
  peaks: Map<number, { name: string; hwmBytes: number }>;
}

/** Samples the summed RSS of `root`'s process tree every MEMORY_POLL_MS until stop(). */
function sampleTreeMemory(root: number): { stop: () => TreeMemory } {
  const mem: TreeMemory = { peakSumBytes: 0, peaks: new Map() };
  const sample = () => {
    const tree = processTree(root);
    mem.peakSumBytes = Math.max(
      mem.peakSumBytes,
      tree.reduce((a, s) => a + s.rssBytes, 0),
    );
    for (const s of tree) mem.peaks.set(s.pid, { name: s.name, hwmBytes: Math.max(s.hwmBytes, mem.peaks.get(s.pid)?.hwmBytes ?? 0) });
  };
  sample();
  const timer = setInterval(sample, MEMORY_POLL_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return mem;
    },
  };
}

// ---------------------------------------------------------------- one MoviePy render

/** The JSON line render.py prints last. */
const RenderPyReport = z.object({
  moviepy: z.string(),
  importSec: z.number(),
  buildSec: z.number(),
  writeSec: z.number(),
  selfMaxRssBytes: z.number(),
  largestChildMaxRssBytes: z.number(),
});
type RenderPyReport = z.infer<typeof RenderPyReport>;

export interface MoviePyRun {
  ms: number;
  /** The largest summed RSS of python and its children (sampled). */
  treePeakBytes: number;
  /** python's own peak (ru_maxrss) and the largest child's (the ffmpeg that encodes). */
  pythonPeakBytes: number;
  largestChildPeakBytes: number;
  report: RenderPyReport;
}

export function renderWithMoviePy(python: string, compositionFile: string, out: string, x264Preset = 'veryfast'): Promise<MoviePyRun> {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.rmSync(out, { force: true });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // Its own process group, so an interrupt can stop python and the ffmpeg it spawned together.
    const child = spawn(python, [RENDER_PY, compositionFile, out], {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1', X264_PRESET: x264Preset },
    });
    const pid = child.pid;
    const sampler = pid === undefined ? undefined : sampleTreeMemory(pid);
    const unhook = onInterrupt(() => {
      if (pid !== undefined && child.exitCode === null) process.kill(-pid, 'SIGTERM');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-16_000)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8_000)));
    child.on('error', (err) => {
      sampler?.stop();
      unhook();
      reject(new Error(`could not start ${python}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      const mem = sampler?.stop();
      unhook();
      if (code !== 0)
        return reject(new Error(`render.py ${code === null ? `was killed by ${signal}` : `exited with ${code}`}: ${stderr.trim() || stdout.trim()}`));
      const last = stdout.trim().split('\n').pop() ?? '';
      let report: RenderPyReport;
      try {
        report = RenderPyReport.parse(JSON.parse(last));
      } catch (err) {
        return reject(new Error(`render.py did not end with its JSON report (${(err as Error).message}): ${last}`));
      }
      const childPeaks = [...(mem?.peaks.entries() ?? [])].filter(([p]) => p !== pid).map(([, s]) => s.hwmBytes);
      resolve({
        ms,
        treePeakBytes: mem?.peakSumBytes ?? 0,
        pythonPeakBytes: Math.max(report.selfMaxRssBytes, (pid !== undefined && mem?.peaks.get(pid)?.hwmBytes) || 0),
        largestChildPeakBytes: Math.max(report.largestChildMaxRssBytes, ...childPeaks),
        report,
      });
    });
  });
}
