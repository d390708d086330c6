// The storage ops written ahead to the log (api-storage-security.md §2.3), one Transaction per write.
import type {
  HostAttributes,
  JobConfiguration,
  JobKey,
  JobUpdateKey,
  ResourceAggregate,
  ScheduledTask
} from "../model/index.ts"

/** Job updates belong to a later issue: stored here as opaque JSON with the fields storage needs. */
export interface JobUpdateEvent {
  readonly timestampMs: number
  readonly [field: string]: unknown
}
export interface StoredJobUpdate {
  readonly key: JobUpdateKey
  readonly update: unknown
  readonly events: ReadonlyArray<JobUpdateEvent>
  readonly instanceEvents: ReadonlyArray<JobUpdateEvent>
}

export interface HostMaintenanceRequest {
  readonly host: string
  readonly defaultSlaPolicy: unknown
  readonly timeoutSecs: number
  readonly createdTimestampMs: number
}

export type Op =
  | { readonly _tag: "SaveFrameworkId"; readonly id: string }
  | { readonly _tag: "SaveCronJob"; readonly jobConfig: JobConfiguration }
  | { readonly _tag: "RemoveJob"; readonly jobKey: JobKey }
  | { readonly _tag: "SaveTasks"; readonly tasks: ReadonlyArray<ScheduledTask> }
  | { readonly _tag: "RemoveTasks"; readonly taskIds: ReadonlyArray<string> }
  | { readonly _tag: "SaveQuota"; readonly role: string; readonly quota: ResourceAggregate }
  | { readonly _tag: "RemoveQuota"; readonly role: string }
  | { readonly _tag: "SaveHostAttributes"; readonly hostAttributes: HostAttributes }
  | { readonly _tag: "SaveJobUpdate"; readonly key: JobUpdateKey; readonly update: unknown }
  | { readonly _tag: "SaveJobUpdateEvent"; readonly key: JobUpdateKey; readonly event: JobUpdateEvent }
  | {
      readonly _tag: "SaveJobInstanceUpdateEvent"
      readonly key: JobUpdateKey
      readonly event: JobUpdateEvent
    }
  | { readonly _tag: "RemoveJobUpdates"; readonly keys: ReadonlyArray<JobUpdateKey> }
  | { readonly _tag: "SaveHostMaintenanceRequest"; readonly request: HostMaintenanceRequest }
  | { readonly _tag: "RemoveHostMaintenanceRequest"; readonly host: string }

export const CURRENT_SCHEMA_VERSION = 1

export interface Transaction {
  readonly ops: ReadonlyArray<Op>
  readonly schemaVersion: number
}

/**
 * Merges consecutive ops of one kind as Aurora does: framework id last wins, SaveTasks merge by task id
 * (later wins), RemoveTasks union, SaveHostAttributes merge for the same host; others never merge.
 */
export const coalesce = (ops: ReadonlyArray<Op>): Array<Op> => {
  const out: Array<Op> = []
  for (const op of ops) {
    const prev = out[out.length - 1]
    if (prev && prev._tag === op._tag) {
      if (op._tag === "SaveFrameworkId") {
        out[out.length - 1] = op
        continue
      }
      if (op._tag === "SaveTasks" && prev._tag === "SaveTasks") {
        const byId = new Map(prev.tasks.map((t) => [t.assignedTask.taskId, t]))
        for (const t of op.tasks) byId.set(t.assignedTask.taskId, t)
        out[out.length - 1] = { _tag: "SaveTasks", tasks: [...byId.values()] }
        continue
      }
      if (op._tag === "RemoveTasks" && prev._tag === "RemoveTasks") {
        out[out.length - 1] = { _tag: "RemoveTasks", taskIds: [...new Set([...prev.taskIds, ...op.taskIds])] }
        continue
      }
      if (
        op._tag === "SaveHostAttributes" &&
        prev._tag === "SaveHostAttributes" &&
        prev.hostAttributes.host === op.hostAttributes.host
      ) {
        out[out.length - 1] = op
        continue
      }
    }
    out.push(op)
  }
  return out
}
