import type { Config } from '../../config.js';
import { OpenAIScriptWriter } from './openai.js';
import { TemplateScriptWriter } from './template.js';
import type { ScriptWriter } from './types.js';

export { TemplateScriptWriter, TEMPLATE_VARIANTS, DISCLOSURES } from './template.js';
export type { Language, ScriptGeneration, ScriptInput, ScriptProduct, ScriptWriter, WrittenScript } from './types.js';

/**
 * The script writer for this configuration: OpenAI (structured output, checked,
 * with the template writer as its fallback) when WRITER resolves to `openai`,
 * else the offline template writer. A new instance per activity call, so an
 * account problem met in one run (quota, key) stops that run's calls only.
 */
export function createScriptWriter(
  config: Pick<Config, 'providers' | 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_MODEL' | 'OPENAI_TIMEOUT'>,
  log?: (msg: string, data?: Record<string, unknown>) => void,
): ScriptWriter {
  if (config.providers.writer !== 'openai' || !config.OPENAI_API_KEY) return new TemplateScriptWriter();
  return new OpenAIScriptWriter({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    model: config.OPENAI_MODEL,
    timeoutMs: config.OPENAI_TIMEOUT,
    log,
  });
}
