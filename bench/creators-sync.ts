// Benchmark: a catalog sync through the Amazon Creators API adapter, against the
// loopback fake at its rate limit.
//
//   npx tsx bench/creators-sync.ts     (BENCH_RUNS=n runs, default 1: a run takes about 100 s;
//                                       BENCH_CREATORS_PRODUCTS=n products, default 1000)
//
// Each run starts a FakeCreatorsApi limited to 1 request per second (burst 1) and reads
// BENCH_CREATORS_PRODUCTS products through CreatorsCatalogProvider: searches of 10 pages of
// 10 items (10 searches for 1,000 products), the client paced at the same 1 TPS. At that rate
// the API time is the request budget (requests / TPS); the measurement is how close the sync
// comes to it (pacing from each request's start, no idle time) without a single 429.
import { CreatorsCatalogProvider, DEFAULT_CATALOG_SEARCHES, type CatalogSearch } from '../src/providers/catalog/creators/catalog.js';
import { CreatorsApiClient } from '../src/providers/catalog/creators/client.js';
import { FakeCreatorsApi } from '../test/fakes/creators-api.js';
import {
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
  printTable,
  timed,
  type MachineInfo,
  type Measurement,
} from './lib.js';

const TPS = 1;
const PAGE_ITEMS = 10;
const PAGES_PER_SEARCH = 10;
const EXTRA_KEYWORDS = ['car accessories', 'travel accessories', 'led lights', 'water bottles', 'plant pots', 'phone stands'];

export interface CreatorsSyncRun {
  elapsedMs: number;
  /** requests / TPS: the time the rate limit allows for them. */
  budgetMs: number;
  requests: number;
  tokenRequests: number;
  throttled: number;
  retries: number;
  products: number;
  itemErrors: number;
}

export interface CreatorsSyncResult {
  bench: 'creators-sync';
  runs: number;
  machine: MachineInfo;
  tps: number;
  targetProducts: number;
  searches: number;
  perRun: CreatorsSyncRun[];
  measurements: Measurement[];
}

/** BENCH_CREATORS_PRODUCTS: a positive integer, default 1000. */
export function creatorsProducts(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_CREATORS_PRODUCTS;
  if (raw === undefined || raw.trim() === '') return 1000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_CREATORS_PRODUCTS must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** Searches of up to 10 pages each that together ask for `products` items (rounded up to whole pages). */
export function benchSearches(products: number): CatalogSearch[] {
  const keywords = [...DEFAULT_CATALOG_SEARCHES.map((s) => s.keywords!), ...EXTRA_KEYWORDS];
  let pagesLeft = Math.ceil(products / PAGE_ITEMS);
  const searches: CatalogSearch[] = [];
  for (let i = 0; pagesLeft > 0; i++) {
    const pages = Math.min(PAGES_PER_SEARCH, pagesLeft);
    const round = Math.floor(i / keywords.length);
    searches.push({ category: 'Bench', keywords: `${keywords[i % keywords.length]}${round ? ` ${round + 1}` : ''}`, pages });
    pagesLeft -= pages;
  }
  return searches;
}

export async function runCreatorsSync(
  runs = benchRuns({ BENCH_RUNS: process.env.BENCH_RUNS ?? '1' }),
  products = creatorsProducts(),
): Promise<CreatorsSyncResult> {
  const searches = benchSearches(products);
  const perRun: CreatorsSyncRun[] = [];
  let fake: FakeCreatorsApi | undefined;
  const unregister = onInterrupt(async () => fake?.close());
  try {
    for (let i = 0; i < runs; i++) {
      fake = await FakeCreatorsApi.start({ tps: TPS, itemsPerQuery: PAGE_ITEMS * PAGES_PER_SEARCH });
      const client = new CreatorsApiClient({
        ...fake.credentials('3.1'),
        version: '3.1',
        marketplace: 'www.amazon.com',
        partnerTag: 'benchstore-20',
        apiUrl: fake.apiUrl,
        tokenUrl: fake.tokenUrl('3.1'),
        requestsPerSecond: TPS,
      });
      const provider = new CreatorsCatalogProvider({ client, searches });
      console.log(`creators-sync: run ${i + 1}/${runs}, ${products} products in ${searches.length} searches at ${TPS} TPS …`);
      const r = await timed(async () => {
        let count = 0;
        for await (const batch of provider.fetchProducts()) {
          count += batch.length;
          if (count % 100 === 0) console.log(`  ${count} products, ${client.stats.requests} requests`);
        }
        return count;
      });
      const run: CreatorsSyncRun = {
        elapsedMs: Math.round(r.ms),
        budgetMs: Math.round((client.stats.requests / TPS) * 1000),
        requests: client.stats.requests,
        tokenRequests: client.stats.tokenRequests,
        throttled: client.stats.throttled,
        retries: client.stats.retries,
        products: r.value,
        itemErrors: provider.lastErrors.length,
      };
      perRun.push(run);
      console.log(`  run ${i + 1}: ${fmtMs(run.elapsedMs)} for ${run.requests} requests (budget ${fmtMs(run.budgetMs)}), ${run.throttled} throttled`);
      await fake.close();
      fake = undefined;
    }
  } finally {
    unregister();
    await fake?.close();
  }
  const budget = perRun[0].budgetMs;
  return {
    bench: 'creators-sync',
    runs,
    machine: machineInfo('not used'),
    tps: TPS,
    targetProducts: products,
    searches: searches.length,
    perRun,
    measurements: [
      measurement(
        'creatorsSync',
        `sync ${products} products at ${TPS} TPS (target: the request budget)`,
        perRun.map((p) => p.elapsedMs),
        budget,
      ),
    ],
  };
}

export function printCreatorsSync(r: CreatorsSyncResult): void {
  console.log('\ncreators-sync results');
  printMachine(r.machine);
  console.log(`  ${r.targetProducts} products requested through ${r.searches} searches; fake and client at ${r.tps} TPS\n`);
  printMeasurements(r.measurements);
  console.log();
  printTable(
    ['run', 'elapsed', 'budget (requests / TPS)', 'elapsed - budget', 'requests', 'token requests', 'throttled (429)', 'retries', 'products', 'item errors'],
    r.perRun.map((p, i) => [
      String(i + 1),
      fmtMs(p.elapsedMs),
      fmtMs(p.budgetMs),
      `${p.elapsedMs - p.budgetMs >= 0 ? '+' : '-'}${fmtMs(Math.abs(p.elapsedMs - p.budgetMs))}`,
      String(p.requests),
      String(p.tokenRequests),
      String(p.throttled),
      String(p.retries),
      String(p.products),
      String(p.itemErrors),
    ]),
  );
  console.log();
}

if (isMain(import.meta.url)) {
  const result = await runCreatorsSync().catch((err: unknown) => (interrupted() ? parkUntilExit() : Promise.reject(err)));
  printCreatorsSync(result);
  printJsonLine(result);
}
