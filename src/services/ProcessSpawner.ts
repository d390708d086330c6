import { Context, type Effect, Schema } from "effect"
import type { ProcessStatus } from "../domain/thermos/checkpoint.ts"

/**
 * Starts the processes of a Thermos task and watches them. Each run gets a *coordinator* that
 * leads its own process group (pgid = coordinator pid), runs `/bin/bash -c CMDLINE` in the sandbox,
 * and appends that run's RUNNING and terminal records (seq+1, seq+2 after the runner's FORKED at
 * `seq`) to the coordinator checkpoint, so a restarted runner can recover what happened meanwhile.
 */
export interface SpawnRequest {
  readonly process: string
  readonly run: number
  /** Sequence number of the FORKED record the runner writes for this run. */
  readonly seq: number
  readonly cmdline: string
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly stdoutPath: string
  readonly stderrPath: string
  /** Where output goes (executor.md §2.3); default: the two files, appended. */
  readonly logger?: LogPolicy
  readonly coordinatorPath: string
}

/**
 * `console` output goes to the runner's stderr: under the executor, stdout carries status updates.
 * `rotate` keeps at most `backups` full files of `logSize` bytes besides the current one.
 */
export interface LogPolicy {
  readonly destination: "file" | "console" | "both" | "none"
  readonly mode: "standard" | "rotate"
  readonly logSize: number
  readonly backups: number
}

export interface Spawned {
  readonly coordinatorPid: number
  /** Epoch seconds. */
  readonly forkTime: number
}

export class SpawnFailed extends Schema.TaggedError<SpawnFailed>()("SpawnFailed", {
  process: Schema.String,
  message: Schema.String
}) {}

export interface ProcessSpawnerShape {
  readonly spawn: (req: SpawnRequest) => Effect.Effect<Spawned, SpawnFailed>
  /** Records of a coordinator checkpoint from byte `offset` on; returns the new offset. */
  readonly readRecords: (
    coordinatorPath: string,
    offset: number
  ) => Effect.Effect<{ readonly records: ReadonlyArray<ProcessStatus>; readonly offset: number }>
  /** Whether `pid` is alive and, when `startedAt` (epoch s) is given, started within 10 s of it. */
  readonly isAlive: (pid: number, startedAt?: number) => Effect.Effect<boolean>
  /** Sends `signal` to one process (e.g. SIGTERM to the command). */
  readonly signal: (pid: number, signal: NodeJS.Signals) => Effect.Effect<void>
  /** SIGKILLs a whole process group (the coordinator's). */
  readonly killGroup: (pgid: number) => Effect.Effect<void>
}

export class ProcessSpawner extends Context.Tag("ProcessSpawner")<ProcessSpawner, ProcessSpawnerShape>() {}
