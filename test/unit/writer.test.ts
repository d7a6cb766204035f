import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { formatPrice } from '../../src/domain/format.js';
import { createScriptWriter } from '../../src/providers/writer/index.js';
import {
  DISCLOSURES,
  MAX_SENTENCE_CHARS,
  MAX_SPOKEN_WORDS,
  TEMPLATE_VARIANTS,
  TemplateScriptWriter,
  agreeEn,
  estimateSpokenSeconds,
  formatRating,
  formatReviews,
  isPluralName,
  speakableName,
  wordCount,
} from '../../src/providers/writer/template.js';
import type { Language, ScriptInput, ScriptProduct } from '../../src/providers/writer/types.js';

const writer = new TemplateScriptWriter();
const URL_EN = 'https://links.example.com/r/AbCd1234-yt';

const charger: ScriptProduct = {
  asin: 'B0JRTY546N',
  title: 'Voltix PowerCore Slim 10000mAh Portable Charger, USB-C Power Bank with 20W Fast Charging, Black',
  brand: 'Voltix',
  category: 'Electronics',
  price: 29.99,
  currency: 'USD',
  rating: 4.6,
  reviewCount: 12_345,
};

const catalog: ScriptProduct[] = JSON.parse(fs.readFileSync(new URL('../../src/providers/catalog/bundled-catalog.json', import.meta.url), 'utf8'));

function input(over: Partial<ScriptInput> = {}): ScriptInput {
  return { product: charger, language: 'en', trackedUrl: URL_EN, seed: 'wf-1:B0JRTY546N', ...over };
}

describe('TemplateScriptWriter: variety and determinism', () => {
  it('is the "template" writer and createScriptWriter returns it', () => {
    expect(writer.name).toBe('template');
    expect(createScriptWriter(loadConfig({})).name).toBe('template');
  });

  it('over 50 seeds uses every variant (≥ 4) and at least 8 distinct hooks, in both languages', async () => {
    for (const language of ['en', 'es'] as const) {
      const variants = new Set<string>();
      const hooks = new Set<string>();
      const titles = new Set<string>();
      for (let i = 0; i < 60; i++) {
        const s = await writer.write(input({ language, seed: `seed-${i}` }));
        variants.add(s.templateVariant);
        hooks.add(s.hook);
        titles.add(s.title);
      }
      expect(variants.size).toBeGreaterThanOrEqual(4);
      expect([...variants].sort()).toEqual(TEMPLATE_VARIANTS.map((v) => v.name).sort());
      expect(hooks.size).toBeGreaterThanOrEqual(8);
      expect(titles.size).toBeGreaterThanOrEqual(4);
    }
  });

  it('gives the same script for the same input and a different one for another seed', async () => {
    const a = await writer.write(input({ seed: 'same' }));
    const b = await writer.write(input({ seed: 'same' }));
    expect(b).toEqual(a);
    const others = await Promise.all(Array.from({ length: 10 }, (_, i) => writer.write(input({ seed: `other-${i}` }))));
    expect(others.some((o) => o.sentences.join(' ') !== a.sentences.join(' '))).toBe(true);
  });

  it('honours a forced variant and reports its version', async () => {
    for (const v of TEMPLATE_VARIANTS) {
      const s = await writer.write(input({ variant: v.name }));
      expect(s.templateVariant).toBe(v.name);
      expect(s.templateVersion).toBe(v.version);
      expect(Number.isInteger(s.templateVersion)).toBe(true);
    }
  });

  it('rejects an unknown variant with a message naming the valid ones', async () => {
    await expect(writer.write(input({ variant: 'clickbait' }))).rejects.toThrow(/Unknown template variant "clickbait".*problem-solution/);
  });
});

describe('TemplateScriptWriter: structure and limits', () => {
  const all = (language: Language) =>
    TEMPLATE_VARIANTS.flatMap((v) => Array.from({ length: 5 }, (_, i) => writer.writeSync(input({ language, variant: v.name, seed: `lim-${i}` }))));

  it('ends with the disclosure as the last sentence and repeats it in the description', () => {
    for (const language of ['en', 'es'] as const) {
      for (const s of all(language)) {
        expect(s.disclosure).toBe(DISCLOSURES[language]);
        expect(s.sentences[s.sentences.length - 1]).toBe(DISCLOSURES[language]);
        expect(s.sentences.filter((x) => x === DISCLOSURES[language])).toHaveLength(1);
        expect(s.description).toContain(DISCLOSURES[language]);
        expect(s.description.trimEnd().endsWith(DISCLOSURES[language])).toBe(true);
      }
    }
    expect(DISCLOSURES.en).toBe('As an Amazon Associate I earn from qualifying purchases.');
    expect(DISCLOSURES.es).toBe('Como afiliado de Amazon, gano con las compras que cumplan los requisitos.');
  });

  it('opens with the hook, has 2-4 body lines and a call to action before the disclosure', () => {
    for (const s of all('en')) {
      expect(s.sentences[0]).toBe(s.hook);
      expect(s.sentences.length).toBeGreaterThanOrEqual(5);
      expect(s.sentences.length).toBeLessThanOrEqual(7);
      expect(s.sentences[s.sentences.length - 2]).toMatch(/link in the description/i);
    }
    for (const s of all('es')) expect(s.sentences[s.sentences.length - 2]).toMatch(/enlace en la descripción/i);
  });

  it('puts the tracked URL and the hashtags in the description', () => {
    const s = writer.writeSync(input());
    expect(s.description).toContain(URL_EN);
    expect(s.description).toContain(s.hashtags.join(' '));
    expect(s.description.split('\n').length).toBeGreaterThanOrEqual(5);
  });

  it('has 3-6 clean hashtags including #ad, a category tag and the brand', () => {
    for (const language of ['en', 'es'] as const) {
      for (const s of all(language)) {
        expect(s.hashtags.length).toBeGreaterThanOrEqual(3);
        expect(s.hashtags.length).toBeLessThanOrEqual(6);
        for (const h of s.hashtags) expect(h).toMatch(/^#[A-Za-z0-9]+$/);
        expect(s.hashtags.includes('#ad') || s.hashtags.includes('#amazonaffiliate')).toBe(true);
        expect(s.hashtags).toContain('#Voltix');
        expect(new Set(s.hashtags.map((h) => h.toLowerCase())).size).toBe(s.hashtags.length);
      }
    }
    const es = writer.writeSync(input({ language: 'es' }));
    expect(es.hashtags).toContain('#tecnologia');
    // Accents and spaces are removed from brand tags.
    const accented = writer.writeSync(input({ product: { ...charger, brand: 'Crème Brûlée & Co.' } }));
    expect(accented.hashtags).toContain('#CremeBruleeCo');
  });

  it('keeps titles at most 100 characters without < or >', () => {
    const nasty: ScriptProduct = { ...charger, brand: 'Evil<script>', title: `Evil<script> ${'Extremely Long Marketing Words '.repeat(12)}<b>Gadget</b>` };
    for (const language of ['en', 'es'] as const) {
      for (const product of [charger, nasty, ...catalog.slice(0, 40)]) {
        for (const v of TEMPLATE_VARIANTS) {
          const s = writer.writeSync(input({ product, language, variant: v.name }));
          expect(s.title.length).toBeGreaterThan(5);
          expect(s.title.length).toBeLessThanOrEqual(100);
          expect(s.title).not.toMatch(/[<>]/);
        }
      }
    }
  });

  it('keeps every sentence caption-sized and the script under 110 words (≤ 45 s at 165 wpm) for the whole bundled catalog', () => {
    let longest = 0;
    for (const product of catalog) {
      for (const language of ['en', 'es'] as const) {
        for (let i = 0; i < 4; i++) {
          const s = writer.writeSync(input({ product, language, seed: `cat-${i}` }));
          for (const sentence of s.sentences) {
            expect(sentence.length, sentence).toBeLessThanOrEqual(MAX_SENTENCE_CHARS);
            expect(sentence.trim()).toBe(sentence);
            expect(sentence.length).toBeGreaterThan(0);
            longest = Math.max(longest, sentence.length);
          }
          const words = wordCount(s.sentences.join(' '));
          expect(words).toBeLessThanOrEqual(MAX_SPOKEN_WORDS);
          expect(words).toBeGreaterThanOrEqual(40);
          expect(estimateSpokenSeconds(s.sentences)).toBeLessThanOrEqual(45);
          const text = s.sentences.join(' ') + s.title + s.description;
          expect(text).not.toMatch(/undefined|null|NaN|\[object/);
          expect(text).not.toMatch(/ {2}|\s[,.]/);
        }
      }
    }
    expect(longest).toBeLessThanOrEqual(90);
  });
});

describe('TemplateScriptWriter: product data', () => {
  it('formats prices, ratings and review counts per language', () => {
    expect(formatPrice(29.99, 'USD', 'en')).toBe('$29.99');
    expect(formatPrice(29.99, 'USD', 'es')).toBe('29,99 US$');
    expect(formatPrice(1299.5, 'USD', 'en')).toBe('$1,299.50');
    expect(formatPrice(1299.5, 'USD', 'es')).toBe('1.299,50 US$');
    expect(formatPrice(95, 'USD', 'en')).toBe('$95');
    expect(formatPrice(19.9, 'EUR', 'es')).toBe('19,90 €');
    expect(formatRating(4.6, 'en')).toBe('4.6 out of 5 stars');
    expect(formatRating(4.6, 'es')).toBe('4,6 de 5 estrellas');
    expect(formatRating(null, 'en')).toBeNull();
    expect(formatRating(3.2, 'en')).toBeNull(); // not worth advertising
    expect(formatReviews(12_345, 'en')).toBe('over 12,000 reviews');
    expect(formatReviews(12_345, 'es')).toBe('más de 12.000 reseñas');
    expect(formatReviews(112_115, 'en')).toBe('over 110,000 reviews');
    expect(formatReviews(150_000, 'en')).toBe('150,000 reviews');
    expect(formatReviews(577, 'en')).toBe('over 500 reviews');
    expect(formatReviews(0, 'en')).toBeNull();
    expect(formatReviews(12, 'en')).toBeNull();
  });

  it('speaks the price, rating and rounded review count in English', () => {
    const text = (v: string) => writer.writeSync(input({ variant: v, seed: 'data' })).sentences.join(' ');
    const joined = TEMPLATE_VARIANTS.map((v) => text(v.name)).join(' ');
    expect(joined).toContain('$29.99');
    expect(joined).toContain('4.6 out of 5 stars');
    expect(joined).toContain('over 12,000 reviews');
    expect(joined).toContain('Voltix PowerCore Slim Portable Charger');
  });

  it('writes Spanish in Spanish: disclosure, price format, reviews and no English template text', () => {
    const scripts = TEMPLATE_VARIANTS.flatMap((v) =>
      Array.from({ length: 6 }, (_, i) => writer.writeSync(input({ language: 'es', variant: v.name, seed: `es-${i}` }))),
    );
    const spoken = scripts.map((s) => s.sentences.join(' ')).join(' ');
    expect(spoken).toContain('Como afiliado de Amazon, gano con las compras que cumplan los requisitos.');
    expect(spoken).toContain('29,99 US$');
    expect(spoken).not.toContain('$29.99');
    expect(spoken).toContain('4,6 de 5 estrellas');
    expect(spoken).toContain('más de 12.000 reseñas');
    expect(spoken).toMatch(/enlace en la descripción/);
    // The product name stays as it is; none of the English template words leak in.
    const withoutName = spoken.replaceAll('Voltix PowerCore Slim Portable Charger', '');
    expect(withoutName).not.toMatch(/\b(the|and|with|link|description|reviews|stars|price|right now|out of)\b/i);
    for (const s of scripts) {
      expect(s.description).toContain('Consíguelo aquí: ' + URL_EN);
      expect(s.description).toContain('29,99 US$');
    }
  });

  it('turns a very long messy title into a speakable name of at most 6-8 words', () => {
    const messy: ScriptProduct = {
      ...charger,
      brand: 'SuperSound',
      title:
        'SUPERSOUND!!! NEW 2024 Upgraded Wireless Bluetooth 5.3 Earbuds Headphones TWS IPX7 Waterproof w/ Charging Case, 48H Playtime, Touch Control - Black [Renewed] (2 Pack)',
    };
    const name = speakableName(messy.title, messy.brand, messy.category);
    expect(name.split(' ').length).toBeLessThanOrEqual(6);
    expect(name.length).toBeLessThanOrEqual(48);
    expect(name).toMatch(/^SuperSound /);
    expect(name).toMatch(/Earbuds|Headphones/);
    expect(name).not.toMatch(/[,()[\]!]|2024|5\.3|Black|Renewed|Pack|NEW/);
    const s = writer.writeSync(input({ product: messy, variant: 'problem-solution' }));
    expect(s.sentences.join(' ')).toContain(name);
    expect(s.sentences.join(' ')).not.toContain('Renewed');
  });

  it('shortens the bundled catalog titles sensibly', () => {
    expect(speakableName(charger.title, 'Voltix', 'Electronics')).toBe('Voltix PowerCore Slim Portable Charger');
    expect(
      speakableName('Kitchora 6-Quart Air Fryer with Digital Touchscreen, 8 Presets, Nonstick Dishwasher-Safe Basket, Black', 'Kitchora', 'Home & Kitchen'),
    ).toBe('Kitchora 6-Quart Air Fryer');
    expect(speakableName('Vitacore Vitamin D3 5000 IU Softgels, 360 Count', 'Vitacore', 'Health & Household')).toBe('Vitacore Vitamin D3 Softgels');
    expect(speakableName('Sunveil Mineral Sunscreen SPF 50, Broad Spectrum, Reef-Friendly, 3 fl oz, 1-Pack', 'Sunveil', 'Beauty & Personal Care')).toBe(
      'Sunveil Mineral Sunscreen SPF 50',
    );
    expect(speakableName('The Lantern Keeper: A Novel (Paperback) by Elena Marsh', 'Elena Marsh', 'Books')).toBe('The Lantern Keeper');
    expect(speakableName('Goodnight, Little Fox (Board Book) by Hannah Cole', 'Hannah Cole', 'Books')).toBe('Goodnight, Little Fox');
    for (const p of catalog) {
      const name = speakableName(p.title, p.brand, p.category);
      expect(name.split(' ').length, p.title).toBeLessThanOrEqual(8);
      expect(name, p.title).not.toMatch(/[()[\]|]|\d+\s?(mAh|mg|lbs?|oz|Count)\b/i);
    }
  });

  it('handles rating null and 0 reviews without "null" or "0 reviews"', () => {
    const bare: ScriptProduct = { ...charger, rating: null, reviewCount: 0 };
    for (const language of ['en', 'es'] as const) {
      for (const v of TEMPLATE_VARIANTS) {
        for (let i = 0; i < 5; i++) {
          const s = writer.writeSync(input({ product: bare, language, variant: v.name, seed: `bare-${i}` }));
          const text = [...s.sentences, s.title, s.description].join(' ');
          expect(text).not.toMatch(/null|undefined|NaN/);
          expect(text).not.toMatch(/\b0 (reviews|reseñas)|out of 5|de 5 estrellas|rated|valoraci/i);
          expect(s.sentences[s.sentences.length - 1]).toBe(DISCLOSURES[language]);
        }
      }
    }
  });

  it('uses plural agreement for plural product names in English', () => {
    expect(isPluralName('Soundara Wireless Earbuds')).toBe(true);
    expect(isPluralName('Freshvault Glass')).toBe(false);
    expect(isPluralName('Voltix Portable Charger')).toBe(false);
    expect(agreeEn("It's rated 4.6 out of 5 stars.", true)).toBe("They're rated 4.6 out of 5 stars.");
    expect(agreeEn('Right now, it costs about $5.', true)).toBe('Right now, they cost about $5.');
    expect(agreeEn('It has over 500 reviews on Amazon.', true)).toBe('They have over 500 reviews on Amazon.');
    const earbuds = catalog.find((p) => /Wireless Earbuds/.test(p.title))!;
    const texts = TEMPLATE_VARIANTS.map((v) => writer.writeSync(input({ product: earbuds, variant: v.name })).sentences.join(' ')).join(' ');
    expect(texts).not.toMatch(/Earbuds (is|makes|comes)\b|\bIt's rated/);
  });

  it('uses category-aware copy for every category of the bundled catalog', () => {
    const categories = [...new Set(catalog.map((p) => p.category))];
    expect(categories.length).toBeGreaterThanOrEqual(10);
    const byCategory = new Map<string, Set<string>>();
    for (const category of categories) {
      const product = catalog.find((p) => p.category === category)!;
      const hooks = new Set<string>();
      for (let i = 0; i < 16; i++) hooks.add(writer.writeSync(input({ product, variant: 'problem-solution', seed: `cat-${i}` })).hook);
      byCategory.set(category, hooks);
    }
    // Each category has problem hooks of its own, shared with no other category.
    for (const [category, hooks] of byCategory) {
      const others = new Set([...byCategory].filter(([c]) => c !== category).flatMap(([, h]) => [...h]));
      expect([...hooks].filter((h) => !others.has(h)).length, category).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('TemplateScriptWriter: the wording is pinned', () => {
  // A change here is a change of copy: make it on purpose, and bump the variant's version.
  it('writes exactly these scripts for a few inputs', () => {
    const bare: ScriptProduct = { ...charger, rating: null, reviewCount: 0 };
    const book = catalog.find((p) => /book/i.test(p.category))!;
    expect(writer.writeSync(input({ variant: 'problem-solution', seed: 'pin-1' }))).toMatchInlineSnapshot(`
      {
        "description": "A quick look at how the Voltix PowerCore Slim Portable Charger tackles an everyday problem.
      Price when posted: $29.99. Prices and availability can change. Rated 4.6 out of 5 stars (over 12,000 reviews).

      Get it here: https://links.example.com/r/AbCd1234-yt

      #ad #amazonfinds #tech #gadgets #Voltix

      As an Amazon Associate I earn from qualifying purchases.",
        "disclosure": "As an Amazon Associate I earn from qualifying purchases.",
        "hashtags": [
          "#ad",
          "#amazonfinds",
          "#tech",
          "#gadgets",
          "#Voltix",
        ],
        "hook": "Is your tech setup slowing you down?",
        "sentences": [
          "Is your tech setup slowing you down?",
          "The Voltix PowerCore Slim Portable Charger makes that a whole lot easier.",
          "What stands out: USB-C power bank with 20W fast charging.",
          "Shoppers give it 4.6 out of 5 stars across over 12,000 reviews.",
          "At the time of posting, it costs about $29.99, but that can change.",
          "Link in the description if you want to check it out.",
          "As an Amazon Associate I earn from qualifying purchases.",
        ],
        "templateVariant": "problem-solution",
        "templateVersion": 1,
        "title": "Voltix PowerCore Slim Portable Charger: the fix you've been looking for",
      }
    `);
    expect(writer.writeSync(input({ language: 'es', variant: 'top-reasons', seed: 'pin-2' }))).toMatchInlineSnapshot(`
      {
        "description": "Unas cuantas razones rápidas por las que Voltix PowerCore Slim Portable Charger merece un lugar en tu lista.
      Precio al publicar: 29,99 US$. El precio y la disponibilidad pueden cambiar. Valoración: 4,6 de 5 estrellas (más de 12.000 reseñas).

      Consíguelo aquí: https://links.example.com/r/AbCd1234-yt

      #ad #amazonfinds #tecnologia #gadgets #Voltix

      Como afiliado de Amazon, gano con las compras que cumplan los requisitos.",
        "disclosure": "Como afiliado de Amazon, gano con las compras que cumplan los requisitos.",
        "hashtags": [
          "#ad",
          "#amazonfinds",
          "#tecnologia",
          "#gadgets",
          "#Voltix",
        ],
        "hook": "Tres razones por las que Voltix PowerCore Slim Portable Charger vale la pena.",
        "sentences": [
          "Tres razones por las que Voltix PowerCore Slim Portable Charger vale la pena.",
          "Primero, ahora mismo ronda los 29,99 US$.",
          "Segundo, tiene una valoración de 4,6 de 5 estrellas con más de 12.000 reseñas.",
          "Y tercero, está pensado para el día a día, en casa o de viaje.",
          "En resumen: es una mejora que notarás todos los días.",
          "Enlace en la descripción si quieres echarle un vistazo.",
          "Como afiliado de Amazon, gano con las compras que cumplan los requisitos.",
        ],
        "templateVariant": "top-reasons",
        "templateVersion": 1,
        "title": "3 razones para elegir Voltix PowerCore Slim Portable Charger",
      }
    `);
    expect(writer.writeSync(input({ product: bare, variant: 'social-proof', seed: 'pin-3' }))).toMatchInlineSnapshot(`
      {
        "description": "A quick look at the Voltix PowerCore Slim Portable Charger and whether it's worth it.
      Price when posted: $29.99. Prices and availability can change.

      Get it here: https://links.example.com/r/AbCd1234-yt

      #ad #amazonfinds #tech #gadgets #Voltix

      As an Amazon Associate I earn from qualifying purchases.",
        "disclosure": "As an Amazon Associate I earn from qualifying purchases.",
        "hashtags": [
          "#ad",
          "#amazonfinds",
          "#tech",
          "#gadgets",
          "#Voltix",
        ],
        "hook": "Is the Voltix PowerCore Slim Portable Charger worth the hype? Let's check.",
        "sentences": [
          "Is the Voltix PowerCore Slim Portable Charger worth the hype? Let's check.",
          "It's the kind of upgrade you notice every single day.",
          "Key features: USB-C power bank with 20W fast charging.",
          "It's built for everyday use, at home or on the go.",
          "It's around $29.99 as I post this, though prices can change.",
          "Check today's price with the link in the description.",
          "As an Amazon Associate I earn from qualifying purchases.",
        ],
        "templateVariant": "social-proof",
        "templateVersion": 1,
        "title": "Voltix PowerCore Slim Portable Charger: is it worth the hype?",
      }
    `);
    expect(writer.writeSync(input({ product: book, language: 'es', variant: 'deal-alert', seed: 'pin-4' }))).toMatchInlineSnapshot(`
      {
        "description": "Un hallazgo económico: The Lantern Keeper de Elena Marsh.
      Precio al publicar: 17,99 US$. El precio y la disponibilidad pueden cambiar. Valoración: 4,8 de 5 estrellas (más de 58.000 reseñas).

      Consíguelo aquí: https://links.example.com/r/AbCd1234-yt

      #ad #amazonfinds #libros #booktok #ElenaMarsh #ofertas

      Como afiliado de Amazon, gano con las compras que cumplan los requisitos.",
        "disclosure": "Como afiliado de Amazon, gano con las compras que cumplan los requisitos.",
        "hashtags": [
          "#ad",
          "#amazonfinds",
          "#libros",
          "#booktok",
          "#ElenaMarsh",
          "#ofertas",
        ],
        "hook": "Por menos de 20 US$ y realmente útil: The Lantern Keeper de Elena Marsh.",
        "sentences": [
          "Por menos de 20 US$ y realmente útil: The Lantern Keeper de Elena Marsh.",
          "En este momento, su precio ronda los 17,99 US$.",
          "Perfecto para una tarde tranquila o para el trayecto al trabajo.",
          "Tiene una valoración de 4,8 de 5 estrellas con más de 58.000 reseñas.",
          "Los precios cambian a menudo, así que revisa el precio actual.",
          "Mira el precio de hoy con el enlace en la descripción.",
          "Como afiliado de Amazon, gano con las compras que cumplan los requisitos.",
        ],
        "templateVariant": "deal-alert",
        "templateVersion": 1,
        "title": "Alerta de oferta: The Lantern Keeper",
      }
    `);
  });

  it('writes the same scripts for the whole bundled catalog (digest)', () => {
    const hash = createHash('sha256');
    for (const product of catalog) {
      for (const language of ['en', 'es'] as const) {
        for (const variant of [undefined, ...TEMPLATE_VARIANTS.map((v) => v.name)]) {
          hash.update(JSON.stringify(writer.writeSync(input({ product, language, variant, seed: `pin-${product.asin}` }))));
        }
      }
    }
    expect(hash.digest('hex')).toBe('cd1e59721f81017bcda2cad3cdbf4807a95f12a641954ad09b8062b7ca60489c');
  });
});
