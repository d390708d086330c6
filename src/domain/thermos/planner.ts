import type { Process, Task } from "./config.ts"
import { predecessors } from "./validate.ts"

/**
 * The task planner (executor.md §3): which processes of one plan (regular or final) may run now.
 * Immutable: every update returns a new state. Times are epoch milliseconds.
 */
export interface PlanProcess {
  readonly name: string
  readonly daemon: boolean
  readonly ephemeral: boolean
  readonly maxFailures: number
  readonly minDurationMs: number
  readonly preds: ReadonlyArray<string>
}

export interface Planner {
  readonly processes: ReadonlyArray<PlanProcess>
  readonly byName: ReadonlyMap<string, PlanProcess>
  readonly runLimit: number
  readonly running: ReadonlySet<string>
  readonly finished: ReadonlySet<string>
  readonly failed: ReadonlySet<string>
  readonly successes: ReadonlyMap<string, number>
  readonly failures: ReadonlyMap<string, number>
  readonly losses: ReadonlyMap<string, number>
  readonly lastTermination: ReadonlyMap<string, number>
}

/** thermos_runner's cap on terminal runs of one process (§3: "max_failures capped at 100"). */
export const TOTAL_RUN_LIMIT = 100

export const makePlanner = (task: Task, final: boolean, runLimit: number = TOTAL_RUN_LIMIT): Planner => {
  const preds = predecessors(task)
  const processes = task.processes
    .filter((p: Process) => p.final === final)
    .map(
      (p): PlanProcess => ({
        name: p.name,
        daemon: p.daemon,
        ephemeral: p.ephemeral,
        maxFailures: p.max_failures,
        minDurationMs: p.min_duration * 1000,
        preds: preds.get(p.name) ?? []
      })
    )
  return {
    processes,
    byName: new Map(processes.map((p) => [p.name, p])),
    runLimit,
    running: new Set(),
    finished: new Set(),
    failed: new Set(),
    successes: new Map(),
    failures: new Map(),
    losses: new Map(),
    lastTermination: new Map()
  }
}

const count = (m: ReadonlyMap<string, number>, n: string) => m.get(n) ?? 0
const totalRuns = (p: Planner, n: string) => count(p.successes, n) + count(p.failures, n) + count(p.losses, n)
const without = (s: ReadonlySet<string>, n: string) => {
  const r = new Set(s)
  r.delete(n)
  return r
}
const withItem = (s: ReadonlySet<string>, n: string) => new Set(s).add(n)
const bump = (m: ReadonlyMap<string, number>, n: string) => new Map(m).set(n, count(m, n) + 1)

export const has = (p: Planner, name: string): boolean => p.byName.has(name)

export const setRunning = (p: Planner, name: string): Planner =>
  p.running.has(name) ? p : { ...p, running: withItem(p.running, name) }

/** Shared tail of the three terminal updates: run-limit check, then `next` decides. */
const terminate = (p: Planner, name: string, now: number, next: (q: Planner) => Planner): Planner => {
  const q: Planner = {
    ...p,
    running: without(p.running, name),
    lastTermination: new Map(p.lastTermination).set(name, now)
  }
  if (totalRuns(q, name) >= q.runLimit) return { ...q, failed: withItem(q.failed, name) }
  return next(q)
}

export const addSuccess = (p: Planner, name: string, now: number): Planner =>
  terminate({ ...p, successes: bump(p.successes, name) }, name, now, (q) =>
    q.byName.get(name)?.daemon ? q : { ...q, finished: withItem(q.finished, name) }
  )

export const addFailure = (p: Planner, name: string, now: number): Planner =>
  terminate({ ...p, failures: bump(p.failures, name) }, name, now, (q) => {
    const proc = q.byName.get(name)!
    const failures = count(q.failures, name)
    if (proc.maxFailures === 0 || failures < proc.maxFailures) return q
    if (proc.ephemeral) return { ...q, finished: withItem(q.finished, name) }
    return { ...q, failed: withItem(q.failed, name) }
  })

export const addLost = (p: Planner, name: string, now: number): Planner =>
  terminate({ ...p, losses: bump(p.losses, name) }, name, now, (q) => q)

const dependencyRunnable = (p: Planner, proc: PlanProcess): boolean =>
  !p.running.has(proc.name) &&
  !p.finished.has(proc.name) &&
  !p.failed.has(proc.name) &&
  proc.preds.every((d) => p.finished.has(d))

/** Milliseconds until `min_duration` allows another run (≤ 0: ready). */
const waitFor = (p: Planner, proc: PlanProcess, now: number): number => {
  const last = p.lastTermination.get(proc.name)
  return last === undefined ? 0 : proc.minDurationMs - (now - last)
}

/** Processes that may start now, in declaration order. */
export const runnable = (p: Planner, now: number): ReadonlyArray<string> =>
  p.processes.filter((x) => dependencyRunnable(p, x) && waitFor(p, x, now) <= 0).map((x) => x.name)

/** Processes whose dependencies are met but that are throttled by `min_duration`. */
export const waiting = (p: Planner, now: number): ReadonlyArray<string> =>
  p.processes.filter((x) => dependencyRunnable(p, x) && waitFor(p, x, now) > 0).map((x) => x.name)

/** 0 if something is runnable, else the smallest positive wait, else Infinity. */
export const minWait = (p: Planner, now: number): number => {
  let best = Number.POSITIVE_INFINITY
  for (const x of p.processes) {
    if (!dependencyRunnable(p, x)) continue
    best = Math.min(best, Math.max(0, waitFor(p, x, now)))
  }
  return best
}

export const isComplete = (p: Planner): boolean =>
  p.processes.every((x) => p.finished.has(x.name) || p.failed.has(x.name) || x.ephemeral)

export const isDeadlocked = (p: Planner, now: number): boolean =>
  p.running.size === 0 && minWait(p, now) === Number.POSITIVE_INFINITY && !isComplete(p)

/** Task health (§3): not deadlocked and fewer permanently failed processes than the task allows. */
export const isHealthy = (p: Planner, now: number, taskMaxFailures: number): boolean =>
  !isDeadlocked(p, now) && (taskMaxFailures === 0 || p.failed.size < taskMaxFailures)

/** Processes to start in one pass, honouring `max_concurrency` (0 = unlimited). */
export const toLaunch = (p: Planner, now: number, maxConcurrency: number): ReadonlyArray<string> => {
  const ready = runnable(p, now)
  if (maxConcurrency <= 0) return ready
  return ready.slice(0, Math.max(0, maxConcurrency - p.running.size))
}
