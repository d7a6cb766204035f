// Benchmark: `npm start` until GET /healthz answers 200, then a clean shutdown.
//
//   npx tsx bench/startup.ts          (BENCH_RUNS=n runs, default 5)
//
// Each run spawns `tsx scripts/start.ts` in its own process group with an
// isolated environment: no inherited configuration variables, DATA_DIR under
// var/bench/startup/ (shared by all runs, so run 1 is cold: initdb and
// migrations; runs 2..n are warm) and free ports for the API, PostgreSQL, the
// Temporal dev server and its UI. Once /healthz is green it sends SIGTERM to
// the child, times its exit, and checks that nothing it started is left
// running or listening. On any failure the whole process group is killed.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES } from '../src/config.js';
import { freePort, portInUse } from '../src/embedded/temporal.js';
import {
  BENCH_VAR_DIR,
  benchRuns,
  embeddedPostgresBinaryVersion,
  fmtMs,
  interrupted,
  isMain,
  machineInfo,
  measurement,
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
} from './lib.js';

const TARGET_WARM_MS = 20_000;
const POLL_MS = 100;
const READY_TIMEOUT_MS = 180_000;
const EXIT_TIMEOUT_MS = 60_000;
/** How long processes left behind by the child may take to go on their own before they are killed. */
const STRAGGLER_GRACE_MS = 10_000;
/** Kept from the caller's environment although they are configuration variables: where tools are, not state. */
const KEEP = new Set(['TEMPORAL_CLI_PATH']);

interface Ports {
  PORT: number;
  EMBEDDED_PG_PORT: number;
  TEMPORAL_DEV_PORT: number;
  TEMPORAL_UI_PORT: number;
}

export interface StartupRun {
  run: number;
  kind: 'cold' | 'warm';
  readyMs: number;
  shutdownMs: number;
  /** SIGTERM until no process of the run is alive and no port listens; null if stragglers had to be killed. */
  allGoneMs: number | null;
  exitCode: number | null;
  exitSignal: string | null;
  /** Ports (of the four given to the child) still accepting connections right after it exited. */
  portsStillListening: number[];
  /** Processes of the child's group, or naming its DATA_DIR, still alive right after it exited. */
  leftoverProcesses: string[];
  ports: Ports;
}

export interface StartupResult {
  bench: 'startup';
  runs: number;
  machine: MachineInfo;
  dataDir: string;
  results: StartupRun[];
  measurements: Measurement[];
  clean: boolean;
}

/** Process groups this benchmark started and has not seen exit; killed on any way out. */
const liveGroups = new Set<number>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  const killAll = () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  };
  process.on('exit', killAll);
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

export async function runStartup(runs = benchRuns()): Promise<StartupResult> {
  installExitHooks();
  const root = path.join(BENCH_VAR_DIR, 'startup');
  fs.mkdirSync(root, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(root, 'data-'));
  const unregister = onInterrupt(async () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
    await sleep(500); // let the killed processes let go of their files
    fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  });
  const machine = machineInfo(await embeddedPostgresBinaryVersion());
  const results: StartupRun[] = [];
  try {
    console.log(`startup: ${runs} run(s) of \`tsx scripts/start.ts\`, DATA_DIR ${path.relative(process.cwd(), dataDir)} (run 1 cold, then warm)`);
    for (let i = 1; i <= runs; i++) {
      const r = await startOnce(i, dataDir);
      results.push(r);
      const leaks = r.portsStillListening.length + r.leftoverProcesses.length;
      console.log(
        `  run ${i}/${runs} (${r.kind}): healthy after ${fmtMs(r.readyMs)}, exited ${fmtMs(r.shutdownMs)} after SIGTERM` +
          ` (${r.exitSignal ?? `code ${r.exitCode}`}), ` +
          (leaks
            ? `LEFT BEHIND at its exit: ports [${r.portsStillListening.join(', ')}], processes [${r.leftoverProcesses.join('; ')}]; ` +
              (r.allGoneMs === null ? `still there ${STRAGGLER_GRACE_MS / 1000} s later: killed` : `all gone ${fmtMs(r.allGoneMs)} after SIGTERM`)
            : 'nothing left behind'),
      );
    }
  } finally {
    unregister();
    fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  }
  const cold = results.filter((r) => r.kind === 'cold');
  const warm = results.filter((r) => r.kind === 'warm');
  const measurements = [
    measurement(
      'coldStartMs',
      'cold start (initdb + migrations) to /healthz 200',
      cold.map((r) => r.readyMs),
    ),
    ...(warm.length
      ? [
          measurement(
            'warmStartMs',
            'warm start to /healthz 200',
            warm.map((r) => r.readyMs),
            TARGET_WARM_MS,
          ),
        ]
      : []),
    measurement(
      'shutdownMs',
      'SIGTERM to exit of the child (all runs)',
      results.map((r) => r.shutdownMs),
    ),
  ];
  const allGone = results.map((r) => r.allGoneMs);
  if (allGone.every((x): x is number => x !== null)) {
    measurements.push(measurement('allGoneMs', 'SIGTERM to all processes gone, ports free', allGone));
  }
  return {
    bench: 'startup',
    runs,
    machine,
    dataDir: path.relative(PROJECT_ROOT, dataDir),
    results,
    measurements,
    clean: results.every((r) => !r.portsStillListening.length && !r.leftoverProcesses.length && r.exitCode === 0),
  };
}

async function startOnce(run: number, dataDir: string): Promise<StartupRun> {
  const ports = await distinctFreePorts();
  const env = isolatedEnv(dataDir, ports);
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  const kind = run === 1 ? 'cold' : 'warm';

  const t0 = now();
  const child = spawn(tsx, ['scripts/start.ts'], { cwd: PROJECT_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error('startup: could not spawn tsx scripts/start.ts');
  liveGroups.add(pgid);
  let output = '';
  const keep = (b: Buffer) => (output = (output + b.toString()).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = exitPromise(child);

  try {
    const readyMs = await waitHealthy(`http://127.0.0.1:${ports.PORT}/healthz`, child, t0);

    const t1 = now();
    child.kill('SIGTERM');
    const exit = await Promise.race([exited, sleep(EXIT_TIMEOUT_MS).then(() => null)]);
    if (!exit) throw new Error(`did not exit within ${EXIT_TIMEOUT_MS / 1000} s of SIGTERM`);
    const shutdownMs = now() - t1;

    // Checked at once: the child should exit only after stopping everything it started.
    const portsStillListening = await listening(ports);
    const leftoverProcesses = leftovers(pgid, dataDir);
    // Then give stragglers a grace period to go on their own, and kill what is left (ours: it must not leak into the next run).
    let allGoneMs: number | null = null;
    for (;;) {
      if (!leftovers(pgid, dataDir).length && !(await listening(ports)).length) {
        allGoneMs = now() - t1;
        break;
      }
      if (now() - t1 > shutdownMs + STRAGGLER_GRACE_MS) break;
      await sleep(POLL_MS);
    }
    if (allGoneMs === null) await killAndWait(pgid, dataDir, ports);
    liveGroups.delete(pgid);

    return {
      run,
      kind,
      readyMs: round1(readyMs),
      shutdownMs: round1(shutdownMs),
      allGoneMs: allGoneMs === null ? null : round1(allGoneMs),
      exitCode: exit.code,
      exitSignal: exit.signal,
      portsStillListening,
      leftoverProcesses,
      ports,
    };
  } catch (err) {
    await killAndWait(pgid, dataDir, ports);
    liveGroups.delete(pgid);
    throw new Error(
      `startup run ${run} (${kind}) failed: ${(err as Error).message}\n--- last output of npm start ---\n${output.trim().split('\n').slice(-25).join('\n')}`,
      { cause: err },
    );
  }
}

async function listening(ports: Ports): Promise<number[]> {
  const open: number[] = [];
  for (const p of Object.values(ports)) if (await portInUse(p)) open.push(p);
  return open;
}

/** SIGKILLs the group and whatever names DATA_DIR, and waits (up to 10 s) until they are gone, so the next run starts clean. */
async function killAndWait(pgid: number, dataDir: string, ports: Ports): Promise<void> {
  const deadline = now() + 10_000;
  for (;;) {
    killGroup(pgid, 'SIGKILL');
    for (const line of leftovers(pgid, dataDir)) {
      try {
        process.kill(Number(line.split(' ')[0]), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if ((!leftovers(pgid, dataDir).length && !(await listening(ports)).length) || now() > deadline) return;
    await sleep(POLL_MS);
  }
}

function exitPromise(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

async function waitHealthy(url: string, child: ChildProcess, t0: number): Promise<number> {
  let last = 'no answer yet';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`npm start exited (${child.signalCode ?? `code ${child.exitCode}`}) before ${url} was healthy`);
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
    await sleep(Math.max(0, POLL_MS - (now() - tick)));
  }
}

/** The caller's environment without any of the app's configuration variables, plus this run's. */
function isolatedEnv(dataDir: string, ports: Ports): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of CONFIG_VARIABLES) if (!KEEP.has(key)) delete env[key];
  delete env.BENCH_RUNS;
  return {
    ...env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    PORT: String(ports.PORT),
    EMBEDDED_PG_PORT: String(ports.EMBEDDED_PG_PORT),
    TEMPORAL_DEV_PORT: String(ports.TEMPORAL_DEV_PORT),
    TEMPORAL_UI_PORT: String(ports.TEMPORAL_UI_PORT),
  };
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

/**
 * Live processes in the child's process group, or whose command line names its
 * DATA_DIR (PostgreSQL's server processes start their own sessions). Linux /proc.
 */
function leftovers(pgid: number, dataDir: string): string[] {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …; comm may contain spaces and parentheses
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (Number(fields[2]) === pgid || cmd.includes(dataDir)) found.push(`${pid} ${cmd.slice(0, 120)}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

export function printStartup(r: StartupResult): void {
  console.log('\nstartup results');
  printMachine(r.machine);
  console.log();
  printTable(
    ['run', 'kind', 'to /healthz 200', 'SIGTERM to exit', 'exit', 'ports listening at exit', 'processes left at exit', 'all gone after'],
    r.results.map((x) => [
      String(x.run),
      x.kind,
      fmtMs(x.readyMs),
      fmtMs(x.shutdownMs),
      x.exitSignal ?? String(x.exitCode),
      x.portsStillListening.length ? x.portsStillListening.join(',') : 'none',
      String(x.leftoverProcesses.length),
      x.allGoneMs === null ? `> ${STRAGGLER_GRACE_MS / 1000} s, killed` : fmtMs(x.allGoneMs),
    ]),
    2,
  );
  console.log();
  printMeasurements(r.measurements);
  console.log(`\n  shutdown clean in every run (exit 0, no port listening, no process left): ${r.clean ? 'yes' : 'NO'}\n`);
}

if (isMain(import.meta.url)) {
  const result = await runStartup().catch((err: unknown) => (interrupted() ? parkUntilExit() : Promise.reject(err)));
  printStartup(result);
  printJsonLine(result);
}
