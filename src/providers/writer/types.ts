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
}

export interface ScriptWriter {
  readonly name: string;
  write(input: ScriptInput): Promise<WrittenScript>;
}
