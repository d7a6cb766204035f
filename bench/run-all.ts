// All benchmarks in sequence, then one combined summary and one JSON line.
//
//   npm run bench          (BENCH_RUNS=n runs per measurement; default 5, and 3 for
//                           the long render and daily-loop benchmarks)
//
// Order: sync-rank, startup, render, chat-media, daily-loop (BENCH_DAILY_CONFIGS as in bench/daily-loop.ts).
// A benchmark that fails is reported and the next one still runs; the exit code
// is 1 only then. Missing a target is a number to look at, not a failure.
import { printChatMediaBench, runChatMediaBench, type ChatMediaBenchResult } from './chat-media.js';
import { printDailyLoop, runDailyLoop, type DailyLoopResult } from './daily-loop.js';
import {
  benchRuns,
  fmtMiB,
  fmtMs,
  interrupted,
  parkUntilExit,
  printJsonLine,
  printMachine,
  printTable,
  type Measurement,
  type MemoryMeasurement,
} from './lib.js';
import { printRenderBench, runRenderBench, type RenderBenchResult } from './render.js';
import { printStartup, runStartup, type StartupResult } from './startup.js';
import { printSyncRank, runSyncRank, type SyncRankResult } from './sync-rank.js';

const runs = benchRuns();
/** The render and daily-loop benchmarks take minutes per run: 3 runs unless BENCH_RUNS says otherwise. */
const longRuns = benchRuns({ BENCH_RUNS: process.env.BENCH_RUNS ?? '3' });
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
const render: RenderBenchResult | undefined = await attempt('render', () => runRenderBench(longRuns));
if (render) printRenderBench(render);
const chatMedia: ChatMediaBenchResult | undefined = await attempt('chat-media', () => runChatMediaBench(runs, longRuns));
if (chatMedia) printChatMediaBench(chatMedia);
const dailyLoop: DailyLoopResult | undefined = await attempt('daily-loop', () => runDailyLoop(longRuns));
if (dailyLoop) printDailyLoop(dailyLoop);
for (const f of dailyLoop?.failures ?? []) errors.push({ bench: `daily-loop [${f.config}] run ${f.run}`, error: f.error });

console.log('\n=== summary ===');
const machine = syncRank?.machine ?? startup?.machine ?? dailyLoop?.machine;
if (machine) printMachine(machine);
console.log(`  runs per measurement: ${runs} (startup: run 1 cold, runs 2..${runs} warm); render and daily-loop: ${longRuns}\n`);

const timeRow = (bench: string, m: Measurement): string[] => [
  bench,
  m.label,
  String(m.samplesMs.length),
  fmtMs(m.medianMs),
  fmtMs(m.minMs),
  fmtMs(m.maxMs),
  m.targetMs === null ? '-' : `< ${fmtMs(m.targetMs)}`,
  m.withinTarget === null ? '-' : m.withinTarget ? 'yes' : 'NO',
];
const memoryRow = (bench: string, m: MemoryMeasurement): string[] => [
  bench,
  m.label,
  String(m.samplesMiB.length),
  fmtMiB(m.medianMiB),
  fmtMiB(m.minMiB),
  fmtMiB(m.maxMiB),
  m.targetMiB === null ? '-' : `< ${fmtMiB(m.targetMiB)}`,
  m.withinTarget === null ? '-' : m.withinTarget ? 'yes' : 'NO',
];
const rows: string[][] = [
  ...(syncRank?.measurements ?? []).map((m) => timeRow('sync-rank', m)),
  ...(startup?.measurements ?? []).map((m) => timeRow('startup', m)),
  ...(render?.measurements ?? []).map((m) => timeRow('render', m)),
  ...(chatMedia?.measurements ?? []).map((m) => timeRow('chat-media', m)),
];
if (render) {
  rows.push([
    'render',
    'real-time multiple (video s / median wall s)',
    String(render.measurements[0].samplesMs.length),
    `${render.realtimeMultiple}x`,
    '',
    '',
    '>= 2x',
    render.withinTargets.realtime ? 'yes' : 'NO',
  ]);
  rows.push([
    'render',
    'FfmpegRenderer / bare ffmpeg (medians)',
    String(render.measurements[0].samplesMs.length),
    String(render.oursOverBare),
    '',
    '',
    '<= 1.5',
    render.withinTargets.ratio ? 'yes' : 'NO',
  ]);
}
for (const c of dailyLoop?.configs ?? []) {
  const bench = dailyLoop!.configs.length > 1 ? `daily-loop c${c.config.renderConcurrency} ${c.config.renderPreset}` : 'daily-loop';
  rows.push(...c.measurements.map((m) => timeRow(bench, m)), ...c.memory.map((m) => memoryRow(bench, m)));
}
printTable(['bench', 'measurement', 'runs', 'median', 'min', 'max', 'target', 'median within target'], rows, 2);
if (startup) console.log(`\n  npm start shutdown clean in every run: ${startup.clean ? 'yes' : 'NO (see the startup table above)'}`);
for (const c of dailyLoop?.configs ?? []) {
  console.log(
    `  daily loop (RENDER_CONCURRENCY ${c.config.renderConcurrency}, ${c.config.renderPreset}): every run published ${dailyLoop!.maxProducts} × ${dailyLoop!.platforms.length}: ` +
      (c.allPublished ? 'yes' : 'NO (see the daily-loop section above)'),
  );
}
for (const e of errors) console.log(`  ${e.bench} did not complete: ${e.error.split('\n')[0]}`);
console.log();

printJsonLine({
  bench: 'all',
  runs,
  longRuns,
  machine,
  syncRank: syncRank ?? null,
  startup: startup ?? null,
  render: render ?? null,
  chatMedia: chatMedia ?? null,
  dailyLoop: dailyLoop ?? null,
  errors,
});
if (errors.length) process.exitCode = 1;
