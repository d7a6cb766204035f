import { ActivityFailure } from '@temporalio/workflow';
import type { PublishFailure, PublishOutcome, PublishToPlatformInput } from '../types.js';
import { activitiesWith } from './activity-options.js';

/**
 * Publishes approved videos to one platform, one at a time (platform rate
 * limits). Each publish goes through the ledger activity, so a retry or a replay
 * never posts twice; a video that fails after its retries is reported, and the
 * others still go out.
 */
export async function publishToPlatform(input: PublishToPlatformInput): Promise<{ published: PublishOutcome[]; failed: PublishFailure[] }> {
  const acts = activitiesWith(input.retry);
  const published: PublishOutcome[] = [];
  const failed: PublishFailure[] = [];
  for (const videoId of input.videoIds) {
    try {
      published.push(await acts.publishVideo({ videoId, platform: input.platform }));
    } catch (err) {
      const error = err instanceof ActivityFailure && err.cause ? err.cause.message : (err as Error).message;
      failed.push({ videoId, platform: input.platform, error });
    }
  }
  return { published, failed };
}
