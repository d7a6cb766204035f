// The outside providers' settings: Amazon's Creators API for products, OpenAI for
// scripts and voice. Each is off until its credentials are set; then it replaces
// the offline default (bundled catalog, template writer, the Piper voice).
import { CREATORS_VERSIONS, type CreatorsCredentialVersion } from './providers/catalog/creators/client.js';
import { parseCatalogSearches, type CatalogSearch } from './providers/catalog/creators/catalog.js';
import { ConfigError, choice, duration, num, oneOf, str, url, type VarSpec } from './config-vars.js';

/** One of `values`, or undefined when unset (the default then depends on other settings). */

const catalogSearches: VarSpec<CatalogSearch[] | undefined> = {
  hint: 'a JSON array such as [{"category":"Home & Kitchen","keywords":"air fryer","searchIndex":"HomeAndKitchen","pages":2}] (each entry needs keywords or browseNodeId)',
  parse(raw) {
    if (raw === undefined || raw.trim() === '') return undefined;
    return parseCatalogSearches(raw);
  },
};

export const PROVIDER_SPEC = {
  AMAZON_CREATORS_CREDENTIAL_ID: str({ pattern: /^\S{4,256}$/, hint: 'the Credential ID from Associates Central → Tools → Creators API' }),
  AMAZON_CREATORS_CREDENTIAL_SECRET: str({ secret: true, pattern: /^\S{8,512}$/, hint: 'the Credential Secret shown once when the credential was created' }),
  AMAZON_CREATORS_CREDENTIAL_VERSION: choice<CreatorsCredentialVersion>(CREATORS_VERSIONS),
  AMAZON_MARKETPLACE: str({
    default: 'www.amazon.com',
    pattern: /^www\.amazon\.[a-z.]{2,12}$/,
    hint: 'a marketplace host such as www.amazon.com or www.amazon.de',
  }),
  AMAZON_CREATORS_API_URL: url({ protocols: ['http:', 'https:'], default: 'https://creatorsapi.amazon' }),
  AMAZON_CREATORS_TOKEN_URL: url({ protocols: ['http:', 'https:'] }),
  AMAZON_CREATORS_TPS: num(1, 0.01, 100),
  CATALOG_SEARCHES: catalogSearches,

  OPENAI_API_KEY: str({ secret: true, pattern: /^\S{10,}$/, hint: 'an API key from platform.openai.com' }),
  OPENAI_BASE_URL: url({ protocols: ['http:', 'https:'], default: 'https://api.openai.com/v1' }),
  OPENAI_MODEL: str({ default: 'gpt-4.1-mini', pattern: /^[A-Za-z0-9._:/-]{1,100}$/, hint: 'a chat model name such as gpt-4.1-mini' }),
  OPENAI_TIMEOUT: duration('30s', 1000),
  OPENAI_PRICE_INPUT_PER_1M: num(0.4, 0, 1000),
  OPENAI_PRICE_OUTPUT_PER_1M: num(1.6, 0, 1000),
  WRITER: choice(['template', 'openai'] as const),
  VOICE: choice(['espeak', 'piper', 'openai'] as const),
  PIPER_PATH: str({ pattern: /^\S.{0,4095}$/, hint: 'the path of a piper binary (piper-tts 1.8), such as /usr/local/bin/piper' }),
  PIPER_MODEL: str({ pattern: /^\S.{0,4095}\.onnx$/, hint: 'the path of a Piper .onnx voice model with its .onnx.json beside it' }),
  OPENAI_TTS_MODEL: oneOf(['gpt-4o-mini-tts', 'tts-1', 'tts-1-hd'] as const, 'gpt-4o-mini-tts'),
  OPENAI_TTS_VOICE: str({ default: 'coral', pattern: /^[a-z]{2,20}$/, hint: 'a voice such as alloy, ash, coral, nova, sage or verse' }),
  OPENAI_TTS_PRICE_PER_MINUTE: num(0.015, 0, 100),
} as const;

type ProviderRaw = { [K in keyof typeof PROVIDER_SPEC]: ReturnType<(typeof PROVIDER_SPEC)[K]['parse']> } & { CATALOG_FILE?: string };

export interface ProviderChoice {
  /** Where products come from: Amazon's Creators API, the user's file, or the bundled sample. */
  catalog: 'amazon-creators' | 'file' | 'bundled';
  writer: 'openai' | 'template';
  /** Piper when it is installed; the worker falls back to espeak-ng when it is not. */
  voice: 'openai' | 'piper' | 'espeak';
}

const AMAZON_KEYS = ['AMAZON_CREATORS_CREDENTIAL_ID', 'AMAZON_CREATORS_CREDENTIAL_SECRET', 'AMAZON_CREATORS_CREDENTIAL_VERSION'] as const;

/** Settings that only make sense together: a half-set credential stops start-up with the missing name. */
export function checkProviderConfig(c: ProviderRaw): void {
  const set = AMAZON_KEYS.filter((k) => c[k]);
  if (set.length > 0 && set.length < AMAZON_KEYS.length) {
    const missing = AMAZON_KEYS.find((k) => !c[k])!;
    throw new ConfigError(
      missing,
      `${missing} is missing: ${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set, and the Creators API needs all of ${AMAZON_KEYS.join(', ')} ` +
        `(Associates Central → Tools → Creators API; the version is shown next to the credential, e.g. 3.1 for North America). Set it, or unset the others to use the ${c.CATALOG_FILE ? 'catalog file' : 'bundled catalog'}.`,
    );
  }
  for (const key of ['WRITER', 'VOICE'] as const) {
    if (c[key] === 'openai' && !c.OPENAI_API_KEY) {
      throw new ConfigError(
        'OPENAI_API_KEY',
        `OPENAI_API_KEY is missing: ${key}=openai needs it (any placeholder works for a local OpenAI-compatible server that ignores keys). Set it, or set ${key}=${key === 'WRITER' ? 'template' : 'piper'}.`,
      );
    }
  }
}

export function deriveProviders(c: ProviderRaw): ProviderChoice {
  return {
    catalog: c.AMAZON_CREATORS_CREDENTIAL_ID ? 'amazon-creators' : c.CATALOG_FILE ? 'file' : 'bundled',
    writer: c.WRITER ?? (c.OPENAI_API_KEY ? 'openai' : 'template'),
    voice: c.VOICE ?? (c.OPENAI_API_KEY ? 'openai' : 'piper'),
  };
}
