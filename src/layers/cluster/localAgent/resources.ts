/** The local agent's resource arithmetic: what live tasks hold, what to offer, what a launch needs. */
import type { Offer } from "../../../domain/placement/index.ts"
import type { MesosTaskInfo } from "../mesosJson.ts"
import { isLive, type TaskRecord, type TaskResources } from "./state.ts"

export interface Totals {
  readonly cpus: number
  readonly mem: number
  readonly disk: number
  readonly ports: readonly [number, number]
}

/** What is left of an accepted offer while its LAUNCHes are checked one by one. */
export interface Budget {
  cpus: number
  mem: number
  disk: number
  gpus: number
  readonly ports: Set<number>
}

const EMPTY = (): Budget => ({ cpus: 0, mem: 0, disk: 0, gpus: 0, ports: new Set() })

export const heldBy = (tasks: ReadonlyArray<TaskRecord>): Budget => {
  const b = EMPTY()
  for (const t of tasks)
    if (isLive(t)) {
      b.cpus += t.resources.cpus
      b.mem += t.resources.mem
      b.disk += t.resources.disk
      b.gpus += t.resources.gpus
      for (const p of t.resources.ports) b.ports.add(p)
    }
  return b
}

/** An offer of everything free, or undefined when no CPU or RAM is left. */
export const freeOffer = (
  id: string,
  agentId: string,
  host: string,
  totals: Totals,
  held: Budget,
  attributes: Readonly<Record<string, string>>
): Offer | undefined => {
  const cpus = totals.cpus - held.cpus
  const mem = totals.mem - held.mem
  if (cpus <= 0.001 || mem <= 0) return undefined
  const ranges: Array<{ begin: number; end: number }> = []
  for (let p = totals.ports[0]; p <= totals.ports[1]; p++) {
    if (held.ports.has(p)) continue
    const last = ranges[ranges.length - 1]
    if (last !== undefined && last.end === p - 1) last.end = p
    else ranges.push({ begin: p, end: p })
  }
  return {
    id,
    agentId,
    host,
    resources: [
      { name: "cpus", scalar: Math.round(cpus * 1000) / 1000 },
      { name: "mem", scalar: mem },
      { name: "disk", scalar: Math.max(0, totals.disk - held.disk) },
      { name: "ports", ranges }
    ],
    attributes: Object.entries(attributes).map(([name, v]) => ({ name, values: [v] }))
  }
}

export const offerBudget = (offer: Offer | undefined): Budget => {
  const b = EMPTY()
  for (const r of offer?.resources ?? []) {
    if (r.name === "cpus") b.cpus += r.scalar ?? 0
    else if (r.name === "mem") b.mem += r.scalar ?? 0
    else if (r.name === "disk") b.disk += r.scalar ?? 0
    else if (r.name === "gpus") b.gpus += r.scalar ?? 0
    else if (r.name === "ports")
      for (const x of r.ranges ?? []) for (let p = x.begin; p <= x.end; p++) b.ports.add(p)
  }
  return b
}

/** Task plus executor resources of a TaskInfo. */
export const taskNeeds = (info: MesosTaskInfo): TaskResources => {
  const need = { cpus: 0, mem: 0, disk: 0, gpus: 0, ports: [] as Array<number> }
  for (const r of [...(info.resources ?? []), ...(info.executor?.resources ?? [])]) {
    const v = r.scalar?.value ?? 0
    if (r.name === "cpus") need.cpus += v
    else if (r.name === "mem") need.mem += v
    else if (r.name === "disk") need.disk += v
    else if (r.name === "gpus") need.gpus += v
    else if (r.name === "ports")
      for (const x of r.ranges?.range ?? []) for (let p = x.begin; p <= x.end; p++) need.ports.push(p)
  }
  return need
}

/** Why the budget cannot hold the task, or undefined (and the budget is reduced by it). */
export const takeFromBudget = (budget: Budget, need: TaskResources): string | undefined => {
  if (
    need.cpus > budget.cpus + 1e-9 ||
    need.mem > budget.mem ||
    need.disk > budget.disk ||
    need.gpus > budget.gpus
  )
    return "Task uses more resources than offered"
  if (need.ports.some((p) => !budget.ports.has(p))) return "Task uses ports that were not offered"
  budget.cpus -= need.cpus
  budget.mem -= need.mem
  budget.disk -= need.disk
  budget.gpus -= need.gpus
  for (const p of need.ports) budget.ports.delete(p)
  return undefined
}
