import type { ScheduleStatus } from "../model/status.ts"
import type { ScheduledTask } from "../model/task.ts"
import type { TaskLookup } from "./flapping.ts"

/** What the scheduler publishes after a write (Aurora's pubsub events). */
export type LifecycleEvent =
  | {
      readonly _tag: "TaskStateChange"
      readonly task: ScheduledTask
      /** undefined for tasks replayed at startup ("initialized" events). */
      readonly oldState: ScheduleStatus | undefined
    }
  | { readonly _tag: "TasksDeleted"; readonly tasks: ReadonlyArray<ScheduledTask> }

/**
 * The tasks one write transaction touches, layered over a read-only lookup of the store. Lifecycle
 * functions record their changes here; the caller logs and applies `changes()` afterwards, so the
 * store itself is never mutated by domain code.
 */
export class TaskWorkingSet {
  private readonly saved = new Map<string, ScheduledTask>()
  private readonly removed = new Set<string>()
  /** Task ids to kill, in the order the kills were decided. */
  readonly kills: Array<string> = []
  /** Events in publication order. */
  readonly events: Array<LifecycleEvent> = []
  illegalTransitions = 0

  constructor(private readonly base: TaskLookup) {}

  readonly get = (taskId: string): ScheduledTask | undefined =>
    this.removed.has(taskId) ? undefined : (this.saved.get(taskId) ?? this.base(taskId))

  put(task: ScheduledTask): void {
    const id = task.assignedTask.taskId
    this.removed.delete(id)
    this.saved.set(id, task)
  }

  remove(taskId: string): void {
    this.saved.delete(taskId)
    this.removed.add(taskId)
  }

  /** Net effect: tasks to save (final versions) and ids to delete. */
  changes(): { readonly saved: ReadonlyArray<ScheduledTask>; readonly deleted: ReadonlyArray<string> } {
    return {
      saved: [...this.saved.values()],
      deleted: [...this.removed].filter((id) => this.base(id) !== undefined)
    }
  }
}
