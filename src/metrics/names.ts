// Metric names shared by the exporters, the workflow code (bundled: constants only, no imports)
// and the tests that check the Grafana dashboard and the alert rules against what is exported.

/** Every metric of ours starts with this (Prometheus naming: one application prefix, snake_case, unit suffix). */
export const PREFIX = 'affiliate_empire_';

/**
 * Step durations, emitted by the workflows through the Temporal SDK's workflow metric meter, so they
 * appear on each worker's SDK endpoint (TEMPORAL_METRICS_ADDRESS), not on the API's /metrics.
 */
export const STEP_DURATION = 'affiliate_empire_workflow_step_duration_seconds';

/**
 * Bucket bounds of STEP_DURATION in seconds: from a sub-second ranking to the approval wait
 * (up to APPROVAL_TIMEOUT, 24 h by default, and beyond when operators extend it).
 */
export const STEP_DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 48 * 3600];
