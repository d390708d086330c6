/** Waiting on a job's tasks (the original's JobMonitor), with progress on stderr while it lasts. */
import { Duration, Effect } from "effect"
import { pyList } from "../../domain/client/index.ts"
import type { ClusterJobKey } from "../../domain/config/index.ts"
import {
  ACTIVE_STATES,
  LIVE_STATES,
  type ScheduledTask,
  type ScheduleStatus,
  TERMINAL_STATES
} from "../../domain/model/index.ts"
import { checkResponse, type Scheduler } from "./scheduler.ts"
import type { CliExit } from "./shared.ts"
import { err } from "./shared.ts"

export const MIN_POLL_MS = 2_000
export const MAX_POLL_MS = 150_000

export const jobKeyOf = (k: ClusterJobKey) => ({ role: k.role, environment: k.environment, name: k.name })

/** The job's tasks (without configs) matching the optional statuses and instances. */
export const jobTasks = (
  s: Scheduler,
  key: ClusterJobKey,
  filter: { readonly statuses?: Iterable<ScheduleStatus>; readonly instances?: ReadonlyArray<number> } = {}
): Effect.Effect<ReadonlyArray<ScheduledTask>, CliExit> =>
  Effect.gen(function* () {
    const resp = yield* s.call("getTasksWithoutConfigs", {
      query: {
        jobKeys: [jobKeyOf(key)],
        ...(filter.statuses ? { statuses: [...filter.statuses] } : {}),
        ...(filter.instances ? { instanceIds: filter.instances } : {})
      }
    })
    yield* checkResponse(
      resp,
      `Error querying tasks of job ${key.cluster}/${key.role}/${key.environment}/${key.name}:`
    )
    return resp.result?.scheduleStatusResult.tasks ?? []
  })

/**
 * Polls until `done` holds, the interval doubling from 2 s up to 150 s. With `withTimeout` it gives up
 * (answers false) once the interval would reach 150 s, about four minutes in.
 */
export const pollUntil = <A>(options: {
  readonly poll: Effect.Effect<A, CliExit>
  readonly done: (a: A) => boolean
  readonly progress?: (a: A) => string | undefined
  readonly withTimeout: boolean
}): Effect.Effect<boolean, CliExit> =>
  Effect.gen(function* () {
    let interval = MIN_POLL_MS
    let last: string | undefined
    for (;;) {
      const a = yield* options.poll
      if (options.done(a)) return true
      const note = options.progress?.(a)
      if (note !== undefined && note !== last) yield* err(` INFO] ${note}`)
      last = note
      if (options.withTimeout && interval >= MAX_POLL_MS) return false
      yield* Effect.sleep(Duration.millis(interval))
      interval = Math.min(MAX_POLL_MS, interval * 2)
    }
  })

export type WaitTarget = "PENDING" | "RUNNING" | "FINISHED"

const reached = (target: WaitTarget, s: ScheduleStatus) =>
  target === "RUNNING" ? LIVE_STATES.has(s) || TERMINAL_STATES.has(s) : TERMINAL_STATES.has(s)

/** Instances whose task has not reached `target`, as `[0, 2] (1 PENDING, 1 STARTING)`. */
export const notYet = (target: WaitTarget, tasks: ReadonlyArray<ScheduledTask>): string | undefined => {
  const waiting = tasks.filter((t) => !reached(target, t.status))
  if (waiting.length === 0) return undefined
  const counts = new Map<string, number>()
  for (const t of waiting) counts.set(t.status, (counts.get(t.status) ?? 0) + 1)
  const ids = waiting.map((t) => t.assignedTask.instanceId).sort((a, b) => a - b)
  const states = [...counts].map(([s, n]) => `${n} ${s}`).join(", ")
  return `Waiting for instances ${pyList(ids)} to be ${target === "RUNNING" ? "running" : "finished"} (${states})`
}

/** `--wait-until`: RUNNING = every task live or terminal; FINISHED = every task terminal; no timeout. */
export const waitUntil = (
  s: Scheduler,
  key: ClusterJobKey,
  target: WaitTarget,
  instances?: ReadonlyArray<number>
): Effect.Effect<void, CliExit> =>
  target === "PENDING"
    ? Effect.void
    : Effect.asVoid(
        pollUntil({
          poll: jobTasks(s, key, instances ? { instances } : {}),
          done: (tasks) => tasks.every((t) => reached(target, t.status)),
          progress: (tasks) => notYet(target, tasks),
          withTimeout: false
        })
      )

/** Waits (with the timeout) until none of `instances` is active. */
export const waitKilled = (
  s: Scheduler,
  key: ClusterJobKey,
  instances: ReadonlyArray<number> | undefined
): Effect.Effect<boolean, CliExit> =>
  pollUntil({
    poll: jobTasks(s, key, { statuses: ACTIVE_STATES, ...(instances ? { instances } : {}) }),
    done: (tasks) => tasks.length === 0,
    progress: (tasks) =>
      `Waiting for instances ${pyList(tasks.map((t) => t.assignedTask.instanceId).sort((a, b) => a - b))} to be killed`,
    withTimeout: true
  })
