import type { ProcessRun, ProcessState, TaskState } from "./checkpoint.ts"
import {
  addFailure,
  addLost,
  addSuccess,
  has,
  isComplete,
  isDeadlocked,
  isHealthy,
  minWait,
  type Planner,
  setRunning,
  toLaunch
} from "./planner.ts"

/** Runner decisions of executor.md §4 as pure functions; the runner performs what they return. */

export const FORK_TIMEOUT_MS = 60_000

/** Exit of a coordinated command: rc < 0 is death by signal −rc. */
export const exitState = (returnCode: number): ProcessState =>
  returnCode < 0 ? "KILLED" : returnCode === 0 ? "SUCCESS" : "FAILED"

/** Feeds one observed process state into a plan (SUCCESS/FAILED count; KILLED/LOST are re-runnable). */
export const planProcessState = (p: Planner, name: string, state: ProcessState, now: number): Planner => {
  if (!has(p, name)) return p
  switch (state) {
    case "FORKED":
    case "RUNNING":
      return setRunning(p, name)
    case "SUCCESS":
      return addSuccess(p, name, now)
    case "FAILED":
      return addFailure(p, name, now)
    case "KILLED":
    case "LOST":
      return addLost(p, name, now)
    case "WAITING":
      return p
  }
}

export type ActiveDecision =
  | { readonly _tag: "Done" }
  | { readonly _tag: "Launch"; readonly names: ReadonlyArray<string>; readonly waitMs: number }

/** ACTIVE stage: done when the plan is complete or unhealthy, else what to start and how long to wait. */
export const activeStage = (
  p: Planner,
  now: number,
  maxConcurrency: number,
  taskMaxFailures: number
): ActiveDecision => {
  if (isComplete(p) || !isHealthy(p, now, taskMaxFailures)) return { _tag: "Done" }
  const names = toLaunch(p, now, maxConcurrency)
  const w = minWait(p, now)
  return { _tag: "Launch", names, waitMs: names.length > 0 ? Math.max(1000, w) : Math.min(15_000, w) }
}

/** FINALIZING stage: keep waiting while final processes are pending and budget remains. */
export const finalizingDone = (p: Planner, now: number, remainingMs: number): boolean =>
  isDeadlocked(p, now) || remainingMs <= 0 || isComplete(p)

/**
 * Finalization budget (§4.1): a kill's preemption deadline wins over `finalization_wait`, which counts
 * from the CLEANING status; before CLEANING the budget is unbounded.
 */
export const finalizationRemaining = (args: {
  readonly now: number
  readonly finalizationWaitMs: number
  readonly cleaningAtMs?: number
  readonly preemptionDeadlineMs?: number
}): number => {
  if (args.preemptionDeadlineMs !== undefined) return Math.max(0, args.preemptionDeadlineMs - args.now)
  if (args.cleaningAtMs === undefined) return Number.POSITIVE_INFINITY
  return args.finalizationWaitMs - (args.now - args.cleaningAtMs)
}

/** After CLEANING: straight to the terminal state when the budget is gone, else FINALIZING. */
export const afterCleaning = (remainingMs: number, terminal: TaskState): TaskState =>
  remainingMs <= 0 ? terminal : "FINALIZING"

/** Terminal state: a forced one (kill ⇒ KILLED, lose ⇒ LOST), else by the regular plan's health. */
export const terminalState = (forced: TaskState | undefined, regularHealthy: boolean): TaskState =>
  forced ?? (regularHealthy ? "SUCCESS" : "FAILED")

/**
 * LOST detection for a run in the running set: forked but never running within 60 s, or its
 * coordinator gone with nothing left unread.
 */
export const isRunLost = (
  run: ProcessRun,
  now: number,
  coordinatorAlive: boolean,
  unread: boolean
): boolean => {
  if (unread) return false
  if (run.state === "FORKED") return !coordinatorAlive || now - (run.fork_time ?? 0) * 1000 > FORK_TIMEOUT_MS
  if (run.state === "RUNNING") return !coordinatorAlive
  return false
}
