import { mkdirSync } from "node:fs"
import { hostname, userInfo } from "node:os"
import { Clock, Deferred, Effect, Either, Fiber, Option, Stream } from "effect"
import { announcerMember, serversetPath } from "../../domain/thermos/announce.ts"
import type { TaskState } from "../../domain/thermos/checkpoint.ts"
import { decodeLaunch, executorDataOf, type PreparedTask, prepareTask } from "../../domain/thermos/launch.ts"
import { Coordinator } from "../../services/Coordinator.ts"
import type { ProcessSpawner } from "../../services/ProcessSpawner.ts"
import { StatusReporter, type StatusUpdate, type TaskUpdateState } from "../../services/StatusReporter.ts"
import { announce } from "../coordinator/serverset.ts"
import { diskWatch } from "./disk.ts"
import { chooseProbe, healthLoop } from "./health.ts"
import { describeRunnerError, makeRunner } from "./runner.ts"

/**
 * The Aurora executor (executor.md §6): runs one task with an in-process runner, reports status
 * updates, health-checks, announces, and performs the kill escalation: announcer leaves, POST
 * /quitquitquit, POST /abortabortabort (each followed by its wait), then the runner's SIGTERM →
 * finalizers → SIGKILL within the preemption wait.
 */
export interface ExecutorOptions {
  readonly sandbox: string
  readonly checkpointRoot: string
  readonly user?: string
  readonly hostname?: string
  readonly pollMs?: number
  /** Budget for SIGTERM + finalizers on a kill (60 s in Aurora). */
  readonly preemptionWaitMs?: number
  /** Serverset base path (`--announcer-serverset-path`, default /aurora). */
  readonly announcerBase?: string
  readonly announcerHostname?: string
  readonly allowCustomServersetPath?: boolean
  /** Timeout of the lifecycle POSTs (AURORA_HTTP_SIGNALER_TIMEOUT_SECS, 1 s). */
  readonly httpSignalTimeoutMs?: number
  /** How often the sandbox's disk use is checked against the task's `resources.disk` (60 s). */
  readonly diskCheckIntervalMs?: number
}

export interface Executor {
  /** Starts the kill escalation (duplicates are ignored). */
  readonly kill: (message?: string) => Effect.Effect<void>
  /** The terminal update, once sent. */
  readonly done: Effect.Effect<StatusUpdate>
}

interface Outcome {
  readonly state: TaskUpdateState
  readonly message: string
}

const RUNNER_OUTCOME: Record<TaskState, Outcome> = {
  SUCCESS: { state: "TASK_FINISHED", message: "Task finished." },
  FAILED: { state: "TASK_FAILED", message: "Task failed." },
  KILLED: { state: "TASK_KILLED", message: "Task killed." },
  LOST: { state: "TASK_LOST", message: "Task lost." },
  ACTIVE: { state: "TASK_LOST", message: "Runner died while task was active." },
  CLEANING: { state: "TASK_LOST", message: "Runner died while task was active." },
  FINALIZING: { state: "TASK_LOST", message: "Runner died while task was active." }
}

/** POSTs an empty body; true when any HTTP response came back (even an error status). */
const post = (port: number, endpoint: string, timeoutMs: number) =>
  Effect.tryPromise(() =>
    fetch(`http://127.0.0.1:${port}${endpoint}`, {
      method: "POST",
      signal: AbortSignal.timeout(timeoutMs)
    }).then(async (r) => {
      await r.arrayBuffer()
      return true
    })
  ).pipe(Effect.orElseSucceed(() => false))

export const startExecutor = (
  launchJson: unknown,
  o: ExecutorOptions
): Effect.Effect<Executor, never, ProcessSpawner | StatusReporter> =>
  Effect.gen(function* () {
    const reporter = yield* StatusReporter
    const coordinator = yield* Effect.serviceOption(Coordinator)
    const shutdown = yield* Deferred.make<Outcome>()
    const done = yield* Deferred.make<StatusUpdate>()
    const rawId = (launchJson as { taskId?: unknown } | null)?.taskId
    let taskId = typeof rawId === "string" ? rawId : "unknown"
    let sentRunning = false

    const report = (state: TaskUpdateState, message: string) =>
      Effect.gen(function* () {
        const update = { taskId, state, message, timestamp: yield* Clock.currentTimeMillis }
        if (state === "TASK_RUNNING") {
          if (sentRunning || (yield* Deferred.isDone(done))) return
          sentRunning = true
        }
        yield* reporter.report(update)
        if (state !== "TASK_STARTING" && state !== "TASK_RUNNING") yield* Deferred.succeed(done, update)
      })

    const main = Effect.gen(function* () {
      const launch = decodeLaunch(launchJson)
      if (Either.isLeft(launch))
        return yield* report("TASK_FAILED", `Could not deserialize task. ${launch.left.join("; ")}`)
      taskId = launch.right.taskId
      yield* report("TASK_STARTING", "Initializing sandbox.")
      const user = o.user ?? userInfo().username
      const data = executorDataOf(launch.right)
      if (Either.isLeft(data))
        return yield* report("TASK_FAILED", `Task initialization failed: ${data.left.join("; ")}`)
      const prepared = prepareTask(launch.right, data.right, user, o.hostname ?? hostname())
      if (Either.isLeft(prepared))
        return yield* report("TASK_FAILED", `Task initialization failed: ${prepared.left}`)
      const p: PreparedTask = prepared.right
      if (p.data.announce?.zk_path !== undefined && !o.allowCustomServersetPath)
        return yield* report(
          "TASK_FAILED",
          "Task initialization failed: custom serverset paths are not allowed"
        )
      mkdirSync(o.sandbox, { recursive: true })
      const runner = yield* Effect.either(
        makeRunner({
          root: o.checkpointRoot,
          taskId: p.taskId,
          task: p.task,
          sandbox: o.sandbox,
          hostname: p.hostname,
          user,
          ports: p.ports,
          pollMs: o.pollMs
        })
      )
      if (Either.isLeft(runner))
        return yield* report("TASK_FAILED", `Task initialization failed: ${describeRunnerError(runner.left)}`)
      const r = runner.right
      const runnerFiber = yield* Effect.fork(r.run)

      // Status checkers: health, announcer.
      const probe = chooseProbe(p.data.health_check_config, p.ports, o.sandbox)
      const healthFiber =
        probe === undefined
          ? undefined
          : yield* Effect.fork(
              healthLoop(p.data.health_check_config, probe, o.sandbox, (status, reason) =>
                status === "RUNNING"
                  ? report("TASK_RUNNING", "Task is healthy.")
                  : Deferred.succeed<Outcome, never>(shutdown, {
                      state: "TASK_FAILED",
                      message: `Failed health check! ${reason}`
                    })
              )
            )
      if (probe === undefined)
        yield* report("TASK_RUNNING", "No health-check defined, task is assumed healthy.")
      const disk = p.task.resources?.disk
      const diskFiber =
        disk === undefined || disk <= 0
          ? undefined
          : yield* Effect.fork(
              Effect.flatMap(diskWatch(o.sandbox, disk, o.diskCheckIntervalMs ?? 60_000), (message) =>
                Deferred.succeed<Outcome, never>(shutdown, { state: "TASK_FAILED", message })
              )
            )
      let announcerFiber: Fiber.RuntimeFiber<unknown> | undefined
      if (p.data.announce !== undefined && Option.isSome(coordinator)) {
        const a = p.data.announce
        const base =
          a.zk_path ??
          serversetPath(
            o.announcerBase ?? "/aurora",
            p.data.role ?? "",
            p.data.environment ?? "",
            p.data.name ?? p.task.name ?? ""
          )
        // Join retries every 15 s; give up after initial_interval + max_consecutive_failures × interval (§8).
        const hc = p.data.health_check_config
        const budgetMs = (hc.initial_interval_secs + hc.max_consecutive_failures * hc.interval_secs) * 1000
        // The recipe re-creates the member node while the session lives; the task fails only if
        // the first announcement does not land within the health-check budget.
        const member = announcerMember(o.announcerHostname ?? p.hostname, p.ports, a.primary_port, p.instance)
        const join = Effect.gen(function* () {
          const advertisement = yield* announce(base, member)
          yield* advertisement.nodes.pipe(
            Stream.filter(Option.isSome),
            Stream.take(1),
            Stream.runDrain,
            Effect.timeoutFail({
              duration: Math.max(1, budgetMs),
              onTimeout: () => "Creating Announcer Serverset timed out."
            }),
            Effect.catchAll((message) =>
              Deferred.succeed<Outcome, never>(shutdown, { state: "TASK_FAILED", message })
            )
          )
          yield* Effect.never
        }).pipe(Effect.scoped, Effect.provideService(Coordinator, coordinator.value))
        announcerFiber = yield* Effect.fork(join)
      }
      const stopCheckers = Effect.gen(function* () {
        if (healthFiber !== undefined) yield* Fiber.interrupt(healthFiber)
        if (diskFiber !== undefined) yield* Fiber.interrupt(diskFiber)
        // Interrupting the announcer closes its scope, which withdraws the member node.
        if (announcerFiber !== undefined) yield* Fiber.interrupt(announcerFiber)
      })

      const first = yield* Effect.raceFirst(
        Effect.map(Fiber.join(runnerFiber), (s) => ({ _tag: "Runner" as const, s })),
        Effect.map(Deferred.await(shutdown), (out) => ({ _tag: "Shutdown" as const, out }))
      )
      if (first._tag === "Runner") {
        yield* stopCheckers
        const out = RUNNER_OUTCOME[first.s]
        return yield* report(out.state, out.message)
      }
      // Kill escalation (§6.4).
      yield* stopCheckers
      const runnerDone = (ms: number) =>
        Effect.map(Effect.timeout(Fiber.await(runnerFiber), ms), () => true).pipe(
          Effect.orElseSucceed(() => false)
        )
      const http = p.data.lifecycle.http
      const timeout = o.httpSignalTimeoutMs ?? 1000
      if (http !== undefined && p.ports[http.port] !== undefined) {
        const port = p.ports[http.port]
        if (
          (yield* post(port, http.graceful_shutdown_endpoint, timeout)) &&
          (yield* runnerDone(http.graceful_shutdown_wait_secs * 1000))
        ) {
          return yield* report(first.out.state, first.out.message)
        }
        if (
          (yield* post(port, http.shutdown_endpoint, timeout)) &&
          (yield* runnerDone(http.shutdown_wait_secs * 1000))
        )
          return yield* report(first.out.state, first.out.message)
      }
      yield* r.kill(o.preemptionWaitMs ?? 60_000)
      yield* Fiber.await(runnerFiber)
      return yield* report(first.out.state, first.out.message)
    })

    yield* Effect.forkDaemon(
      main.pipe(
        Effect.catchAllDefect((d) => report("TASK_LOST", `Executor error: ${String(d)}`)),
        Effect.onInterrupt(() => report("TASK_LOST", "Executor interrupted."))
      )
    )
    return {
      kill: (message = "Instructed to kill task.") =>
        Effect.asVoid(Deferred.succeed<Outcome, never>(shutdown, { state: "TASK_KILLED", message })),
      done: Deferred.await(done)
    }
  })
