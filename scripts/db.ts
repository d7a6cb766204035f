// `npm run db:migrate`: applies prisma/migrations to DATABASE_URL, or to the
// embedded database (started for the occasion) when DATABASE_URL is unset.
import { loadConfigOrExit } from '../src/config.js';
import { migrateDeploy, pendingMigrations } from '../src/embedded/migrate.js';
import { withDatabase } from '../src/embedded/with-database.js';

const config = loadConfigOrExit();
const command = process.argv[2] ?? 'migrate';
if (command !== 'migrate') {
  console.error(`Unknown command "${command}". Usage: tsx scripts/db.ts migrate`);
  process.exit(2);
}

try {
  await withDatabase(config, async (url) => {
    const pending = await pendingMigrations(url);
    if (pending.length) {
      await migrateDeploy(url, (l) => console.log(l));
      console.log(`Applied ${pending.length} migration(s): ${pending.join(', ')}`);
    } else {
      console.log('Database schema is up to date.');
    }
  });
} catch (err) {
  console.error(`Migration failed: ${(err as Error).message}`);
  process.exit(1);
}
process.exit(0);
