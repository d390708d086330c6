// Snapshots (api-storage-security.md §2.5): every store at one moment; the log form deduplicates task
// configs (each distinct TaskConfig stored once, tasks point at it by index) like Aurora's.
import type {
  HostAttributes,
  JobConfiguration,
  ResourceAggregate,
  ScheduledTask,
  TaskConfig
} from "../model/index.ts"
import type { HostMaintenanceRequest, Op, StoredJobUpdate } from "./ops.ts"
import { applyOp, clearForSnapshot, type Stores, type StoresView } from "./stores.ts"

export interface Snapshot {
  readonly timestamp: number
  readonly hostAttributes: ReadonlyArray<HostAttributes>
  readonly tasks: ReadonlyArray<ScheduledTask>
  readonly cronJobs: ReadonlyArray<JobConfiguration>
  readonly frameworkId: string | undefined
  readonly quotas: ReadonlyArray<{ readonly role: string; readonly quota: ResourceAggregate }>
  readonly jobUpdates: ReadonlyArray<StoredJobUpdate>
  readonly maintenance: ReadonlyArray<HostMaintenanceRequest>
}

type PartialTask = Omit<ScheduledTask, "assignedTask"> & {
  readonly assignedTask: Omit<ScheduledTask["assignedTask"], "task">
}

export interface DeduplicatedSnapshot {
  readonly partialSnapshot: Omit<Snapshot, "tasks">
  readonly partialTasks: ReadonlyArray<{ readonly task: PartialTask; readonly taskConfigId: number }>
  readonly taskConfigs: ReadonlyArray<TaskConfig>
}

export const buildSnapshot = (s: StoresView, timestamp: number): Snapshot => ({
  timestamp,
  hostAttributes: [...s.hostAttributes.values()],
  tasks: [...s.tasks.values()],
  cronJobs: [...s.cronJobs.values()],
  frameworkId: s.frameworkId,
  quotas: [...s.quotas].map(([role, quota]) => ({ role, quota })),
  jobUpdates: [...s.jobUpdates.values()],
  maintenance: [...s.maintenance.values()]
})

/** The op stream a snapshot stands for, in Aurora's order (used by replay and backup restore). */
export const snapshotOps = (snap: Snapshot): Array<Op> => {
  const ops: Array<Op> = []
  for (const h of snap.hostAttributes) ops.push({ _tag: "SaveHostAttributes", hostAttributes: h })
  ops.push({ _tag: "SaveTasks", tasks: snap.tasks })
  for (const c of snap.cronJobs) ops.push({ _tag: "SaveCronJob", jobConfig: c })
  if (snap.frameworkId !== undefined) ops.push({ _tag: "SaveFrameworkId", id: snap.frameworkId })
  for (const q of snap.quotas) ops.push({ _tag: "SaveQuota", role: q.role, quota: q.quota })
  for (const u of snap.jobUpdates) {
    ops.push({ _tag: "SaveJobUpdate", key: u.key, update: u.update })
    for (const event of u.events) ops.push({ _tag: "SaveJobUpdateEvent", key: u.key, event })
    for (const event of u.instanceEvents) ops.push({ _tag: "SaveJobInstanceUpdateEvent", key: u.key, event })
  }
  for (const request of snap.maintenance) ops.push({ _tag: "SaveHostMaintenanceRequest", request })
  return ops
}

/** Replaces the stores' contents with the snapshot's (the framework id survives if the snapshot has none). */
export const restoreSnapshot = (s: Stores, snap: Snapshot) => {
  clearForSnapshot(s)
  for (const op of snapshotOps(snap)) applyOp(s, op)
}

export const deduplicate = (snap: Snapshot): DeduplicatedSnapshot => {
  const byObject = new Map<TaskConfig, number>()
  const byJson = new Map<string, number>()
  const taskConfigs: Array<TaskConfig> = []
  const partialTasks = snap.tasks.map((t) => {
    const config = t.assignedTask.task
    let id = byObject.get(config)
    if (id === undefined) {
      const json = JSON.stringify(config)
      id = byJson.get(json)
      if (id === undefined) {
        id = taskConfigs.length
        taskConfigs.push(config)
        byJson.set(json, id)
      }
      byObject.set(config, id)
    }
    const { task: _omitted, ...assignedTask } = t.assignedTask
    return { task: { ...t, assignedTask }, taskConfigId: id }
  })
  const { tasks: _tasks, ...partialSnapshot } = snap
  return { partialSnapshot, partialTasks, taskConfigs }
}

/** Rebuilds the full snapshot; an out-of-range config index is a decode error. */
export const reduplicate = (d: DeduplicatedSnapshot): { snapshot: Snapshot } | { error: string } => {
  const tasks: Array<ScheduledTask> = []
  for (const p of d.partialTasks) {
    const task = d.taskConfigs[p.taskConfigId]
    if (task === undefined)
      return {
        error: `snapshot task ${p.task.assignedTask.taskId} names task config ${p.taskConfigId}, which does not exist`
      }
    tasks.push({ ...p.task, assignedTask: { ...p.task.assignedTask, task } } as ScheduledTask)
  }
  return { snapshot: { ...d.partialSnapshot, tasks } }
}

/** Like `reduplicate`, but attaches configs to the decoded objects themselves (it owns `d`): no copies. */
export const reduplicateInPlace = (d: DeduplicatedSnapshot): { snapshot: Snapshot } | { error: string } => {
  const tasks: Array<ScheduledTask> = new Array(d.partialTasks.length)
  for (let i = 0; i < d.partialTasks.length; i++) {
    const p = d.partialTasks[i]
    const task = d.taskConfigs[p.taskConfigId]
    if (task === undefined)
      return {
        error: `snapshot task ${p.task.assignedTask.taskId} names task config ${p.taskConfigId}, which does not exist`
      }
    ;(p.task.assignedTask as { task?: TaskConfig }).task = task
    tasks[i] = p.task as ScheduledTask
  }
  return { snapshot: { ...d.partialSnapshot, tasks } }
}
