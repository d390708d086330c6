import { Context, type Effect, Schema } from "effect"
import type {
  HostAttributes,
  JobKey,
  ScheduledTask,
  ScheduleStatus,
  TaskConfig
} from "../domain/model/index.ts"
import type { AttributeCounts } from "../domain/placement/index.ts"

/** A PENDING task as placement sees it. */
export interface PendingTask {
  readonly taskId: string
  readonly instanceId: number
  readonly config: TaskConfig
  /** Time of its latest event (entered PENDING). */
  readonly pendingSinceMs: number
}

/** A task on an agent (SLAVE_ASSIGNED states): a preemption candidate. */
export interface AgentTask {
  readonly taskId: string
  readonly config: TaskConfig
  readonly status: ScheduleStatus
  readonly host: string
  readonly agentId: string
}

export class AggregateUnavailable extends Schema.TaggedError<AggregateUnavailable>()("AggregateUnavailable", {
  job: Schema.String,
  host: Schema.String
}) {
  override get message(): string {
    return `Job ${this.job} has a task on host ${this.host}, which has no stored attributes`
  }
}

/**
 * What placement needs from task storage and the task lifecycle. Kept small on purpose: the wiring
 * issue implements it over the real stores and state machine; tests and benchmarks use the simulated
 * cluster in src/layers/placement.
 */
export interface PlacementStateShape {
  /** Of these ids, the tasks still PENDING. */
  readonly pending: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<PendingTask>>
  /** PENDING tasks whose latest event is at or before `cutoffMs` (preemption candidates). */
  readonly pendingSince: (cutoffMs: number) => Effect.Effect<ReadonlyArray<PendingTask>>
  /** SLAVE_ASSIGNED tasks by agent id, in a stable agent order. */
  readonly agentTasks: () => Effect.Effect<ReadonlyMap<string, ReadonlyArray<AgentTask>>>
  /**
   * Optional change counter of agent tasks and host attributes: when it and the offers are unchanged,
   * a slot search reuses its agent views and index instead of rebuilding them.
   */
  readonly agentTasksVersion?: () => Effect.Effect<number>
  /** The job's aggregate over its SLAVE_ASSIGNED tasks (§1.6). */
  readonly jobAggregate: (job: JobKey) => Effect.Effect<AttributeCounts, AggregateUnavailable>
  readonly hostAttributes: (host: string) => Effect.Effect<HostAttributes | undefined>
  /** Every stored host's attributes by host name (one call per slot search). */
  readonly allHostAttributes: () => Effect.Effect<ReadonlyMap<string, HostAttributes>>
  readonly saveHostAttributes: (attributes: HostAttributes) => Effect.Effect<void>
  /** Active tasks on a host (for draining). */
  readonly activeTasksOnHost: (host: string) => Effect.Effect<ReadonlyArray<ScheduledTask>>
  /** Every task of a job (SLA checks). */
  readonly jobTasks: (job: JobKey) => Effect.Effect<ReadonlyArray<ScheduledTask>>
  /** PENDING -> ASSIGNED on this host and agent with these ports; false when the task moved on. */
  readonly assign: (
    taskId: string,
    host: string,
    agentId: string,
    ports: Readonly<Record<string, number>>
  ) => Effect.Effect<boolean>
  /**
   * Optional batch form of `assign`: every assignment in ONE durable write, results in order. The task
   * scheduler uses it when present, so an attempt costs one log append rather than one per task.
   */
  readonly assignAll?: (
    assignments: ReadonlyArray<{
      readonly taskId: string
      readonly host: string
      readonly agentId: string
      readonly ports: Readonly<Record<string, number>>
    }>
  ) => Effect.Effect<ReadonlyArray<boolean>>
  /** A lifecycle transition placement asks for (LOST after a failed launch, PREEMPTING, DRAINING). */
  readonly transition: (
    taskId: string,
    to: "LOST" | "PREEMPTING" | "DRAINING",
    message: string
  ) => Effect.Effect<boolean>
}

export class PlacementState extends Context.Tag("PlacementState")<PlacementState, PlacementStateShape>() {}
