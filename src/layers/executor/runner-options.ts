import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { type Effect, Schema } from "effect"
import { type RunnerState, replay, type TaskState } from "../../domain/thermos/checkpoint.ts"
import type { Process, Task } from "../../domain/thermos/config.ts"
import { taskPaths } from "../../domain/thermos/paths.ts"
import type { LogPolicy } from "../../services/ProcessSpawner.ts"
import { readCheckpoint } from "./checkpoint-file.ts"

/** Options, errors and helpers of the task runner (runner.ts). */
export interface RunnerOptions {
  readonly root: string
  readonly taskId: string
  /** The fully interpolated task. */
  readonly task: Task
  readonly sandbox: string
  readonly logDir?: string
  readonly hostname: string
  readonly user: string
  readonly ports: Readonly<Record<string, number>>
  /** Extra environment for every process (`thermos run -E`). */
  readonly env?: Readonly<Record<string, string>>
  /** Terminal runs per process before it is pinned failed (100 under the executor). */
  readonly runLimit?: number
  /** How often coordinator checkpoints are polled right after a change (ms); idle polling backs off to 5×. */
  readonly pollMs?: number
  /** SIGKILL a live runner that still owns the task instead of refusing. */
  readonly force?: boolean
}

export class TaskInvalid extends Schema.TaggedError<TaskInvalid>()("TaskInvalid", {
  message: Schema.String
}) {}
export class TaskTerminal extends Schema.TaggedError<TaskTerminal>()("TaskTerminal", {
  taskId: Schema.String,
  state: Schema.String
}) {}
export class TaskOwned extends Schema.TaggedError<TaskOwned>()("TaskOwned", {
  taskId: Schema.String,
  pid: Schema.Number
}) {}

export type RunnerError = TaskInvalid | TaskTerminal | TaskOwned

export interface Runner {
  readonly taskId: string
  /** Runs the task to a terminal state and returns it. */
  readonly run: Effect.Effect<TaskState>
  /** Asks the running loop to kill the task: SIGTERM, up to `waitMs` for processes and finalizers, then SIGKILL. */
  readonly kill: (waitMs?: number, terminal?: "KILLED" | "LOST") => Effect.Effect<void>
  readonly state: () => RunnerState
}

export const processEnv = (o: RunnerOptions): Record<string, string> => {
  const e: Record<string, string> = {
    HOME: o.sandbox,
    LOGNAME: o.user,
    USER: o.user,
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin"
  }
  const profile = join(o.sandbox, ".thermos_profile")
  if (existsSync(profile)) e.BASH_ENV = profile
  return { ...e, ...o.env }
}

/** A process's own logger decides alone; otherwise plain files (executor.md §2.3). */
export const logPolicy = (l: Process["logger"]): LogPolicy | undefined =>
  l === undefined
    ? undefined
    : {
        destination: l.destination,
        mode: l.mode,
        logSize: l.rotate?.log_size ?? 100 * 1024 * 1024,
        backups: l.rotate?.backups ?? 5
      }

export const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

export const uid = () => (typeof process.getuid === "function" ? process.getuid() : 0)

/** Rebuilds runner options for a live task from its on-disk task JSON and checkpoint header. */
export const resumeOptions = (
  root: string,
  taskId: string,
  decodeTask: (json: unknown) => Task
): RunnerOptions | undefined => {
  const paths = taskPaths(root, taskId)
  if (!existsSync(paths.active)) return undefined
  const header = replay(readCheckpoint(paths.runner)).header
  if (header === undefined) return undefined
  return {
    root,
    taskId,
    task: decodeTask(JSON.parse(readFileSync(paths.active, "utf8"))),
    sandbox: header.sandbox,
    logDir: header.log_dir,
    hostname: header.hostname,
    user: header.user,
    ports: header.ports
  }
}

/** A user-facing sentence for a runner error. */
export const describeRunnerError = (e: RunnerError): string => {
  switch (e._tag) {
    case "TaskInvalid":
      return e.message
    case "TaskTerminal":
      return `task ${e.taskId} is already ${e.state === "finished" ? "finished" : `in terminal state ${e.state}`}`
    case "TaskOwned":
      return `task ${e.taskId} is run by another live runner (pid ${e.pid})`
  }
}
