// `npm run db:migrate`: applies prisma/migrations to DATABASE_URL, or to the
// embedded database (started for the occasion) when DATABASE_URL is unset.
import path from 'node:path';
import { loadConfigOrExit } from '../src/config.js';
import { startEmbeddedPostgres } from '../src/embedded/postgres.js';
import { migrateDeploy, pendingMigrations } from '../src/embedded/migrate.js';
import { portInUse } from '../src/embedded/temporal.js';
import { embeddedDatabaseUrl } from '../src/services.js';

const config = loadConfigOrExit();
const command = process.argv[2] ?? 'migrate';
if (command !== 'migrate') {
  console.error(`Unknown command "${command}". Usage: tsx scripts/db.ts migrate`);
  process.exit(2);
}

let stop: (() => Promise<void>) | undefined;
let url = config.DATABASE_URL;
if (!url) {
  if (await portInUse(config.EMBEDDED_PG_PORT)) {
    url = embeddedDatabaseUrl(config); // `npm start` is running it
  } else {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), port: config.EMBEDDED_PG_PORT, database: 'affiliate_empire' });
    url = pg.url;
    stop = pg.stop;
  }
}
try {
  const pending = await pendingMigrations(url);
  if (pending.length) {
    await migrateDeploy(url, (l) => console.log(l));
    console.log(`Applied ${pending.length} migration(s): ${pending.join(', ')}`);
  } else {
    console.log('Database schema is up to date.');
  }
} catch (err) {
  console.error(`Migration failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await stop?.();
}
