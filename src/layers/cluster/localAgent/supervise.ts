/** Following one executor: its JSON-line updates, its death, and the kill grace period. */
import { processAlive, readUpdates } from "./executors.ts"
import { isLive, type TaskRecord } from "./state.ts"

export interface StatusFields {
  readonly uuid?: string
  readonly state: string
  readonly message?: string
  readonly reason?: string
  readonly source: string
  /** Epoch ms. */
  readonly timestamp: number
}

/** The UPDATE event for a task's status (Mesos JSON). */
export const updateEvent = (
  taskId: string,
  agentId: string | undefined,
  executorId: string | undefined,
  u: StatusFields
) => ({
  type: "UPDATE",
  update: {
    status: {
      task_id: { value: taskId },
      state: u.state,
      ...(u.message === undefined ? {} : { message: u.message }),
      ...(u.reason === undefined ? {} : { reason: u.reason }),
      source: u.source,
      ...(agentId === undefined ? {} : { agent_id: { value: agentId } }),
      ...(executorId === undefined ? {} : { executor_id: { value: executorId } }),
      timestamp: u.timestamp / 1000,
      ...(u.uuid === undefined ? {} : { uuid: u.uuid })
    }
  }
})

export interface Supervision {
  readonly exited: ReadonlySet<string>
  readonly killDeadlines: Map<string, number>
  /** Destroys the task's container (in the background; the agent waits for it on stop). */
  readonly destroy: (t: TaskRecord, pid: number | undefined) => void
  readonly update: (
    t: TaskRecord,
    state: string,
    message: string | undefined,
    source: string,
    reason?: string
  ) => void
}

/** One look at a live task's executor; returns whether its record changed. */
export const superviseTask = (t: TaskRecord, now: number, s: Supervision): boolean => {
  if (!isLive(t)) {
    s.killDeadlines.delete(t.taskId)
    return false
  }
  const deadline = s.killDeadlines.get(t.taskId)
  if (deadline !== undefined && now >= deadline) {
    s.killDeadlines.delete(t.taskId)
    s.destroy(t, t.pid)
    s.update(
      t,
      "TASK_KILLED",
      "Executor did not stop within the kill grace period; container destroyed",
      "SOURCE_AGENT",
      "REASON_EXECUTOR_TERMINATED"
    )
    return true
  }
  let changed = false
  const { lines, offset } = readUpdates(t.runDir, t.consumed)
  if (offset !== t.consumed) {
    t.consumed = offset
    changed = true
    for (const line of lines) {
      try {
        const u = JSON.parse(line)
        if (typeof u.state === "string") s.update(t, u.state, u.message, "SOURCE_EXECUTOR")
      } catch {
        // Not an update: the executor writes only updates to stdout, so this is noise to skip.
      }
    }
  }
  if (isLive(t) && (s.exited.has(t.taskId) || (t.pid !== undefined && !processAlive(t.pid)))) {
    // One last read: the final update may have landed right before the exit.
    if (readUpdates(t.runDir, t.consumed).lines.length > 0) return changed
    // As Mesos destroys the container of an executor that exits: no task process outlives it.
    s.destroy(t, undefined)
    // An executor that dies while being killed has been killed (it may die of the SIGTERM itself).
    const killing = s.killDeadlines.delete(t.taskId)
    s.update(
      t,
      killing ? "TASK_KILLED" : "TASK_FAILED",
      killing
        ? "Executor terminated while being killed"
        : "Executor terminated without a terminal status update",
      "SOURCE_AGENT",
      "REASON_EXECUTOR_TERMINATED"
    )
    return true
  }
  return changed
}
