// Leader-only JSON endpoints of api-storage-security.md §4.3: /maintenance, /pendingtasks, /quotas, /tiers.
import { Effect } from "effect"
import { SLAVE_ASSIGNED_STATES } from "../../domain/model/index.ts"
import type { TierConfig } from "../../domain/placement/index.ts"
import type { StorageShape } from "../../services/Storage.ts"
import type { TaskSchedulerShape } from "../../services/TaskScheduler.ts"
import { bagOfAggregate } from "../api/views.ts"

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
