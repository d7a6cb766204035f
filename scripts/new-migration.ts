// `npm run db:new-migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql
// with the SQL that takes the last committed schema (git HEAD, or the revision given as a
// second argument) to prisma/schema.prisma.
// Prisma's `migrate dev` needs engine binaries that are not available offline; `migrate diff`
// works, but needs a database to talk to, so a throwaway embedded one is started.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/embedded/migrate.js';
import { startEmbeddedPostgres } from '../src/embedded/postgres.js';
import { freePort } from '../src/embedded/temporal.js';

const name = process.argv[2];
const fromRev = process.argv[3] ?? 'HEAD';
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:new-migration -- <name_in_snake_case> [git-revision-of-the-previous-schema]');
  process.exit(2);
}
const previous = path.join(os.tmpdir(), `schema-head-${process.pid}.prisma`);
const hasHead = (() => {
  try {
    fs.writeFileSync(previous, execFileSync('git', ['show', `${fromRev}:prisma/schema.prisma`], { cwd: PROJECT_ROOT }));
    return true;
  } catch {
    return false;
  }
})();
const pg = await startEmbeddedPostgres({
  dataDir: path.join(PROJECT_ROOT, 'var', 'tmp', `diff-${process.pid}`),
  port: await freePort(),
  database: 'diff',
  ephemeral: true,
});
try {
  const sql = execFileSync(
    path.join(PROJECT_ROOT, 'node_modules/.bin/prisma'),
    ['migrate', 'diff', ...(hasHead ? ['--from-schema-datamodel', previous] : ['--from-empty']), '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
    { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: pg.url, CHECKPOINT_DISABLE: '1' } },
  ).toString();
  if (/This is an empty migration/.test(sql)) {
    console.log(`schema.prisma has not changed since ${fromRev}: no migration written.`);
  } else {
    const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const dir = path.join(PROJECT_ROOT, 'prisma', 'migrations', `${stamp}_${name}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
    console.log(`wrote ${path.relative(PROJECT_ROOT, dir)}/migration.sql`);
  }
} finally {
  await pg.stop();
  fs.rmSync(previous, { force: true });
}
process.exit(0);
