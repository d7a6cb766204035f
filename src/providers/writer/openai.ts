// The OpenAI script writer (OpenAIScriptWriter): one structured-output call per script, checked by compliance.ts, composed by our code, with the template writer as fallback.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { TEMPLATE_VARIANTS, type TemplateVariantName } from './copy/pack.js';
import { checkScript } from './compliance.js';
import { buildMessages, PROMPT_VERSION, SCRIPT_ANSWER_NAME, ScriptAnswer, type ChatMessage, type PromptFeedback } from './prompt.js';
import { Rng } from './rng.js';
import { factsFor, PACKS } from './template-format.js';
import { MAX_HASHTAGS, sanitizeTitle, splitCaption, TemplateScriptWriter, variantVersion } from './template.js';
import type { ScriptGeneration, ScriptInput, ScriptWriter, WrittenScript } from './types.js';

export interface OpenAIWriterOptions {
  apiKey: string;
  /** Including /v1, e.g. https://api.openai.com/v1 or a loopback fake's. */
  baseURL: string;
  model: string;
  /** Per call (default 30000). */
  timeoutMs?: number;
  /** Attempts per call on a rate limit (429 rate_limit_exceeded), a 5xx, a timeout or a lost connection (default 4). */
  maxAttempts?: number;
  /** Longest wait between attempts, whatever retry-after asks (default 30000). */
  maxRetryWaitMs?: number;
  /** Writes the script when OpenAI cannot (default: a TemplateScriptWriter). */
  fallback?: ScriptWriter;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

type Alert = NonNullable<ScriptGeneration['alert']>;

/** What one call (with its retries) came to. */
type Outcome =
  | { kind: 'answer'; answer: ScriptAnswer; raw: string }
  /** The model answered, but nothing usable: a refusal, a truncated or malformed answer. */
  | { kind: 'unusable'; problems: string[]; raw: string }
  /** Only the operator can fix it (quota, key, permissions, model): no retry, and no more calls from this writer. */
  | { kind: 'account'; alert: Alert }
  | { kind: 'failed'; reason: string };

type Failure = { kind: 'transient' | 'fatal'; reason: string } | { kind: 'account'; alert: Alert };

/**
 * Scripts written by an OpenAI model with compliance by construction: the model only
 * writes the creative parts (title, hook, 2-4 lines, call to action, summary, topical
 * hashtags) through a strict json_schema response format; checkScript rejects links,
 * other prices, banned claims and overlong scripts (one regeneration with the problems
 * as feedback); our code adds the disclosure (spoken last and in the description), the
 * tracked link and '#ad'. Whenever OpenAI cannot deliver, the fallback writer (the
 * templates) writes the script and `generation` says why.
 */
export class OpenAIScriptWriter implements ScriptWriter {
  readonly name = 'openai';
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly maxAttempts: number;
  private readonly maxRetryWaitMs: number;
  private readonly timeoutMs: number;
  private readonly fallback: ScriptWriter;
  private readonly log: (msg: string, data?: Record<string, unknown>) => void;
  private readonly responseFormat = zodResponseFormat(ScriptAnswer, SCRIPT_ANSWER_NAME);
  private readonly apiKey: string;
  /** Set by an account problem: every later script goes straight to the fallback with this alert. */
  private accountAlert: Alert | undefined;

  constructor(opts: OpenAIWriterOptions) {
    if (!opts.apiKey) throw new Error('The OpenAI API key is empty: set OPENAI_API_KEY, or leave it unset to use the template writer.');
    if (!opts.model) throw new Error('No OpenAI model given for the script writer: name one, e.g. gpt-4o-mini.');
    this.apiKey = opts.apiKey;
    this.model = opts.model;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
    this.maxRetryWaitMs = opts.maxRetryWaitMs ?? 30_000;
    this.fallback = opts.fallback ?? new TemplateScriptWriter();
    this.log = opts.log ?? (() => {});
    // maxRetries 0: the SDK would also retry 429 insufficient_quota (PROTOCOLS.md §2); our loop tells the 429s apart.
    this.client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout: this.timeoutMs });
  }

  async write(input: ScriptInput): Promise<WrittenScript> {
    if (!PACKS[input.language]) throw new Error(`Unsupported language "${input.language}": use one of ${Object.keys(PACKS).join(', ')}.`);
    const variant = pickVariant(input);
    const gen: ScriptGeneration & Required<Pick<ScriptGeneration, 'usage' | 'calls'>> = {
      writer: this.name,
      model: this.model,
      promptVersion: PROMPT_VERSION,
      usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
      calls: 0,
    };
    if (this.accountAlert) {
      return this.useFallback(input, variant, gen, `template used: OpenAI skipped after an account problem (${this.accountAlert.code})`, this.accountAlert);
    }

    let feedback: PromptFeedback | undefined;
    for (let round = 1; round <= 2; round++) {
      const outcome = await this.ask(buildMessages(input, variant, feedback), gen);
      if (outcome.kind === 'account') {
        this.accountAlert = outcome.alert;
        this.log('openai writer: account problem, using the templates from now on', { code: outcome.alert.code });
        return this.useFallback(input, variant, gen, `template used: ${outcome.alert.message}`, outcome.alert);
      }
      if (outcome.kind === 'failed') return this.useFallback(input, variant, gen, `template used: ${outcome.reason}`);
      const problems = outcome.kind === 'answer' ? checkScript(outcome.answer, input.product, input.language) : outcome.problems;
      if (outcome.kind === 'answer' && problems.length === 0) {
        if (feedback) gen.note = `regenerated once: ${feedback.problems.join(' ')}`;
        return this.compose(input, variant, outcome.answer, gen);
      }
      this.log('openai writer: answer rejected', { asin: input.product.asin, round, problems });
      if (round === 2) return this.useFallback(input, variant, gen, `template used: the answer failed the checks twice: ${problems.join(' ')}`);
      feedback = { previous: outcome.raw, problems };
    }
    throw new Error('unreachable');
  }

  /** One call, retried on rate limits, 5xx, timeouts and lost connections. */
  private async ask(messages: ChatMessage[], gen: Required<Pick<ScriptGeneration, 'usage' | 'calls'>>): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        const completion = await this.client.chat.completions.create({ model: this.model, messages, response_format: this.responseFormat });
        gen.calls++;
        gen.usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
        gen.usage.completionTokens += completion.usage?.completion_tokens ?? 0;
        gen.usage.totalTokens += completion.usage?.total_tokens ?? 0;
        return readAnswer(completion);
      } catch (err) {
        const failure = this.classify(err);
        if (failure.kind === 'account') return failure;
        if (failure.kind === 'fatal') return { kind: 'failed', reason: failure.reason };
        if (attempt >= this.maxAttempts) return { kind: 'failed', reason: `OpenAI failed ${attempt} times (last: ${failure.reason})` };
        const waitMs = retryWaitMs(err, attempt, this.maxRetryWaitMs);
        this.log('openai writer: retrying', { attempt, waitMs, reason: failure.reason });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  private classify(err: unknown): Failure {
    if (err instanceof APIConnectionTimeoutError) return { kind: 'transient', reason: `no answer within ${this.timeoutMs} ms` };
    if (err instanceof APIConnectionError) return { kind: 'transient', reason: `connection failed: ${this.redact(err.message)}` };
    if (!(err instanceof APIError)) throw err;
    const status = err.status ?? 0;
    const code = err.code ?? err.type ?? undefined;
    const said = `${status}${code ? ` ${code}` : ''}: ${this.redact(messageOf(err))}`;
    if (status === 429 && (err.code === 'insufficient_quota' || err.type === 'insufficient_quota')) {
      return {
        kind: 'account',
        alert: {
          code: 'insufficient_quota',
          message:
            'OpenAI says the account is out of quota (429 insufficient_quota): add credit or raise the usage limit in the OpenAI billing settings (https://platform.openai.com/settings/organization/billing). Scripts come from the templates until then.',
        },
      };
    }
    if (status === 401) {
      return {
        kind: 'account',
        alert: {
          code: err.code ?? 'invalid_api_key',
          message: `OpenAI rejected the API key (401 ${err.code ?? 'unauthorized'}): set a valid OPENAI_API_KEY (https://platform.openai.com/api-keys) and restart the worker. Scripts come from the templates until then.`,
        },
      };
    }
    if (status === 403) {
      return {
        kind: 'account',
        alert: {
          code: err.code ?? 'permission_denied',
          message: `OpenAI refused access (${said}). Check that the key's project may use the model "${this.model}" from this region. Scripts come from the templates until then.`,
        },
      };
    }
    if (status === 404) {
      return {
        kind: 'account',
        alert: {
          code: err.code ?? 'not_found',
          message: `OpenAI does not offer the model "${this.model}" to this key, or the base URL is wrong (${said}). Configure a model the project can use. Scripts come from the templates until then.`,
        },
      };
    }
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    if (retryable && err.headers?.get('x-should-retry') !== 'false') return { kind: 'transient', reason: said };
    return { kind: 'fatal', reason: `OpenAI refused the request (${said})` };
  }

  /** Error texts may quote the key ("Incorrect API key provided: sk-abc***xyz"): never pass one on. */
  private redact(text: string): string {
    return text
      .split(this.apiKey)
      .join('[key]')
      .replace(/\bsk-[A-Za-z0-9_*.-]{3,}/g, '[key]');
  }

  private async useFallback(input: ScriptInput, variant: TemplateVariantName, gen: ScriptGeneration, note: string, alert?: Alert): Promise<WrittenScript> {
    const script = await this.fallback.write({ ...input, variant });
    return { ...script, generation: { ...gen, writer: this.fallback.name, note, ...(alert ? { alert } : {}) } };
  }

  /** The script from the model's creative parts and our fixed ones: disclosure, link, '#ad'. */
  private compose(input: ScriptInput, variant: TemplateVariantName, answer: ScriptAnswer, gen: ScriptGeneration): WrittenScript {
    const pack = PACKS[input.language];
    const disclosure = pack.disclosure;
    const spoken = [answer.hook, ...answer.lines, answer.callToAction].map(tidy).filter(Boolean);
    const sentences = [...spoken, disclosure].flatMap((s) => splitCaption(s));
    const hashtags = composeHashtags(answer.hashtags);
    const facts = factsFor(input.product, input.language);
    const notes = [pack.priceNote(facts), pack.ratingNote(facts)].filter(Boolean).join(' ');
    const description = [tidy(answer.description), notes, '', `${pack.linkLabel} ${input.trackedUrl}`, '', hashtags.join(' '), '', disclosure].join('\n');
    return {
      templateVariant: variant,
      templateVersion: variantVersion(variant)!,
      hook: sentences[0],
      sentences,
      title: sanitizeTitle(tidy(answer.title)),
      description,
      hashtags,
      disclosure,
      generation: gen,
    };
  }
}

/** The variant exactly as the template writer picks it (first draw of the seed's generator), so A/B statistics mean the same. */
export function pickVariant(input: Pick<ScriptInput, 'seed' | 'variant'>): TemplateVariantName {
  if (input.variant !== undefined && variantVersion(input.variant) === undefined) {
    throw new Error(`Unknown template variant "${input.variant}": use one of ${TEMPLATE_VARIANTS.map((v) => v.name).join(', ')}.`);
  }
  return (input.variant ?? new Rng(`${input.seed}`).pick(TEMPLATE_VARIANTS).name) as TemplateVariantName;
}

function readAnswer(completion: ChatCompletion): Outcome {
  const choice = completion.choices[0];
  const message = choice?.message;
  if (!message) return { kind: 'unusable', problems: ['The answer had no message.'], raw: '' };
  if (message.refusal)
    return { kind: 'unusable', problems: [`You refused ("${message.refusal}"): this is an ordinary product video script.`], raw: message.refusal };
  const raw = message.content ?? '';
  if (choice.finish_reason === 'length') return { kind: 'unusable', problems: ['The answer was cut off at the length limit: write a shorter one.'], raw };
  if (choice.finish_reason === 'content_filter') return { kind: 'unusable', problems: ['The answer was stopped by the content filter.'], raw };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: 'unusable', problems: ['The answer was not valid JSON: answer with the JSON object of the response format.'], raw };
  }
  const parsed = ScriptAnswer.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'answer'}: ${i.message}`);
    return { kind: 'unusable', problems: [`The answer does not match the schema (${issues.join('; ')}).`], raw };
  }
  return { kind: 'answer', answer: parsed.data, raw };
}

function messageOf(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : err.message;
}

/** retry-after-ms, then retry-after (seconds or an HTTP date), else 0.5 s·2^n with jitter; never over `capMs`. */
export function retryWaitMs(err: unknown, attempt: number, capMs: number): number {
  const headers = err instanceof APIError ? err.headers : undefined;
  let wait: number | undefined;
  const ms = parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) wait = ms;
  const after = headers?.get('retry-after');
  if (wait === undefined && after) {
    const seconds = parseFloat(after);
    wait = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(after) - Date.now();
    if (!Number.isFinite(wait) || wait < 0) wait = undefined;
  }
  wait ??= Math.min(8000, 500 * 2 ** (attempt - 1)) * (1 - Math.random() * 0.25);
  return Math.max(0, Math.min(capMs, wait));
}

function tidy(s: string): string {
  return s
    .replace(/\s+/g, ' ')
    .replace(/\s+([,.!?;:])/g, '$1')
    .trim();
}

const DISCLOSURE_TAGS = new Set(['ad', 'ads', 'sponsored', 'publicidad', 'anuncio']);

/** '#ad' first, then the model's tags as [A-Za-z0-9] words (accents dropped), deduplicated, MAX_HASHTAGS in all. */
export function composeHashtags(modelTags: string[]): string[] {
  const out = ['#ad'];
  const seen = new Set(['ad']);
  for (const raw of modelTags) {
    const word = raw
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9]/g, '');
    const key = word.toLowerCase();
    if (!word || word.length > 40 || /^\d+$/.test(word) || seen.has(key) || DISCLOSURE_TAGS.has(key)) continue;
    seen.add(key);
    out.push(`#${word}`);
    if (out.length === MAX_HASHTAGS) break;
  }
  return out;
}
