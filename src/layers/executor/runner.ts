import { existsSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { Clock, Effect, Either } from "effect"
import {
  applyRecord,
  currentRun,
  lastSeq,
  type ProcessRun,
  type ProcessStatus,
  type RunnerCkpt,
  type RunnerState,
  replay,
  type TaskState,
  TERMINAL_PROCESS,
  TERMINAL_TASK,
  taskState
} from "../../domain/thermos/checkpoint.ts"
import { logPath, taskPaths } from "../../domain/thermos/paths.ts"
import { isHealthy, makePlanner, type Planner, toLaunch } from "../../domain/thermos/planner.ts"
import {
  activeStage,
  afterCleaning,
  finalizationRemaining,
  finalizingDone,
  isRunLost,
  planProcessState,
  terminalState
} from "../../domain/thermos/task.ts"
import { validateTask } from "../../domain/thermos/validate.ts"
import { ProcessSpawner } from "../../services/ProcessSpawner.ts"
import { CheckpointWriter, readCheckpoint } from "./checkpoint-file.ts"

import {
  describeRunnerError,
  logPolicy,
  processEnv,
  type Runner,
  type RunnerError,
  type RunnerOptions,
  sameJson,
  TaskInvalid,
  TaskOwned,
  TaskTerminal,
  uid
} from "./runner-options.ts"

export { resumeOptions } from "./runner-options.ts"
export {
  describeRunnerError,
  type Runner,
  type RunnerError,
  type RunnerOptions,
  TaskInvalid,
  TaskOwned,
  TaskTerminal
}

/**
 * The Thermos task runner (executor.md §4–5): runs one task's processes through the ProcessSpawner,
 * writing every decision to the append-only runner checkpoint before acting on it. A runner built for
 * a task that already has a checkpoint takes control of it: it replays the checkpoint, reads what the
 * coordinators recorded meanwhile and carries on with the live processes.
 */
export const makeRunner = (o: RunnerOptions): Effect.Effect<Runner, RunnerError, ProcessSpawner> =>
  Effect.gen(function* () {
    const spawner = yield* ProcessSpawner
    const problems = validateTask(o.task)
    if (problems.length > 0) return yield* new TaskInvalid({ message: problems.join("; ") })
    const paths = taskPaths(o.root, o.taskId)
    const logDir = o.logDir ?? join(o.sandbox, ".logs")
    const pollMs = o.pollMs ?? 50
    // Poll fast while things change, back off while the task sits still (cheap for long services).
    let changes = 0
    let seenChanges = -1
    let idleMs = pollMs
    const pause = (capMs: number) => {
      idleMs = changes !== seenChanges ? pollMs : Math.min(idleMs * 2, pollMs * 5)
      seenChanges = changes
      return Effect.sleep(Math.max(1, Math.min(idleMs, capMs)))
    }
    if (existsSync(paths.finished)) return yield* new TaskTerminal({ taskId: o.taskId, state: "finished" })
    if (existsSync(paths.active)) {
      const onDisk = yield* Effect.try({
        try: () => JSON.parse(readFileSync(paths.active, "utf8")) as unknown,
        catch: () => new TaskInvalid({ message: `unreadable task file ${paths.active}` })
      })
      if (!sameJson(onDisk, o.task))
        return yield* new TaskInvalid({ message: "Task differs from on disk copy" })
    }

    // Replay what a previous runner recorded (no signals are sent while replaying).
    let state: RunnerState = replay(readCheckpoint(paths.runner))
    const prior = taskState(state)
    if (prior !== undefined && TERMINAL_TASK.has(prior))
      return yield* new TaskTerminal({ taskId: o.taskId, state: prior })
    const owner = state.statuses[state.statuses.length - 1]?.runner_pid
    if (owner !== undefined && owner !== process.pid && (yield* spawner.isAlive(owner))) {
      if (!o.force) return yield* new TaskOwned({ taskId: o.taskId, pid: owner })
      yield* spawner.signal(owner, "SIGKILL")
      for (let i = 0; i < 100 && (yield* spawner.isAlive(owner)); i++) yield* Effect.sleep(20)
    }

    let regular: Planner = makePlanner(o.task, false, o.runLimit)
    let finals: Planner = makePlanner(o.task, true, o.runLimit)
    const planFor = (name: string) => (regular.byName.has(name) ? "regular" : "final")
    const feed = (name: string, st: ProcessRun["state"], at: number) => {
      if (planFor(name) === "regular") regular = planProcessState(regular, name, st, at)
      else finals = planProcessState(finals, name, st, at)
    }
    for (const [name, runs] of Object.entries(state.processes))
      for (const r of runs) feed(name, r.state, TERMINAL_PROCESS.has(r.state) ? (r.stop_time ?? 0) * 1000 : 0)

    const offsets = new Map<string, number>()
    let cleaningAt: number | undefined = state.statuses.find((s) => s.state === "CLEANING")?.timestamp_ms
    let forced: TaskState | undefined
    let deadline: number | undefined
    let killRequest: { readonly waitMs: number; readonly terminal: "KILLED" | "LOST" } | undefined
    let writer: CheckpointWriter | undefined

    const now = Clock.currentTimeMillis
    const write = (r: RunnerCkpt) =>
      Effect.gen(function* () {
        const next = applyRecord(state, r)
        if (Either.isLeft(next)) {
          yield* Effect.logWarning(`checkpoint: ${next.left.message}`)
          return false
        }
        writer!.append(r)
        changes++
        state = next.right
        return true
      })

    const setTask = (st: TaskState) =>
      Effect.gen(function* () {
        const t = yield* now
        yield* write({ type: "task", state: st, timestamp_ms: t, runner_pid: process.pid, runner_uid: uid() })
        if (st === "CLEANING") cleaningAt = t
      })

    /** Applies a process record, then the planner update and the leftover cleanup it implies. */
    const processRecord = (r: ProcessStatus) =>
      Effect.gen(function* () {
        const before = currentRun(state, r.process)
        if (!(yield* write(r))) return
        const t = yield* now
        feed(r.process, r.state, t)
        if (TERMINAL_PROCESS.has(r.state) && before?.coordinator_pid !== undefined)
          yield* spawner.killGroup(before.coordinator_pid)
      })

    const launch = (name: string) =>
      Effect.gen(function* () {
        const proc = o.task.processes.find((p) => p.name === name)!
        const cur = currentRun(state, name)
        if (cur?.state !== "WAITING")
          yield* processRecord({
            type: "process",
            seq: lastSeq(state, name) + 1,
            process: name,
            state: "WAITING"
          })
        const run = currentRun(state, name)!
        const seq = run.seq + 1
        const spawned = yield* Effect.either(
          spawner.spawn({
            process: name,
            run: run.run,
            seq,
            cmdline: proc.cmdline,
            cwd: o.sandbox,
            env: processEnv(o),
            stdoutPath: logPath(logDir, name, run.run, "stdout"),
            stderrPath: logPath(logDir, name, run.run, "stderr"),
            logger: logPolicy(proc.logger),
            coordinatorPath: paths.coordinator(name)
          })
        )
        const t = yield* now
        if (Either.isLeft(spawned)) {
          yield* Effect.logWarning(`could not start ${name}: ${spawned.left.message}`)
          yield* processRecord({
            type: "process",
            seq,
            process: name,
            state: "FAILED",
            stop_time: t / 1000,
            return_code: -1
          })
          return
        }
        yield* processRecord({
          type: "process",
          seq,
          process: name,
          state: "FORKED",
          coordinator_pid: spawned.right.coordinatorPid,
          fork_time: spawned.right.forkTime
        })
      })

    const live = () =>
      Object.keys(state.processes).filter((n) => {
        const r = currentRun(state, n)
        return r !== undefined && (r.state === "FORKED" || r.state === "RUNNING")
      })

    /** Applies what a coordinator recorded since the last read. */
    const readNew = (name: string) =>
      Effect.gen(function* () {
        const { records, offset } = yield* spawner.readRecords(
          paths.coordinator(name),
          offsets.get(name) ?? 0
        )
        offsets.set(name, offset)
        for (const r of records) if (r.seq > lastSeq(state, name)) yield* processRecord(r)
      })

    /** Reads coordinator records of live runs and detects LOST ones. */
    const poll = Effect.gen(function* () {
      for (const name of live()) {
        const before = currentRun(state, name)!
        // Liveness first: a coordinator that exits after writing its last record is then read in full.
        const alive = yield* spawner.isAlive(before.coordinator_pid ?? -1, before.fork_time)
        yield* readNew(name)
        const after = currentRun(state, name)!
        if (isRunLost(after, yield* now, alive, false))
          yield* processRecord({
            type: "process",
            seq: after.seq + 1,
            process: name,
            state: "LOST",
            stop_time: (yield* now) / 1000
          })
      }
    })

    const anyAlive = (names: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        for (const n of names) {
          const r = currentRun(state, n)!
          if (yield* spawner.isAlive(r.coordinator_pid ?? -1, r.fork_time)) return true
          if (r.pid !== undefined && (yield* spawner.isAlive(r.pid, r.start_time))) return true
        }
        return false
      })

    /** SIGKILL everything; record KILLED for runs still alive and LOST for dead unfinished ones. */
    const killAll = Effect.gen(function* () {
      yield* poll
      for (const name of Object.keys(state.processes)) {
        const r = currentRun(state, name)!
        if (TERMINAL_PROCESS.has(r.state)) {
          if (r.coordinator_pid !== undefined) yield* spawner.killGroup(r.coordinator_pid)
          continue
        }
        const alive = yield* anyAlive([name])
        if (r.coordinator_pid !== undefined) yield* spawner.killGroup(r.coordinator_pid)
        if (r.pid !== undefined) yield* spawner.signal(r.pid, "SIGKILL")
        const t = (yield* now) / 1000
        if (alive) {
          // A coordinator may have recorded the end just now; prefer its record.
          yield* readNew(name)
          const again = currentRun(state, name)!
          if (!TERMINAL_PROCESS.has(again.state))
            yield* processRecord({
              type: "process",
              seq: again.seq + 1,
              process: name,
              state: "KILLED",
              stop_time: t,
              return_code: -1
            })
        } else if (r.state !== "WAITING")
          yield* processRecord({
            type: "process",
            seq: r.seq + 1,
            process: name,
            state: "LOST",
            stop_time: t
          })
      }
    })

    // SIGTERM each live regular process once. Runs on every CLEANING pass: a process that was still
    // FORKED when cleaning began gets its pid (and so its SIGTERM) on a later pass.
    const terminated = new Set<number>()
    const onCleaning = Effect.gen(function* () {
      for (const name of live()) {
        const r = currentRun(state, name)!
        if (regular.byName.has(name) && r.pid !== undefined && !terminated.has(r.pid)) {
          terminated.add(r.pid)
          yield* spawner.signal(r.pid, "SIGTERM")
        }
      }
    })

    const finish = (st: TaskState) =>
      Effect.gen(function* () {
        yield* killAll
        yield* setTask(st)
        mkdirSync(dirname(paths.finished), { recursive: true })
        if (existsSync(paths.active)) renameSync(paths.active, paths.finished)
        const t = new Date()
        if (existsSync(paths.finished)) utimesSync(paths.finished, t, t)
      })

    const remaining = (t: number) =>
      finalizationRemaining({
        now: t,
        finalizationWaitMs: o.task.finalization_wait * 1000,
        cleaningAtMs: cleaningAt,
        preemptionDeadlineMs: deadline
      })

    const terminal = (t: number) => terminalState(forced, isHealthy(regular, t, o.task.max_failures))

    const takeKill = Effect.gen(function* () {
      if (killRequest === undefined) return
      const k = killRequest
      killRequest = undefined
      const t = yield* now
      forced = k.terminal
      deadline = t + k.waitMs
      const st = taskState(state)!
      yield* setTask(st)
      if (st === "ACTIVE") {
        yield* setTask("CLEANING")
        yield* onCleaning
      }
    })

    const step: Effect.Effect<boolean> = Effect.gen(function* () {
      yield* takeKill
      const st = taskState(state)!
      if (TERMINAL_TASK.has(st)) return false
      yield* poll
      const t = yield* now
      switch (st) {
        case "ACTIVE": {
          const d = activeStage(regular, t, o.task.max_concurrency, o.task.max_failures)
          if (d._tag === "Done") {
            yield* setTask("CLEANING")
            yield* onCleaning
            return true
          }
          for (const name of d.names) yield* launch(name)
          yield* pause(Number.POSITIVE_INFINITY)
          return true
        }
        case "CLEANING": {
          yield* onCleaning
          const rem = remaining(t)
          const regularLive = live().filter((n) => regular.byName.has(n))
          if (rem > 0 && (yield* anyAlive(regularLive))) {
            yield* pause(rem)
            return true
          }
          const next = afterCleaning(rem, terminal(t))
          if (next === "FINALIZING") {
            yield* setTask("FINALIZING")
            yield* killAll
          } else yield* finish(next)
          return true
        }
        case "FINALIZING": {
          const rem = remaining(t)
          if (finalizingDone(finals, t, rem)) {
            yield* finish(terminal(t))
            return true
          }
          for (const name of toLaunch(finals, t, o.task.max_concurrency)) yield* launch(name)
          yield* pause(rem)
          return true
        }
        default:
          return false
      }
    })

    const run = Effect.gen(function* () {
      mkdirSync(o.sandbox, { recursive: true })
      mkdirSync(dirname(paths.active), { recursive: true })
      if (!existsSync(paths.active)) writeFileSync(paths.active, JSON.stringify(o.task))
      writer = new CheckpointWriter(paths.runner)
      const t = yield* now
      // Take control: re-state the current status under our pid, then the header if missing.
      yield* setTask(taskState(state) ?? "ACTIVE")
      if (state.header === undefined)
        yield* write({
          type: "header",
          task_id: o.taskId,
          launch_time_ms: t,
          sandbox: o.sandbox,
          log_dir: logDir,
          hostname: o.hostname,
          user: o.user,
          uid: uid(),
          ports: { ...o.ports }
        })
      while (yield* step) {
        /* next pass */
      }
      writer.close()
      return taskState(state)!
    })

    return {
      taskId: o.taskId,
      run,
      kill: (waitMs = 60_000, terminal = "KILLED") =>
        Effect.sync(() => {
          if (forced === undefined) killRequest = { waitMs, terminal }
        }),
      state: () => state
    } satisfies Runner
  })
