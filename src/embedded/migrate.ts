import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

import { PROJECT_ROOT } from '../project-root.js';

export { PROJECT_ROOT };
const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'prisma', 'migrations');

export function migrationNames(): string[] {
  return fs
    .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(MIGRATIONS_DIR, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort();
}

/** Migrations in prisma/migrations that the database has not applied yet (a cheap check before running the CLI). */
export async function pendingMigrations(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const exists = await client.query(`SELECT to_regclass('public._prisma_migrations') AS t`);
    if (!exists.rows[0].t) return migrationNames();
    const { rows } = await client.query<{ migration_name: string }>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    return migrationNames().filter((m) => !applied.has(m));
  } finally {
    await client.end();
  }
}

const DONE = /All migrations have been successfully applied|No pending migrations to apply/;

/**
 * Applies the committed migrations with `prisma migrate deploy`. Prisma 6.19's
 * wasm schema engine leaves a timer that keeps the CLI alive ~10 s after it has
 * finished; once it prints its success line the work is done, so we stop waiting.
 */
export function migrateDeploy(databaseUrl: string, onLog: (line: string) => void = () => {}): Promise<void> {
  const bin = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'prisma');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['migrate', 'deploy'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let succeeded = false;
    const onData = (b: Buffer) => {
      output += b.toString();
      for (const line of b.toString().split('\n')) if (line.trim()) onLog(line);
      if (!succeeded && DONE.test(output)) {
        succeeded = true;
        setTimeout(() => child.kill('SIGTERM'), 100);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => reject(new Error(`Could not run prisma (${bin}): ${err.message}. Run \`npm run setup\` first.`)));
    child.on('exit', (code) => {
      if (succeeded || code === 0) resolve();
      else reject(new Error(`prisma migrate deploy failed (exit ${code}):\n${output.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

/** Applies migrations only when some are pending. */
export async function migrateIfNeeded(databaseUrl: string, onLog?: (line: string) => void): Promise<string[]> {
  const pending = await pendingMigrations(databaseUrl);
  if (pending.length) await migrateDeploy(databaseUrl, onLog);
  return pending;
}
