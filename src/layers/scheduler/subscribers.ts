// What the leader does on lifecycle events (task-lifecycle.md §3.3-§4.5): feeds the task scheduler,
// arms transient-state timeouts, kill retries, partition and throttle timers and history pruning,
// tells maintenance about finished tasks, and keeps the task_store_<STATUS> gauges.
import { Clock, Effect, Random, Stream } from "effect"
import type { LifecycleContext, TaskWorkingSet } from "../../domain/lifecycle/index.ts"
import {
  changeState,
  deleteTasks,
  flappingPenaltyMs,
  historyPruneDelayMs,
  killRetryDue,
  type LifecycleEvent,
  type LifecycleSettings,
  nextKillRetryDelayMs,
  PARTITIONED_TOO_LONG_MESSAGE,
  partitionLostDelayMs,
  partitionTimeoutDue,
  perJobPruneVictims,
  TASK_TIMED_OUT_MESSAGE,
  throttleDelayMs,
  transientTimeoutExpired,
  watchesTransientTimeout
} from "../../domain/lifecycle/index.ts"
import {
  type JobKey,
  jobKeyToString,
  latestEvent,
  type ScheduledTask,
  type ScheduleStatus,
  TERMINAL_STATES
} from "../../domain/model/index.ts"
import { seededRandom } from "../../domain/placement/index.ts"
import type { StoresView } from "../../domain/storage/index.ts"
import { ClusterManager } from "../../services/ClusterManager.ts"
import { MaintenanceController } from "../../services/MaintenanceController.ts"
import { SchedulerLifecycle } from "../../services/SchedulerLifecycle.ts"
import { StateManager, type TaskWrite } from "../../services/StateManager.ts"
import { Storage, type StorageNotReady, type StorageWriteFailed } from "../../services/Storage.ts"
import { TaskScheduler } from "../../services/TaskScheduler.ts"
import { bump, setGauge, taskKillRetries, taskStoreGauges, tasksPruned, timedOutTasks } from "./metrics.ts"
import type { Timers } from "./timers.ts"

/** Retry delay of a timer that fired while storage was not READY (TaskTimeout's 5 s). */
const NOT_READY_RETRY_MS = 5000

export const startLifecycleSubscribers = (
  events: Stream.Stream<LifecycleEvent>,
  settings: LifecycleSettings,
  timers: Timers
) =>
  Effect.gen(function* () {
    const storage = yield* Storage
    const stateManager = yield* StateManager
    const cluster = yield* ClusterManager
    const scheduler = yield* TaskScheduler
    const maintenance = yield* MaintenanceController
    const lifecycle = yield* SchedulerLifecycle
    const random = seededRandom(yield* Random.nextIntBetween(0, 2 ** 31 - 1))
    const counts = new Map<ScheduleStatus, number>()
    for (const [s, g] of taskStoreGauges) {
      counts.set(s, 0)
      setGauge(g, 0)
    }
    const count = (status: ScheduleStatus, delta: number) => {
      const n = Math.max(0, (counts.get(status) ?? 0) + delta)
      counts.set(status, n)
      setGauge(taskStoreGauges.get(status)!, n)
    }

    /** A timer's write: retried later while storage is not READY; a log failure ends leadership. */
    const timedWrite = <A>(
      fn: (ws: TaskWorkingSet, ctx: LifecycleContext, stores: StoresView) => TaskWrite<A>,
      then: (a: A) => void
    ): (() => Effect.Effect<void>) => {
      const attempt = (): Effect.Effect<void> =>
        stateManager.write(fn).pipe(
          Effect.map(then),
          Effect.catchAll((e: StorageNotReady | StorageWriteFailed) =>
            e._tag === "StorageNotReady"
              ? timers.after(NOT_READY_RETRY_MS, attempt)
              : Effect.zipRight(
                  Effect.logError(`lifecycle timer write failed: ${e.message}`),
                  Effect.asVoid(Effect.forkDaemon(lifecycle.shutdown(e.message)))
                )
          )
        )
      return attempt
    }

    // §4.1 TaskTimeout: the full timeout, even for tasks replayed at startup.
    const armTimeout = (taskId: string, state: ScheduleStatus) =>
      timers.after(
        settings.transientTaskStateTimeoutMs,
        timedWrite(
          (ws, ctx) => ({
            value:
              transientTimeoutExpired(ws.get(taskId), state) &&
              changeState(ws, taskId, "LOST", ctx, { casState: state, message: TASK_TIMED_OUT_MESSAGE }) ===
                "SUCCESS"
          }),
          (ok) => {
            if (ok) bump(timedOutTasks)
          }
        )
      )

    // §4.2 KillRetry: resend while still KILLING, backing off; no cap (the timeout ends it).
    const armKillRetry = (taskId: string, previousMs: number): Effect.Effect<void> => {
      const delay = nextKillRetryDelayMs(previousMs, settings, random)
      return timers.after(delay, () =>
        Effect.gen(function* () {
          const task = yield* storage.read((s) => s.tasks.get(taskId))
          if (!killRetryDue(task)) return
          yield* cluster
            .kill(taskId, task?.assignedTask.slaveId)
            .pipe(Effect.catchAll((e) => Effect.logWarning(`kill retry of ${taskId} failed: ${e._tag}`)))
          bump(taskKillRetries)
          yield* armKillRetry(taskId, delay)
        }).pipe(Effect.catchTag("StorageNotReady", () => armKillRetry(taskId, previousMs)))
      )
    }

    // §4.4 PartitionManager
    const armPartition = (task: ScheduledTask, startup: boolean, now: number) => {
      const delay = partitionLostDelayMs(task, task.assignedTask.task.partitionPolicy, startup, now)
      if (delay === undefined) return Effect.void
      const taskId = task.assignedTask.taskId
      const remembered = latestEvent(task)?.timestamp
      return timers.after(
        delay,
        timedWrite(
          (ws, ctx) => {
            if (partitionTimeoutDue(ws.get(taskId), remembered))
              changeState(ws, taskId, "LOST", ctx, {
                casState: "PARTITIONED",
                message: PARTITIONED_TOO_LONG_MESSAGE
              })
            return { value: undefined }
          },
          () => {}
        )
      )
    }

    // §3.3 TaskThrottler
    const armThrottle = (task: ScheduledTask, now: number) =>
      Effect.gen(function* () {
        const delay = yield* storage.read((s) =>
          throttleDelayMs(task, now, (id) => s.tasks.get(id), settings, random)
        )
        const taskId = task.assignedTask.taskId
        yield* timers.after(
          delay,
          timedWrite(
            (ws, ctx) => ({ value: changeState(ws, taskId, "PENDING", ctx, { casState: "THROTTLED" }) }),
            () => {}
          )
        )
      })

    // §4.5 TaskHistoryPruner: per-task expiry, and the per-job cap (run once per job per event chunk).
    const armPrune = (task: ScheduledTask, startup: boolean, now: number) => {
      const taskId = task.assignedTask.taskId
      return timers.after(
        historyPruneDelayMs(task, startup, now, settings),
        timedWrite(
          (ws) => {
            const present = ws.get(taskId) !== undefined
            deleteTasks(ws, [taskId])
            return { value: present }
          },
          (present) => {
            if (present) bump(tasksPruned)
          }
        )
      )
    }
    const pruneJob = (job: JobKey) =>
      timedWrite(
        (ws, ctx, stores) => {
          const ids = stores.tasksByJob.get(jobKeyToString(job)) ?? new Set<string>()
          const tasks: Array<ScheduledTask> = []
          for (const id of ids) {
            const t = ws.get(id)
            if (t !== undefined) tasks.push(t)
          }
          const victims = perJobPruneVictims(tasks, ctx.now, settings)
          deleteTasks(ws, victims)
          return { value: victims.length }
        },
        (n) => {
          if (n > 0) bump(tasksPruned, n)
        }
      )

    const onChange = (
      task: ScheduledTask,
      oldState: ScheduleStatus | undefined,
      now: number,
      jobsToPrune: Map<string, JobKey>,
      hostsDone: Set<string>
    ) =>
      Effect.gen(function* () {
        const startup = oldState === undefined
        const status = task.status
        const a = task.assignedTask
        if (oldState !== undefined && oldState !== "INIT") count(oldState, -1)
        count(status, 1)
        if (status === "PENDING") {
          if (startup) {
            const penalty = yield* storage.read((s) =>
              flappingPenaltyMs(task, (id) => s.tasks.get(id), settings, random)
            )
            yield* scheduler.taskPending(a.taskId, a.task, { startup: true, flappingPenaltyMs: penalty })
          } else yield* scheduler.taskPending(a.taskId, a.task)
        } else if (status === "ASSIGNED" && oldState === "PENDING" && a.slaveId !== undefined) {
          yield* scheduler.taskAssigned(a.taskId, a.task, a.slaveId)
        }
        if (watchesTransientTimeout(status)) yield* armTimeout(a.taskId, status)
        if (status === "KILLING") yield* armKillRetry(a.taskId, 0)
        if (status === "PARTITIONED") yield* armPartition(task, startup, now)
        if (status === "THROTTLED") yield* armThrottle(task, now)
        if (TERMINAL_STATES.has(status)) {
          yield* armPrune(task, startup, now)
          jobsToPrune.set(jobKeyToString(a.task.job), a.task.job)
          if (a.slaveHost !== undefined) hostsDone.add(a.slaveHost)
        }
      })

    const onChunk = (chunk: Iterable<LifecycleEvent>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const jobsToPrune = new Map<string, JobKey>()
        const hostsDone = new Set<string>()
        for (const e of chunk) {
          if (e._tag === "TasksDeleted") {
            for (const t of e.tasks) count(t.status, -1)
            yield* scheduler.tasksDeleted(e.tasks.map((t) => t.assignedTask.taskId))
          } else yield* onChange(e.task, e.oldState, now, jobsToPrune, hostsDone)
        }
        // Asynchronous, as in Aurora: the subscriber never waits on a write of its own.
        for (const job of jobsToPrune.values()) yield* timers.after(0, pruneJob(job))
        for (const host of hostsDone) yield* timers.after(0, () => maintenance.taskTerminated(host))
      }).pipe(Effect.catchAllCause((c) => Effect.logError("lifecycle subscriber failed on an event", c)))

    yield* Effect.forkScoped(Stream.runForEachChunk(events, onChunk))
  })
