import { existsSync, mkdirSync, renameSync, utimesSync } from "node:fs"
import { dirname } from "node:path"
import { Clock, Effect, Either } from "effect"
import {
  applyRecord,
  currentRun,
  type RunnerCkpt,
  type RunnerState,
  TERMINAL_PROCESS,
  TERMINAL_TASK,
  taskState
} from "../../domain/thermos/checkpoint.ts"
import { taskPaths } from "../../domain/thermos/paths.ts"
import { ProcessSpawner } from "../../services/ProcessSpawner.ts"
import { CheckpointWriter } from "./checkpoint-file.ts"
import { runnerState } from "./task-store.ts"

/**
 * Checkpoint-level kill (executor.md §4.5, `thermos kill`): no live runner needed. SIGKILLs the
 * owning runner, then every live process group (KILLED, rc −9); dead unfinished runs become LOST;
 * the task ends `terminal` and moves to finished. No SIGTERM grace, no finalizers.
 */
export const killTaskFromCheckpoint = (
  root: string,
  taskId: string,
  terminal: "KILLED" | "LOST" = "KILLED"
) =>
  Effect.gen(function* () {
    const spawner = yield* ProcessSpawner
    const paths = taskPaths(root, taskId)
    const finalize = () => {
      mkdirSync(dirname(paths.finished), { recursive: true })
      if (existsSync(paths.active)) renameSync(paths.active, paths.finished)
      if (existsSync(paths.finished)) utimesSync(paths.finished, new Date(), new Date())
    }
    let state: RunnerState = runnerState(root, taskId)
    const current = taskState(state)
    if (current === undefined || state.header === undefined || TERMINAL_TASK.has(current)) {
      finalize()
      return
    }
    const owner = state.statuses[state.statuses.length - 1]?.runner_pid
    if (owner !== undefined && owner !== process.pid && (yield* spawner.isAlive(owner))) {
      yield* spawner.signal(owner, "SIGKILL")
      for (let i = 0; i < 100 && (yield* spawner.isAlive(owner)); i++) yield* Effect.sleep(20)
    }
    const writer = new CheckpointWriter(paths.runner)
    const write = (r: RunnerCkpt) => {
      const next = applyRecord(state, r, true)
      if (Either.isRight(next) && next.right !== state) {
        writer.append(r)
        state = next.right
      }
    }
    const now = yield* Clock.currentTimeMillis
    const uid = typeof process.getuid === "function" ? process.getuid() : 0
    write({ type: "task", state: current, timestamp_ms: now, runner_pid: process.pid, runner_uid: uid })
    for (const name of Object.keys(state.processes)) {
      const r = currentRun(state, name)!
      if (TERMINAL_PROCESS.has(r.state)) continue
      const alive =
        (yield* spawner.isAlive(r.coordinator_pid ?? -1, r.fork_time)) ||
        (r.pid !== undefined && (yield* spawner.isAlive(r.pid, r.start_time)))
      if (r.coordinator_pid !== undefined) yield* spawner.killGroup(r.coordinator_pid)
      if (r.pid !== undefined) yield* spawner.signal(r.pid, "SIGKILL")
      if (alive)
        write({
          type: "process",
          seq: r.seq + 1,
          process: name,
          state: "KILLED",
          stop_time: now / 1000,
          return_code: -9
        })
      else if (r.state !== "WAITING")
        write({ type: "process", seq: r.seq + 1, process: name, state: "LOST", stop_time: now / 1000 })
    }
    if (current === "ACTIVE" || current === "CLEANING")
      write({ type: "task", state: terminal, timestamp_ms: now, runner_pid: process.pid, runner_uid: uid })
    else write({ type: "task", state: "KILLED", timestamp_ms: now, runner_pid: process.pid, runner_uid: uid })
    writer.close()
    finalize()
  })
