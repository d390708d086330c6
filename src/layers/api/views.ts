// Read-side views the API answers with (api-storage-security.md §1.1): synthesized job configurations,
// job stats, config groups with instance ranges, and role quota usage. Plain functions over the stores.
import {
  ACTIVE_STATES,
  type JobConfiguration,
  jobKeyToString,
  latestEvent,
  type ResourceAggregate,
  type ScheduledTask,
  type ScheduleStatus,
  type TaskConfig
} from "../../domain/model/index.ts"
import { type Bag, bagOfResources, type RoleUsage } from "../../domain/placement/index.ts"
import type { StoresView } from "../../domain/storage/index.ts"
import type { Range } from "../../services/SchedulerApi.ts"

const activity = (t: ScheduledTask): number => latestEvent(t)?.timestamp ?? 0

/** Every task of `role` (all roles when undefined), through the job index. */
export const roleTasks = (stores: StoresView, role: string | undefined): Array<ScheduledTask> => {
  const out: Array<ScheduledTask> = []
  for (const [job, ids] of stores.tasksByJob) {
    if (role !== undefined && !job.startsWith(`${role}/`)) continue
    for (const id of ids) {
      const t = stores.tasks.get(id)
      if (t !== undefined) out.push(t)
    }
  }
  return out
}

export const roleCrons = (stores: StoresView, role: string | undefined): Array<JobConfiguration> =>
  [...stores.cronJobs.values()].filter((c) => role === undefined || c.key.role === role)

/**
 * Aurora's getJobs synthesis: per job, the config of its most recently active task and instanceCount =
 * the number of its given tasks; cron templates replace synthesized jobs of the same key.
 */
export const synthesizeJobs = (
  tasks: Iterable<ScheduledTask>,
  crons: ReadonlyArray<JobConfiguration>
): Map<string, JobConfiguration> => {
  const byJob = new Map<string, { latest: ScheduledTask; count: number }>()
  for (const t of tasks) {
    const k = jobKeyToString(t.assignedTask.task.job)
    const e = byJob.get(k)
    if (e === undefined) byJob.set(k, { latest: t, count: 1 })
    else {
      e.count++
      if (activity(t) > activity(e.latest)) e.latest = t
    }
  }
  const jobs = new Map<string, JobConfiguration>()
  for (const [k, { latest, count }] of [...byJob].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const config = latest.assignedTask.task
    jobs.set(k, {
      key: config.job,
      owner: config.owner,
      cronCollisionPolicy: "KILL_EXISTING",
      taskConfig: config,
      instanceCount: count
    })
  }
  for (const c of crons) jobs.set(jobKeyToString(c.key), c)
  return jobs
}

export interface JobStats {
  activeTaskCount: number
  finishedTaskCount: number
  failedTaskCount: number
  pendingTaskCount: number
}

const PENDING_LIKE: ReadonlySet<ScheduleStatus> = new Set(["INIT", "PENDING", "THROTTLED"])
const FINISHED_LIKE: ReadonlySet<ScheduleStatus> = new Set(["KILLED", "FINISHED"])
const FAILED_LIKE: ReadonlySet<ScheduleStatus> = new Set(["LOST", "FAILED"])

/** Aurora's Jobs.getJobStats. */
export const jobStats = (tasks: Iterable<ScheduledTask>): JobStats => {
  const s: JobStats = { activeTaskCount: 0, finishedTaskCount: 0, failedTaskCount: 0, pendingTaskCount: 0 }
  for (const t of tasks) {
    if (PENDING_LIKE.has(t.status)) s.pendingTaskCount++
    else if (FINISHED_LIKE.has(t.status)) s.finishedTaskCount++
    else if (FAILED_LIKE.has(t.status)) s.failedTaskCount++
    else s.activeTaskCount++
  }
  return s
}

/** JSON with sorted object keys, so equal configs compare equal whatever their field order. */
export const canonicalJson = (v: unknown): string =>
  JSON.stringify(v, (_k, value) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((k) => [k, (value as Record<string, unknown>)[k]])
        )
      : value
  )

/** Sorted instance ids as closed ranges: [0,1,2,5] -> [{0,2},{5,5}]. */
export const toRanges = (ids: Iterable<number>): Array<Range> => {
  const sorted = [...new Set(ids)].sort((a, b) => a - b)
  const out: Array<{ first: number; last: number }> = []
  for (const id of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && last.last === id - 1) last.last = id
    else out.push({ first: id, last: id })
  }
  return out
}

/** Active tasks grouped by identical TaskConfig (getConfigSummary). */
export const configGroups = (
  tasks: ReadonlyArray<ScheduledTask>
): Array<{ config: TaskConfig; instances: Array<Range> }> => {
  const groups = new Map<string, { config: TaskConfig; ids: Array<number> }>()
  for (const t of tasks) {
    if (!ACTIVE_STATES.has(t.status)) continue
    const key = canonicalJson(t.assignedTask.task)
    const g = groups.get(key)
    if (g === undefined) groups.set(key, { config: t.assignedTask.task, ids: [t.assignedTask.instanceId] })
    else g.ids.push(t.assignedTask.instanceId)
  }
  return [...groups.values()]
    .map((g) => ({ config: g.config, instances: toRanges(g.ids) }))
    .sort((a, b) => a.instances[0].first - b.instances[0].first)
}

/** A role's usage for quota: its active tasks and cron templates (job updates arrive in a later issue). */
export const roleUsage = (stores: StoresView, role: string): RoleUsage => ({
  tasks: roleTasks(stores, role)
    .filter((t) => ACTIVE_STATES.has(t.status))
    .map((t) => ({ config: t.assignedTask.task, instanceId: t.assignedTask.instanceId })),
  updates: [],
  crons: roleCrons(stores, role).map((c) => ({
    job: c.key,
    config: c.taskConfig,
    instanceCount: c.instanceCount
  }))
})

export const aggregateOf = (b: Bag): ResourceAggregate => ({
  resources: [{ numCpus: b.cpus }, { ramMb: b.ramMb }, { diskMb: b.diskMb }]
})

export const bagOfAggregate = (a: ResourceAggregate | undefined): Bag => bagOfResources(a?.resources ?? [])

export const jobActiveTasks = (tasks: ReadonlyArray<ScheduledTask>): Array<ScheduledTask> =>
  tasks.filter((t) => ACTIVE_STATES.has(t.status))
