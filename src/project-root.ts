// The project's root directory (the one with package.json), found by walking up from this file,
// so that the same code finds prisma/, .tools/ and scripts/ whether it runs from its sources
// (tsx) or compiled under .build/<version>/ (scripts/build.js, what the workers run).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}: run the app from its project directory`);
  }
}

export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
