import type { Config } from '../../config.js';
import { createLogger, type Logger } from '../../logger.js';
import { EspeakVoice } from './espeak.js';
import { OpenAIVoice } from './openai.js';
import { checkPiper, PiperVoice } from './piper.js';
import type { VoiceProvider } from './types.js';

/**
 * The voice: OpenAI TTS when chosen (the offline voice takes over if the account
 * is refused), else Piper (espeak-ng speaks the languages its model does not),
 * else espeak-ng. Piper is checked once here, with file checks only: when it is
 * missing, one warning and espeak-ng, so the worker still runs.
 */
export function buildVoices(config: Config, log: Logger = createLogger('voice', config.LOG_LEVEL)): { voice: VoiceProvider; fallbackVoice?: VoiceProvider } {
  const offline = (): VoiceProvider => {
    if (config.providers.voice === 'espeak') return new EspeakVoice();
    const piper = checkPiper({ binary: config.PIPER_PATH, model: config.PIPER_MODEL });
    if (piper.ok) return new PiperVoice({ binary: piper.binary, model: piper.model, fallback: new EspeakVoice() });
    const consequence =
      config.providers.voice === 'openai' ? 'If OpenAI refuses the account, videos fall back to espeak-ng' : 'Videos use espeak-ng until then';
    log.warn({ problem: piper.problem }, `${piper.problem}. ${consequence}.`);
    return new EspeakVoice();
  };
  if (config.providers.voice !== 'openai') return { voice: offline() };
  return {
    voice: new OpenAIVoice({
      apiKey: config.OPENAI_API_KEY!,
      baseURL: config.OPENAI_BASE_URL,
      model: config.OPENAI_TTS_MODEL,
      voice: config.OPENAI_TTS_VOICE,
      timeoutMs: config.OPENAI_TIMEOUT * 2,
    }),
    fallbackVoice: offline(),
  };
}
