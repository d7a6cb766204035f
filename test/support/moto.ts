// A real S3-compatible server for tests: moto in server mode, installed by
// `npm run setup` into .tools/venv (or a `moto_server` on PATH), on a free
// loopback port. Each test file starts its own in beforeAll (about 1-2 s).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { freePort, stopChild } from '../../src/embedded/temporal.js';
import { isExecutable } from '../../src/embedded/executable.js';

export const MOTO_MISSING =
  "moto_server was not found in .tools/venv/bin or on PATH: run `npm run setup` (it installs moto[server] into .tools/venv), or `.tools/venv/bin/pip install 'moto[server]'`.";

export interface MotoServer {
  /** e.g. http://127.0.0.1:41234; use it with forcePathStyle. */
  endpoint: string;
  stop(): Promise<void>;
}

/** The moto_server binary: the project's venv first, then PATH; undefined when neither has one. */
export function findMotoServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [path.join(PROJECT_ROOT, '.tools', 'venv', 'bin'), ...(env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  return dirs.map((d) => path.join(d, 'moto_server')).find(isExecutable);
}

/** Starts moto_server on 127.0.0.1 and resolves once it answers S3 requests. `env` reaches the server (e.g. INITIAL_NO_AUTH_ACTION_COUNT). */
export async function startMoto(opts: { env?: Record<string, string>; readyTimeoutMs?: number } = {}): Promise<MotoServer> {
  const bin = findMotoServer();
  if (!bin) throw new Error(MOTO_MISSING);
  // Another process may take the free port between the probe and moto's bind: try a few ports.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startOn(bin, port, opts);
    } catch (err) {
      if (attempt >= 3 || !(err as { portTaken?: boolean }).portTaken) throw err;
    }
  }
}

async function startOn(bin: string, port: number, opts: { env?: Record<string, string>; readyTimeoutMs?: number }): Promise<MotoServer> {
  const child = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  // werkzeug logs every request: keep draining the pipes (a full pipe would stall the server), remember the tail for errors.
  let output = '';
  const keep = (b: Buffer) => (output = (output + b.toString()).slice(-2000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  child.once('exit', () => (exited = true));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const timeoutMs = opts.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      process.off('exit', killOnExit);
      const error = new Error(`moto_server (${bin}) exited at start-up: ${output.trim().split('\n').slice(-3).join(' | ')}`);
      throw Object.assign(error, { portTaken: /address already in use/i.test(output) });
    }
    // moto's own API answers once the server routes requests, whatever the auth settings.
    const ok = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      process.off('exit', killOnExit);
      await stopChild(child, 1000);
      throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs / 1000} s: ${output.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    async stop() {
      process.off('exit', killOnExit);
      await stopChild(child, 3000);
    },
  };
}
