// @ts-check
// Compiles the app's TypeScript (src/ and worker/) to plain JavaScript under .build/<version>/,
// the same tree (other files copied alongside), so a worker runs on node alone: no tsx loader
// thread, no esbuild child and no in-memory source maps in the process, about 50 MB less per
// worker (bench/worker-memory.ts). It also bundles the workflows once (workflow-bundle.js, in a
// child process: webpack), so that no worker bundles them at start.
// The version is a hash of the sources, package-lock.json, the esbuild version and the options: a
// build is made once per version and then reused, and concurrent builds (several workers starting
// together) race harmlessly to one atomic rename. Builds not used for a day are pruned. esbuild
// only strips types (isolated modules, what tsx runs too); `npm test` type-checks.
//
//   node scripts/build.js      prints the build's directory (building it if needed)
//
// Plain JavaScript on purpose: it must run before anything can run TypeScript.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['src', 'worker'];
/** @type {import('esbuild').BuildOptions} */
const OPTIONS = { format: 'esm', platform: 'node', target: 'node20', bundle: false, logLevel: 'silent', charset: 'utf8' };
const KEEP_OLD_BUILDS_MS = 24 * 3600 * 1000;
/** The workflow bundle's file name in a build. */
export const WORKFLOW_BUNDLE = 'workflow-bundle.js';

/** @param {string} dir @returns {string[]} every file under dir, sorted */
function listFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}

/**
 * Builds (or finds) the compiled tree of this checkout and returns its directory.
 * @param {{ root?: string }} [opts]
 * @returns {Promise<string>}
 */
export async function buildCompiled(opts = {}) {
  const root = opts.root ?? PROJECT_ROOT;
  const files = SOURCE_DIRS.flatMap((d) => listFiles(path.join(root, d)));
  const esbuildVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'esbuild', 'package.json'), 'utf8')).version;
  const hash = createHash('sha256').update(`${esbuildVersion}\0${JSON.stringify(OPTIONS)}\0`);
  hash.update(fs.readFileSync(path.join(root, 'package-lock.json'))).update('\0');
  for (const f of files)
    hash
      .update(`${path.relative(root, f)}\0`)
      .update(fs.readFileSync(f))
      .update('\0');
  const version = hash.digest('hex').slice(0, 16);
  const buildsDir = path.join(root, '.build');
  const out = path.join(buildsDir, version);
  if (fs.existsSync(path.join(out, '.complete'))) {
    // In use: not pruned as old while workers run from it (where it is writable; an image's build is not).
    try {
      fs.utimesSync(out, new Date(), new Date());
    } catch {
      // read-only: nothing prunes there
    }
    return out;
  }

  fs.mkdirSync(buildsDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(buildsDir, `.tmp-${version}-`));
  // mkdtemp makes it private: readable by all, like the sources (the image builds it as root and runs as another user).
  fs.chmodSync(tmp, 0o755);
  try {
    const esbuild = await import('esbuild');
    const ts = files.filter((f) => f.endsWith('.ts'));
    try {
      await esbuild.build({ ...OPTIONS, entryPoints: ts, outdir: tmp, outbase: root });
    } catch (err) {
      const errors = /** @type {{ errors?: { text: string, location?: { file: string, line: number } }[] }} */ (err).errors ?? [];
      const first = errors[0];
      throw new Error(
        `compiling the sources failed${first ? `: ${first.location ? `${first.location.file}:${first.location.line}: ` : ''}${first.text}` : `: ${err}`} (npm run typecheck shows every error)`,
        { cause: err },
      );
    } finally {
      await esbuild.stop();
    }
    for (const f of files.filter((x) => !x.endsWith('.ts'))) {
      const target = path.join(tmp, path.relative(root, f));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(f, target);
    }
    await bundleWorkflows(root, path.join(tmp, WORKFLOW_BUNDLE));
    fs.writeFileSync(path.join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    try {
      fs.renameSync(tmp, out);
    } catch (err) {
      // Another process finished the same version first: use theirs.
      if (!fs.existsSync(path.join(out, '.complete'))) throw err;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  prune(buildsDir, version);
  return out;
}

/** The workflows, bundled by scripts/bundle-workflows.ts in a child process. @param {string} root @param {string} out @returns {Promise<void>} */
function bundleWorkflows(root, out) {
  const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', tsx, path.join(root, 'scripts', 'bundle-workflows.ts'), out],
      { cwd: root, maxBuffer: 10 * 1024 * 1024 },
      (err, _stdout, stderr) => (err ? reject(new Error(`bundling the workflows failed: ${stderr.trim() || err.message}`, { cause: err })) : resolve()),
    );
  });
}

/** Removes other versions (and abandoned temporary trees) not touched for a day. @param {string} buildsDir @param {string} keep */
function prune(buildsDir, keep) {
  const cutoff = Date.now() - KEEP_OLD_BUILDS_MS;
  for (const name of fs.readdirSync(buildsDir)) {
    if (name === keep) continue;
    const dir = path.join(buildsDir, name);
    try {
      if (fs.statSync(dir).mtimeMs < cutoff) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    process.stdout.write(`${await buildCompiled()}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
    process.exit(1);
  }
}
