import type { TaskConfig } from "../model/index.ts"

/** Canonical JSON (sorted keys): two configs are one task group iff their keys are equal. */
export const canonicalJson = (v: unknown): string => {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null"
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`
  const o = v as Record<string, unknown>
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`
}

export const taskGroupKey = (config: TaskConfig): string => canonicalJson(config)
export const taskGroupName = (config: TaskConfig): string =>
  `${config.job.role}/${config.job.environment}/${config.job.name}`

export interface SchedulingSettings {
  /** `-first_schedule_delay` */
  readonly firstScheduleDelayMs: number
  /** `-initial_schedule_penalty` */
  readonly initialSchedulePenaltyMs: number
  /** `-max_schedule_penalty` */
  readonly maxSchedulePenaltyMs: number
  /** `-max_schedule_attempts_per_sec` */
  readonly maxScheduleAttemptsPerSec: number
  /** `-max_tasks_per_schedule_attempt` */
  readonly maxTasksPerScheduleAttempt: number
  /** `-max_reschedule_task_delay_on_startup` */
  readonly maxRescheduleTaskDelayOnStartupMs: number
  /** `-offer_reservation_duration` */
  readonly offerReservationDurationMs: number
}

export const DEFAULT_SCHEDULING: SchedulingSettings = {
  firstScheduleDelayMs: 1,
  initialSchedulePenaltyMs: 1000,
  maxSchedulePenaltyMs: 60_000,
  maxScheduleAttemptsPerSec: 40,
  maxTasksPerScheduleAttempt: 5,
  maxRescheduleTaskDelayOnStartupMs: 30_000,
  offerReservationDurationMs: 180_000
}

/** Truncated binary backoff: h = previous (or the initial penalty if 0); min(max, h + round(rand·h)). */
export const nextPenalty = (previousMs: number, random: () => number, s: SchedulingSettings): number => {
  const h = previousMs > 0 ? previousMs : s.initialSchedulePenaltyMs
  return Math.min(s.maxSchedulePenaltyMs, h + Math.round(random() * h))
}

/** Initial delay of a new group: 1 ms on a real transition, random start-up spread plus flapping otherwise. */
export const initialPenalty = (
  startup: boolean,
  flappingPenaltyMs: number,
  random: () => number,
  s: SchedulingSettings
): number =>
  startup
    ? Math.floor(random() * s.maxRescheduleTaskDelayOnStartupMs) + flappingPenaltyMs
    : s.firstScheduleDelayMs

/** BiCache durations truncate to whole minutes (quirk 10.4). */
export const truncateToMinutes = (ms: number): number => Math.floor(ms / 60_000) * 60_000
