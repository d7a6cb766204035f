import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../scripts/import-catalog.js';
import { createDb, type Db } from '../../src/db.js';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { createTestDatabase } from '../support/harness.js';

describe('npm run catalog:import (into a real database)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    vi.stubEnv('DATABASE_URL', database.url);
    vi.spyOn(console, 'log').mockImplementation(() => {});
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    await db?.$disconnect();
    await database?.drop();
  });

  it('imports the good rows, reports the bad ones with exit 1, and is idempotent on re-import', async () => {
    const file = path.join(PROJECT_ROOT, 'test/fixtures/catalog/products.csv');
    expect(await main([file])).toBe(1);
    const first = await db.product.findMany({ orderBy: { asin: 'asc' } });
    expect(first).toHaveLength(2);
    expect(first.every((p) => p.source === 'import:products.csv')).toBe(true);

    expect(await main([file])).toBe(1);
    const second = await db.product.findMany({ orderBy: { asin: 'asc' } });
    expect(second.map((p) => p.id)).toEqual(first.map((p) => p.id));
  });

  it('writes nothing on --dry-run', async () => {
    await db.product.deleteMany();
    expect(await main([path.join(PROJECT_ROOT, 'test/fixtures/catalog/products.csv'), '--dry-run'])).toBe(1);
    expect(await db.product.count()).toBe(0);
  });
});
