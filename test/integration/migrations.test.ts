import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, pendingMigrations } from '../../src/embedded/migrate.js';
import { createTestDatabase } from '../support/harness.js';

const run = promisify(execFile);

/** Everything about a schema that matters, as comparable text. */
async function snapshot(url: string): Promise<Record<string, string[]>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const q = async (sql: string) => (await c.query(sql)).rows.map((r) => Object.values(r).join(' | ')).sort();
    return {
      columns: await q(
        `SELECT table_name, column_name, data_type, udt_name, is_nullable, coalesce(column_default, '') FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
      ),
      indexes: await q(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`),
      constraints: await q(
        `SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations'`,
      ),
      enums: await q(
        `SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
      ),
    };
  } finally {
    await c.end();
  }
}

describe('committed migrations', () => {
  let migrated: Awaited<ReturnType<typeof createTestDatabase>>;
  let fromSchema: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    migrated = await createTestDatabase(); // a clone of the template built by `prisma migrate deploy`
    fromSchema = await createTestDatabase();
    // Empty the second one, then build it straight from schema.prisma.
    const c = new pg.Client({ connectionString: fromSchema.url });
    await c.connect();
    await c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    const { stdout } = await run(
      path.join(PROJECT_ROOT, 'node_modules/.bin/prisma'),
      ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, DATABASE_URL: fromSchema.url, CHECKPOINT_DISABLE: '1' },
      },
    );
    await c.query(stdout);
    await c.end();
  }, 90_000);
  afterAll(async () => {
    await migrated?.drop();
    await fromSchema?.drop();
  });

  it('leave nothing pending on a freshly migrated database', async () => {
    expect(await pendingMigrations(migrated.url)).toEqual([]);
  });

  it('produce exactly the schema in prisma/schema.prisma (tables, columns, indexes, constraints, enums)', async () => {
    const [a, b] = await Promise.all([snapshot(migrated.url), snapshot(fromSchema.url)]);
    expect(a.columns.length).toBeGreaterThan(50);
    expect(a).toEqual(b);
  });
});
