import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

/**
 * The secret mixed into click IP hashes: CLICK_HASH_SECRET, or a random one
 * created once per installation in DATA_DIR, so hashes cannot be reversed by
 * trying every address.
 */
export function clickHashSecret(config: Config): string {
  if (config.CLICK_HASH_SECRET) return config.CLICK_HASH_SECRET;
  const file = path.join(config.dataDir, 'click-hash-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const secret = randomBytes(32).toString('hex');
    try {
      fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      return fs.readFileSync(file, 'utf8').trim(); // another process created it first
    }
  }
}
