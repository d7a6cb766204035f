// The workers run compiled (scripts/build.js → .build/<version>/, started by scripts/worker.js):
// the compiled tree must run, be reused while the sources are the same, and find the project's
// files the way the sources do.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildCompiled, PROJECT_ROOT } from '../../scripts/build.js';

const run = promisify(execFile);

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('the compiled workers (scripts/build.js, scripts/worker.js)', () => {
  it('compiles src/ and worker/ once per version of the sources, with their other files alongside', async () => {
    const dir = await buildCompiled();
    expect(path.dirname(dir)).toBe(path.join(PROJECT_ROOT, '.build'));
    expect(fs.existsSync(path.join(dir, '.complete'))).toBe(true);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o755);
    for (const f of [
      'workflow-bundle.js',
      'worker/index.js',
      'src/worker.js',
      'src/worker-render.js',
      'src/providers/catalog/bundled-catalog.json',
      'src/chatops/console/client.js',
    ])
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    const stamp = fs.readFileSync(path.join(dir, '.complete'), 'utf8');
    expect(await buildCompiled()).toBe(dir);
    expect(fs.readFileSync(path.join(dir, '.complete'), 'utf8')).toBe(stamp);
  });

  it("runs worker/index.ts compiled: a bad role gets the worker's own message and exit code, from node alone", async () => {
    const err = await run(process.execPath, [path.join(PROJECT_ROOT, 'scripts/worker.js'), '--role', 'nonsense'], { cwd: PROJECT_ROOT }).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/nonsense/);
    expect(err.stderr).toMatch(/orchestration/);
  });

  it('finds the project from the compiled tree as from the sources (PROJECT_ROOT, the workflows, the migrations)', async () => {
    const dir = await buildCompiled();
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const a = await import(${JSON.stringify(path.join(dir, 'src/project-root.js'))});
         const b = await import(${JSON.stringify(path.join(dir, 'src/worker-paths.js'))});
         const c = await import(${JSON.stringify(path.join(dir, 'src/embedded/migrate.js'))});
         console.log(JSON.stringify([a.PROJECT_ROOT, b.WORKFLOWS_PATH, c.migrationNames().length]));`,
      ],
      { cwd: '/' },
    );
    const [root, workflows, migrations] = JSON.parse(stdout);
    expect(root).toBe(PROJECT_ROOT);
    expect(fs.existsSync(workflows)).toBe(true);
    expect(migrations).toBeGreaterThan(10);
  });

  it('no source file finds the project relative to itself (that breaks in .build/): only next-door files it ships', () => {
    for (const file of [...sourceFiles(path.join(PROJECT_ROOT, 'src')), ...sourceFiles(path.join(PROJECT_ROOT, 'worker'))]) {
      if (file.endsWith('project-root.ts')) continue;
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/import\.meta\.(url|dirname|filename)/g)) {
        const line = text.slice(text.lastIndexOf('\n', m.index) + 1, text.indexOf('\n', m.index));
        const sibling = /new URL\('\.\/([\w.-]+)', import\.meta\.url\)/.exec(line)?.[1];
        expect(sibling, `${path.relative(PROJECT_ROOT, file)}: ${line.trim()} (use PROJECT_ROOT from src/project-root.ts)`).toBeDefined();
        expect(fs.existsSync(path.join(path.dirname(file), sibling!)), `${file}: ${sibling}`).toBe(true);
      }
    }
  });
});
