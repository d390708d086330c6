import type { ScheduleStatus } from "../model/status.ts"

/** Mesos task states the scheduler can receive (mesos.proto TaskState). */
export type MesosTaskState =
  | "TASK_STAGING"
  | "TASK_STARTING"
  | "TASK_RUNNING"
  | "TASK_KILLING"
  | "TASK_FINISHED"
  | "TASK_FAILED"
  | "TASK_KILLED"
  | "TASK_ERROR"
  | "TASK_LOST"
  | "TASK_DROPPED"
  | "TASK_UNREACHABLE"
  | "TASK_GONE"
  | "TASK_GONE_BY_OPERATOR"
  | "TASK_UNKNOWN"

const MAPPING: Readonly<Record<MesosTaskState, ScheduleStatus>> = {
  TASK_STAGING: "STARTING",
  TASK_STARTING: "STARTING",
  TASK_RUNNING: "RUNNING",
  TASK_FINISHED: "FINISHED",
  TASK_FAILED: "FAILED",
  TASK_KILLED: "KILLED",
  // Deliberately not KILLING (task-lifecycle.md §5).
  TASK_KILLING: "KILLED",
  TASK_LOST: "LOST",
  TASK_ERROR: "LOST",
  TASK_DROPPED: "LOST",
  TASK_GONE: "LOST",
  TASK_GONE_BY_OPERATOR: "LOST",
  TASK_UNREACHABLE: "PARTITIONED",
  TASK_UNKNOWN: "PARTITIONED"
}

/** The ScheduleStatus a Mesos state maps to, or an error naming the unknown state. */
export const scheduleStatusFromMesos = (
  state: string
): { readonly status: ScheduleStatus } | { readonly error: string } =>
  Object.hasOwn(MAPPING, state)
    ? { status: MAPPING[state as MesosTaskState] }
    : { error: `Unknown Mesos task state ${JSON.stringify(state)}` }

/** The audit message recorded for a status update, per its reason. */
export const statusUpdateMessage = (
  message: string | undefined,
  reason: string | undefined
): string | undefined => {
  const empty = message === undefined || message === ""
  if (reason === "REASON_CONTAINER_LIMITATION_MEMORY" && empty) return "Task used more memory than requested."
  if (reason === "REASON_CONTAINER_LIMITATION_DISK" && empty) return "Task used more disk than requested."
  if (reason === "REASON_EXECUTOR_UNREGISTERED") return undefined
  return empty ? undefined : message
}
