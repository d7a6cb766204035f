import type { PlatformName } from '../../config.js';
import type { Db } from '../../db.js';
import type { CatalogProvider } from '../../providers/catalog/index.js';
import type { Notifier } from '../../providers/notifier/index.js';
import type { Publisher } from '../../providers/publisher/types.js';
import type { VideoRenderer } from '../../providers/renderer/types.js';
import type { MediaStorage } from '../../providers/storage/types.js';
import type { VoiceProvider } from '../../providers/voice/types.js';
import type { ScriptWriter } from '../../providers/writer/types.js';
import { analyticsActivities } from './analytics.js';
import { approvalActivities } from './approvals.js';
import { contentActivities, type TokenPrices } from './content.js';
import { notifyActivities } from './notify.js';
import { productActivities } from './products.js';
import { publishingActivities, type PublishFault } from './publishing.js';
import { videoActivities } from './videos.js';
import { workflowLogActivities } from './workflow-log.js';

export interface ActivityDeps {
  db: Db;
  /** The configured product source; `signal` cancels its requests with the activity. */
  catalog: (opts?: { signal?: AbortSignal }) => CatalogProvider;
  /** The offline catalog used for a run the configured source refused (Creators API: account not eligible yet). */
  fallbackCatalog?: () => CatalogProvider;
  writer: () => ScriptWriter;
  voice: VoiceProvider;
  /** The offline voice when the paid one refuses the account. */
  fallbackVoice?: VoiceProvider;
  renderer: VideoRenderer;
  storage: MediaStorage;
  publishers: Record<PlatformName, Publisher>;
  notifier: () => Notifier;
  publicBaseUrl: string;
  fetchImages: boolean;
  fault: PublishFault;
  /** Associates tracking ids whose earnings are ours. */
  partnerTags: string[];
  costPerVideo: number;
  /** USD per million tokens of the AI script writer, for the cost ledger. */
  tokenPrices: TokenPrices;
  /** USD per minute of paid synthesized speech (OpenAI TTS), for the cost ledger. */
  voicePricePerMinute: number;
  /** Share of new scripts that use the template variant optimization promoted (the rest explore). */
  promotedVariantShare: number;
}

/** Every activity the worker registers; workflows import only this type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...workflowLogActivities(deps.db),
    ...productActivities(deps),
    ...contentActivities(deps),
    ...videoActivities(deps),
    ...approvalActivities(deps),
    ...publishingActivities(deps),
    ...notifyActivities(deps),
    ...analyticsActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
