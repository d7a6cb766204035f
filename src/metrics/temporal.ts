// The Temporal SDK's own metrics (pollers, task slots, schedule-to-start and execution latencies,
// workflow completions and failures) and our workflows' step durations, served by each worker
// process's SDK at http://TEMPORAL_METRICS_ADDRESS/metrics. The SDK's exporter has no
// authentication: bind it to loopback, or to an interface only Prometheus can reach.
import type { TelemetryOptions } from '@temporalio/worker';
import { STEP_DURATION, STEP_DURATION_BUCKETS } from './names.js';

export function workerTelemetry(bindAddress: string): TelemetryOptions {
  return {
    metrics: {
      prometheus: {
        bindAddress,
        // Seconds, as Prometheus conventions (and our own metrics) have it; the SDK's default is milliseconds.
        useSecondsForDurations: true,
        histogramBucketOverrides: { [STEP_DURATION]: STEP_DURATION_BUCKETS },
      },
    },
  };
}
