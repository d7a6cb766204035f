import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isExecutable } from './executable.js';

/**
 * Finds the Temporal CLI (which contains the dev server and its Web UI), in the
 * order `npm run setup` installs it: $TEMPORAL_CLI_PATH, `temporal` on PATH, the
 * project-local wheel in .tools/venv, a `go install` in ~/go/bin.
 */
export function findTemporalCli(projectRoot: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_CLI_PATH) return fs.existsSync(env.TEMPORAL_CLI_PATH) ? env.TEMPORAL_CLI_PATH : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, 'temporal');
    if (dir && isExecutable(p)) return p;
  }
  const candidates = [path.join(projectRoot, '.tools', 'venv', 'bin', 'temporal'), path.join(env.GOPATH ?? path.join(os.homedir(), 'go'), 'bin', 'temporal')];
  return candidates.find(isExecutable);
}

export function findTemporalTestServer(projectRoot: string): string | undefined {
  const p = path.join(projectRoot, '.tools', 'venv', 'bin', 'temporal-test-server');
  return isExecutable(p) ? p : undefined;
}

export interface DevServerHandle {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cli: string;
  port: number;
  /** Web UI port; null disables the UI (tests). */
  uiPort: number | null;
  /** SQLite file for persistence; undefined keeps everything in memory (tests). */
  dbFile?: string;
  namespace: string;
  /** More namespaces to create at start (tests isolate files in their own namespace). */
  extraNamespaces?: string[];
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
}

/** Runs `temporal server start-dev` and resolves once its frontend accepts connections. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServerHandle> {
  if (await portInUse(opts.port)) {
    throw new Error(
      `Port ${opts.port} is already in use, so the Temporal dev server cannot start: stop whatever uses it, set TEMPORAL_DEV_PORT to a free port, or set TEMPORAL_ADDRESS to use that server.`,
    );
  }
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--namespace', opts.namespace, '--log-level', 'warn'];
  for (const ns of opts.extraNamespaces ?? []) args.push('--namespace', ns);
  if (opts.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  const child = spawn(opts.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (b: Buffer) => {
    const s = b.toString();
    output = (output + s).slice(-4000);
    for (const line of s.split('\n')) if (line.trim()) opts.onLog?.(line);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exited = false;
  child.on('exit', () => (exited = true));

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  while (!(await portInUse(opts.port))) {
    if (exited) throw new Error(`The Temporal dev server exited at start-up: ${output.trim().split('\n').slice(-3).join(' | ')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The Temporal dev server did not open port ${opts.port} within ${(opts.readyTimeoutMs ?? 30_000) / 1000} s: ${output.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort === null ? null : `http://127.0.0.1:${opts.uiPort}`,
    process: child,
    stop: () => stopChild(child),
  };
}

export function stopChild(child: ChildProcess, graceMs = 8000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
