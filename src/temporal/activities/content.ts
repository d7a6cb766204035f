import { Context } from '@temporalio/activity';
import type { Db } from '../../db.js';
import { newTrackingCode, trackedUrl } from '../../domain/links.js';
import type { Language, ScriptWriter } from '../../providers/writer/types.js';

export interface GenerateContentInput {
  productIds: string[];
  language: Language;
  workflowId: string;
  runId: string;
}

export interface GenerateContentResult {
  scriptsCreated: number;
  videoIds: string[];
}

/**
 * Step 4: one script (Content) and one Video row per product. Idempotent: a
 * retry finds the Content already written for (product, language, workflow) and
 * reuses it and its video.
 */
export function contentActivities(deps: { db: Db; writer: () => ScriptWriter; publicBaseUrl: string; promotedVariantShare: number }) {
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
              trackingCode,
              videos: { create: { productId, workflowId: input.workflowId, status: 'PENDING' } },
            },
            include: { videos: true },
          });
          scriptsCreated++;
        }
        videoIds.push(content.videos[0].id);
        Context.current().heartbeat({ done: videoIds.length });
      }
      return { scriptsCreated, videoIds };
    },
  };
}

/** Deterministic coin flip per (run, product): true for `share` of them. */
function exploit(seed: string, share: number): boolean {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return ((h >>> 0) % 1000) / 1000 < share;
}
