// Benchmark: the memory of each worker role while a 10-product daily loop renders.
//
//   npx tsx bench/worker-memory.ts        (BENCH_RUNS=n runs, default 3)
//
// Each run spawns `scripts/start.ts` (what `npm start` runs) with START_WORKERS=orchestration,render,
// a fresh DATA_DIR, free ports and LOG_LEVEL=warn, starts a 10-product run with autoApprove on
// every platform through the API, and until it completes samples every 100 ms the VmRSS of each
// worker process and of all its descendants (ffmpeg, espeak-ng, piper) at the same instant.
// Reported per role: the peak of the whole process tree (node + children) and of node alone.
// Targets (issue 14): orchestration tree < 300 MB, render tree < 500 MB including ffmpeg.
// MB here is MiB (VmRSS is in KiB). Linux only (/proc).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/embedded/temporal.js';
import { descendants } from '../test/support/supervised.js';
import { BENCH_VAR_DIR, benchRuns, fmtMs, median, onInterrupt, PROJECT_ROOT, sleep } from './lib.js';

const TARGET_MIB = { orchestration: 300, render: 500 } as const;
type Role = keyof typeof TARGET_MIB;

interface RunResult {
  loopMs: number;
  peaks: Record<Role, { treeMiB: number; nodeMiB: number; childrenAtPeak: string }>;
  videos: number;
}

function readProc(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function rssKiB(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(readProc(`/proc/${pid}/status`) ?? '')?.[1] ?? 0);
}

async function oneRun(): Promise<RunResult> {
  const dataDir = fs.mkdtempSync(path.join(BENCH_VAR_DIR, 'worker-memory-'));
  const ports = { PORT: await freePort(), EMBEDDED_PG_PORT: await freePort(), TEMPORAL_DEV_PORT: await freePort(), TEMPORAL_UI_PORT: await freePort() };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    START_WORKERS: 'orchestration,render',
    FETCH_PRODUCT_IMAGES: 'false',
  };
  for (const k of ['VOICE', 'RENDER_THREADS', 'RENDER_PRESET', 'RENDER_CONCURRENCY'] as const) if (process.env[k]) env[k] = process.env[k];
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', path.join(PROJECT_ROOT, 'node_modules/tsx/dist/loader.mjs'), 'scripts/start.ts'], {
    cwd: PROJECT_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b) => (output += b));
  child.stderr!.on('data', (b) => (output += b));
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      // gone
    }
  };
  const off = onInterrupt(kill);
  try {
    const api = `http://127.0.0.1:${ports.PORT}`;
    for (let t = Date.now(); !output.includes('Press Ctrl-C'); await sleep(200)) {
      if (Date.now() - t > 120_000 || child.exitCode !== null) throw new Error(`npm start did not come up:\n${output.slice(-2000)}`);
    }
    const peaks = {} as RunResult['peaks'];
    for (const role of Object.keys(TARGET_MIB) as Role[]) peaks[role] = { treeMiB: 0, nodeMiB: 0, childrenAtPeak: '' };
    const t0 = Date.now();
    const start = await fetch(`${api}/orchestrator/daily-loop/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ maxProducts: 10, autoApprove: true }),
    }).then((r) => r.json() as Promise<{ workflowId: string; runId: string }>);
    let status: { status: string; result?: { videos?: { readyVideoIds: string[] } } } = { status: 'RUNNING' };
    let lastPoll = 0;
    while (status.status === 'RUNNING') {
      if (Date.now() - t0 > 20 * 60_000) throw new Error('the loop did not complete within 20 minutes');
      for (const pid of descendants(child.pid!)) {
        const role = (/(?:worker\/index\.ts|scripts\/worker\.js) (orchestration|render)/.exec((readProc(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ')) ??
          [])[1] as Role | undefined;
        if (!role) continue;
        const kids = descendants(pid);
        const node = rssKiB(pid) / 1024;
        const tree = node + kids.reduce((a, k) => a + rssKiB(k) / 1024, 0);
        const p = peaks[role];
        p.nodeMiB = Math.max(p.nodeMiB, node);
        if (tree > p.treeMiB) {
          p.treeMiB = tree;
          p.childrenAtPeak = kids.map((k) => `${(readProc(`/proc/${k}/comm`) ?? '?').trim()} ${Math.round(rssKiB(k) / 1024)}`).join(', ');
        }
      }
      if (Date.now() - lastPoll > 1000) {
        lastPoll = Date.now();
        // A poll that fails (the API busy, Temporal restarting) keeps the last status.
        const next = await fetch(`${api}/orchestrator/daily-loop/status/${start.workflowId}`)
          .then((r) => r.json() as Promise<typeof status>)
          .catch(() => status);
        if (typeof next?.status === 'string') status = next;
      }
      await sleep(100);
    }
    if (status.status !== 'COMPLETED') throw new Error(`the run ended ${status.status}`);
    return { loopMs: Date.now() - t0, peaks, videos: status.result?.videos?.readyVideoIds.length ?? 0 };
  } finally {
    kill();
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    off();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

fs.mkdirSync(BENCH_VAR_DIR, { recursive: true });
const runs = benchRuns({ BENCH_RUNS: process.env.BENCH_RUNS ?? '3' });
const results: RunResult[] = [];
for (let i = 0; i < runs; i++) {
  const r = await oneRun();
  results.push(r);
  console.log(
    `run ${i + 1}: loop ${fmtMs(r.loopMs)}, ${r.videos} videos; ` +
      (Object.keys(r.peaks) as Role[])
        .map(
          (role) =>
            `${role} tree ${Math.round(r.peaks[role].treeMiB)} MiB (node ${Math.round(r.peaks[role].nodeMiB)}; at peak: ${r.peaks[role].childrenAtPeak || 'no children'})`,
        )
        .join('; '),
  );
}
console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`);
for (const role of Object.keys(TARGET_MIB) as Role[]) {
  const trees = results.map((r) => r.peaks[role].treeMiB);
  const nodes = results.map((r) => r.peaks[role].nodeMiB);
  const m = median(trees);
  console.log(
    `${role.padEnd(13)} tree peak median ${Math.round(m)} MiB (min ${Math.round(Math.min(...trees))}, max ${Math.round(Math.max(...trees))}), node alone ${Math.round(median(nodes))} MiB; target < ${TARGET_MIB[role]} MB: ${m * 1.048576 < TARGET_MIB[role] ? 'met' : 'NOT met'}`,
  );
}
console.log(`loop median ${fmtMs(median(results.map((r) => r.loopMs)))}`);
