import type { Config } from '../../config.js';
import { TemplateScriptWriter } from './template.js';
import type { ScriptWriter } from './types.js';

export { TemplateScriptWriter, TEMPLATE_VARIANTS, DISCLOSURES } from './template.js';
export type { Language, ScriptInput, ScriptProduct, ScriptWriter, WrittenScript } from './types.js';

/**
 * The script writer for this configuration. Today always the offline template
 * writer. An OpenAI-backed adapter (used when OPENAI_API_KEY is set, falling back
 * to the templates on failure) will be added here later; it is not implemented yet.
 */
export function createScriptWriter(_config: Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL'>): ScriptWriter {
  return new TemplateScriptWriter();
}
