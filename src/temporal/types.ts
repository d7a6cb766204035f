import type { ActivityRetryConfig, PlatformName, RankWeights } from '../config.js';

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
  language: 'en' | 'es';
  approvalTimeoutMs: number;
  /** What happens to videos nobody decided on when the approval wait expires. */
  approvalDefaultAction: 'approve' | 'reject';
  renderConcurrency: number;
  maxVideoSeconds: number;
  /**
   * The render workers' task queue: one render activity per video is scheduled there, so
   * rendering scales with the render workers. Absent (runs started before it existed): the
   * run's own queue, all videos in one activity.
   */
  renderTaskQueue?: string;
  /** Who or what started the run (api, schedule, slack:U123 …), for the log. */
  startedBy?: string;
  /** Steps 8-9: collect analytics and optimize (absent: the run stops after publishing). */
  optimize?: OptimizeSettings;
}

export interface OptimizeSettings {
  daysBack: number;
  /** Archive below this ROI (KILL_THRESHOLD). */
  killThreshold: number;
  /** Scale the selection weight above this ROI (SCALE_THRESHOLD). */
  scaleThreshold: number;
  scaleFactor: number;
  maxSelectionWeight: number;
  minVideos: number;
  minVideosPerVariant: number;
}

export interface WeeklyInput {
  /** The week's last day is the day before `periodEnd` (exclusive); computed from workflow time when absent. */
  periodEnd?: string;
  days: number;
  optimize: OptimizeSettings;
  retry: ActivityRetryConfig;
  startedBy?: string;
}

/** Step 8's totals (collectAnalytics), as the daily and weekly results report them. */
export interface AnalyticsSummary {
  totalRevenue: number;
  totalEarnings: number;
  totalViews: number | null;
  totalClicks: number;
  totalCost: number;
  roi: number | null;
  notes: string[];
}

/** Step 9's decisions (optimizeStrategy). */
export interface OptimizeOutcome {
  archived: { asin: string; reason: string }[];
  scaled: { asin: string; reason: string }[];
  promotedVariant: string | null;
  variantReason: string;
}

export interface WeeklyResult {
  workflowId: string;
  period: { from: string; to: string };
  analytics: AnalyticsSummary;
  optimization: OptimizeOutcome;
  report: { reportId: string; chartUrl: string };
}

export interface DailyStatus {
  step: DailyStep | 'starting' | 'completed' | 'failed' | 'cancelled';
  stepsDone: DailyStep[];
  products: { synced: number; ranked: number; selected: number; source?: string };
  videos: { generated: number; ready: number; published: number };
  approvals: { pending: number; approved: number; rejected: number };
  errors: { step: string; message: string }[];
  /** The published posts with their links (for the run notice). */
  posts?: { videoId: string; platform: string; url: string }[];
  /** Things the operator should know that did not stop the run (a catalog fallback, scripts by the template writer). */
  warnings?: { step: string; message: string }[];
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
  synced: { total: number; created: number; updated: number; source: string; fallback?: string; itemErrors?: number; itemErrorSample?: string[] };
  ranked: number;
  selected: SelectedProduct[];
  content?: { scriptsCreated: number; videoIds: string[]; notes?: string[] };
  videos?: { videosGenerated: number; readyVideoIds: string[]; failed: { videoId: string; error: string }[] };
  approvals?: { approved: string[]; rejected: string[]; expired: string[] };
  publishing?: { published: PublishOutcome[]; failed: PublishFailure[] };
  analytics?: AnalyticsSummary;
  optimization?: OptimizeOutcome;
}

export interface PublishOutcome {
  videoId: string;
  platform: PlatformName;
  externalId: string;
  url: string;
  status: string;
}

export interface PublishFailure {
  videoId: string;
  platform: PlatformName;
  error: string;
}

export interface PublishToPlatformInput {
  platform: PlatformName;
  videoIds: string[];
  retry: ActivityRetryConfig;
}

export type ApprovalState = 'pending' | 'approved' | 'rejected';

export interface VideoApprovalView {
  videoId: string;
  state: ApprovalState;
  /** Who decided: a platform id (slack:U0123…, discord:123…, api:token, console, auto-approve, system:timeout). */
  by?: string;
  /** Their display name, for people to read; never used to authorize. */
  byName?: string;
  at?: string;
  reason?: string;
  source?: string;
  /** Added by the API from the database. */
  title?: string;
  videoUrl?: string | null;
  thumbnailUrl?: string | null;
}

export interface ApprovalSignal {
  /** Where the decision came from (api, slack, discord, console); defaults to api. */
  source?: string;
  videoId: string;
  decision: 'approve' | 'reject';
  /** The decider's platform id (slack:U0123…, discord:123…, api:token, console), never a display name. */
  by: string;
  /** Their display name beside it, for people to read. */
  byName?: string;
  at: string;
  reason?: string;
}
