// Benchmark: the 10-product daily loop with autoApprove, end to end, on the
// offline defaults, started exactly as a user starts it, and the worker's
// memory while it renders.
//
//   npx tsx bench/daily-loop.ts        (BENCH_RUNS=n runs per configuration, default 3)
//
//   BENCH_DAILY_CONFIGS   comma-separated render configurations, each run BENCH_RUNS times:
//                         `default` (the app's defaults, RENDER_CONCURRENCY 1 / RENDER_PRESET veryfast; RENDER_THREADS passes through),
//                         `N` (RENDER_CONCURRENCY=N) or `N:preset` / `:preset`. Default: `default`.
//                         Example: BENCH_DAILY_CONFIGS=default,1
//
// Each run:
//   1. spawns `node_modules/.bin/tsx scripts/start.ts` in its own process group, with a fresh
//      DATA_DIR var/bench/daily-loop-XXXXXX (a new embedded PostgreSQL and Temporal database, so
//      every run syncs and renders from scratch), free ports, LOG_LEVEL=warn,
//      FETCH_PRODUCT_IMAGES=false and none of the app's configuration variables of the caller;
//   2. waits for GET /healthz 200;
//   3. POST /orchestrator/daily-loop/start {maxProducts: 10, autoApprove: true} (all platforms),
//      then polls GET /orchestrator/daily-loop/status/:id every 250 ms until COMPLETED (a
//      FAILED/CANCELED/TERMINATED run or 10 minutes is a failure). The wall time runs from the POST
//      to the poll answer that says COMPLETED; a step's time is from the poll where
//      `progress.step` first names it to the poll where the next step first appears;
//   4. meanwhile samples every 100 ms the VmRSS and RssAnon (/proc/<pid>/status) of the worker
//      process (the descendant whose command line names worker/index.ts) and of its descendants
//      (ffmpeg, espeak-ng) at the same instant, per step; at COMPLETED it reads the worker's
//      VmHWM, and the CPU time used by the worker, by the whole run and by the rest of the machine
//      (other work sharing the CPU is the main source of variance);
//   5. checks the result: 10 videos × 3 platforms = 30 publications, and counts the post folders
//      under DATA_DIR/outbox/<platform>/ (a shortfall is reported with its reason, not a failure);
//   6. stops everything with SIGINT to the process group, waits for the exit, kills stragglers
//      and deletes DATA_DIR. On a failure or Ctrl-C the whole group is killed and DATA_DIR removed.
// A failed run is reported (with the end of npm start's output) and skips the rest of its
// configuration; the exit code is then 1. Targets: loop < 3 min, worker tree peak < 500 MB.
// Linux only (/proc).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { CONFIG_VARIABLES, loadConfig } from '../src/config.js';
import { freePort } from '../src/embedded/temporal.js';
import { DAILY_STEPS } from '../src/temporal/types.js';
import {
  BENCH_VAR_DIR,
  benchRuns,
  embeddedPostgresBinaryVersion,
  fmtMiB,
  fmtMs,
  interrupted,
  isMain,
  machineInfo,
  measurement,
  median,
  memoryMeasurement,
  now,
  onInterrupt,
  parkUntilExit,
  printJsonLine,
  printMachine,
  printMeasurements,
  printTable,
  PROJECT_ROOT,
  round1,
  sleep,
  type MachineInfo,
  type Measurement,
  type MemoryMeasurement,
} from './lib.js';

const MAX_PRODUCTS = 10;
const TARGET_LOOP_MS = 180_000;
/** 500 MB (decimal), expressed in MiB: the figures are MiB. */
const TARGET_MEM_MIB = round1(500e6 / 1024 / 1024);
const DEFAULT_RUNS = 3;
const STATUS_POLL_MS = 250;
const MEM_SAMPLE_MS = 100;
const LOAD_SAMPLE_MS = 1000;
const LOOP_TIMEOUT_MS = 600_000;
const READY_TIMEOUT_MS = 180_000;
const EXIT_TIMEOUT_MS = 60_000;
const STRAGGLER_GRACE_MS = 10_000;
/** Consecutive failed status polls (HTTP errors, timeouts) tolerated before the run fails. */
const POLL_ERROR_BUDGET_MS = 30_000;
const RENDER_STEP = 'generateVideosForContent';
const WORKER_MARK = 'worker/index.ts';
/** How the status query names the loop's steps, in order (unknown future steps sort before `completed`). */
const STEP_ORDER = ['starting', ...DAILY_STEPS, '(other)', 'completed'];
/** Kept from the caller's environment although they are configuration variables: where tools are, not state. */
const KEEP = new Set(['RENDER_THREADS', 'TEMPORAL_CLI_PATH']);
const APP_DEFAULTS = loadConfig({});
const PLATFORMS = APP_DEFAULTS.DAILY_PLATFORMS.map((p) => p.toLowerCase());
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

// ---------------------------------------------------------------- types

export interface DailyConfig {
  name: string;
  renderConcurrency: number;
  renderPreset: string;
  /** Variables given to `npm start` for this configuration (empty for the defaults). */
  env: Record<string, string>;
}

export interface StepTiming {
  step: string;
  /** When a poll first saw the step, from the POST. */
  firstSeenMs: number;
  /** Until the next step was first seen (or COMPLETED). */
  durationMs: number;
}

export interface MemoryFigures {
  samples: number;
  /** Longest gap between two samples (the sampler shares the CPU with the run). */
  maxSampleGapMs: number;
  workerPids: number[];
  /**
   * Worker node process VmRSS at the first sample: /healthz 200, just before the POST. /healthz does
   * not wait for the worker, which may still be in Worker.create (bundling the workflows); it
   * grows to ~330-340 MiB within ~2 s whether or not a loop runs.
   */
  nodeAtHealthyMiB: number | null;
  /** Worker node process alone, highest VmRSS seen. */
  nodePeakMiB: number;
  /** Worker node + its descendants at the same instant, highest sum seen. */
  treePeakMiB: number;
  /**
   * The same sum of RssAnon (private anonymous memory: heaps, frame buffers), highest seen.
   * VmRSS also counts each process's mapped libraries and files, so the RSS sum counts
   * shared pages (libav*, libx264 …) once per ffmpeg; this sum does not.
   */
  treeAnonPeakMiB: number;
  /** What the tree held at its peak. */
  treeAtPeak: { nodeMiB: number; children: { comm: string; rssMiB: number }[] };
  /** The same two peaks restricted to samples taken while the step was generateVideosForContent. */
  renderNodePeakMiB: number | null;
  renderTreePeakMiB: number | null;
  maxConcurrentFfmpeg: number;
  /** Highest node and tree VmRSS per step of the loop (`before POST`: from /healthz 200 to the POST), in the order first seen. */
  byStep: { step: string; nodePeakMiB: number; treePeakMiB: number }[];
  /** VmHWM of the worker node process, read at COMPLETED (its whole life, start-up included). */
  nodeVmHwmMiB: number | null;
}

export interface CpuFigures {
  /** CPU seconds used by the worker and the children it reaped (ffmpeg, espeak-ng), POST to COMPLETED. */
  workerCpuSec: number | null;
  /** CPU seconds used by everything this run started (its process group and PostgreSQL). */
  runCpuSec: number;
  /** CPU seconds used by the whole machine, and by everything else (other test runs …). */
  machineCpuSec: number;
  otherCpuSec: number;
  /** Machine CPU capacity in the interval: wall s × logical cores. */
  capacityCpuSec: number;
}

export interface DailyLoopRun {
  config: string;
  run: number;
  dataDir: string;
  startToHealthyMs: number;
  postMs: number;
  /** Status polls made, and how long one took (a Temporal describe + query through the API). */
  polls: { count: number; medianMs: number; maxMs: number };
  /** POST to the poll answer saying COMPLETED. */
  loopMs: number;
  /** Temporal's own closeTime - startTime of the workflow. */
  workflowMs: number | null;
  steps: StepTiming[];
  /** Steps the result says ran but no poll saw (shorter than a poll interval). */
  stepsUnseen: string[];
  memory: MemoryFigures;
  cpu: CpuFigures;
  load: { before1m: number; atPost1m: number; max1m: number; atCompleted1m: number; atCompleted: [number, number, number] };
  outcome: {
    selected: number;
    scripts: number | null;
    videosReady: number | null;
    videoFailures: { videoId: string; error: string }[];
    approved: number | null;
    expected: number;
    published: number;
    publishedByPlatform: Record<string, number>;
    publishFailures: { videoId: string; platform: string; error: string }[];
    outboxPosts: Record<string, number>;
    outboxIncomplete: number;
    complete: boolean;
    shortfalls: string[];
  };
  /** Log lines the system wrote at LOG_LEVEL=warn (warnings and errors), banner excluded. */
  warnings: string[];
  shutdown: { ms: number; exitCode: number | null; exitSignal: string | null; leftoverProcesses: string[]; killed: boolean };
}

export interface DailyConfigResult {
  config: DailyConfig;
  runs: DailyLoopRun[];
  measurements: Measurement[];
  memory: MemoryMeasurement[];
  /** Median duration per step over the runs that saw it. */
  stepMedians: { step: string; runs: number; medianMs: number; minMs: number; maxMs: number; nodePeakMiB: number | null; treePeakMiB: number | null }[];
  allPublished: boolean;
}

export interface DailyLoopResult {
  bench: 'daily-loop';
  runs: number;
  machine: MachineInfo & { ffmpeg: string; espeak: string };
  maxProducts: number;
  platforms: string[];
  targets: { loopMs: number; memoryMiB: number };
  configs: DailyConfigResult[];
  /** Runs that failed (the configuration's later runs were skipped); their figures are not in `configs`. */
  failures: { config: string; run: number; error: string }[];
}

// ---------------------------------------------------------------- configurations

/** Parses BENCH_DAILY_CONFIGS (see the header); values are checked by the app's own config schema. */
export function dailyConfigs(raw = process.env.BENCH_DAILY_CONFIGS): DailyConfig[] {
  const items = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!items.length) items.push('default');
  return items.map((item) => {
    const env: Record<string, string> = {};
    if (item !== 'default') {
      const m = /^(\d*)(?::([a-z]+))?$/.exec(item);
      if (!m || (!m[1] && !m[2])) throw new Error(`BENCH_DAILY_CONFIGS: "${item}" is not default, N, N:preset or :preset`);
      if (m[1]) env.RENDER_CONCURRENCY = m[1];
      if (m[2]) env.RENDER_PRESET = m[2];
    }
    let c;
    try {
      c = loadConfig(env);
    } catch (err) {
      throw new Error(`BENCH_DAILY_CONFIGS: "${item}": ${(err as Error).message}`, { cause: err });
    }
    return {
      name: `concurrency ${c.RENDER_CONCURRENCY}, ${c.RENDER_PRESET}${item === 'default' ? ' (defaults)' : ''}`,
      renderConcurrency: c.RENDER_CONCURRENCY,
      renderPreset: c.RENDER_PRESET,
      env,
    };
  });
}

// ---------------------------------------------------------------- process bookkeeping

interface LiveRun {
  pgid: number;
  dataDir: string;
}
/** Runs started and not yet cleaned up: killed and removed on any way out. */
const live = new Set<LiveRun>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const r of live) {
      killGroup(r.pgid, 'SIGKILL');
      for (const l of leftovers(r.pgid, r.dataDir)) killPid(Number(l.split(' ')[0]), 'SIGKILL');
      try {
        fs.rmSync(r.dataDir, { recursive: true, force: true });
      } catch {
        /* best effort at exit */
      }
    }
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

function readProc(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Fields of /proc/<pid>/stat after the command name: [0] state, [1] ppid, [2] pgrp … [11] utime, [12] stime, [13] cutime, [14] cstime. */
function statFields(pid: number): string[] | null {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function cmdline(pid: number): string {
  return (readProc(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
}

function allPids(): number[] {
  try {
    return fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
}

const HAS_CHILDREN_FILE = fs.existsSync(`/proc/${process.pid}/task/${process.pid}/children`);

/** Direct children of pid: /proc/<pid>/task/<tid>/children, or a /proc scan where the kernel lacks it. */
function childrenOf(pid: number): number[] {
  if (HAS_CHILDREN_FILE) {
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      return [];
    }
    const out: number[] = [];
    for (const t of tasks) {
      const c = readProc(`/proc/${pid}/task/${t}/children`);
      if (c) for (const x of c.trim().split(/\s+/)) if (x) out.push(Number(x));
    }
    return out;
  }
  return allPids().filter((p) => Number(statFields(p)?.[1]) === pid);
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = childrenOf(pid);
  while (queue.length) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...childrenOf(p));
  }
  return out;
}

type StatusField = 'VmRSS' | 'VmHWM' | 'RssAnon';

/** `Field:  123 kB` lines of /proc/<pid>/status, in KiB (null when the process is gone). */
function statusKiB(pid: number): Partial<Record<StatusField, number>> | null {
  const s = readProc(`/proc/${pid}/status`);
  if (!s) return null;
  const out: Partial<Record<StatusField, number>> = {};
  for (const m of s.matchAll(/^(VmRSS|VmHWM|RssAnon):\s+(\d+) kB/gm)) out[m[1] as StatusField] = Number(m[2]);
  return out;
}

/** utime+stime+cutime+cstime of a live process, in seconds. */
function cpuSec(pid: number): number | null {
  const f = statFields(pid);
  if (!f || f[0] === 'Z') return null;
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK;
}

/** Live processes of the run: its process group, plus whatever names its DATA_DIR (PostgreSQL starts its own session). */
function runPids(pgid: number, dataDir: string): number[] {
  const out: number[] = [];
  for (const pid of allPids()) {
    const f = statFields(pid);
    if (!f || f[0] === 'Z') continue;
    if (Number(f[2]) === pgid || cmdline(pid).includes(dataDir)) out.push(pid);
  }
  return out;
}

function leftovers(pgid: number, dataDir: string): string[] {
  return runPids(pgid, dataDir).map((pid) => `${pid} ${cmdline(pid).slice(0, 120)}`);
}

/** CPU seconds of all live processes of the run (children that exited are in their parent's cutime). */
function runCpuSec(pgid: number, dataDir: string): number {
  return runPids(pgid, dataDir).reduce((a, p) => a + (cpuSec(p) ?? 0), 0);
}

/** Busy CPU seconds of the whole machine since boot (/proc/stat). */
function machineBusySec(): number {
  const line = (readProc('/proc/stat') ?? '').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return (v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] || 0)) / CLK_TCK;
}

const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;
const mib = (kib: number) => round1(kib / 1024);

// ---------------------------------------------------------------- memory sampler

interface SamplerState {
  currentStep: string;
}

function startMemorySampler(startPid: number, state: SamplerState) {
  let worker: number | null = null;
  const workerPids = new Set<number>();
  let samples = 0;
  let lastAt = 0;
  let maxGap = 0;
  let nodePeak = 0;
  let nodeIdle: number | null = null;
  let treePeak = 0;
  let treeAnonPeak = 0;
  let treeAtPeak: MemoryFigures['treeAtPeak'] = { nodeMiB: 0, children: [] };
  let renderNodePeak: number | null = null;
  let renderTreePeak: number | null = null;
  let maxFfmpeg = 0;
  const byStep = new Map<string, { node: number; tree: number }>();

  const findWorker = (): number | null => {
    if (worker !== null && cmdline(worker).includes(WORKER_MARK)) return worker;
    worker = descendants(startPid).find((p) => cmdline(p).includes(WORKER_MARK)) ?? null;
    if (worker !== null) workerPids.add(worker);
    return worker;
  };

  const sample = () => {
    const w = findWorker();
    if (w === null) return;
    const st = statusKiB(w);
    const nodeKiB = st?.VmRSS;
    if (nodeKiB === undefined) return;
    const kids = descendants(w).map((p) => {
      const k = statusKiB(p);
      return { pid: p, comm: (readProc(`/proc/${p}/comm`) ?? '?').trim(), kib: k?.VmRSS ?? 0, anon: k?.RssAnon ?? 0 };
    });
    const t = now();
    if (lastAt) maxGap = Math.max(maxGap, t - lastAt);
    lastAt = t;
    samples++;
    const tree = nodeKiB + kids.reduce((a, k) => a + k.kib, 0);
    treeAnonPeak = Math.max(treeAnonPeak, (st!.RssAnon ?? 0) + kids.reduce((a, k) => a + k.anon, 0));
    maxFfmpeg = Math.max(maxFfmpeg, kids.filter((k) => k.comm === 'ffmpeg').length);
    nodePeak = Math.max(nodePeak, nodeKiB);
    nodeIdle ??= nodeKiB;
    if (tree > treePeak) {
      treePeak = tree;
      treeAtPeak = { nodeMiB: mib(nodeKiB), children: kids.map((k) => ({ comm: k.comm, rssMiB: mib(k.kib) })) };
    }
    const phase = state.currentStep === 'not started' ? 'before POST' : state.currentStep;
    const b = byStep.get(phase) ?? { node: 0, tree: 0 };
    byStep.set(phase, { node: Math.max(b.node, nodeKiB), tree: Math.max(b.tree, tree) });
    if (state.currentStep === RENDER_STEP) {
      renderNodePeak = Math.max(renderNodePeak ?? 0, nodeKiB);
      renderTreePeak = Math.max(renderTreePeak ?? 0, tree);
    }
  };

  sample();
  const timer = setInterval(sample, MEM_SAMPLE_MS);
  return {
    worker: () => findWorker(),
    stop(): MemoryFigures {
      clearInterval(timer);
      const w = findWorker();
      const hwm = w === null ? null : (statusKiB(w)?.VmHWM ?? null);
      return {
        samples,
        maxSampleGapMs: round1(maxGap),
        workerPids: [...workerPids],
        nodeAtHealthyMiB: nodeIdle === null ? null : mib(nodeIdle),
        nodePeakMiB: mib(nodePeak),
        treePeakMiB: mib(treePeak),
        treeAnonPeakMiB: mib(treeAnonPeak),
        treeAtPeak,
        renderNodePeakMiB: renderNodePeak === null ? null : mib(renderNodePeak),
        renderTreePeakMiB: renderTreePeak === null ? null : mib(renderTreePeak),
        maxConcurrentFfmpeg: maxFfmpeg,
        byStep: [...byStep].map(([step, v]) => ({ step, nodePeakMiB: mib(v.node), treePeakMiB: mib(v.tree) })),
        nodeVmHwmMiB: hwm === null ? null : mib(hwm),
      };
    },
  };
}

// ---------------------------------------------------------------- one run

interface Ports {
  PORT: number;
  EMBEDDED_PG_PORT: number;
  TEMPORAL_DEV_PORT: number;
  TEMPORAL_UI_PORT: number;
}

async function distinctFreePorts(): Promise<Ports> {
  const seen = new Set<number>();
  const next = async () => {
    for (;;) {
      const p = await freePort();
      if (!seen.has(p)) {
        seen.add(p);
        return p;
      }
    }
  };
  return { PORT: await next(), EMBEDDED_PG_PORT: await next(), TEMPORAL_DEV_PORT: await next(), TEMPORAL_UI_PORT: await next() };
}

/** The caller's environment without the app's configuration (nor a project .env's), plus this run's. */
function isolatedEnv(dataDir: string, ports: Ports, cfg: DailyConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of CONFIG_VARIABLES) if (!KEEP.has(key)) delete env[key];
  for (const key of Object.keys(env)) if (key.startsWith('BENCH_')) delete env[key];
  // `npm start` reads PROJECT_ROOT/.env for variables that are unset; an empty value means "the default".
  const dotEnv = path.join(PROJECT_ROOT, '.env');
  if (fs.existsSync(dotEnv)) {
    for (const key of Object.keys(parseEnv(fs.readFileSync(dotEnv, 'utf8')))) {
      if ((CONFIG_VARIABLES as string[]).includes(key) && !KEEP.has(key)) env[key] = '';
    }
  }
  return {
    ...env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    FETCH_PRODUCT_IMAGES: 'false',
    PORT: String(ports.PORT),
    EMBEDDED_PG_PORT: String(ports.EMBEDDED_PG_PORT),
    TEMPORAL_DEV_PORT: String(ports.TEMPORAL_DEV_PORT),
    TEMPORAL_UI_PORT: String(ports.TEMPORAL_UI_PORT),
    ...cfg.env,
  };
}

function exitPromise(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

const exitedAlready = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

async function waitHealthy(url: string, child: ChildProcess, t0: number): Promise<number> {
  let last = 'no answer yet';
  for (;;) {
    if (exitedAlready(child)) throw new Error(`npm start exited (${child.signalCode ?? `code ${child.exitCode}`}) before ${url} was healthy`);
    if (now() - t0 > READY_TIMEOUT_MS) throw new Error(`${url} not healthy within ${READY_TIMEOUT_MS / 1000} s (last: ${last})`);
    const tick = now();
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) {
        await r.arrayBuffer();
        return now() - t0;
      }
      last = `HTTP ${r.status}: ${(await r.text()).slice(0, 300)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(Math.max(0, 100 - (now() - tick)));
  }
}

/** SIGKILLs the group and whatever names DATA_DIR, until nothing is left (at most 10 s). */
async function killAndWait(pgid: number, dataDir: string): Promise<void> {
  const deadline = now() + 10_000;
  for (;;) {
    killGroup(pgid, 'SIGKILL');
    for (const l of leftovers(pgid, dataDir)) killPid(Number(l.split(' ')[0]), 'SIGKILL');
    if (!leftovers(pgid, dataDir).length || now() > deadline) return;
    await sleep(100);
  }
}

function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

interface StatusView {
  workflowId: string;
  status: string;
  startedAt: string;
  closedAt: string | null;
  progress: { step: string; errors?: { step: string; message: string }[] } | null;
  result?: LoopResult;
  error?: string;
}

interface LoopResult {
  stepsRun?: string[];
  selected?: unknown[];
  content?: { scriptsCreated: number; videoIds: string[] };
  videos?: { videosGenerated: number; readyVideoIds: string[]; failed: { videoId: string; error: string }[] };
  approvals?: { approved: string[]; rejected: string[]; expired: string[] };
  publishing?: { published: { videoId: string; platform: string }[]; failed: { videoId: string; platform: string; error: string }[] };
}

function countOutbox(dataDir: string): { posts: Record<string, number>; incomplete: number } {
  const posts: Record<string, number> = {};
  let incomplete = 0;
  for (const platform of PLATFORMS) {
    const dir = path.join(dataDir, 'outbox', platform);
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      /* no post for this platform */
    }
    const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'));
    posts[platform] = folders.length;
    for (const f of folders) {
      if (!fs.existsSync(path.join(dir, f.name, 'video.mp4')) || !fs.existsSync(path.join(dir, f.name, 'metadata.json'))) incomplete++;
    }
  }
  return { posts, incomplete };
}

function checkOutcome(result: LoopResult, dataDir: string): DailyLoopRun['outcome'] {
  const published = result.publishing?.published ?? [];
  const publishFailures = result.publishing?.failed ?? [];
  const publishedByPlatform: Record<string, number> = Object.fromEntries(PLATFORMS.map((p) => [p, 0]));
  for (const p of published) publishedByPlatform[p.platform.toLowerCase()] = (publishedByPlatform[p.platform.toLowerCase()] ?? 0) + 1;
  const outbox = countOutbox(dataDir);
  const expected = MAX_PRODUCTS * PLATFORMS.length;
  const selected = result.selected?.length ?? 0;
  const videosReady = result.videos?.readyVideoIds.length ?? null;
  const shortfalls: string[] = [];
  if (selected < MAX_PRODUCTS) shortfalls.push(`${selected} products selected, not ${MAX_PRODUCTS}`);
  if (result.content && result.content.scriptsCreated < selected) shortfalls.push(`${result.content.scriptsCreated} scripts for ${selected} products`);
  if (!result.videos) shortfalls.push('the result has no videos section (the loop did not render)');
  for (const f of result.videos?.failed ?? []) shortfalls.push(`video ${f.videoId} failed: ${f.error.split('\n')[0].slice(0, 200)}`);
  if (result.approvals?.rejected.length) shortfalls.push(`${result.approvals.rejected.length} videos rejected despite autoApprove`);
  if (!result.publishing) shortfalls.push('the result has no publishing section');
  for (const f of publishFailures) shortfalls.push(`publish ${f.platform} ${f.videoId} failed: ${f.error.split('\n')[0].slice(0, 200)}`);
  const outboxTotal = Object.values(outbox.posts).reduce((a, b) => a + b, 0);
  if (outboxTotal !== published.length) shortfalls.push(`${outboxTotal} outbox post folders for ${published.length} publications in the result`);
  if (outbox.incomplete) shortfalls.push(`${outbox.incomplete} outbox folders without video.mp4 or metadata.json`);
  if (published.length < expected && !shortfalls.length) shortfalls.push(`${published.length} publications, not ${expected}, with no failure reported`);
  return {
    selected,
    scripts: result.content?.scriptsCreated ?? null,
    videosReady,
    videoFailures: result.videos?.failed ?? [],
    approved: result.approvals?.approved.length ?? null,
    expected,
    published: published.length,
    publishedByPlatform,
    publishFailures,
    outboxPosts: outbox.posts,
    outboxIncomplete: outbox.incomplete,
    complete: published.length === expected && outboxTotal === expected && !outbox.incomplete,
    shortfalls,
  };
}

async function runOnce(cfg: DailyConfig, run: number): Promise<DailyLoopRun> {
  fs.mkdirSync(BENCH_VAR_DIR, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(BENCH_VAR_DIR, 'daily-loop-'));
  const ports = await distinctFreePorts();
  const env = isolatedEnv(dataDir, ports, cfg);
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  const base = `http://127.0.0.1:${ports.PORT}`;
  const before1m = load1();

  const tStart = now();
  const child = spawn(tsx, ['scripts/start.ts'], { cwd: PROJECT_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid;
  if (pgid === undefined) {
    removeDir(dataDir);
    throw new Error('could not spawn tsx scripts/start.ts');
  }
  const handle: LiveRun = { pgid, dataDir };
  live.add(handle);
  const lines: string[] = [];
  let partial = '';
  const keep = (b: Buffer) => {
    const parts = (partial + b.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) if (l.trim()) lines.push(l);
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = exitPromise(child);
  const state: SamplerState = { currentStep: 'not started' };
  let sampler: ReturnType<typeof startMemorySampler> | undefined;
  let loadTimer: NodeJS.Timeout | undefined;
  let lastView: StatusView | undefined;

  try {
    const startToHealthyMs = await waitHealthy(`${base}/healthz`, child, tStart);

    sampler = startMemorySampler(pgid, state);
    let max1m = load1();
    loadTimer = setInterval(() => (max1m = Math.max(max1m, load1())), LOAD_SAMPLE_MS);
    const atPost1m = load1();
    const cpu0 = { worker: null as number | null, run: runCpuSec(pgid, dataDir), machine: machineBusySec() };
    const w0 = sampler.worker();
    cpu0.worker = w0 === null ? null : cpuSec(w0);

    // POST → COMPLETED
    const t0 = now();
    const r = await fetch(`${base}/orchestrator/daily-loop/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ maxProducts: MAX_PRODUCTS, autoApprove: true }),
      signal: AbortSignal.timeout(15_000),
    });
    const postMs = now() - t0;
    const started = (await r.json()) as { workflowId?: string; status?: string; error?: { message: string } };
    if (r.status !== 201 || !started.workflowId)
      throw new Error(
        `POST /orchestrator/daily-loop/start answered ${r.status}: ${JSON.stringify(started).slice(0, 500)} (expected 201 started on a fresh database)`,
      );
    state.currentStep = 'starting';

    const statusUrl = `${base}/orchestrator/daily-loop/status/${encodeURIComponent(started.workflowId)}`;
    const firstSeen = new Map<string, number>();
    let failingSince: number | null = null;
    let lastPollError = '';
    let loopMs = 0;
    const pollMs: number[] = [];
    for (;;) {
      const tick = now();
      if (tick - t0 > LOOP_TIMEOUT_MS) {
        throw new Error(
          `not COMPLETED within ${LOOP_TIMEOUT_MS / 60_000} min (last step ${state.currentStep}, last status ${lastView?.status ?? '-'}${lastPollError ? `, last poll error: ${lastPollError}` : ''})`,
        );
      }
      if (exitedAlready(child)) throw new Error(`npm start exited (${child.signalCode ?? `code ${child.exitCode}`}) during the loop`);
      let view: StatusView | undefined;
      try {
        const s = await fetch(statusUrl, { signal: AbortSignal.timeout(10_000) });
        if (s.ok) view = (await s.json()) as StatusView;
        else lastPollError = `HTTP ${s.status}: ${(await s.text()).slice(0, 300)}`;
      } catch (err) {
        lastPollError = (err as Error).message;
      }
      const at = now() - t0;
      pollMs.push(now() - tick);
      if (!view) {
        failingSince ??= tick;
        if (now() - failingSince > POLL_ERROR_BUDGET_MS) throw new Error(`status polls failing for ${POLL_ERROR_BUDGET_MS / 1000} s: ${lastPollError}`);
      } else {
        failingSince = null;
        lastView = view;
        const step = view.progress?.step;
        if (step) {
          state.currentStep = step;
          if (!firstSeen.has(step)) firstSeen.set(step, at);
        }
        if (view.status === 'COMPLETED') {
          loopMs = at;
          break;
        }
        if (view.status !== 'RUNNING') {
          const errs = (view.progress?.errors ?? []).map((e) => `${e.step}: ${e.message}`).join('; ');
          throw new Error(`workflow ${started.workflowId} ended ${view.status} at step ${state.currentStep}: ${view.error || errs || 'no error message'}`);
        }
      }
      await sleep(Math.max(0, STATUS_POLL_MS - (now() - tick)));
    }
    state.currentStep = 'completed';

    // Figures at COMPLETED, before anything stops.
    const memory = sampler.stop();
    sampler = undefined;
    clearInterval(loadTimer);
    loadTimer = undefined;
    const wEnd = memory.workerPids.at(-1);
    const workerEnd = wEnd === undefined ? null : cpuSec(wEnd);
    const runCpu = runCpuSec(pgid, dataDir) - cpu0.run;
    const machineCpu = machineBusySec() - cpu0.machine;
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    const cpu: CpuFigures = {
      workerCpuSec: workerEnd !== null && cpu0.worker !== null && memory.workerPids.length === 1 ? round1(workerEnd - cpu0.worker) : null,
      runCpuSec: round1(runCpu),
      machineCpuSec: round1(machineCpu),
      otherCpuSec: round1(Math.max(0, machineCpu - runCpu)),
      capacityCpuSec: round1((loopMs / 1000) * cores),
    };
    const la = os.loadavg();
    const load = {
      before1m: before1m,
      atPost1m,
      max1m: Math.max(max1m, load1()),
      atCompleted1m: load1(),
      atCompleted: la.map((x) => Math.round(x * 100) / 100) as [number, number, number],
    };

    const result = lastView!.result ?? {};
    const order = [...firstSeen.entries()].sort((a, b) => a[1] - b[1]);
    const steps: StepTiming[] = order.map(([step, t], i) => ({ step, firstSeenMs: round1(t), durationMs: round1((order[i + 1]?.[1] ?? loopMs) - t) }));
    const stepsUnseen = (result.stepsRun ?? []).filter((s) => !firstSeen.has(s));
    const workflowMs = lastView!.closedAt ? Date.parse(lastView!.closedAt) - Date.parse(lastView!.startedAt) : null;
    const outcome = checkOutcome(result, dataDir);

    // Stop like a user: Ctrl-C to the process group.
    const t1 = now();
    killGroup(pgid, 'SIGINT');
    const exit = await Promise.race([exited, sleep(EXIT_TIMEOUT_MS).then(() => null)]);
    const shutdownMs = now() - t1;
    const leftoverProcesses = leftovers(pgid, dataDir);
    let killed = false;
    if (leftoverProcesses.length) {
      const deadline = now() + STRAGGLER_GRACE_MS;
      while (leftovers(pgid, dataDir).length && now() < deadline) await sleep(100);
      if (leftovers(pgid, dataDir).length) {
        killed = true;
        await killAndWait(pgid, dataDir);
      }
    }
    live.delete(handle);
    removeDir(dataDir);
    if (partial.trim()) lines.push(partial);

    return {
      config: cfg.name,
      run,
      dataDir: path.relative(PROJECT_ROOT, dataDir),
      startToHealthyMs: round1(startToHealthyMs),
      postMs: round1(postMs),
      polls: { count: pollMs.length, medianMs: round1(median(pollMs)), maxMs: round1(Math.max(...pollMs)) },
      loopMs: round1(loopMs),
      workflowMs,
      steps,
      stepsUnseen,
      memory,
      cpu,
      load,
      outcome,
      warnings: lines.filter((l) => !isBannerLine(l)).map((l) => l.slice(0, 400)),
      shutdown: { ms: round1(shutdownMs), exitCode: exit?.code ?? null, exitSignal: exit ? exit.signal : 'no exit within 60 s', leftoverProcesses, killed },
    };
  } catch (err) {
    if (loadTimer) clearInterval(loadTimer);
    sampler?.stop();
    await killAndWait(pgid, dataDir);
    live.delete(handle);
    removeDir(dataDir);
    if (interrupted()) return parkUntilExit();
    const tail = [...lines, partial]
      .filter((l) => l.trim())
      .slice(-25)
      .join('\n');
    const progress = lastView ? `\n--- last status ---\n${JSON.stringify(lastView).slice(0, 1500)}` : '';
    throw new Error(`daily-loop run ${run} (${cfg.name}) failed: ${(err as Error).message}${progress}\n--- last output of npm start ---\n${tail}`, {
      cause: err,
    });
  }
}

/**
 * The banner and the stop message `npm start` prints at any log level, and the
 * warning every offline start gives by design (no API_TOKEN: loopback only).
 */
function isBannerLine(l: string): boolean {
  return (
    /^\s*(affiliate-empire is up|API |Temporal UI|Temporal |Database |Press Ctrl-C|affiliate-empire stopped cleanly)/.test(l) ||
    /"msg":"API_TOKEN is not set: the API listens on 127\.0\.0\.1 only/.test(l)
  );
}

// ---------------------------------------------------------------- all runs

function toolVersion(cmd: string, args: string[], re: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8' });
    return re.exec(out)?.[1] ?? out.split('\n')[0];
  } catch {
    return 'not installed';
  }
}

export async function runDailyLoop(
  runs = benchRuns({ BENCH_RUNS: process.env.BENCH_RUNS ?? String(DEFAULT_RUNS) }),
  configs = dailyConfigs(),
): Promise<DailyLoopResult> {
  installExitHook();
  const unregister = onInterrupt(async () => {
    for (const r of live) killGroup(r.pgid, 'SIGKILL');
    await sleep(300);
    for (const r of live) {
      await killAndWait(r.pgid, r.dataDir);
      removeDir(r.dataDir);
      live.delete(r);
    }
  });
  try {
    const machine = {
      ...machineInfo(await embeddedPostgresBinaryVersion()),
      ffmpeg: toolVersion('ffmpeg', ['-version'], /ffmpeg version (\S+)/),
      espeak: toolVersion('espeak-ng', ['--version'], /text-to-speech: (\S+)/),
    };
    const out: DailyConfigResult[] = [];
    const failures: DailyLoopResult['failures'] = [];
    console.log(
      `daily-loop: ${runs} run(s) × ${configs.length} configuration(s) of \`tsx scripts/start.ts\` + POST daily-loop/start {maxProducts: ${MAX_PRODUCTS}, autoApprove: true}, ` +
        `platforms ${PLATFORMS.join(', ')}; fresh DATA_DIR per run under ${path.relative(process.cwd(), BENCH_VAR_DIR)}/`,
    );
    for (const cfg of configs) {
      const results: DailyLoopRun[] = [];
      for (let i = 1; i <= runs; i++) {
        process.stdout.write(`  [${cfg.name}] run ${i}/${runs}: starting … `);
        let r: DailyLoopRun;
        try {
          r = await runOnce(cfg, i);
        } catch (err) {
          if (interrupted()) return parkUntilExit();
          // The runs done so far still count; this configuration's remaining runs are skipped.
          const error = (err as Error).message;
          failures.push({ config: cfg.name, run: i, error });
          console.log(`FAILED: ${error.split('\n')[0]}`);
          console.error(error);
          if (i < runs) console.log(`  [${cfg.name}] runs ${i + 1}..${runs} skipped`);
          break;
        }
        results.push(r);
        console.log(
          `healthy ${fmtMs(r.startToHealthyMs)}; loop ${fmtMs(r.loopMs)}; worker peak ${fmtMiB(r.memory.nodePeakMiB)} node / ${fmtMiB(r.memory.treePeakMiB)} tree; ` +
            `published ${r.outcome.published}/${r.outcome.expected}, outbox ${Object.values(r.outcome.outboxPosts).reduce((a, b) => a + b, 0)}; ` +
            `load ${r.load.atPost1m}→${r.load.atCompleted1m} (max ${r.load.max1m}); stop ${fmtMs(r.shutdown.ms)}`,
        );
      }
      out.push(summarize(cfg, results));
    }
    return {
      bench: 'daily-loop',
      runs,
      machine,
      maxProducts: MAX_PRODUCTS,
      platforms: PLATFORMS,
      targets: { loopMs: TARGET_LOOP_MS, memoryMiB: TARGET_MEM_MIB },
      configs: out,
      failures,
    };
  } finally {
    unregister();
  }
}

function summarize(cfg: DailyConfig, runs: DailyLoopRun[]): DailyConfigResult {
  if (!runs.length) return { config: cfg, runs, measurements: [], memory: [], stepMedians: [], allPublished: false };
  const tag = cfg.env.RENDER_CONCURRENCY || cfg.env.RENDER_PRESET ? `_c${cfg.renderConcurrency}_${cfg.renderPreset}` : '';
  const measurements = [
    measurement(
      `dailyLoopMs${tag}`,
      `daily loop, ${MAX_PRODUCTS} products, POST to COMPLETED`,
      runs.map((r) => r.loopMs),
      TARGET_LOOP_MS,
    ),
    measurement(
      `dailyStartMs${tag}`,
      'npm start (fresh DATA_DIR) to /healthz 200',
      runs.map((r) => r.startToHealthyMs),
    ),
  ];
  const wf = runs.map((r) => r.workflowMs);
  if (wf.every((x): x is number => x !== null)) measurements.push(measurement(`dailyWorkflowMs${tag}`, 'workflow start to close (Temporal)', wf));
  const memory = [
    memoryMeasurement(
      `workerTreePeakMiB${tag}`,
      'worker peak RSS, node + ffmpeg/espeak-ng',
      runs.map((r) => r.memory.treePeakMiB),
      TARGET_MEM_MIB,
    ),
    memoryMeasurement(
      `workerNodePeakMiB${tag}`,
      'worker peak RSS, node process alone',
      runs.map((r) => r.memory.nodePeakMiB),
    ),
    memoryMeasurement(
      `workerTreeAnonPeakMiB${tag}`,
      'worker peak RssAnon, node + children (no shared pages)',
      runs.map((r) => r.memory.treeAnonPeakMiB),
    ),
  ];
  const hwm = runs.map((r) => r.memory.nodeVmHwmMiB);
  if (hwm.every((x): x is number => x !== null)) memory.push(memoryMeasurement(`workerNodeVmHwmMiB${tag}`, 'worker node VmHWM at COMPLETED', hwm));
  // Steps in the loop's order (a short step some polls missed must not end up last).
  const allSteps: string[] = [];
  for (const r of runs) for (const s of r.steps) if (!allSteps.includes(s.step)) allSteps.push(s.step);
  const rank = (step: string) => {
    const i = STEP_ORDER.indexOf(step);
    return i === -1 ? STEP_ORDER.indexOf('(other)') : i;
  };
  allSteps.sort((a, b) => rank(a) - rank(b));
  const memOf = (step: string, k: 'nodePeakMiB' | 'treePeakMiB') => {
    const xs = runs.flatMap((r) => r.memory.byStep.filter((m) => m.step === step).map((m) => m[k]));
    return xs.length ? Math.max(...xs) : null;
  };
  const stepMedians = [
    {
      step: 'before POST',
      runs: runs.length,
      medianMs: NaN,
      minMs: NaN,
      maxMs: NaN,
      nodePeakMiB: memOf('before POST', 'nodePeakMiB'),
      treePeakMiB: memOf('before POST', 'treePeakMiB'),
    },
    ...allSteps.map((step) => {
      const xs = runs.flatMap((r) => r.steps.filter((s) => s.step === step).map((s) => s.durationMs));
      return {
        step,
        runs: xs.length,
        medianMs: round1(median(xs)),
        minMs: round1(Math.min(...xs)),
        maxMs: round1(Math.max(...xs)),
        nodePeakMiB: memOf(step, 'nodePeakMiB'),
        treePeakMiB: memOf(step, 'treePeakMiB'),
      };
    }),
  ];
  return { config: cfg, runs, measurements, memory, stepMedians, allPublished: runs.every((r) => r.outcome.complete) };
}

// ---------------------------------------------------------------- output

export function printMemoryMeasurements(ms: MemoryMeasurement[]): void {
  printTable(
    ['measurement', 'runs', 'median', 'min', 'max', 'target', 'median within target'],
    ms.map((m) => [
      m.label,
      String(m.samplesMiB.length),
      fmtMiB(m.medianMiB),
      fmtMiB(m.minMiB),
      fmtMiB(m.maxMiB),
      m.targetMiB === null ? '-' : `< ${fmtMiB(m.targetMiB)} (500 MB)`,
      m.withinTarget === null ? '-' : m.withinTarget ? 'yes' : 'NO',
    ]),
  );
}

export function printDailyLoop(r: DailyLoopResult): void {
  console.log(`\n=== daily loop: ${r.maxProducts} products, autoApprove, ${r.platforms.join(' + ')}, offline defaults ===`);
  printMachine(r.machine);
  console.log(`           ffmpeg ${r.machine.ffmpeg}, espeak-ng ${r.machine.espeak}`);
  for (const c of r.configs) {
    console.log(
      `\n  --- RENDER_CONCURRENCY ${c.config.renderConcurrency}, RENDER_PRESET ${c.config.renderPreset}${c.config.name.includes('defaults') ? ' (defaults)' : ''} ---\n`,
    );
    if (!c.runs.length) {
      console.log('  no run completed (see the failures below)');
      continue;
    }
    printTable(
      [
        'run',
        'to healthy',
        'loop',
        'workflow',
        'node at healthy',
        'node peak',
        'tree peak',
        'tree anon peak',
        'render tree peak',
        'node VmHWM',
        'ffmpeg max',
        'worker CPU',
        'other CPU',
        'load 1m post→done (max)',
        'published',
        'outbox',
        'stop',
      ],
      c.runs.map((x) => [
        String(x.run),
        fmtMs(x.startToHealthyMs),
        fmtMs(x.loopMs),
        fmtMs(x.workflowMs),
        fmtMiB(x.memory.nodeAtHealthyMiB),
        fmtMiB(x.memory.nodePeakMiB),
        fmtMiB(x.memory.treePeakMiB),
        fmtMiB(x.memory.treeAnonPeakMiB),
        fmtMiB(x.memory.renderTreePeakMiB),
        fmtMiB(x.memory.nodeVmHwmMiB),
        String(x.memory.maxConcurrentFfmpeg),
        x.cpu.workerCpuSec === null ? '-' : `${x.cpu.workerCpuSec} s`,
        `${x.cpu.otherCpuSec} s`,
        `${x.load.atPost1m}→${x.load.atCompleted1m} (${x.load.max1m})`,
        `${x.outcome.published}/${x.outcome.expected}`,
        Object.entries(x.outcome.outboxPosts)
          .map(([p, n]) => `${p[0]}${n}`)
          .join(' '),
        `${fmtMs(x.shutdown.ms)} ${x.shutdown.exitSignal ?? `code ${x.shutdown.exitCode}`}`,
      ]),
    );
    console.log(
      '\n  per step: time from the first poll that showed it to the first that showed the next (250 ms resolution);' +
        '\n  memory: highest VmRSS sampled while the polls showed the step, over all runs ("before POST": at /healthz 200;' +
        '\n  the worker may still be starting then, and finishes within the first second or two of the loop)\n',
    );
    const ms = (x: number) => (Number.isNaN(x) ? '-' : fmtMs(x));
    printTable(
      ['step', 'runs', 'median', 'min', 'max', 'node peak', 'tree peak'],
      c.stepMedians.map((s) => [s.step, String(s.runs), ms(s.medianMs), ms(s.minMs), ms(s.maxMs), fmtMiB(s.nodePeakMiB), fmtMiB(s.treePeakMiB)]),
    );
    console.log();
    printMeasurements(c.measurements);
    console.log();
    printMemoryMeasurements(c.memory);
    const peak = c.runs.reduce((a, b) => (b.memory.treePeakMiB > a.memory.treePeakMiB ? b : a));
    console.log(
      `\n  tree at its highest peak (run ${peak.run}): node ${fmtMiB(peak.memory.treeAtPeak.nodeMiB)}` +
        (peak.memory.treeAtPeak.children.length
          ? ` + ${peak.memory.treeAtPeak.children.map((k) => `${k.comm} ${fmtMiB(k.rssMiB)}`).join(' + ')}`
          : ' (no child process)') +
        `; samples every ${MEM_SAMPLE_MS} ms, longest gap ${Math.max(...c.runs.map((x) => x.memory.maxSampleGapMs))} ms` +
        `\n  status polls: ${c.runs.map((x) => `run ${x.run} ${x.polls.count} (median ${fmtMs(x.polls.medianMs)}, max ${fmtMs(x.polls.maxMs)})`).join(', ')}`,
    );
    console.log(
      `  every run published ${r.maxProducts} × ${r.platforms.length} = ${r.maxProducts * r.platforms.length} and the outbox holds them: ${c.allPublished ? 'yes' : 'NO'}`,
    );
    for (const x of c.runs) {
      const notes = [
        ...x.outcome.shortfalls.map((s) => `shortfall: ${s}`),
        ...(x.stepsUnseen.length ? [`steps no poll saw (shorter than ${STATUS_POLL_MS} ms): ${x.stepsUnseen.join(', ')}`] : []),
        ...(x.memory.workerPids.length > 1 ? [`the worker restarted during the loop (pids ${x.memory.workerPids.join(', ')})`] : []),
        ...(x.memory.workerPids.length === 0 ? ['the worker process was never found: no memory figures'] : []),
        ...(x.shutdown.exitCode !== 0 ? [`npm start exited ${x.shutdown.exitSignal ?? `code ${x.shutdown.exitCode}`} after SIGINT`] : []),
        ...(x.shutdown.leftoverProcesses.length
          ? [`left at exit: ${x.shutdown.leftoverProcesses.join('; ')}${x.shutdown.killed ? ' (killed)' : ' (gone within the grace period)'}`]
          : []),
        ...(x.warnings.length ? [`${x.warnings.length} warning/error log line(s), first: ${x.warnings[0].slice(0, 300)}`] : []),
      ];
      for (const n of notes) console.log(`  run ${x.run}: ${n}`);
    }
  }
  for (const f of r.failures) console.log(`\n  FAILED: [${f.config}] run ${f.run}: ${f.error.split('\n')[0]}`);
  console.log();
}

if (isMain(import.meta.url)) {
  const result = await runDailyLoop().catch((err: unknown) => (interrupted() ? parkUntilExit() : Promise.reject(err)));
  printDailyLoop(result);
  printJsonLine(result);
  if (result.failures.length) process.exitCode = 1;
}
