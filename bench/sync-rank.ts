// Benchmark: catalog sync and ranking against a real PostgreSQL.
//
//   npx tsx bench/sync-rank.ts          (BENCH_RUNS=n for n runs per measurement, default 5)
//
// Starts its own ephemeral embedded PostgreSQL (free port, data under
// var/bench/sync-rank/), applies the migrations, then measures the product
// activities' functions directly (no Temporal):
//   (a) sync 10,000 catalog products into an empty Product table, in statements of UPSERT_BATCH rows as upsertProducts takes them
//   (b) re-sync the same 10,000 (every row an update)
//   (c) rankAllProducts over 100,000 products
//   (d) selectTopProducts(10, 3) over those 100,000 ranked products
//   (e) the syncProducts activity itself re-syncing 10,000 (catalog batches of 1,000, one statement each)
// Before each (b), (c) and (d) run the table is VACUUM ANALYZEd (untimed), as
// autovacuum would have done between two daily runs; (a) starts from TRUNCATE.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { createDb, type Db } from '../src/db.js';
import type { CatalogProduct } from '../src/domain/product.js';
import { migrateDeploy } from '../src/embedded/migrate.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../src/embedded/postgres.js';
import { freePort } from '../src/embedded/temporal.js';
import type { CatalogProvider } from '../src/providers/catalog/index.js';
import { UPSERT_BATCH, productActivities, rankAllProducts, selectTopProducts, upsertProducts } from '../src/temporal/activities/products.js';
import { syntheticCatalog } from '../test/support/catalog.js';
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

/** Rows per upsert statement: the module's own batch size. */
const SYNC_BATCH = UPSERT_BATCH;
const SYNC_PRODUCTS = 10_000;
const RANK_PRODUCTS = 100_000;
const SOURCE = 'bench';

export interface SyncRankResult {
  bench: 'sync-rank';
  runs: number;
  machine: MachineInfo;
  setup: { postgresStartMs: number; migrateMs: number; load100kMs: number };
  measurements: Measurement[];
}

export async function runSyncRank(runs = benchRuns()): Promise<SyncRankResult> {
  const runDir = path.join(BENCH_VAR_DIR, 'sync-rank', `run-${process.pid}`);
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
    console.log(`sync-rank: starting an ephemeral embedded PostgreSQL in ${path.relative(process.cwd(), runDir)} …`);
    const port = await freePort();
    const started = await timed(() => startEmbeddedPostgres({ dataDir: path.join(runDir, 'pg'), port, database: 'ae_bench', ephemeral: true }));
    pg = started.value;
    const migrated = await timed(() => migrateDeploy(pg!.url));
    db = createDb(pg.url);
    await db.$connect();
    const [{ version }] = await db.$queryRaw<{ version: string }[]>`SELECT current_setting('server_version') AS version`;
    const machine = machineInfo(version);
    const weights = loadConfig({}).rankWeights; // the defaults, whatever this shell's environment says

    const catalog10k = syntheticCatalog(SYNC_PRODUCTS, 1);
    const sync = (products: CatalogProduct[]) => syncInBatches(db!, products);

    // (a) into an empty table
    const syncEmpty: number[] = [];
    for (let i = 0; i < runs; i++) {
      await truncateProducts(db);
      const r = await timed(() => sync(catalog10k));
      expect(
        r.value.created === SYNC_PRODUCTS && r.value.updated === 0,
        `sync into an empty table: expected ${SYNC_PRODUCTS} created, got ${JSON.stringify(r.value)}`,
      );
      syncEmpty.push(r.ms);
      progress('(a) sync 10k into empty table', i, runs, r.ms);
    }

    // (b) the same products again: all updates
    const resync: number[] = [];
    for (let i = 0; i < runs; i++) {
      await vacuumAnalyze(db);
      const r = await timed(() => sync(catalog10k));
      expect(r.value.created === 0 && r.value.updated === SYNC_PRODUCTS, `re-sync: expected ${SYNC_PRODUCTS} updated, got ${JSON.stringify(r.value)}`);
      resync.push(r.ms);
      progress('(b) re-sync 10k (updates)', i, runs, r.ms);
    }

    // (c) rank 100k, loaded once
    await truncateProducts(db);
    const loaded = await timed(() => sync(syntheticCatalog(RANK_PRODUCTS, 2)));
    expect(loaded.value.created === RANK_PRODUCTS, `loading ${RANK_PRODUCTS} products: got ${JSON.stringify(loaded.value)}`);
    console.log(`  loaded ${RANK_PRODUCTS.toLocaleString('en-US')} products in ${fmtMs(loaded.ms)} (setup, not a measurement)`);
    const rank: number[] = [];
    for (let i = 0; i < runs; i++) {
      await vacuumAnalyze(db);
      const r = await timed(() => rankAllProducts(db!, weights));
      expect(r.value.ranked === RANK_PRODUCTS, `rankAllProducts: expected ${RANK_PRODUCTS} ranked, got ${r.value.ranked}`);
      rank.push(r.ms);
      progress('(c) rankAllProducts 100k', i, runs, r.ms);
    }

    // (d) select the daily top 10 (at most 3 per category) over the ranked 100k
    const select: number[] = [];
    await vacuumAnalyze(db);
    for (let i = 0; i < runs; i++) {
      const r = await timed(() => selectTopProducts(db!, 10, 3));
      expect(r.value.length === 10, `selectTopProducts(10, 3): expected 10 products, got ${r.value.length}`);
      select.push(r.ms);
      progress('(d) selectTopProducts(10, 3) over 100k', i, runs, r.ms);
    }

    // (e) the daily path: the activity pulls the catalog in its default batches of 1,000 and writes each one
    await truncateProducts(db);
    await sync(catalog10k);
    const activity = productActivities({ db, catalog: () => inMemoryCatalog(catalog10k, 1000) });
    const syncActivity: number[] = [];
    for (let i = 0; i < runs; i++) {
      await vacuumAnalyze(db);
      const r = await timed(() => activity.syncProducts());
      expect(r.value.updated === SYNC_PRODUCTS, `syncProducts: expected ${SYNC_PRODUCTS} updated, got ${JSON.stringify(r.value)}`);
      syncActivity.push(r.ms);
      progress('(e) syncProducts activity, 10k in batches of 1,000', i, runs, r.ms);
    }

    return {
      bench: 'sync-rank',
      runs,
      machine,
      setup: { postgresStartMs: Math.round(started.ms), migrateMs: Math.round(migrated.ms), load100kMs: Math.round(loaded.ms) },
      measurements: [
        measurement('syncEmpty10k', '(a) sync 10k products into empty table', syncEmpty, 500),
        measurement('resync10k', '(b) re-sync same 10k (all updates)', resync, 500),
        measurement('rank100k', '(c) rankAllProducts over 100k', rank, 1_000),
        measurement('selectTop100k', '(d) selectTopProducts(10, 3) over 100k', select),
        measurement('syncActivity10k', '(e) syncProducts activity, 10k re-sync', syncActivity, 500),
      ],
    };
  } finally {
    unregister();
    await cleanup();
  }
}

/** What syncProducts does with each catalog batch: upserts of at most SYNC_BATCH rows. */
async function syncInBatches(db: Db, products: CatalogProduct[]): Promise<{ created: number; updated: number }> {
  let created = 0;
  let updated = 0;
  for (let i = 0; i < products.length; i += SYNC_BATCH) {
    const r = await upsertProducts(db, products.slice(i, i + SYNC_BATCH), SOURCE);
    created += r.created;
    updated += r.updated;
  }
  return { created, updated };
}

/** A catalog already in memory, in batches as the file and bundled catalogs yield them (no parsing in the measurement). */
function inMemoryCatalog(products: CatalogProduct[], batchSize: number): CatalogProvider {
  return {
    name: SOURCE,
    async *fetchProducts() {
      for (let i = 0; i < products.length; i += batchSize) yield products.slice(i, i + batchSize);
    },
  };
}

async function truncateProducts(db: Db): Promise<void> {
  await db.$executeRawUnsafe('TRUNCATE "Product" CASCADE');
}

async function vacuumAnalyze(db: Db): Promise<void> {
  await db.$executeRawUnsafe('VACUUM ANALYZE "Product"');
}

function expect(ok: boolean, message: string): void {
  if (!ok) throw new Error(`sync-rank: ${message}`);
}

function progress(label: string, i: number, runs: number, ms: number): void {
  console.log(`  ${label}: run ${i + 1}/${runs} ${fmtMs(ms)}`);
}

export function printSyncRank(r: SyncRankResult): void {
  console.log('\nsync-rank results');
  printMachine(r.machine);
  console.log(
    `  setup: PostgreSQL start ${fmtMs(r.setup.postgresStartMs)}, migrate deploy ${fmtMs(r.setup.migrateMs)}, load 100k ${fmtMs(r.setup.load100kMs)}\n`,
  );
  printMeasurements(r.measurements);
  console.log();
}

if (isMain(import.meta.url)) {
  const result = await runSyncRank().catch((err: unknown) => (interrupted() ? parkUntilExit() : Promise.reject(err)));
  printSyncRank(result);
  printJsonLine(result);
}
