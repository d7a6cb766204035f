// The system as `npm start` runs it (scripts/start.ts: its supervisor, the embedded PostgreSQL
// and Temporal dev server on their data, the worker processes and the API), in its own process
// group with a fresh DATA_DIR and free ports. Used by the fault tests and the load bench, which
// need real processes to kill and a real supervisor to restart them.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';
import { freePort } from '../../src/embedded/temporal.js';

export interface Supervised {
  child: ChildProcess;
  dataDir: string;
  ports: Record<string, number>;
  apiUrl: string;
  /** Everything npm start printed so far. */
  output(): string;
  api(method: string, p: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** Live worker processes of a role (from their command lines). */
  workers(role: 'all' | 'orchestration' | 'render'): number[];
  /** Kills the whole group (and anything that left it) and deletes DATA_DIR. */
  kill(): void;
}

export async function startSupervised(env: NodeJS.ProcessEnv, opts: { timeoutMs?: number; name?: string } = {}): Promise<Supervised> {
  const dataDir = path.join(PROJECT_ROOT, 'var', 'test', `${opts.name ?? 'supervised'}-${process.pid}-${Date.now()}`);
  const ports = { PORT: await freePort(), EMBEDDED_PG_PORT: await freePort(), TEMPORAL_DEV_PORT: await freePort(), TEMPORAL_UI_PORT: await freePort() };
  const fullEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env };
  for (const [k, v] of Object.entries(ports)) fullEnv[k] = String(v);
  let output = '';
  const child = spawn(process.execPath, ['--import', path.join(PROJECT_ROOT, 'node_modules/tsx/dist/loader.mjs'), 'scripts/start.ts'], {
    cwd: PROJECT_ROOT,
    env: fullEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b) => (output += b));
  child.stderr!.on('data', (b) => (output += b));
  const apiUrl = `http://127.0.0.1:${ports.PORT}`;
  const s: Supervised = {
    child,
    dataDir,
    ports,
    apiUrl,
    output: () => output,
    async api(method, p, body, headers = {}) {
      const r = await fetch(apiUrl + p, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      });
      return { status: r.status, body: await r.json().catch(() => ({})) };
    },
    workers: (role) => descendants(child.pid!).filter((p) => new RegExp(`(?:worker/index\\.ts|scripts/worker\\.js) ${role}\\b`).test(cmdline(p))),
    kill() {
      const all = descendants(child.pid!);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      for (const p of all) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  while (!output.includes('Press Ctrl-C')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      s.kill();
      throw new Error(`npm start did not come up:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return s;
}

export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

export function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Every live descendant of pid (from /proc: each process's parent). */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, ppid] of parent) {
      if (ppid !== p) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

/** A worker process that is rendering right now (it has ffmpeg or espeak-ng as a child). */
export function renderingWorker(s: Supervised, role: 'all' | 'render' = 'render'): number | undefined {
  return s.workers(role).find((pid) => descendants(pid).some((c) => ['ffmpeg', 'espeak-ng', 'piper'].includes(comm(c))));
}

/** A machine or container dying takes the worker's ffmpeg with it. */
export function killTree(pid: number): void {
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
