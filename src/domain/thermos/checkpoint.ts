import { Either, Schema } from "effect"

/**
 * Checkpoint records (executor.md §5.2), stored one JSON object per line. Times are epoch seconds
 * (floats), as in Thermos; the runner stream holds all three kinds, coordinator streams only
 * FORKED/RUNNING/terminal process records.
 */
export const ProcessState = Schema.Literal(
  "WAITING",
  "FORKED",
  "RUNNING",
  "SUCCESS",
  "FAILED",
  "KILLED",
  "LOST"
)
export type ProcessState = typeof ProcessState.Type
export const TaskState = Schema.Literal(
  "ACTIVE",
  "CLEANING",
  "FINALIZING",
  "SUCCESS",
  "FAILED",
  "KILLED",
  "LOST"
)
export type TaskState = typeof TaskState.Type

export const RunnerHeader = Schema.Struct({
  type: Schema.Literal("header"),
  task_id: Schema.String,
  launch_time_ms: Schema.Number,
  sandbox: Schema.String,
  log_dir: Schema.String,
  hostname: Schema.String,
  user: Schema.String,
  uid: Schema.Number,
  ports: Schema.Record({ key: Schema.String, value: Schema.Number })
})
export type RunnerHeader = typeof RunnerHeader.Type

export const TaskStatus = Schema.Struct({
  type: Schema.Literal("task"),
  state: TaskState,
  timestamp_ms: Schema.Number,
  runner_pid: Schema.Number,
  runner_uid: Schema.Number
})
export type TaskStatus = typeof TaskStatus.Type

export const ProcessStatus = Schema.Struct({
  type: Schema.Literal("process"),
  seq: Schema.Int,
  process: Schema.String,
  state: ProcessState,
  coordinator_pid: Schema.optional(Schema.Number),
  fork_time: Schema.optional(Schema.Number),
  pid: Schema.optional(Schema.Number),
  start_time: Schema.optional(Schema.Number),
  stop_time: Schema.optional(Schema.Number),
  return_code: Schema.optional(Schema.Number)
})
export type ProcessStatus = typeof ProcessStatus.Type

export const RunnerCkpt = Schema.Union(RunnerHeader, TaskStatus, ProcessStatus)
export type RunnerCkpt = typeof RunnerCkpt.Type

const decodeRecord = Schema.decodeUnknownEither(Schema.parseJson(RunnerCkpt))

/** Parses a checkpoint stream; a torn or garbled line (e.g. the last one after a crash) is skipped. */
export const parseRecords = (text: string): ReadonlyArray<RunnerCkpt> => {
  const out: Array<RunnerCkpt> = []
  for (const line of text.split("\n")) {
    if (line.length === 0) continue
    const r = decodeRecord(line)
    if (Either.isRight(r)) out.push(r.right)
  }
  return out
}

export const encodeRecord = (r: RunnerCkpt): string => `${JSON.stringify(r)}\n`

export const TERMINAL_PROCESS: ReadonlySet<ProcessState> = new Set(["SUCCESS", "FAILED", "KILLED", "LOST"])
export const TERMINAL_TASK: ReadonlySet<TaskState> = new Set(["SUCCESS", "FAILED", "KILLED", "LOST"])

/** Legal predecessors of each process state (§2.4); `undefined` = no run yet. */
const PROCESS_FROM: Record<ProcessState, ReadonlyArray<ProcessState | "NONE">> = {
  WAITING: ["NONE", "SUCCESS", "FAILED", "KILLED", "LOST"],
  FORKED: ["WAITING"],
  RUNNING: ["FORKED"],
  SUCCESS: ["RUNNING"],
  FAILED: ["WAITING", "RUNNING"],
  KILLED: ["FORKED", "RUNNING"],
  LOST: ["FORKED", "RUNNING"]
}

export const processTransitionAllowed = (from: ProcessState | undefined, to: ProcessState): boolean =>
  PROCESS_FROM[to].includes(from ?? "NONE")

const TASK_TO: Record<TaskState, ReadonlyArray<TaskState>> = {
  ACTIVE: ["ACTIVE", "CLEANING", "KILLED", "LOST"],
  CLEANING: ["CLEANING", "FINALIZING", "SUCCESS", "FAILED", "KILLED", "LOST"],
  FINALIZING: ["FINALIZING", "SUCCESS", "FAILED", "KILLED"],
  SUCCESS: [],
  FAILED: [],
  KILLED: [],
  LOST: []
}

export const taskTransitionAllowed = (from: TaskState | undefined, to: TaskState): boolean =>
  from === undefined ? to === "ACTIVE" : TASK_TO[from].includes(to)

/** One run of a process as rebuilt from its records. */
export interface ProcessRun {
  readonly process: string
  readonly run: number
  readonly seq: number
  readonly state: ProcessState
  readonly coordinator_pid?: number
  readonly fork_time?: number
  readonly pid?: number
  readonly start_time?: number
  readonly stop_time?: number
  readonly return_code?: number
}

export interface RunnerState {
  readonly header?: RunnerHeader
  readonly statuses: ReadonlyArray<TaskStatus>
  readonly processes: Readonly<Record<string, ReadonlyArray<ProcessRun>>>
}

export const emptyRunnerState: RunnerState = { statuses: [], processes: {} }

export const currentRun = (s: RunnerState, name: string): ProcessRun | undefined => {
  const runs = s.processes[name]
  return runs === undefined ? undefined : runs[runs.length - 1]
}

export const lastSeq = (s: RunnerState, name: string): number => currentRun(s, name)?.seq ?? -1

export const taskState = (s: RunnerState): TaskState | undefined => s.statuses[s.statuses.length - 1]?.state

export class CheckpointInvalid extends Schema.TaggedError<CheckpointInvalid>()("CheckpointInvalid", {
  message: Schema.String
}) {}

/**
 * Applies one record. With `recovery`, out-of-order process records are skipped instead of failing
 * (§5.2). Deliberate fix: a FAILED run keeps its return code and stop time.
 */
export const applyRecord = (
  s: RunnerState,
  r: RunnerCkpt,
  recovery = false
): Either.Either<RunnerState, CheckpointInvalid> => {
  const fail = (message: string) =>
    recovery ? Either.right(s) : Either.left(new CheckpointInvalid({ message }))
  switch (r.type) {
    case "header":
      return s.header === undefined ? Either.right({ ...s, header: r }) : Either.right(s)
    case "task": {
      if (!taskTransitionAllowed(taskState(s), r.state))
        return fail(`task cannot go from ${taskState(s) ?? "nothing"} to ${r.state}`)
      return Either.right({ ...s, statuses: [...s.statuses, r] })
    }
    case "process": {
      const runs = s.processes[r.process] ?? []
      const cur = runs[runs.length - 1]
      if (r.seq !== (cur?.seq ?? -1) + 1)
        return fail(`process ${r.process}: sequence ${r.seq} after ${cur?.seq ?? "nothing"}`)
      if (!processTransitionAllowed(cur?.state, r.state))
        return fail(`process ${r.process}: cannot go from ${cur?.state ?? "nothing"} to ${r.state}`)
      const { type: _t, seq, process, state, ...fields } = r
      const next: ProcessRun =
        state === "WAITING" ? { process, run: runs.length, seq, state } : { ...cur!, ...fields, seq, state }
      const updated = state === "WAITING" ? [...runs, next] : [...runs.slice(0, -1), next]
      return Either.right({ ...s, processes: { ...s.processes, [process]: updated } })
    }
  }
}

/** Replays a whole stream in recovery mode. */
export const replay = (records: ReadonlyArray<RunnerCkpt>): RunnerState => {
  let s = emptyRunnerState
  for (const r of records) s = Either.getOrElse(applyRecord(s, r, true), () => s)
  return s
}
