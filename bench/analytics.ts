// Benchmark: collectAnalytics over a realistic month of data in a real PostgreSQL.
//
//   npx tsx bench/analytics.ts          (BENCH_RUNS=n for n runs per measurement, default 5;
//                                        BENCH_EXPLAIN=1 also prints the query plan of the 30-day run)
//
// Starts its own ephemeral embedded PostgreSQL (free port, data under
// var/bench/analytics/), applies the migrations, and seeds in SQL (generate_series):
//   10,000 products; 2,000 of them with a content (4 template variants) and a video,
//   each published on 3 platforms; 1,000,000 click events over 30 days (5 % bots,
//   1 % without a video); 60,000 view snapshots (YouTube, one per video and day);
//   50,000 earnings rows (90 % our tracking id, 2 % ASINs not in the catalog);
//   5,000 cost entries. Then VACUUM ANALYZE (as autovacuum would have done) and
// measures collectAnalytics over the last 7 days and over all 30 days.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { collectAnalytics, type AnalyticsResult } from '../src/analytics/collect.js';
import { LocalMediaStorage } from '../src/providers/storage/local.js';
import { analyticsActivities } from '../src/temporal/activities/analytics.js';
import { createDb, type Db } from '../src/db.js';
import { migrateDeploy } from '../src/embedded/migrate.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../src/embedded/postgres.js';
import { freePort } from '../src/embedded/temporal.js';
import {
  BENCH_VAR_DIR,
  benchRuns,
  fmtMs,
  interrupted,
  isMain,
  machineInfo,
  measurement,
  onInterrupt,
  parkUntilExit,
  printJsonLine,
  printMachine,
  printMeasurements,
  timed,
  type MachineInfo,
  type Measurement,
} from './lib.js';

const PRODUCTS = 10_000;
const VIDEOS = 2_000;
const CLICKS = 1_000_000;
const EARNINGS = 50_000;
const COSTS = 5_000;
const DAYS = 30;
const PERIOD_START = '2026-10-01T00:00:00Z';
const OUR_TAG = 'affiliateempire-20';
const TARGET_MS = 5_000;

export interface AnalyticsBenchResult {
  bench: 'analytics';
  runs: number;
  machine: MachineInfo;
  setup: { postgresStartMs: number; migrateMs: number; seedMs: number; vacuumAnalyzeMs: number };
  data: Record<string, number>;
  result30d: { byProduct: number; byVideo: number; clicks: number; earnings: number; roi: number | null };
  measurements: Measurement[];
}

/** Every statement seeds one table; ids are deterministic ('p1', 'v1', …) so the tables can be joined by formula. */
const SEED: { table: string; sql: string }[] = [
  {
    table: 'Product',
    sql: `INSERT INTO "Product" (id, asin, title, brand, category, price, "commissionRate", "detailPageUrl", "updatedAt")
      SELECT 'p' || i, 'B' || lpad(i::text, 9, '0'), 'Product ' || i, 'Brand ' || (i % 300), 'Category ' || (i % 13),
             (5 + (i % 200))::numeric, 0.04, 'https://www.amazon.com/dp/B' || lpad(i::text, 9, '0'), now()
      FROM generate_series(1, ${PRODUCTS}) AS i`,
  },
  {
    table: 'Content',
    sql: `INSERT INTO "Content" (id, "productId", language, "templateVariant", hook, script, title, description, "trackingCode", "workflowId", "runId", "updatedAt")
      SELECT 'c' || i, 'p' || (i * 5), 'en', (ARRAY['problem-solution','listicle','question-hook','before-after'])[1 + i % 4],
             'hook', 'script', 'title', 'description', 'T' || lpad(i::text, 7, '0'), 'daily-bench', 'run-' || i, now()
      FROM generate_series(1, ${VIDEOS}) AS i`,
  },
  {
    table: 'Video',
    sql: `INSERT INTO "Video" (id, "contentId", "productId", status, "createdAt", "updatedAt")
      SELECT 'v' || i, 'c' || i, 'p' || (i * 5), 'PUBLISHED',
             timestamp '${PERIOD_START.replace('Z', '')}' + (i % ${DAYS}) * interval '1 day' - interval '2 days', now()
      FROM generate_series(1, ${VIDEOS}) AS i`,
  },
  {
    table: 'Publication',
    sql: `INSERT INTO "Publication" (id, "videoId", platform, status, "publishedAt", "updatedAt")
      SELECT 'pub-' || i || '-' || pl, 'v' || i, pl, 'PUBLISHED',
             timestamp '${PERIOD_START.replace('Z', '')}' + (i % ${DAYS}) * interval '1 day' - interval '1 day', now()
      FROM generate_series(1, ${VIDEOS}) AS i, unnest(enum_range(NULL::"Platform")) AS pl`,
  },
  {
    // Clicks favour some videos (the square of a uniform number), like real traffic.
    table: 'ClickEvent',
    sql: `INSERT INTO "ClickEvent" ("videoId", code, platform, "userAgent", "isBot", "clickedAt")
      SELECT CASE WHEN g % 100 = 0 THEN NULL ELSE 'v' || vi END,
             'T' || lpad(vi::text, 7, '0') || '-' || (ARRAY['yt','tt','ig'])[1 + g % 3],
             (enum_range(NULL::"Platform"))[1 + g % 3],
             'Mozilla/5.0', g % 20 = 0,
             timestamp '${PERIOD_START.replace('Z', '')}' + random() * interval '${DAYS} days'
      FROM (SELECT g, 1 + floor(${VIDEOS} * random() ^ 2)::int AS vi FROM generate_series(1, ${CLICKS}) AS g) s`,
  },
  {
    table: 'AnalyticsSnapshot',
    sql: `INSERT INTO "AnalyticsSnapshot" (id, "productId", "publicationId", platform, date, views, source)
      SELECT 'snap-' || i || '-' || d, 'p' || (i * 5), 'pub-' || i || '-YOUTUBE', 'YOUTUBE',
             date '${PERIOD_START.slice(0, 10)}' + d, (random() * 5000)::int, 'bench'
      FROM generate_series(1, ${VIDEOS}) AS i, generate_series(0, ${DAYS - 1}) AS d`,
  },
  {
    table: 'EarningsRecord',
    sql: `INSERT INTO "EarningsRecord" (id, "rowHash", "trackingId", asin, title, date, "itemsShipped", "itemsReturned", revenue, earnings, "sourceFile")
      SELECT 'e' || g, md5(g::text), CASE WHEN g % 10 = 0 THEN 'someoneelse-21' ELSE '${OUR_TAG}' END,
             CASE WHEN g % 50 = 1 THEN 'X' || lpad(g::text, 9, '0')
                  WHEN g % 5 = 0 THEN 'B' || lpad((1 + floor(random() * ${PRODUCTS}))::int::text, 9, '0')
                  ELSE 'B' || lpad(((1 + floor(random() * ${VIDEOS}))::int * 5)::text, 9, '0') END,
             'Product', date '${PERIOD_START.slice(0, 10)}' + (g % ${DAYS}),
             CASE WHEN g % 25 = 0 THEN 0 ELSE 1 END, CASE WHEN g % 25 = 0 THEN 1 ELSE 0 END,
             round((CASE WHEN g % 25 = 0 THEN -1 ELSE 1 END * (5 + random() * 200))::numeric, 2),
             round((CASE WHEN g % 25 = 0 THEN -1 ELSE 1 END * (0.2 + random() * 8))::numeric, 2), 'bench.csv'
      FROM generate_series(1, ${EARNINGS}) AS g`,
  },
  {
    table: 'CostEntry',
    sql: `INSERT INTO "CostEntry" (id, key, kind, "productId", "videoId", provider, amount, at)
      SELECT 'k' || g, 'cost-' || g, (ARRAY['VIDEO','API_CALL','OTHER'])[1 + g % 3]::"CostKind",
             CASE WHEN g % 3 = 2 THEN NULL ELSE 'p' || (1 + (g % ${VIDEOS})) * 5 END,
             CASE WHEN g % 3 = 0 THEN 'v' || (1 + (g % ${VIDEOS})) END, 'bench',
             round((0.001 + random() * 0.5)::numeric, 4),
             timestamp '${PERIOD_START.replace('Z', '')}' + random() * interval '${DAYS} days'
      FROM generate_series(1, ${COSTS}) AS g`,
  },
];

export async function runAnalyticsBench(runs = benchRuns()): Promise<AnalyticsBenchResult> {
  const runDir = path.join(BENCH_VAR_DIR, 'analytics', `run-${process.pid}`);
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });

  let pg: EmbeddedPostgresHandle | undefined;
  let db: Db | undefined;
  const cleanup = async () => {
    await db?.$disconnect().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    fs.rmSync(runDir, { recursive: true, force: true });
  };
  const unregister = onInterrupt(cleanup);
  try {
    console.log(`analytics: starting an ephemeral embedded PostgreSQL in ${path.relative(process.cwd(), runDir)} …`);
    const port = await freePort();
    const started = await timed(() => startEmbeddedPostgres({ dataDir: path.join(runDir, 'pg'), port, database: 'ae_bench', ephemeral: true }));
    pg = started.value;
    const migrated = await timed(() => migrateDeploy(pg!.url));
    db = createDb(pg.url);
    await db.$connect();
    const [{ version }] = await db.$queryRaw<{ version: string }[]>`SELECT current_setting('server_version') AS version`;
    const machine = machineInfo(version);

    const seeded = await timed(async () => {
      for (const { table, sql } of SEED) {
        const r = await timed(() => db!.$executeRawUnsafe(sql));
        console.log(`  seeded ${table}: ${r.value.toLocaleString('en-US')} rows in ${fmtMs(r.ms)}`);
      }
    });
    const vacuumed = await timed(() => db!.$executeRawUnsafe('VACUUM ANALYZE'));
    const data: Record<string, number> = {};
    for (const { table } of SEED) {
      const [{ n }] = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table}"`);
      data[table] = Number(n);
    }

    const end = new Date(Date.parse(PERIOD_START) + DAYS * 86_400_000);
    const periods = [
      { key: 'collect7d', label: 'collectAnalytics, last 7 days', from: new Date(end.getTime() - 7 * 86_400_000) },
      { key: 'collect30d', label: 'collectAnalytics, 30 days', from: new Date(PERIOD_START) },
    ];
    const measurements: Measurement[] = [];
    let last30: AnalyticsResult | undefined;
    for (const p of periods) {
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) {
        const r = await timed(() => collectAnalytics(db!, { from: p.from, to: end, partnerTags: [OUR_TAG] }));
        samples.push(r.ms);
        if (p.key === 'collect30d') last30 = r.value;
        console.log(
          `  ${p.label}: run ${i + 1}/${runs} ${fmtMs(r.ms)} (${r.value.totals.clicks.toLocaleString('en-US')} clicks, ${r.value.byProduct.length} products)`,
        );
      }
      measurements.push(measurement(p.key, p.label, samples, TARGET_MS));
    }
    // The weekly owner report over the same data: analytics + decisions + Markdown + PNG chart, stored.
    {
      const mediaRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
      const acts = analyticsActivities({
        db,
        storage: new LocalMediaStorage({ root: mediaRoot }),
        partnerTags: [OUR_TAG],
        publicBaseUrl: 'http://127.0.0.1:3000',
      });
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) {
        const r = await timed(() =>
          acts.buildWeeklyReport({ workflowId: `weekly-bench-${i}`, from: new Date(end.getTime() - 7 * 86_400_000).toISOString(), to: end.toISOString() }),
        );
        samples.push(r.ms);
        console.log(`  weekly report (7 days, chart included): run ${i + 1}/${runs} ${fmtMs(r.ms)} (${r.value.markdown.length} chars of Markdown)`);
      }
      measurements.push(measurement('weeklyReport', 'weekly owner report, 7 days, chart included', samples, 10_000));
      fs.rmSync(mediaRoot, { recursive: true, force: true });
    }

    if (!last30 || last30.totals.clicks + last30.totals.botClicks !== CLICKS) {
      throw new Error(`analytics: expected ${CLICKS} clicks in 30 days, got ${JSON.stringify(last30?.totals)}`);
    }

    if (process.env.BENCH_EXPLAIN === '1') await explain(db, new Date(PERIOD_START), end);

    return {
      bench: 'analytics',
      runs,
      machine,
      setup: {
        postgresStartMs: Math.round(started.ms),
        migrateMs: Math.round(migrated.ms),
        seedMs: Math.round(seeded.ms),
        vacuumAnalyzeMs: Math.round(vacuumed.ms),
      },
      data,
      result30d: {
        byProduct: last30.byProduct.length,
        byVideo: last30.byVideo.length,
        clicks: last30.totals.clicks,
        earnings: last30.totals.earnings,
        roi: last30.totals.roi,
      },
      measurements,
    };
  } finally {
    unregister();
    await cleanup();
  }
}

/** Prints the plan of collectAnalytics' statement (captured from the query it sends). */
async function explain(db: Db, from: Date, to: Date): Promise<void> {
  const original = db.$queryRawUnsafe.bind(db);
  let captured: { sql: string; params: unknown[] } | undefined;
  (db as { $queryRawUnsafe: unknown }).$queryRawUnsafe = (sql: string, ...params: unknown[]) => {
    captured = { sql, params };
    return original(sql, ...params);
  };
  try {
    await collectAnalytics(db, { from, to, partnerTags: [OUR_TAG] });
  } finally {
    (db as { $queryRawUnsafe: unknown }).$queryRawUnsafe = original;
  }
  const plan = await original<{ 'QUERY PLAN': string }[]>(`EXPLAIN (ANALYZE, BUFFERS) ${captured!.sql}`, ...captured!.params);
  console.log('\n' + plan.map((r) => r['QUERY PLAN']).join('\n') + '\n');
}

export function printAnalyticsBench(r: AnalyticsBenchResult): void {
  console.log('\nanalytics results');
  printMachine(r.machine);
  console.log(
    `  setup: PostgreSQL start ${fmtMs(r.setup.postgresStartMs)}, migrate deploy ${fmtMs(r.setup.migrateMs)}, ` +
      `seed ${fmtMs(r.setup.seedMs)}, VACUUM ANALYZE ${fmtMs(r.setup.vacuumAnalyzeMs)}`,
  );
  console.log(
    `  data: ${Object.entries(r.data)
      .map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`)
      .join(', ')}`,
  );
  console.log(
    `  30-day result: ${r.result30d.byProduct} products and ${r.result30d.byVideo} videos with activity, ` +
      `${r.result30d.clicks.toLocaleString('en-US')} human clicks, earnings ${r.result30d.earnings}, ROI ${r.result30d.roi}\n`,
  );
  printMeasurements(r.measurements);
  console.log();
}

if (isMain(import.meta.url)) {
  const result = await runAnalyticsBench().catch((err: unknown) => (interrupted() ? parkUntilExit() : Promise.reject(err)));
  printAnalyticsBench(result);
  printJsonLine(result);
}
