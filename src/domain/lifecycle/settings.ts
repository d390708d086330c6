/** Scheduler flags of task-lifecycle.md §3-4, with Aurora's defaults (all durations in ms). */
export interface LifecycleSettings {
  readonly flappingTaskThresholdMs: number
  readonly initialFlappingTaskDelayMs: number
  readonly maxFlappingTaskDelayMs: number
  readonly maxRescheduleTaskDelayOnStartupMs: number
  readonly transientTaskStateTimeoutMs: number
  readonly initialTaskKillRetryIntervalMs: number
  readonly historyPruneThresholdMs: number
  readonly historyMaxPerJobThreshold: number
  readonly historyMinRetentionThresholdMs: number
  readonly jobUpdateHistoryPruningThresholdMs: number
  readonly jobUpdateHistoryPerJobThreshold: number
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export const DEFAULT_LIFECYCLE_SETTINGS: LifecycleSettings = {
  flappingTaskThresholdMs: 5 * MINUTE,
  initialFlappingTaskDelayMs: 30 * SECOND,
  maxFlappingTaskDelayMs: 5 * MINUTE,
  maxRescheduleTaskDelayOnStartupMs: 30 * SECOND,
  transientTaskStateTimeoutMs: 5 * MINUTE,
  initialTaskKillRetryIntervalMs: 15 * SECOND,
  historyPruneThresholdMs: 2 * DAY,
  historyMaxPerJobThreshold: 100,
  historyMinRetentionThresholdMs: HOUR,
  jobUpdateHistoryPruningThresholdMs: 30 * DAY,
  jobUpdateHistoryPerJobThreshold: 10
}
