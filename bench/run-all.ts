// All benchmarks in sequence, then one combined summary and one JSON line.
//
//   npm run bench          (BENCH_RUNS=n runs per measurement, default 5)
//
// A benchmark that fails is reported and the next one still runs; the exit code
// is 1 only then. Missing a target is a number to look at, not a failure.
import { benchRuns, fmtMs, interrupted, parkUntilExit, printJsonLine, printMachine, printTable, type Measurement } from './lib.js';
import { printStartup, runStartup, type StartupResult } from './startup.js';
import { printSyncRank, runSyncRank, type SyncRankResult } from './sync-rank.js';

const runs = benchRuns();
const errors: { bench: string; error: string }[] = [];

async function attempt<T>(bench: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (interrupted()) return parkUntilExit();
    const error = err instanceof Error ? err.message : String(err);
    errors.push({ bench, error });
    console.error(`\n${bench} FAILED: ${error}\n`);
    return undefined;
  }
}

const syncRank: SyncRankResult | undefined = await attempt('sync-rank', () => runSyncRank(runs));
if (syncRank) printSyncRank(syncRank);
const startup: StartupResult | undefined = await attempt('startup', () => runStartup(runs));
if (startup) printStartup(startup);

console.log('\n=== summary ===');
const machine = syncRank?.machine ?? startup?.machine;
if (machine) printMachine(machine);
console.log(`  runs per measurement: ${runs} (startup: run 1 cold, runs 2..${runs} warm)\n`);
const rows: [string, Measurement][] = [
  ...(syncRank?.measurements ?? []).map((m): [string, Measurement] => ['sync-rank', m]),
  ...(startup?.measurements ?? []).map((m): [string, Measurement] => ['startup', m]),
];
printTable(
  ['bench', 'measurement', 'runs', 'median', 'min', 'max', 'target', 'median within target'],
  rows.map(([bench, m]) => [
    bench,
    m.label,
    String(m.samplesMs.length),
    fmtMs(m.medianMs),
    fmtMs(m.minMs),
    fmtMs(m.maxMs),
    m.targetMs === null ? '-' : `< ${fmtMs(m.targetMs)}`,
    m.withinTarget === null ? '-' : m.withinTarget ? 'yes' : 'NO',
  ]),
  2,
);
if (startup) console.log(`\n  npm start shutdown clean in every run: ${startup.clean ? 'yes' : 'NO (see the startup table above)'}`);
for (const e of errors) console.log(`  ${e.bench} did not complete: ${e.error.split('\n')[0]}`);
console.log();

printJsonLine({ bench: 'all', runs, machine, syncRank: syncRank ?? null, startup: startup ?? null, errors });
if (errors.length) process.exitCode = 1;
