import { Context, type Effect } from "effect"
import type { JobKey, TaskConfig } from "../domain/model/index.ts"

export interface TaskGroupStatus {
  readonly name: string
  readonly key: string
  readonly pending: ReadonlyArray<string>
  readonly penaltyMs: number
  /** Scheduling attempts made for the group so far. */
  readonly attempts: number
}

/** Task groups and the scheduling loop (§1.1-1.3). */
export interface TaskSchedulerShape {
  /** A task entered PENDING (`startup`: loaded from storage rather than a real transition). */
  readonly taskPending: (
    taskId: string,
    config: TaskConfig,
    options?: { readonly startup?: boolean; readonly flappingPenaltyMs?: number }
  ) => Effect.Effect<void>
  readonly tasksDeleted: (taskIds: ReadonlyArray<string>) => Effect.Effect<void>
  /** A task left PENDING onto an agent: its group's reservation on that agent is used up. */
  readonly taskAssigned: (taskId: string, config: TaskConfig, agentId: string) => Effect.Effect<void>
  /** One scheduling attempt for tasks of one group; returns the ids to remove from the queue. */
  readonly schedule: (taskIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string>>
  /** Why tasks of this config are still pending (nearest fit over the last 10 min), if known. */
  readonly pendingReason: (config: TaskConfig) => Effect.Effect<string | undefined>
  /**
   * Update affinity (`-enable_update_affinity`): keep the agent an updated instance ran on for its
   * replacement, for `-update_affinity_reservation_hold_time`.
   */
  readonly reserveForUpdate: (job: JobKey, instanceId: number, agentId: string) => Effect.Effect<void>
  readonly releaseUpdateReservation: (job: JobKey, instanceId: number) => Effect.Effect<void>
  readonly groups: Effect.Effect<ReadonlyArray<TaskGroupStatus>>
  readonly reservations: Effect.Effect<ReadonlyMap<string, string>>
}

export class TaskScheduler extends Context.Tag("TaskScheduler")<TaskScheduler, TaskSchedulerShape>() {}
