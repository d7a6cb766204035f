import type { ActivityRetryConfig, PlatformName, RankWeights } from '../config.js';

export const TASK_QUEUE = 'ai-affiliate-empire';

export const DAILY_STEPS = [
  'syncProducts',
  'rankAllProducts',
  'selectTopProducts',
  'generateContentForProducts',
  'generateVideosForContent',
  'awaitApproval',
  'publishVideosToAll',
  'collectAnalytics',
  'optimizeStrategy',
] as const;
export type DailyStep = (typeof DAILY_STEPS)[number];

export interface DailyLoopInput {
  maxProducts: number;
  platforms: PlatformName[];
  autoApprove: boolean;
  maxPerCategory: number;
  rankWeights: RankWeights;
  retry: ActivityRetryConfig;
  /** Who or what started the run (api, schedule, slack:U123 …), for the log. */
  startedBy?: string;
}

export interface DailyStatus {
  step: DailyStep | 'starting' | 'completed' | 'failed' | 'cancelled';
  stepsDone: DailyStep[];
  products: { synced: number; ranked: number; selected: number };
  videos: { generated: number; ready: number; published: number };
  approvals: { pending: number; approved: number; rejected: number };
  errors: { step: string; message: string }[];
}

export interface SelectedProduct {
  id: string;
  asin: string;
  title: string;
  category: string;
  overallScore: number;
}

export interface DailyLoopResult {
  workflowId: string;
  stepsRun: DailyStep[];
  /** Steps of the full loop this version does not run yet, so nobody mistakes it for a full cycle. */
  stepsNotImplemented: DailyStep[];
  synced: { total: number; created: number; updated: number; source: string };
  ranked: number;
  selected: SelectedProduct[];
}

export interface ApprovalSignal {
  videoId: string;
  decision: 'approve' | 'reject';
  by: string;
  at: string;
  reason?: string;
}
