import type { Config } from './config.js';

/** The embedded database's URL (what `npm start` runs when DATABASE_URL is unset). */
export function embeddedDatabaseUrl(config: Config): string {
  return `postgresql://postgres:affiliate-empire-local@127.0.0.1:${config.EMBEDDED_PG_PORT}/affiliate_empire`;
}

export function databaseUrl(config: Config): string {
  return config.DATABASE_URL ?? embeddedDatabaseUrl(config);
}

export function temporalAddress(config: Config): string {
  return config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}`;
}
