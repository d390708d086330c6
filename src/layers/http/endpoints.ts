// Leader-only JSON endpoints of api-storage-security.md §4.3: /maintenance, /pendingtasks, /quotas, /tiers.
import { Effect } from "effect"
import { ACTIVE_STATES, jobKeyToString, SLAVE_ASSIGNED_STATES } from "../../domain/model/index.ts"
import type { TierConfig } from "../../domain/placement/index.ts"
import type { StorageShape } from "../../services/Storage.ts"
import type { TaskSchedulerShape } from "../../services/TaskScheduler.ts"
import { bagOfAggregate, canonicalJson } from "../api/views.ts"

/** `{"DRAINED":[hosts],"SCHEDULED":[hosts],"DRAINING":{host:[ids of tasks on the host]}}` */
export const maintenanceJson = (storage: StorageShape) =>
  storage.read((stores) => {
    const drained: Array<string> = []
    const scheduled: Array<string> = []
    const draining: Record<string, Array<string>> = {}
    for (const [host, attrs] of [...stores.hostAttributes].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (attrs.mode === "DRAINED") drained.push(host)
      else if (attrs.mode === "SCHEDULED") scheduled.push(host)
      else if (attrs.mode === "DRAINING")
        draining[host] = [...(stores.tasksByHost.get(host) ?? [])]
          .filter((id) => {
            const t = stores.tasks.get(id)
            return t !== undefined && SLAVE_ASSIGNED_STATES.has(t.status)
          })
          .sort()
    }
    return { DRAINED: drained, SCHEDULED: scheduled, DRAINING: draining }
  })

/** Task groups waiting to be scheduled: `[{name, taskIds, penaltyMs, reason}]`. */
export const pendingTasksJson = (storage: StorageShape, scheduler: TaskSchedulerShape) =>
  Effect.gen(function* () {
    const groups = yield* scheduler.groups
    return yield* Effect.forEach(groups, (g) =>
      Effect.gen(function* () {
        const config = yield* storage.read((stores) => {
          for (const id of g.pending) {
            const t = stores.tasks.get(id)
            if (t !== undefined) return t.assignedTask.task
          }
          return undefined
        })
        const reason = config === undefined ? undefined : yield* scheduler.pendingReason(config)
        return { name: g.name, taskIds: [...g.pending], penaltyMs: g.penaltyMs, reason: reason ?? "" }
      })
    )
  })

/** `{role: {"cpu_cores":d,"ram_mb":n,"disk_mb":n}}` for one role (unknown: `{}`) or every role with quota. */
export const quotasJson = (storage: StorageShape, role: string | undefined) =>
  storage.read((stores) => {
    const roles = role === undefined ? [...stores.quotas.keys()].sort() : [role]
    const out: Record<string, { cpu_cores: number; ram_mb: number; disk_mb: number }> = {}
    for (const r of roles) {
      const q = stores.quotas.get(r)
      if (q === undefined) continue
      const b = bagOfAggregate(q)
      out[r] = { cpu_cores: b.cpus, ram_mb: b.ramMb, disk_mb: b.diskMb }
    }
    return out
  })

/** `{"default": name, "tiers": {name: {preemptible, revocable}}}` */
export const tiersJson = (tiers: TierConfig) => ({ default: tiers.default, tiers: tiers.tiers })

/** `{"scheduled": {"role/env/name": "<crontab>"}}` */
export const cronJson = (storage: StorageShape) =>
  storage.read((stores) => ({
    scheduled: Object.fromEntries(
      [...stores.cronJobs]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, c]) => [k, c.cronSchedule ?? ""])
    )
  }))

/** FNV-1a of a string, as 8 hex digits (stable config keys for /state). */
const fnv1a = (s: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(16).padStart(8, "0")
}

/** `{taskConfigs: {"role/env/name-<hash>": TaskConfig}, agents: {host: [configKeys]}}` for active tasks. */
export const stateJson = (storage: StorageShape) =>
  storage.read((stores) => {
    const taskConfigs: Record<string, unknown> = {}
    const agents: Record<string, Array<string>> = {}
    for (const t of stores.tasks.values()) {
      if (!ACTIVE_STATES.has(t.status)) continue
      const config = t.assignedTask.task
      const key = `${jobKeyToString(config.job)}-${fnv1a(canonicalJson(config))}`
      taskConfigs[key] = config
      const host = t.assignedTask.slaveHost
      if (host !== undefined) {
        const keys = agents[host] ?? []
        if (!keys.includes(key)) keys.push(key)
        agents[host] = keys
      }
    }
    return { taskConfigs, agents }
  })

/** Port names /mname looks for, in order. */
const MNAME_PORTS = ["health", "http", "HTTP", "web", "admin"]

export type MnameAnswer =
  | { readonly _tag: "Redirect"; readonly location: string }
  | { readonly _tag: "NotFound"; readonly message: string }
  | { readonly _tag: "Usage" }

/**
 * /mname/ROLE/ENV/JOB/INSTANCE[/PATH]: the instance's first HTTP-like port on its agent, keeping the
 * rest of the path and the query.
 */
export const mname = (storage: StorageShape, path: string, search: string) =>
  storage.read((stores): MnameAnswer => {
    const parts = path.split("/").slice(2)
    if (parts.length < 4 || parts.slice(0, 4).some((p) => p.length === 0)) return { _tag: "Usage" }
    const [role, environment, name, instance] = parts.slice(0, 4).map((p) => decodeURIComponent(p))
    const rest = parts.slice(4).join("/")
    const ids = stores.tasksByJob.get(`${role}/${environment}/${name}`) ?? []
    const task = [...ids]
      .map((id) => stores.tasks.get(id))
      .find(
        (t) =>
          t !== undefined && ACTIVE_STATES.has(t.status) && String(t.assignedTask.instanceId) === instance
      )
    if (task === undefined)
      return {
        _tag: "NotFound",
        message: `No active instance ${instance} of ${role}/${environment}/${name}.`
      }
    if (task.status !== "RUNNING")
      return { _tag: "NotFound", message: `Instance ${instance} is ${task.status}, not RUNNING.` }
    const port = MNAME_PORTS.map((p) => task.assignedTask.assignedPorts[p]).find((p) => p !== undefined)
    if (port === undefined || task.assignedTask.slaveHost === undefined)
      return {
        _tag: "NotFound",
        message: `Instance ${instance} has no port named ${MNAME_PORTS.join(", ")}.`
      }
    return { _tag: "Redirect", location: `http://${task.assignedTask.slaveHost}:${port}/${rest}${search}` }
  })

export const MNAME_USAGE = "Usage: /mname/<role>/<env>/<job>/<instance>[/<path>]\n"
