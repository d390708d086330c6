import { Context, Effect, Layer, Schema } from "effect"

/**
 * How the executor tells whoever launched it about its task (the Mesos status updates of
 * executor.md §6). The `thermos-executor` program renders each update as one JSON line on stdout.
 */
export const TaskUpdateState = Schema.Literal(
  "TASK_STARTING",
  "TASK_RUNNING",
  "TASK_FINISHED",
  "TASK_FAILED",
  "TASK_KILLED",
  "TASK_LOST"
)
export type TaskUpdateState = typeof TaskUpdateState.Type

export const StatusUpdate = Schema.Struct({
  taskId: Schema.String,
  state: TaskUpdateState,
  message: Schema.String,
  /** Epoch milliseconds. */
  timestamp: Schema.Number
})
export type StatusUpdate = typeof StatusUpdate.Type

export const TERMINAL_UPDATES: ReadonlySet<TaskUpdateState> = new Set([
  "TASK_FINISHED",
  "TASK_FAILED",
  "TASK_KILLED",
  "TASK_LOST"
])

export interface StatusReporterShape {
  readonly report: (update: StatusUpdate) => Effect.Effect<void>
}

export class StatusReporter extends Context.Tag("StatusReporter")<StatusReporter, StatusReporterShape>() {}

/** One JSON object per line on the given writer (stdout in `thermos-executor`). */
export const StatusReporterJsonLines = (write: (line: string) => void) =>
  Layer.succeed(StatusReporter, {
    report: (u) => Effect.sync(() => write(`${JSON.stringify(u)}\n`))
  })

/** Collects updates in memory (tests, in-process agents). */
export const makeCollectingReporter = () => {
  const updates: Array<StatusUpdate> = []
  return {
    updates,
    layer: Layer.succeed(StatusReporter, { report: (u) => Effect.sync(() => void updates.push(u)) })
  }
}
