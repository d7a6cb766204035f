// One contract per port, run against the offline default and the real adapter
// (the real one against its loopback fake): what the rest of the system relies on
// must hold whichever adapter the configuration picks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogProductSchema, type CatalogProduct } from '../../src/domain/product.js';
import { BundledCatalogProvider, catalogFieldProblems, FileCatalogProvider, type CatalogProvider } from '../../src/providers/catalog/index.js';
import { CreatorsCatalogProvider, DEFAULT_CATALOG_SEARCHES } from '../../src/providers/catalog/creators/catalog.js';
import { CreatorsApiClient } from '../../src/providers/catalog/creators/client.js';
import { EspeakVoice } from '../../src/providers/voice/espeak.js';
import { OpenAIVoice } from '../../src/providers/voice/openai.js';
import { PiperVoice } from '../../src/providers/voice/piper.js';
import { readWavInfo } from '../../src/providers/voice/audio.js';
import type { VoiceProvider } from '../../src/providers/voice/types.js';
import { OpenAIScriptWriter } from '../../src/providers/writer/openai.js';
import { DISCLOSURES, MAX_SPOKEN_WORDS, TEMPLATE_VARIANTS, TemplateScriptWriter, wordCount } from '../../src/providers/writer/template.js';
import type { ScriptInput, ScriptWriter } from '../../src/providers/writer/types.js';
import { FakeCreatorsApi } from '../fakes/creators-api.js';
import { FakeOpenAI } from '../fakes/openai.js';
import { syntheticCatalog, writeCatalogFile } from '../support/catalog.js';
import { findPiper, PIPER_MISSING } from '../support/piper.js';

let openai: FakeOpenAI;
let amazon: FakeCreatorsApi;
const tmpDirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'port-contract-'));
  tmpDirs.push(d);
  return d;
};

beforeAll(async () => {
  openai = await FakeOpenAI.start();
  amazon = await FakeCreatorsApi.start({ tps: 100, itemsPerQuery: 20 });
});
afterAll(async () => {
  await openai?.close();
  await amazon?.close();
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe.each([
  ['template', () => new TemplateScriptWriter()],
  ['openai (fake model)', () => new OpenAIScriptWriter({ apiKey: openai.apiKey, baseURL: openai.baseURL, model: 'gpt-4.1-mini', timeoutMs: 5000 })],
] as [string, () => ScriptWriter][])('ScriptWriter contract: %s', (_name, make) => {
  const product = {
    asin: 'B0JRTY546N',
    title: 'Voltix PowerCore Slim 10000mAh Portable Charger',
    brand: 'Voltix',
    category: 'Electronics',
    price: 29.99,
    currency: 'USD',
    rating: 4.6,
    reviewCount: 12_345,
  };
  const input = (over: Partial<ScriptInput> = {}): ScriptInput => ({
    product,
    language: 'en',
    trackedUrl: 'https://links.example.com/r/AbCd1234-yt',
    seed: 'wf:B0JRTY546N',
    ...over,
  });

  it.each(['en', 'es'] as const)('writes a complete, compliant script in %s: disclosure last, link and #ad in the description', async (language) => {
    const s = await make().write(input({ language }));
    expect(s.sentences.length).toBeGreaterThanOrEqual(4);
    expect(s.sentences.every((x) => x.trim().length > 0 && x.length <= 90)).toBe(true);
    expect(s.sentences[0]).toBe(s.hook);
    expect(s.sentences[s.sentences.length - 1]).toBe(DISCLOSURES[language]);
    expect(s.disclosure).toBe(DISCLOSURES[language]);
    expect(wordCount(s.sentences.join(' '))).toBeLessThanOrEqual(MAX_SPOKEN_WORDS);
    expect(s.title.length).toBeGreaterThan(0);
    expect(s.title.length).toBeLessThanOrEqual(100);
    expect(s.description).toContain('https://links.example.com/r/AbCd1234-yt');
    expect(s.description).toContain(DISCLOSURES[language]);
    expect(s.hashtags[0]).toBe('#ad');
    expect(s.hashtags.every((h) => /^#[A-Za-z0-9]+$/.test(h))).toBe(true);
    expect(TEMPLATE_VARIANTS.map((v) => v.name)).toContain(s.templateVariant);
    // No link in the spoken text but ours is never spoken either.
    expect(s.sentences.join(' ')).not.toMatch(/https?:|www\./);
  });

  it('honours a forced template variant (the A/B test) and picks the same variant for the same seed', async () => {
    const w = make();
    for (const v of TEMPLATE_VARIANTS) expect((await w.write(input({ variant: v.name }))).templateVariant).toBe(v.name);
    expect((await w.write(input())).templateVariant).toBe((await new TemplateScriptWriter().write(input())).templateVariant);
  });

  it('refuses an unknown language with a message naming the valid ones', async () => {
    await expect(make().write(input({ language: 'fr' as never }))).rejects.toThrow(/en, es/);
  });
});

const piper = findPiper();
if (!piper.ok) console.warn(`VoiceProvider contract skipped for piper: ${PIPER_MISSING}`);

describe.each([
  ['espeak-ng', () => new EspeakVoice()],
  ...(piper.ok ? [['piper', () => new PiperVoice({ binary: piper.binary, model: piper.model, fallback: new EspeakVoice() })]] : []),
  ['openai tts (fake)', () => new OpenAIVoice({ apiKey: openai.apiKey, baseURL: openai.baseURL, model: 'gpt-4o-mini-tts', voice: 'coral', timeoutMs: 5000 })],
] as [string, () => VoiceProvider][])('VoiceProvider contract: %s', (_name, make) => {
  it('makes one mono PCM WAV per sentence, in order, with its real duration, and reuses them on a retry', async () => {
    const sentences = ['Here is a quick look.', 'It charges two phones at once.', 'Link in the description.'];
    const dir = tmp();
    const segs = await make().synthesize(sentences, 'en', dir);
    expect(segs.map((s) => s.text)).toEqual(sentences);
    for (const s of segs) {
      expect(path.dirname(s.audioPath)).toBe(dir);
      const info = await readWavInfo(s.audioPath);
      expect(info.audioFormat).toBe(1);
      expect(info.channels).toBe(1);
      expect(s.durationSec).toBeGreaterThan(0.3);
      expect(s.durationSec).toBeCloseTo(info.durationSec, 3);
    }
    const mtimes = segs.map((s) => fs.statSync(s.audioPath).mtimeMs);
    const again = await make().synthesize(sentences, 'en', dir);
    expect(again.map((s) => s.audioPath)).toEqual(segs.map((s) => s.audioPath));
    expect(again.map((s) => fs.statSync(s.audioPath).mtimeMs)).toEqual(mtimes);
  });

  it('refuses an empty sentence before speaking anything', async () => {
    await expect(make().synthesize(['Fine.', '  '], 'en', tmp())).rejects.toThrow(/sentence 2 of 2 is empty/);
  });
});

describe.each([
  ['bundled', () => new BundledCatalogProvider({ batchSize: 100 })],
  [
    'file',
    () => {
      const file = writeCatalogFile(syntheticCatalog(120));
      tmpDirs.push(path.dirname(file));
      return new FileCatalogProvider(file, { batchSize: 50 });
    },
  ],
  [
    'amazon creators api (fake)',
    () => {
      const cred = amazon.credentials('2.1');
      const client = new CreatorsApiClient({
        ...cred,
        version: '2.1',
        marketplace: 'www.amazon.com',
        partnerTag: 'mystore-20',
        apiUrl: amazon.apiUrl,
        tokenUrl: amazon.tokenUrl('2.1'),
        requestsPerSecond: 100,
      });
      return new CreatorsCatalogProvider({ client, searches: DEFAULT_CATALOG_SEARCHES.slice(0, 3).map((s) => ({ ...s, pages: 2 })) });
    },
  ],
] as [string, () => CatalogProvider][])('CatalogProvider contract: %s', (_name, make) => {
  it('yields non-empty batches of products that pass the domain schema and field limits, each ASIN once per batch', async () => {
    const provider = make();
    const all: CatalogProduct[] = [];
    for await (const batch of provider.fetchProducts()) {
      expect(batch.length).toBeGreaterThan(0);
      expect(new Set(batch.map((p) => p.asin)).size).toBe(batch.length);
      all.push(...batch);
    }
    expect(all.length).toBeGreaterThan(10);
    for (const p of all) {
      expect(catalogProductSchema.safeParse(p).success).toBe(true);
      expect(catalogFieldProblems(p)).toEqual([]);
      expect(p.price).toBeGreaterThan(0);
      expect(p.commissionRate).toBeGreaterThanOrEqual(0);
    }
    expect(typeof provider.name).toBe('string');
  });
});
