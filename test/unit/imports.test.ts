// Imports point down: a port knows no adapter, chat knows no HTTP API, the config
// knows no workflow code, and the worker process never loads the chat dispatcher
// or the HTTP layer. Checked on the source text (static imports).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/embedded/migrate.js';

const SRC = path.join(PROJECT_ROOT, 'src');
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : /\.(ts|js)$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

/** Relative imports of a file, resolved to project paths (type-only imports included: they still couple). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith('.')) continue;
    out.push(path.relative(PROJECT_ROOT, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts'));
  }
  return out;
}

/** Runtime imports only (`import type` erased), for what a process loads. */
function runtimeImportsOf(file: string): string[] {
  const text = fs
    .readFileSync(file, 'utf8')
    .replace(/(?:^|\n)\s*import\s+type\s[^;]+;/g, '\n')
    .replace(/(?:^|\n)\s*export\s+type\s[^;]+;/g, '\n');
  const out: string[] = [];
  // Static imports, and the dynamic ones worker/index.ts uses to load only its role's module.
  for (const m of [...text.matchAll(IMPORT), ...text.matchAll(DYNAMIC_IMPORT)]) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith('.')) continue;
    const resolved = path.resolve(path.dirname(file), spec);
    const candidates = [resolved.replace(/\.js$/, '.ts'), resolved];
    const hit = candidates.find((c) => fs.existsSync(c));
    if (hit) out.push(hit);
  }
  return out;
}

const rel = (f: string) => path.relative(PROJECT_ROOT, f);

describe('imports point down', () => {
  const all = files(SRC);
  const offenders = (from: string, to: string[]) =>
    all
      .filter((f) => rel(f).startsWith(from))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => to.some((t) => i.startsWith(t)))
          .map((i) => `${rel(f)} → ${i}`),
      );

  it('src/providers imports nothing from src/chatops or src/api', () => expect(offenders('src/providers/', ['src/chatops/', 'src/api/'])).toEqual([]));
  it('src/chatops imports nothing from src/api', () => expect(offenders('src/chatops/', ['src/api/'])).toEqual([]));
  it('src/config.ts imports nothing from src/temporal', () => expect(offenders('src/config.ts', ['src/temporal/'])).toEqual([]));
  it('src/domain imports no I/O layer', () =>
    expect(offenders('src/domain/', ['src/api/', 'src/chatops/', 'src/temporal/', 'src/providers/', 'src/config.ts', 'src/db.ts'])).toEqual([]));

  /** Every module a process starting at `entry` loads (runtime imports, transitively). */
  const loadedFrom = (entry: string): string[] => {
    const seen = new Set<string>();
    const queue = [path.join(PROJECT_ROOT, entry)];
    while (queue.length) {
      const f = queue.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      queue.push(...runtimeImportsOf(f));
    }
    return [...seen].map(rel);
  };

  it('the render worker loads only what rendering needs: no workflows, chat, publishers, catalogs or HTTP', () => {
    // Beyond what every process loads to read its configuration (the providers' setting checks).
    const config = new Set(loadedFrom('src/config.ts'));
    // A port's types.ts (its interfaces and names) is not its adapters.
    const loaded = loadedFrom('src/worker-render.ts').filter((f) => !config.has(f) && !f.endsWith('/types.ts'));
    expect(loaded).toContain('src/providers/renderer/ffmpeg.ts');
    expect(
      loaded.filter(
        (f) =>
          /^src\/(api|http|chatops|temporal\/workflows|providers\/(publisher|catalog|writer))\//.test(f) || f.startsWith('commands/') || f === 'src/worker.ts',
      ),
    ).toEqual([]);
  });

  it('the worker process never loads the chat dispatcher, the Bolt app or the HTTP layer', () => {
    const loaded = loadedFrom('worker/index.ts');
    expect(loaded).toContain('src/chatops/slack/notifier.ts'); // it does post to chat
    expect(
      loaded.filter(
        (f) =>
          f.startsWith('src/api/') ||
          f.startsWith('src/http/') ||
          f.startsWith('commands/') ||
          ['src/chatops/core/core.ts', 'src/chatops/slack/app.ts', 'src/chatops/discord/bot.ts', 'src/chatops/console/routes.ts'].includes(f),
      ),
    ).toEqual([]);
  });
});
