// The workflow bundle's entry: every workflow type the worker serves.
export { dailyControlLoop } from './daily-control-loop.js';
export { publishToPlatform } from './publish-to-platform.js';
export { weeklyOptimization } from './weekly-optimization.js';
export { scheduledDailyLoop, scheduledWeeklyOptimization } from './scheduled.js';
