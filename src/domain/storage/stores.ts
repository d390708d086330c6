// The in-memory stores (api-storage-security.md §2.1) and how ops change them. Plain maps with the
// task indexes the scheduler queries by (job key, agent host).
import {
  type HostAttributes,
  type JobConfiguration,
  type JobKey,
  type JobUpdateKey,
  jobKeyToString,
  type ResourceAggregate,
  type ScheduledTask,
  type TaskQuery
} from "../model/index.ts"
import type { HostMaintenanceRequest, Op, StoredJobUpdate } from "./ops.ts"

export interface Stores {
  frameworkId: string | undefined
  readonly cronJobs: Map<string, JobConfiguration>
  readonly tasks: Map<string, ScheduledTask>
  readonly tasksByJob: Map<string, Set<string>>
  readonly tasksByHost: Map<string, Set<string>>
  readonly quotas: Map<string, ResourceAggregate>
  readonly hostAttributes: Map<string, HostAttributes>
  readonly jobUpdates: Map<string, StoredJobUpdate>
  readonly maintenance: Map<string, HostMaintenanceRequest>
}

/** What readers and write planners see. */
export type StoresView = {
  readonly [K in keyof Stores]: Stores[K] extends Map<infer Key, infer V> ? ReadonlyMap<Key, V> : Stores[K]
}

export const emptyStores = (): Stores => ({
  frameworkId: undefined,
  cronJobs: new Map(),
  tasks: new Map(),
  tasksByJob: new Map(),
  tasksByHost: new Map(),
  quotas: new Map(),
  hostAttributes: new Map(),
  jobUpdates: new Map(),
  maintenance: new Map()
})

export const updateKeyToString = (k: JobUpdateKey): string => `${jobKeyToString(k.job)}/${k.id}`

const index = (m: Map<string, Set<string>>, key: string | undefined, id: string, add: boolean) => {
  if (key === undefined) return
  let set = m.get(key)
  if (add) {
    if (!set) {
      set = new Set()
      m.set(key, set)
    }
    set.add(id)
  } else if (set) {
    set.delete(id)
    if (set.size === 0) m.delete(key)
  }
}

// Tasks of one job share their config (and its key object) after a snapshot, so cache the key string.
const keyStrings = new WeakMap<JobKey, string>()
const jobString = (k: JobKey): string => {
  let s = keyStrings.get(k)
  if (s === undefined) {
    s = jobKeyToString(k)
    keyStrings.set(k, s)
  }
  return s
}

const unindexTask = (s: Stores, t: ScheduledTask) => {
  index(s.tasksByJob, jobString(t.assignedTask.task.job), t.assignedTask.taskId, false)
  index(s.tasksByHost, t.assignedTask.slaveHost, t.assignedTask.taskId, false)
}

export const saveTask = (s: Stores, t: ScheduledTask) => {
  const id = t.assignedTask.taskId
  const prev = s.tasks.get(id)
  if (prev) unindexTask(s, prev)
  s.tasks.set(id, t)
  index(s.tasksByJob, jobString(t.assignedTask.task.job), id, true)
  index(s.tasksByHost, t.assignedTask.slaveHost, id, true)
}

export const removeTask = (s: Stores, id: string) => {
  const prev = s.tasks.get(id)
  if (!prev) return
  unindexTask(s, prev)
  s.tasks.delete(id)
}

const byTimestamp = (a: { timestampMs: number }, b: { timestampMs: number }) => a.timestampMs - b.timestampMs

/** Replays one op (also the live write path, after the op is in the log). */
export const applyOp = (s: Stores, op: Op): void => {
  switch (op._tag) {
    case "SaveFrameworkId":
      s.frameworkId = op.id
      return
    case "SaveCronJob":
      s.cronJobs.set(jobKeyToString(op.jobConfig.key), op.jobConfig)
      return
    case "RemoveJob":
      s.cronJobs.delete(jobKeyToString(op.jobKey))
      return
    case "SaveTasks":
      for (const t of op.tasks) saveTask(s, t)
      return
    case "RemoveTasks":
      for (const id of op.taskIds) removeTask(s, id)
      return
    case "SaveQuota":
      s.quotas.set(op.role, op.quota)
      return
    case "RemoveQuota":
      s.quotas.delete(op.role)
      return
    case "SaveHostAttributes": {
      // Replay drops attributes without an agent id; a missing mode keeps the previous one (or NONE).
      const h = op.hostAttributes
      if (h.slaveId === undefined) return
      const mode = h.mode ?? s.hostAttributes.get(h.host)?.mode ?? "NONE"
      s.hostAttributes.set(h.host, { ...h, mode })
      return
    }
    case "SaveJobUpdate":
      s.jobUpdates.set(updateKeyToString(op.key), {
        key: op.key,
        update: op.update,
        events: [],
        instanceEvents: []
      })
      return
    case "SaveJobUpdateEvent":
    case "SaveJobInstanceUpdateEvent": {
      const k = updateKeyToString(op.key)
      const u = s.jobUpdates.get(k)
      if (!u) return
      const field = op._tag === "SaveJobUpdateEvent" ? "events" : "instanceEvents"
      s.jobUpdates.set(k, { ...u, [field]: [...u[field], op.event].sort(byTimestamp) })
      return
    }
    case "RemoveJobUpdates":
      for (const k of op.keys) s.jobUpdates.delete(updateKeyToString(k))
      return
    case "SaveHostMaintenanceRequest":
      s.maintenance.set(op.request.host, op.request)
      return
    case "RemoveHostMaintenanceRequest":
      s.maintenance.delete(op.host)
      return
  }
}

/** What a snapshot entry does before its contents: everything but the framework id goes. */
export const clearForSnapshot = (s: Stores) => {
  s.cronJobs.clear()
  s.tasks.clear()
  s.tasksByJob.clear()
  s.tasksByHost.clear()
  s.quotas.clear()
  s.hostAttributes.clear()
  s.jobUpdates.clear()
  s.maintenance.clear()
}

const sameJob = (a: JobKey, b: JobKey) =>
  a.role === b.role && a.environment === b.environment && a.name === b.name

/** TaskQuery semantics: every given field must match (a blank role is ignored); ordered by task id. */
export const queryTasks = (s: StoresView, q: TaskQuery): Array<ScheduledTask> => {
  let candidates: Iterable<ScheduledTask>
  if (q.taskIds) candidates = q.taskIds.flatMap((id) => s.tasks.get(id) ?? [])
  else if (q.jobKeys && q.jobKeys.length > 0)
    candidates = q.jobKeys.flatMap((k) =>
      [...(s.tasksByJob.get(jobKeyToString(k)) ?? [])].map((id) => s.tasks.get(id)!)
    )
  else candidates = s.tasks.values()
  const role = q.role?.trim() ? q.role : undefined
  const out: Array<ScheduledTask> = []
  for (const t of candidates) {
    const a = t.assignedTask
    const job = a.task.job
    if (role !== undefined && job.role !== role) continue
    if (q.environment !== undefined && job.environment !== q.environment) continue
    if (q.jobName !== undefined && job.name !== q.jobName) continue
    if (q.statuses && !q.statuses.includes(t.status)) continue
    if (q.instanceIds && !q.instanceIds.includes(a.instanceId)) continue
    if (q.slaveHosts && (a.slaveHost === undefined || !q.slaveHosts.includes(a.slaveHost))) continue
    if (q.jobKeys && q.jobKeys.length > 0 && !q.jobKeys.some((k) => sameJob(k, job))) continue
    out.push(t)
  }
  out.sort((x, y) => (x.assignedTask.taskId < y.assignedTask.taskId ? -1 : 1))
  const offset = q.offset ?? 0
  return q.limit !== undefined ? out.slice(offset, offset + q.limit) : offset > 0 ? out.slice(offset) : out
}
