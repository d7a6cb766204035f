/** The script-writer port: turns a product into a short-video script. */

import { LANGUAGES, type Language } from '../../domain/language.js';

export { LANGUAGES, type Language };

export interface ScriptProduct {
  asin: string;
  title: string;
  brand: string;
  category: string;
  price: number;
  currency: string;
  rating: number | null;
  reviewCount: number;
}

export interface ScriptInput {
  product: ScriptProduct;
  language: Language;
  /** Our tracked link for this video (`${PUBLIC_BASE_URL}/r/<code>`), shown in the description. */
  trackedUrl: string;
  /** Deterministic variety: the same seed gives the same script. */
  seed: string;
  /** Force a template variant (A/B tests); otherwise the writer picks one from the seed. */
  variant?: string;
}

export interface WrittenScript {
  /** e.g. "problem-solution"; compared by optimization. */
  templateVariant: string;
  templateVersion: number;
  hook: string;
  /** Spoken sentences in order: hook, benefits, call to action, disclosure (last). Each is a caption. */
  sentences: string[];
  /** Video title for the platforms (≤ 100 chars). */
  title: string;
  /** Description with the tracked link and the disclosure. */
  description: string;
  hashtags: string[];
  /** The affiliate disclosure in this language (spoken, on screen and in the description). */
  disclosure: string;
  /** How the script was made (writer, model, prompt version, token usage); stored with the script. */
  generation?: ScriptGeneration;
}

/** What the writer did to produce one script, recorded per script (and in the cost ledger). */
export interface ScriptGeneration {
  /** The writer whose text this is: `openai` or `template` (also when an AI writer fell back to the templates). */
  writer: string;
  /** The model that wrote it (AI writers only). */
  model?: string;
  /** The prompt's version, so scripts from different prompts can be compared. */
  promptVersion?: string;
  /** Tokens over every paid call made for this script (a regeneration counts). */
  usage?: { promptTokens: number; completionTokens: number; totalTokens: number };
  /** Paid calls made for this script, regenerations included. */
  calls?: number;
  /** Why the text is not the model's first answer, e.g. "regenerated once: …" or "template used: …". */
  note?: string;
  /**
   * A problem only the operator can fix (exhausted quota, invalid key, unknown model).
   * The activity raises one alert per run for it; the script itself came from the template writer.
   */
  alert?: { code: string; message: string };
}

export interface ScriptWriter {
  readonly name: string;
  write(input: ScriptInput): Promise<WrittenScript>;
}
