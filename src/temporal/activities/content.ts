import { Context } from '@temporalio/activity';
import { recordCost } from '../../analytics/costs.js';
import type { Db } from '../../db.js';
import { newTrackingCode, trackedUrl } from '../../domain/links.js';
import type { Notifier } from '../../providers/notifier/index.js';
import type { Language, ScriptGeneration, ScriptWriter } from '../../providers/writer/types.js';

export interface GenerateContentInput {
  productIds: string[];
  language: Language;
  workflowId: string;
  runId: string;
}

export interface GenerateContentResult {
  scriptsCreated: number;
  videoIds: string[];
  /** For the run's status: scripts the template writer wrote in place of the AI writer, and why. */
  notes?: string[];
}

/** USD per million tokens, for the cost ledger. */
export interface TokenPrices {
  inputPer1M: number;
  outputPer1M: number;
}

/**
 * Step 4: one script (Content) and one Video row per product. Idempotent: a
 * retry finds the Content already written for (product, language, workflow) and
 * reuses it and its video.
 */
export function contentActivities(deps: {
  db: Db;
  writer: () => ScriptWriter;
  notifier: () => Notifier;
  publicBaseUrl: string;
  promotedVariantShare: number;
  tokenPrices: TokenPrices;
}) {
  const { db } = deps;
  return {
    async generateContentForProducts(input: GenerateContentInput): Promise<GenerateContentResult> {
      const writer = deps.writer();
      // Exploit the template optimization promoted for most scripts, keep exploring with the rest.
      const promoted = await db.optimizationDecision.findFirst({ where: { kind: 'promote-variant' }, orderBy: { createdAt: 'desc' } });
      const products = await db.product.findMany({ where: { id: { in: input.productIds } } });
      const byId = new Map(products.map((p) => [p.id, p]));
      let scriptsCreated = 0;
      const videoIds: string[] = [];
      const fallbacks: string[] = [];
      let alerted = false;
      for (const productId of input.productIds) {
        const product = byId.get(productId);
        if (!product) throw new Error(`Product ${productId} no longer exists; re-run the daily loop to select again.`);
        let content = await db.content.findUnique({
          where: { productId_language_workflowId_runId: { productId, language: input.language, workflowId: input.workflowId, runId: input.runId } },
          include: { videos: true },
        });
        if (!content) {
          const trackingCode = newTrackingCode();
          const script = await writer.write({
            product: {
              asin: product.asin,
              title: product.title,
              brand: product.brand,
              category: product.category,
              price: Number(product.price),
              currency: product.currency,
              rating: product.rating,
              reviewCount: product.reviewCount,
            },
            language: input.language,
            trackedUrl: trackedUrl(deps.publicBaseUrl, trackingCode),
            seed: `${input.workflowId}:${product.asin}`,
            variant: promoted?.variant && exploit(`${input.workflowId}:${product.asin}`, deps.promotedVariantShare) ? promoted.variant : undefined,
          });
          const gen: ScriptGeneration = script.generation ?? { writer: writer.name };
          if (gen.note && gen.writer !== writer.name) fallbacks.push(`${product.asin}: ${gen.note}`);
          if (gen.alert && !alerted) {
            alerted = true;
            await alertOnce(deps.notifier(), input.workflowId, gen.alert);
          }
          content = await db.content.create({
            data: {
              productId,
              language: input.language,
              workflowId: input.workflowId,
              runId: input.runId,
              templateVariant: script.templateVariant,
              templateVersion: script.templateVersion,
              hook: script.hook,
              script: script.sentences.join('\n'),
              title: script.title,
              description: script.description,
              hashtags: script.hashtags,
              disclosure: script.disclosure,
              writer: gen.writer,
              model: gen.model ?? null,
              promptVersion: gen.promptVersion ?? null,
              promptTokens: gen.usage?.promptTokens ?? null,
              completionTokens: gen.usage?.completionTokens ?? null,
              writerNote: gen.note?.slice(0, 2000) ?? null,
              trackingCode,
              videos: { create: { productId, workflowId: input.workflowId, status: 'PENDING' } },
            },
            include: { videos: true },
          });
          scriptsCreated++;
          if (gen.usage && gen.usage.totalTokens > 0) {
            // Keyed by the script: a retried activity finds the Content and never reaches here twice, and the key makes sure.
            await recordCost(db, {
              key: `script:${content.id}`,
              kind: 'API_CALL',
              productId,
              provider: gen.model ? `openai:${gen.model}` : 'openai',
              amount: (gen.usage.promptTokens * deps.tokenPrices.inputPer1M + gen.usage.completionTokens * deps.tokenPrices.outputPer1M) / 1e6,
            });
          }
        }
        videoIds.push(content.videos[0].id);
        Context.current().heartbeat({ done: videoIds.length });
      }
      const notes = fallbacks.length
        ? [
            `${fallbacks.length} of ${input.productIds.length} script(s) written by the template writer: ${fallbacks.slice(0, 3).join('; ')}${fallbacks.length > 3 ? '; …' : ''}`,
          ]
        : [];
      return { scriptsCreated, videoIds, ...(notes.length ? { notes } : {}) };
    },
  };
}

/** Deterministic coin flip per (run, product): true for `share` of them. */
function exploit(seed: string, share: number): boolean {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return ((h >>> 0) % 1000) / 1000 < share;
}

/**
 * One alert per run for a problem only the operator can fix (quota, key, model):
 * the dedupe key makes a retried activity or a second product update the same
 * message instead of posting again.
 */
async function alertOnce(notifier: Notifier, workflowId: string, alert: { code: string; message: string }): Promise<void> {
  await notifier.notify({
    kind: 'provider_alert',
    level: 'WARNING',
    title: `OpenAI: ${alert.code}, scripts fall back to the templates`,
    message: `${alert.message}\nThis run continues with the template writer; fix it before the next run.`,
    workflowId,
    data: { provider: 'openai', code: alert.code },
    dedupeKey: `provider-alert:openai:${alert.code}:${workflowId}`,
  });
}
