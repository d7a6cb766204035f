import { ConfigError, loadConfig } from '../../src/config.js';

/** The ConfigError that loading `env` raises (fails the test when it loads, or throws something else). */
export function configErrorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
