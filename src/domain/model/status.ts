import { Schema } from "effect"

/** ScheduleStatus with Aurora's thrift numbers (numbers 8, 10, 14 and 15 are unused). */
export const ScheduleStatusNumber = {
  PENDING: 0,
  STARTING: 1,
  RUNNING: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
  KILLING: 6,
  LOST: 7,
  ASSIGNED: 9,
  INIT: 11,
  RESTARTING: 12,
  PREEMPTING: 13,
  THROTTLED: 16,
  DRAINING: 17,
  PARTITIONED: 18
} as const

export type ScheduleStatus = keyof typeof ScheduleStatusNumber

export const ALL_STATUSES = Object.keys(ScheduleStatusNumber) as ReadonlyArray<ScheduleStatus>

export const ScheduleStatus = Schema.Literal(...ALL_STATUSES).annotations({
  identifier: "ScheduleStatus",
  message: () => `Expected a ScheduleStatus, one of ${ALL_STATUSES.join(", ")}`
})

const setOf = (...s: ReadonlyArray<ScheduleStatus>): ReadonlySet<ScheduleStatus> => new Set(s)

export const ACTIVE_STATES = setOf(
  "ASSIGNED",
  "DRAINING",
  "KILLING",
  "PENDING",
  "PREEMPTING",
  "RESTARTING",
  "RUNNING",
  "STARTING",
  "PARTITIONED",
  "THROTTLED"
)
export const TERMINAL_STATES = setOf("FAILED", "FINISHED", "KILLED", "LOST")
/** On an agent and not terminal: ACTIVE minus PENDING and THROTTLED. */
export const SLAVE_ASSIGNED_STATES = setOf(
  ...[...ACTIVE_STATES].filter((s) => s !== "PENDING" && s !== "THROTTLED")
)
export const LIVE_STATES = setOf("KILLING", "PREEMPTING", "RESTARTING", "DRAINING", "PARTITIONED", "RUNNING")
/** TaskTimeout's watched set: forced to LOST after the transient-state timeout. */
export const TRANSIENT_STATES = setOf("ASSIGNED", "PREEMPTING", "RESTARTING", "KILLING", "DRAINING")
/** A task with any of these in its history never counts as flapping. */
export const INTERRUPTED_STATES = setOf("RESTARTING", "KILLING", "DRAINING")

export const isActive = (s: ScheduleStatus): boolean => ACTIVE_STATES.has(s)
export const isTerminal = (s: ScheduleStatus): boolean => TERMINAL_STATES.has(s)
export const isKillable = (s: ScheduleStatus): boolean => ACTIVE_STATES.has(s) && s !== "KILLING"
