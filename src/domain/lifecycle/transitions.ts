import type { ScheduleStatus } from "../model/status.ts"
import type { ScheduledTask } from "../model/task.ts"

/** DELETED is the state machine's pseudo-state for "no such task in the store". */
export type LifecycleState = ScheduleStatus | "DELETED"

export type SideEffect =
  | "INCREMENT_FAILURES"
  | "SAVE_STATE"
  | "RESCHEDULE"
  | "TRANSITION_TO_LOST"
  | "KILL"
  | "DELETE"

/** Side effects always run in this order (task-lifecycle.md §2.1 step 6). */
export const SIDE_EFFECT_ORDER: ReadonlyArray<SideEffect> = [
  "INCREMENT_FAILURES",
  "SAVE_STATE",
  "RESCHEDULE",
  "TRANSITION_TO_LOST",
  "KILL",
  "DELETE"
]

export type TransitionResult = "SUCCESS" | "NOOP" | "ILLEGAL" | "ILLEGAL_WITH_SIDE_EFFECTS"

export interface Transition {
  readonly result: TransitionResult
  /** Ordered and de-duplicated. */
  readonly sideEffects: ReadonlyArray<SideEffect>
}

const KILL_REQUESTS: ReadonlyArray<ScheduleStatus> = ["PREEMPTING", "RESTARTING", "DRAINING", "KILLING"]
const REVIVALS: ReadonlySet<LifecycleState> = new Set(["ASSIGNED", "STARTING", "RUNNING"])

/** FAILRS: always INC; RS for services, unlimited retries, or while attempts remain. */
const failureEffects = (task: ScheduledTask | undefined): Array<SideEffect> => {
  const config = task?.assignedTask.task
  const retry =
    config !== undefined &&
    (config.isService ||
      config.maxTaskFailures === -1 ||
      (task?.failureCount ?? 0) < config.maxTaskFailures - 1)
  return retry ? ["INCREMENT_FAILURES", "RESCHEDULE"] : ["INCREMENT_FAILURES"]
}

const serviceReschedule = (task: ScheduledTask | undefined): Array<SideEffect> =>
  task?.assignedTask.task.isService ? ["RESCHEDULE"] : []

const killingInHistory = (task: ScheduledTask | undefined): boolean =>
  task?.taskEvents.some((e) => e.status === "KILLING") ?? false

/** Effects of an allowed transition (before SAVE is added), or undefined when it is not allowed. */
const allowedEffects = (
  from: LifecycleState,
  to: LifecycleState,
  task: ScheduledTask | undefined
): Array<SideEffect> | undefined => {
  switch (from) {
    case "INIT":
      return to === "PENDING" || to === "THROTTLED" ? [] : undefined
    case "THROTTLED":
    case "PENDING":
      if (to === "KILLING") return ["DELETE"]
      if (from === "THROTTLED" && to === "PENDING") return []
      if (from === "PENDING" && to === "ASSIGNED") return []
      return undefined
    case "ASSIGNED":
    case "STARTING":
    case "RUNNING":
      if (to === "STARTING" && from === "ASSIGNED") return []
      if (to === "RUNNING" && from !== "RUNNING") return []
      if (to === "PARTITIONED" && from !== "ASSIGNED") return []
      if (to === "FINISHED") return serviceReschedule(task)
      if (to === "FAILED") return failureEffects(task)
      if (KILL_REQUESTS.includes(to as ScheduleStatus)) return ["KILL"]
      if (to === "KILLED") return ["RESCHEDULE"]
      if (to === "LOST") return from === "ASSIGNED" ? ["RESCHEDULE", "KILL"] : ["RESCHEDULE"]
      return undefined
    case "PREEMPTING":
    case "RESTARTING":
    case "DRAINING":
      if (to === "FINISHED" || to === "FAILED" || to === "KILLED") return ["RESCHEDULE"]
      if (to === "KILLING") return []
      if (to === "LOST") return ["RESCHEDULE", "KILL"]
      if (to === "PARTITIONED") return ["TRANSITION_TO_LOST"]
      return undefined
    case "KILLING":
      if (to === "FINISHED" || to === "FAILED" || to === "KILLED" || to === "LOST") return []
      if (to === "PARTITIONED") return ["TRANSITION_TO_LOST"]
      if (to === "DELETED") return ["DELETE"]
      return undefined
    case "PARTITIONED":
      if (to === "ASSIGNED" || to === "STARTING" || to === "RUNNING" || to === "FINISHED") return []
      if (to === "FAILED") return failureEffects(task)
      if (KILL_REQUESTS.includes(to as ScheduleStatus)) return ["TRANSITION_TO_LOST"]
      if (to === "LOST") return killingInHistory(task) ? ["KILL"] : ["KILL", "RESCHEDULE"]
      return undefined
    case "FINISHED":
    case "FAILED":
    case "KILLED":
    case "LOST":
      return to === "DELETED" ? ["DELETE"] : undefined
    case "DELETED":
      return undefined
  }
}

/** Illegal transitions that still emit KILL: zombie revivals and unknown tasks reported alive. */
const illegalEffects = (from: LifecycleState, to: LifecycleState): Array<SideEffect> => {
  switch (from) {
    case "PREEMPTING":
    case "RESTARTING":
    case "DRAINING":
    case "KILLING":
    case "FINISHED":
    case "FAILED":
    case "KILLED":
    case "LOST":
    case "DELETED":
      return REVIVALS.has(to) ? ["KILL"] : []
    default:
      return []
  }
}

const ordered = (effects: ReadonlyArray<SideEffect>): ReadonlyArray<SideEffect> =>
  SIDE_EFFECT_ORDER.filter((e) => effects.includes(e))

/**
 * The task state machine (task-lifecycle.md §2.3): given the task (undefined when absent) and a
 * requested state, the result and the side effects to run, in their fixed order.
 */
export const evaluateTransition = (task: ScheduledTask | undefined, to: LifecycleState): Transition => {
  const from: LifecycleState = task === undefined ? "DELETED" : task.status
  if (from === to) return { result: "NOOP", sideEffects: [] }
  const allowed = allowedEffects(from, to, task)
  if (allowed === undefined) {
    const effects = illegalEffects(from, to)
    return effects.length > 0
      ? { result: "ILLEGAL_WITH_SIDE_EFFECTS", sideEffects: effects }
      : { result: "ILLEGAL", sideEffects: [] }
  }
  const deletesOnly = to === "DELETED" || (to === "KILLING" && (from === "PENDING" || from === "THROTTLED"))
  return { result: "SUCCESS", sideEffects: ordered(deletesOnly ? allowed : [...allowed, "SAVE_STATE"]) }
}
