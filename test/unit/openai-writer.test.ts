import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI, { AuthenticationError, BadRequestError, InternalServerError } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkScript, findPrices, findUrls, spokenWordBudget } from '../../src/providers/writer/compliance.js';
import { composeHashtags, OpenAIScriptWriter, pickVariant, type OpenAIWriterOptions } from '../../src/providers/writer/openai.js';
import { PROMPT_VERSION, VARIANT_ANGLES, type ScriptAnswer } from '../../src/providers/writer/prompt.js';
import { DISCLOSURES, MAX_SENTENCE_CHARS, TEMPLATE_VARIANTS, TemplateScriptWriter } from '../../src/providers/writer/template.js';
import type { ScriptInput, ScriptProduct } from '../../src/providers/writer/types.js';
import { defaultScriptAnswer, FakeOpenAI, SPEECH_CHARS_PER_SECOND, SPEECH_SAMPLE_RATE, type ChatRequest } from '../fakes/openai.js';

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

function input(over: Partial<ScriptInput> = {}): ScriptInput {
  return { product: charger, language: 'en', trackedUrl: URL_EN, seed: 'wf-1:B0JRTY546N', ...over };
}

let fake: FakeOpenAI;
beforeEach(async () => {
  fake = await FakeOpenAI.start();
});
afterEach(async () => {
  await fake.close();
});

function writer(over: Partial<OpenAIWriterOptions> = {}): OpenAIScriptWriter {
  return new OpenAIScriptWriter({ apiKey: fake.apiKey, baseURL: fake.baseURL, model: 'gpt-4o-mini', timeoutMs: 5000, ...over });
}

const userText = (i: number) =>
  (fake.chatRequests()[i].body as ChatRequest).messages
    .filter((m) => m.role === 'user')
    .map((m) => m.content)
    .join('\n');

/** The default answer with some fields replaced. */
const answerWith = (over: Partial<ScriptAnswer>) => (req: ChatRequest) => ({ ...defaultScriptAnswer(req), ...over });

describe('OpenAIScriptWriter: the script', () => {
  it('writes an English script with our disclosure last, the tracked link and #ad', async () => {
    const s = await writer().write(input({ variant: 'social-proof' }));
    expect(s.generation?.writer).toBe('openai');
    expect(s.templateVariant).toBe('social-proof');
    expect(s.templateVersion).toBe(1);
    expect(s.sentences[0]).toBe(s.hook);
    expect(s.sentences.at(-1)).toBe(DISCLOSURES.en);
    expect(s.sentences.filter((x) => x === DISCLOSURES.en)).toHaveLength(1);
    expect(s.disclosure).toBe(DISCLOSURES.en);
    for (const sentence of s.sentences) expect(sentence.length).toBeLessThanOrEqual(MAX_SENTENCE_CHARS);
    expect(s.sentences.join(' ')).toContain('$29.99');
    expect(s.hashtags[0]).toBe('#ad');
    for (const h of s.hashtags) expect(h).toMatch(/^#[A-Za-z0-9]+$/);
    expect(s.hashtags).toContain('#Voltix');
    expect(s.description).toContain(`Get it here: ${URL_EN}`);
    expect(s.description).toContain(s.hashtags.join(' '));
    expect(s.description).toContain('Price when posted: $29.99');
    expect(s.description.trimEnd().endsWith(DISCLOSURES.en)).toBe(true);
    expect(s.title.length).toBeLessThanOrEqual(100);

    const [req] = fake.chatRequests();
    expect(req.status).toBe(200);
    expect(req.body.model).toBe('gpt-4o-mini');
    expect(req.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'short_video_script', strict: true } });
    expect(req.headers['x-stainless-retry-count']).toBe('0');
    expect(req.headers.authorization).toBeUndefined();
    expect(userText(0)).toContain('"price": "$29.99"');
  });

  it('writes a Spanish script in Spanish, with the Spanish disclosure and link label', async () => {
    const s = await writer().write(input({ language: 'es', variant: 'deal-alert' }));
    expect(s.generation?.writer).toBe('openai');
    expect(s.sentences.at(-1)).toBe(DISCLOSURES.es);
    expect(s.sentences.join(' ')).toContain('29,99 US$');
    expect(s.description).toContain(`Consíguelo aquí: ${URL_EN}`);
    expect(s.description.trimEnd().endsWith(DISCLOSURES.es)).toBe(true);
    expect(s.hashtags[0]).toBe('#ad');
    expect(userText(0)).toMatch(/^Language: es \(Spanish/m);
    expect(userText(0)).toContain('"price": "29,99 US$"');
  });

  it("puts the variant's angle in the prompt, and picks the variant from the seed exactly as the template writer does", async () => {
    const w = writer();
    for (const v of TEMPLATE_VARIANTS) {
      const s = await w.write(input({ variant: v.name }));
      expect(s.templateVariant).toBe(v.name);
    }
    const prompts = fake.chatRequests().map((_, i) => userText(i));
    expect(new Set(prompts).size).toBe(TEMPLATE_VARIANTS.length);
    TEMPLATE_VARIANTS.forEach((v, i) => expect(prompts[i]).toContain(VARIANT_ANGLES[v.name]));

    const template = new TemplateScriptWriter();
    const picked = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const seed = `seed-${i}`;
      expect(pickVariant({ seed })).toBe(template.writeSync(input({ seed })).templateVariant);
      picked.add(pickVariant({ seed }));
    }
    expect(picked.size).toBe(TEMPLATE_VARIANTS.length);
    expect((await w.write(input({ seed: 'seed-7' }))).templateVariant).toBe(pickVariant({ seed: 'seed-7' }));
    await expect(w.write(input({ variant: 'clickbait' }))).rejects.toThrow(/Unknown template variant "clickbait"/);
  });

  it('records the model, the prompt version and the token usage of the call', async () => {
    const s = await writer().write(input());
    const usage = fake.chatRequests()[0].response.usage;
    expect(s.generation).toEqual({
      writer: 'openai',
      model: 'gpt-4o-mini',
      promptVersion: PROMPT_VERSION,
      calls: 1,
      usage: { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, totalTokens: usage.total_tokens },
    });
    expect(usage.total_tokens).toBeGreaterThan(100);
  });
});

describe('OpenAIScriptWriter: answers that fail the checks', () => {
  const bad = answerWith({
    lines: ['Grab it at www.voltix-deals.com today.', 'It was $19.99 last week.', 'Best price guaranteed!'],
  });

  it('regenerates once with the problems as feedback, and uses the second answer', async () => {
    fake.respondWith((req, i) => (i === 0 ? bad(req) : defaultScriptAnswer(req)));
    const s = await writer().write(input());
    expect(fake.chatRequests()).toHaveLength(2);
    const retry = fake.chatRequests()[1].body as ChatRequest;
    expect(retry.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(JSON.parse(retry.messages[2].content as string).lines[0]).toContain('www.voltix-deals.com');
    const feedback = retry.messages[3].content as string;
    expect(feedback).toMatch(/web address \("www\.voltix-deals\.com"\)/);
    expect(feedback).toMatch(/"\$19\.99", which is not the product's price/);
    expect(feedback).toMatch(/claim we cannot make \("Best price guaranteed"/);
    expect(s.generation?.writer).toBe('openai');
    expect(s.generation?.calls).toBe(2);
    expect(s.generation?.note).toMatch(/^regenerated once: .*web address/);
    const [a, b] = fake.chatRequests().map((r) => r.response.usage.total_tokens);
    expect(s.generation?.usage?.totalTokens).toBe(a + b);
    expect(s.sentences.join(' ')).not.toMatch(/www\.|\$19\.99|guaranteed/i);
  });

  it('falls back to the template writer with a note when the second answer fails too', async () => {
    fake.respondWith(bad);
    const s = await writer().write(input({ variant: 'top-reasons' }));
    expect(fake.chatRequests()).toHaveLength(2);
    const { generation, ...script } = s;
    expect(script).toEqual(new TemplateScriptWriter().writeSync(input({ variant: 'top-reasons' })));
    expect(generation).toMatchObject({ writer: 'template', model: 'gpt-4o-mini', promptVersion: PROMPT_VERSION, calls: 2 });
    expect(generation?.note).toMatch(/^template used: the answer failed the checks twice: .*web address/);
    expect(generation?.alert).toBeUndefined();
  });

  it('regenerates after a refusal, and falls back after two', async () => {
    fake.respondWith((req, i) => (i === 0 ? { refusal: "I'm sorry, I can't help with that." } : defaultScriptAnswer(req)));
    const s = await writer().write(input());
    expect(s.generation?.writer).toBe('openai');
    expect(s.generation?.note).toMatch(/regenerated once: You refused \("I'm sorry/);
    expect(fake.chatRequests()[1].body.messages[2]).toEqual({ role: 'assistant', content: "I'm sorry, I can't help with that." });

    fake.respondWith(() => ({ refusal: 'No.' }));
    const t = await writer().write(input());
    expect(t.generation?.writer).toBe('template');
    expect(t.generation?.note).toMatch(/failed the checks twice: You refused/);
  });

  it('treats an answer outside the schema or not JSON like a failing one', async () => {
    fake.respondWith((req, i) => (i === 0 ? answerWith({ lines: ['One.', 'Two.', 'Three.', 'Four.', 'Five.'] })(req) : { raw: '{"title": "cut' }));
    const s = await writer().write(input());
    expect(fake.chatRequests()[1].body.messages[3].content).toMatch(/does not match the schema \(lines: /);
    expect(s.generation?.writer).toBe('template');
    expect(s.generation?.note).toMatch(/not valid JSON/);
  });
});

describe('OpenAIScriptWriter: retries and account problems', () => {
  it("retries a rate limit after the server's retry-after-ms", async () => {
    fake.failNext('rate_limit', 1, { retryAfterMs: 400 });
    const s = await writer().write(input());
    const [first, second] = fake.chatRequests();
    expect([first.status, second.status]).toEqual([429, 200]);
    expect(second.at - first.at).toBeGreaterThanOrEqual(390);
    expect(second.at - first.at).toBeLessThan(2000);
    expect(s.generation).toMatchObject({ writer: 'openai', calls: 1 });
  });

  it('retries a rate limit after retry-after seconds, and caps a long wait at maxRetryWaitMs', async () => {
    fake.failNext('rate_limit_seconds');
    await writer().write(input());
    const [a, b] = fake.chatRequests();
    expect(b.at - a.at).toBeGreaterThanOrEqual(990);

    fake.failNext('rate_limit', 1, { retryAfterMs: 60_000 });
    const s = await writer({ maxRetryWaitMs: 100 }).write(input());
    const [, , c, d] = fake.chatRequests();
    expect(d.at - c.at).toBeLessThan(1000);
    expect(s.generation?.writer).toBe('openai');
  });

  it('does not retry an exhausted quota: one request, the templates, an alert, and no more calls', async () => {
    fake.failNext('insufficient_quota');
    const w = writer();
    const s = await w.write(input());
    expect(fake.counts.chat).toBe(1);
    expect(s.generation?.writer).toBe('template');
    expect(s.generation?.alert?.code).toBe('insufficient_quota');
    expect(s.generation?.alert?.message).toMatch(/out of quota.*billing/);
    expect(s.generation?.calls).toBe(0);
    expect(s.sentences.at(-1)).toBe(DISCLOSURES.en);

    const again = await w.write(input({ seed: 'another', language: 'es' }));
    expect(fake.counts.chat).toBe(1);
    expect(again.generation?.writer).toBe('template');
    expect(again.generation?.alert).toEqual(s.generation?.alert);
    expect(again.generation?.note).toMatch(/skipped after an account problem \(insufficient_quota\)/);
  });

  it('does not retry a rejected key and never repeats the key', async () => {
    const key = 'sk-proj-WrongKey1234567890abcdef';
    const w = writer({ apiKey: key });
    const s = await w.write(input());
    expect(fake.counts.chat).toBe(1);
    expect(fake.chatRequests()[0].status).toBe(401);
    expect(s.generation?.alert?.code).toBe('invalid_api_key');
    expect(s.generation?.alert?.message).toMatch(/OPENAI_API_KEY/);
    const text = JSON.stringify(s);
    expect(text).not.toContain(key);
    expect(text).not.toMatch(/sk-proj|7890abcdef|cdef\b/);
    await w.write(input());
    expect(fake.counts.chat).toBe(1);
  });

  it('raises an alert for an unknown model (404) and a refused region (403) without retrying', async () => {
    fake.failNext('model_not_found');
    const s = await writer({ model: 'gpt-9-nope' }).write(input());
    expect(s.generation?.alert).toMatchObject({ code: 'model_not_found' });
    expect(s.generation?.alert?.message).toContain('gpt-9-nope');
    fake.failNext('forbidden');
    const t = await writer().write(input());
    expect(t.generation?.alert?.code).toBe('unsupported_country_region_territory');
    expect(fake.counts.chat).toBe(2);
  });

  it('retries a 500 and succeeds', async () => {
    fake.failNext('server_error', 2);
    const s = await writer().write(input());
    expect(fake.chatRequests().map((r) => r.status)).toEqual([500, 500, 200]);
    expect(s.generation).toMatchObject({ writer: 'openai', calls: 1 });
  });

  it('falls back with a note (no alert) after maxAttempts server errors, and tries OpenAI again for the next script', async () => {
    fake.failNext('server_error', 2);
    const w = writer({ maxAttempts: 2 });
    const s = await w.write(input());
    expect(fake.counts.chat).toBe(2);
    expect(s.generation?.writer).toBe('template');
    expect(s.generation?.note).toMatch(/^template used: OpenAI failed 2 times \(last: 500/);
    expect(s.generation?.alert).toBeUndefined();
    const next = await w.write(input());
    expect(next.generation?.writer).toBe('openai');
    expect(fake.counts.chat).toBe(3);
  });

  it('times out a slow answer, retries, and falls back when every attempt is too slow', async () => {
    fake.failNext('slow', 1, { delayMs: 1500 });
    const s = await writer({ timeoutMs: 300 }).write(input());
    expect(s.generation?.writer).toBe('openai');
    expect(fake.counts.chat).toBe(2);

    fake.failNext('slow', 2, { delayMs: 1500 });
    const t = await writer({ timeoutMs: 300, maxAttempts: 2 }).write(input());
    expect(t.generation?.writer).toBe('template');
    expect(t.generation?.note).toMatch(/no answer within 300 ms/);
    expect(t.generation?.alert).toBeUndefined();
  });
});

describe('checkScript', () => {
  const clean: ScriptAnswer = {
    title: 'Voltix PowerCore Slim: worth a look?',
    hook: 'Is your phone always dying at the worst moment?',
    lines: [
      'Meet the Voltix PowerCore Slim.',
      "It's rated 4.6 out of 5 stars from over 12,000 reviews.",
      'Right now it costs about $29.99, but prices change.',
    ],
    callToAction: 'The link is in the description.',
    description: 'A quick look at a slim 10000mAh charger with 20W fast charging.',
    hashtags: ['#tech', '#ad', '#Voltix'],
  };
  const check = (over: Partial<ScriptAnswer>, language: 'en' | 'es' = 'en', product = charger) => checkScript({ ...clean, ...over }, product, language);

  it('accepts a clean answer (and #ad among the hashtags)', () => {
    expect(check({})).toEqual([]);
    expect(check({ lines: ['Cuesta unos 29,99 US$ ahora mismo.', 'Tiene más de 12.000 reseñas.'] }, 'es')).toEqual([]);
  });

  it('finds links and bare domains, not decimals or a missing space', () => {
    expect(findUrls('Go to https://x.co/a, or www.deal.com. Also amazon.com and amzn.to/abc!')).toEqual([
      'https://x.co/a',
      'www.deal.com',
      'amazon.com',
      'amzn.to/abc',
    ]);
    expect(findUrls('Rated 4.6 out of 5, a 10000mAh charger.It works. e.g. this one.')).toEqual([]);
    expect(check({ description: 'See voltix.com for more.' })).toEqual([expect.stringMatching(/description contains a web address \("voltix\.com"\)/)]);
  });

  it('accepts only the product price, in its currency', () => {
    expect(findPrices('$12.99, US$ 12, 12,99 €, 29,99 US$, USD 12, 12.99 dollars, £5').map((p) => p.amount)).toEqual([12.99, 12, 12.99, 29.99, 12, 12.99, 5]);
    expect(findPrices('$1,299.50 or 1.299,50 US$')).toMatchObject([{ amount: 1299.5 }, { amount: 1299.5 }]);
    expect(findPrices('10000mAh, 20W, 4.6 out of 5 stars, over 12,000 reviews, 5 pounds')).toEqual([]);
    expect(check({ hook: 'Only $29.99 or USD 29.99 or 29.99 dollars.' })).toEqual([]);
    for (const wrong of ['Under $30.', 'Was $39.99.', 'Just 29,99 €.', 'About 30 bucks.']) {
      expect(check({ hook: wrong }), wrong).toEqual([expect.stringMatching(/hook mentions the amount .* not the product's price/)]);
    }
  });

  it('flags banned claims in English and Spanish, not ordinary words', () => {
    const english =
      "Best price guaranteed.|Lowest price ever!|Guaranteed results.|Totally risk-free.|It cures back pain.|FDA approved formula.|100% guaranteed.|It's the #1 best seller.|Free shipping guaranteed.|Clinically proven.|Save 50% today.";
    const spanish = 'Mejor precio garantizado.|Resultados garantizados.|Sin riesgo.|Aprobado por la FDA.|Número 1 en ventas.|Envío gratis.';
    const claims = [...english.split('|'), ...spanish.split('|')];
    for (const c of claims) expect(check({ hook: c }), c).toEqual([expect.stringMatching(/makes a claim we cannot make/)]);
    for (const ok of [
      'First, it charges fast.',
      'No one in my house leaves without it.',
      'There is no risk of spills.',
      'Reason number one: it is slim.',
      'Securely packed.',
    ])
      expect(check({ hook: ok }), ok).toEqual([]);
  });

  it('counts spoken words against the budget left by our disclosure', () => {
    const { forModel, disclosureWords } = spokenWordBudget('en');
    expect(forModel + disclosureWords).toBe(110);
    const words = (n: number) => Array.from({ length: n }, () => 'word').join(' ');
    const base = { hook: 'One two three.', callToAction: 'Four five six.' };
    expect(check({ ...base, lines: [words(forModel - 6), 'a.'] }).some((p) => /words/.test(p))).toBe(true);
    expect(check({ ...base, lines: [words(forModel - 7), 'a.'] })).toEqual([]);
    expect(check({ ...base, lines: [words(forModel), 'a.'] })[0]).toMatch(new RegExp(`have ${forModel + 7} words: keep them to ${forModel} at most`));
  });

  it('flags empty sentences, long titles, hashtags with spaces and self-written disclosures', () => {
    expect(check({ lines: ['Fine.', '  '] })).toEqual(['The line 2 is empty: every spoken sentence needs words.']);
    expect(check({ title: 'x'.repeat(101) })[0]).toMatch(/title has 101 characters/);
    expect(check({ hashtags: ['#amazon finds'] })).toEqual(['The hashtag "#amazon finds" contains a space: a hashtag is one word.']);
    expect(check({ callToAction: 'As an Amazon Associate I earn from qualifying purchases.' })[0]).toMatch(/contains a disclosure/);
    expect(check({ description: 'Nice charger. #ad' })[0]).toMatch(/description contains a disclosure/);
  });

  it("builds hashtags: '#ad' first, the model's cleaned and deduplicated, six at most", () => {
    expect(composeHashtags(['#ad', '#Tecnología', 'tecnologia', '#publicidad', '#USB-C', '#a b', '#x1', '#x2', '#x3', '#x4'])).toEqual([
      '#ad',
      '#Tecnologia',
      '#USBC',
      '#ab',
      '#x1',
      '#x2',
    ]);
  });
});

describe('FakeOpenAI', () => {
  const client = () => new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseURL, maxRetries: 0 });
  const ask = (schema: unknown, strict = true) =>
    client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict, schema: schema as Record<string, unknown> } },
    });

  it('refuses strict schemas OpenAI refuses, as OpenAI does', async () => {
    const noAdditional = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    await expect(ask(noAdditional)).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      param: 'response_format',
      message: expect.stringContaining(
        "Invalid schema for response_format 'answer': In context=(), 'additionalProperties' is required to be supplied and to be false.",
      ),
    });
    const nested = {
      type: 'object',
      properties: {
        a: {
          type: 'array',
          items: { type: 'object', properties: { b: { type: 'string' }, c: { type: 'string' } }, required: ['b'], additionalProperties: false },
        },
      },
      required: ['a'],
      additionalProperties: false,
    };
    await expect(ask(nested)).rejects.toThrow(
      "In context=('properties', 'a', 'items'), 'required' is required to be supplied and to be an array including every key in properties. Missing 'c'.",
    );
    await expect(ask({ type: 'array', items: { type: 'string' } })).rejects.toBeInstanceOf(BadRequestError);
    await expect(ask(noAdditional, false)).resolves.toMatchObject({ object: 'chat.completion' });
    expect(fake.chatRequests().map((r) => r.status)).toEqual([400, 400, 400, 200]);
  });

  it('answers in the exact chat.completion shape', async () => {
    const r = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] });
    expect(Object.keys(r).sort()).toEqual(['choices', 'created', 'id', 'model', 'object', 'usage']);
    expect(r.choices[0]).toEqual({
      index: 0,
      message: { role: 'assistant', content: expect.any(String), refusal: null },
      finish_reason: 'stop',
      logprobs: null,
    });
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
  });

  it('refuses another key with 401 invalid_api_key, quoting it redacted', async () => {
    const other = new OpenAI({ apiKey: 'sk-other-0123456789abcdef', baseURL: fake.baseURL, maxRetries: 0 });
    const err = await other.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.code).toBe('invalid_api_key');
    expect(err.message).toMatch(/Incorrect API key provided: sk-other\*+cdef\./);
  });

  it('refuses TTS input over 4096 characters, an unknown voice and formats it cannot make', async () => {
    const speak = (over: Record<string, unknown>) =>
      client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello.', response_format: 'pcm', ...over } as any);
    await expect(speak({ input: 'a'.repeat(4097) })).rejects.toMatchObject({ status: 400, param: 'input' });
    await expect(speak({ input: 'a'.repeat(4096) })).resolves.toBeTruthy();
    await expect(speak({ voice: 'robot' })).rejects.toMatchObject({ status: 400, param: 'voice' });
    await expect(speak({ model: 'gpt-4o' })).rejects.toMatchObject({ status: 400, param: 'model' });
    await expect(speak({ response_format: 'mp3' })).rejects.toThrow(/only 'pcm' and 'wav'/);
    await expect(speak({ speed: 5 })).rejects.toMatchObject({ status: 400, param: 'speed' });
  });

  it('returns 24 kHz 16-bit mono audio whose length follows the text, as pcm and as wav', async () => {
    const text = 'This charger fits in a pocket and charges a phone twice over.';
    const seconds = text.length / SPEECH_CHARS_PER_SECOND;
    const speak = async (format: 'pcm' | 'wav', c = client()) =>
      Buffer.from(await (await c.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'coral', input: text, response_format: format })).arrayBuffer());
    const pcm = await speak('pcm');
    expect(pcm.length).toBe(Math.round(seconds * SPEECH_SAMPLE_RATE) * 2);
    expect(Math.max(...Array.from({ length: 2000 }, (_, i) => Math.abs(pcm.readInt16LE(4000 + i * 2))))).toBeGreaterThan(3000);

    const wav = await speak('wav');
    expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(0xffffffff); // streamed, as OpenAI sends it
    expect(wav.readUInt32LE(24)).toBe(SPEECH_SAMPLE_RATE);
    expect(wav.subarray(44).equals(pcm)).toBe(true);

    const sized = await FakeOpenAI.start({ wavHeader: 'sized' });
    try {
      const wav2 = await speak('wav', new OpenAI({ apiKey: sized.apiKey, baseURL: sized.baseURL, maxRetries: 0 }));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-openai-'));
      const file = path.join(dir, 'speech.wav');
      fs.writeFileSync(file, wav2);
      const probe = JSON.parse(
        execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,sample_rate,channels:format=duration', '-of', 'json', file], {
          encoding: 'utf8',
        }),
      );
      fs.rmSync(dir, { recursive: true, force: true });
      expect(probe.streams[0]).toMatchObject({ codec_name: 'pcm_s16le', sample_rate: '24000', channels: 1 });
      expect(Number(probe.format.duration)).toBeCloseTo(seconds, 1);
    } finally {
      await sized.close();
    }
  });

  it('applies a fault to the next request of its endpoint only', async () => {
    fake.failNext('server_error', 1, { endpoint: 'speech' });
    await expect(client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })).resolves.toBeTruthy();
    await expect(client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hi.', response_format: 'wav' })).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect(fake.counts).toEqual({ chat: 1, speech: 1, other: 0 });
    expect(fake.requests.map((r) => [r.endpoint, r.status, r.fault])).toEqual([
      ['chat', 200, undefined],
      ['speech', 500, 'server_error'],
    ]);
  });
});
