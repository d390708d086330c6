import { type JobUpdateStatus, TERMINAL_UPDATE_STATUSES } from "../model/response.ts"
import { type ScheduleStatus, TERMINAL_STATES, TRANSIENT_STATES } from "../model/status.ts"
import type { PartitionPolicy, ScheduledTask } from "../model/task.ts"
import { truncatedBinaryBackoff } from "./backoff.ts"
import type { LifecycleSettings } from "./settings.ts"

const latestTimestamp = (task: ScheduledTask): number | undefined =>
  task.taskEvents[task.taskEvents.length - 1]?.timestamp

// §4.1 Transient state timeout -----------------------------------------------------------------

/** Whether entering `status` schedules a TaskTimeout check (the full timeout, even after failover). */
export const watchesTransientTimeout = (status: ScheduleStatus): boolean => TRANSIENT_STATES.has(status)

/** At the check: time the task out (CAS `recordedState` -> LOST, "Task timed out") only if it has not moved on. */
export const transientTimeoutExpired = (
  task: ScheduledTask | undefined,
  recordedState: ScheduleStatus
): boolean => task !== undefined && task.status === recordedState

export const TASK_TIMED_OUT_MESSAGE = "Task timed out"

// §4.2 Kill retry ------------------------------------------------------------------------------

/** Delay to the next kill retry for a KILLING task: backoff from 15 s, capped at the transient timeout. */
export const nextKillRetryDelayMs = (
  previousDelayMs: number,
  settings: LifecycleSettings,
  random: () => number
): number =>
  truncatedBinaryBackoff(
    previousDelayMs,
    settings.initialTaskKillRetryIntervalMs,
    settings.transientTaskStateTimeoutMs,
    random
  )

/** At a kill-retry check: resend the kill only while the task is still KILLING. */
export const killRetryDue = (task: ScheduledTask | undefined): boolean => task?.status === "KILLING"

// §4.3 Reconciliation --------------------------------------------------------------------------

export interface ReconciliationSettings {
  readonly initialDelayMs: number
  readonly explicitIntervalMs: number
  readonly implicitIntervalMs: number
  readonly scheduleSpreadMs: number
  readonly explicitBatchSize: number
  readonly explicitBatchIntervalMs: number
}

const MINUTE = 60_000
export const DEFAULT_RECONCILIATION_SETTINGS: ReconciliationSettings = {
  initialDelayMs: MINUTE,
  explicitIntervalMs: 60 * MINUTE,
  implicitIntervalMs: 60 * MINUTE,
  scheduleSpreadMs: 30 * MINUTE,
  explicitBatchSize: 1000,
  explicitBatchIntervalMs: 5000
}

export interface ReconciliationSchedule {
  readonly explicitFirstMs: number
  readonly explicitEveryMs: number
  readonly implicitFirstMs: number
  readonly implicitEveryMs: number
  readonly batchIntervalMs: number
}

const wholeMinutes = (ms: number): number => Math.floor(ms / MINUTE) * MINUTE

/** Delays and intervals truncated to whole minutes, batch delays to whole seconds; negatives refused. */
export const reconciliationSchedule = (
  s: ReconciliationSettings
): { readonly schedule: ReconciliationSchedule } | { readonly error: string } => {
  for (const [name, v] of Object.entries(s)) {
    if (!Number.isFinite(v) || v < 0)
      return { error: `reconciliation setting ${name} must not be negative (got ${v})` }
  }
  if (s.explicitBatchSize < 1) return { error: "reconciliation_explicit_batch_size must be positive" }
  return {
    schedule: {
      explicitFirstMs: wholeMinutes(s.initialDelayMs),
      explicitEveryMs: wholeMinutes(s.explicitIntervalMs),
      implicitFirstMs: wholeMinutes(s.initialDelayMs) + wholeMinutes(s.scheduleSpreadMs),
      implicitEveryMs: wholeMinutes(s.implicitIntervalMs),
      batchIntervalMs: Math.floor(s.explicitBatchIntervalMs / 1000) * 1000
    }
  }
}

/** Explicit reconciliation: batch i of the agent-assigned tasks is sent after i x batch interval. */
export const explicitReconciliationBatches = <T>(
  tasks: ReadonlyArray<T>,
  batchSize: number,
  batchIntervalMs: number
): ReadonlyArray<{ readonly delayMs: number; readonly tasks: ReadonlyArray<T> }> => {
  const batches: Array<{ delayMs: number; tasks: ReadonlyArray<T> }> = []
  for (let i = 0; i * batchSize < tasks.length; i++) {
    batches.push({ delayMs: i * batchIntervalMs, tasks: tasks.slice(i * batchSize, (i + 1) * batchSize) })
  }
  return batches
}

// §4.4 Partitions ------------------------------------------------------------------------------

export const PARTITIONED_TOO_LONG_MESSAGE = "Task partitioned for too long."

/**
 * How long a PARTITIONED task waits before it is forced to LOST, or undefined when its policy says
 * never (reschedule = false). Startup ("initialized") events subtract the time already spent.
 */
export const partitionLostDelayMs = (
  task: ScheduledTask,
  policy: PartitionPolicy | undefined,
  replayedAtStartup: boolean,
  now: number
): number | undefined => {
  if (policy !== undefined && !policy.reschedule) return undefined
  const delayMs = (policy?.delaySecs ?? 0) * 1000
  if (!replayedAtStartup) return delayMs
  const since = now - (latestTimestamp(task) ?? now)
  return Math.max(0, delayMs - since)
}

/** At the partition check: force LOST only if the task is still there with the same latest event. */
export const partitionTimeoutDue = (
  task: ScheduledTask | undefined,
  rememberedTimestamp: number | undefined
): boolean =>
  task !== undefined && task.status === "PARTITIONED" && latestTimestamp(task) === rememberedTimestamp

// §4.5 Task history pruning --------------------------------------------------------------------

/** When a terminal task is deleted: `max(minRetention, pruneThreshold - max(0, now - basis))` from now. */
export const historyPruneDelayMs = (
  task: ScheduledTask,
  replayedAtStartup: boolean,
  now: number,
  settings: LifecycleSettings
): number => {
  const basis = replayedAtStartup ? (latestTimestamp(task) ?? now) : now
  return Math.max(
    settings.historyMinRetentionThresholdMs,
    settings.historyPruneThresholdMs - Math.max(0, now - basis)
  )
}

/** Per-job cap: the oldest terminal tasks beyond the goal that are at least minRetention old. */
export const perJobPruneVictims = (
  jobTasks: ReadonlyArray<ScheduledTask>,
  now: number,
  settings: LifecycleSettings
): ReadonlyArray<string> => {
  const terminal = jobTasks.filter((t) => TERMINAL_STATES.has(t.status))
  const excess = terminal.length - settings.historyMaxPerJobThreshold
  if (excess <= 0) return []
  return terminal
    .map((t) => ({ id: t.assignedTask.taskId, ts: latestTimestamp(t) ?? 0 }))
    .sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .filter((t) => t.ts <= now - settings.historyMinRetentionThresholdMs)
    .slice(0, excess)
    .map((t) => t.id)
}

// §4.6 Job update history pruning --------------------------------------------------------------

export interface UpdateSummary {
  readonly id: string
  readonly jobKey: string
  readonly status: JobUpdateStatus
  readonly createdTimestampMs: number
}

/** Terminal updates that are expired, orphaned (no tasks left), or beyond the per-job limit. */
export const jobUpdatesToPrune = (
  updates: ReadonlyArray<UpdateSummary>,
  jobsWithTasks: ReadonlySet<string>,
  now: number,
  settings: LifecycleSettings
): ReadonlyArray<string> => {
  const pruned = new Set<string>()
  const keptByJob = new Map<string, Array<UpdateSummary>>()
  for (const u of updates) {
    if (!TERMINAL_UPDATE_STATUSES.has(u.status)) continue
    if (u.createdTimestampMs < now - settings.jobUpdateHistoryPruningThresholdMs) pruned.add(u.id)
    else {
      if (!jobsWithTasks.has(u.jobKey)) pruned.add(u.id)
      const list = keptByJob.get(u.jobKey) ?? []
      list.push(u)
      keptByJob.set(u.jobKey, list)
    }
  }
  for (const list of keptByJob.values()) {
    list.sort((a, b) => b.createdTimestampMs - a.createdTimestampMs || (a.id < b.id ? -1 : 1))
    for (const u of list.slice(settings.jobUpdateHistoryPerJobThreshold)) pruned.add(u.id)
  }
  return [...pruned].sort()
}
