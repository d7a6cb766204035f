// Whether a path is an executable regular file: how the project finds the tools `npm run setup`
// installs into .tools/ (the Temporal CLI and test server, Piper, moto).
import fs from 'node:fs';

export function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
