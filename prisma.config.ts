import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// Prisma 6.19 in "js engine" mode: no downloaded engine binaries, so every
// command (generate, migrate deploy) works offline. Scripts that call the CLI
// set DATABASE_URL (the embedded database's URL when none is configured).
export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  engine: 'js',
  experimental: { adapter: true },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set: run Prisma through `npm run db:migrate`, which starts the embedded database when none is configured');
    // allowExitOnIdle: otherwise the idle pool keeps the CLI alive for 10 s after it finished.
    return new PrismaPg({ connectionString: url, allowExitOnIdle: true, idleTimeoutMillis: 100 });
  },
} as Parameters<typeof defineConfig>[0]);
