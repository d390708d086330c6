import {
  ACTIVE_STATES,
  type HostAttributes,
  type HostStatus,
  type MaintenanceMode,
  type ScheduledTask,
  type SlaPolicy
} from "../model/index.ts"
import { DEFAULT_TIER_CONFIG, isProductionTier, type TierConfig, tierInfoOf } from "./tiers.ts"

export interface MaintenanceRequest {
  readonly host: string
  readonly defaultSlaPolicy: SlaPolicy
  readonly timeoutSecs: number
  readonly createdMs: number
}

/** Host modes (only hosts with stored attributes) and at most one maintenance request per host. */
export interface MaintenanceState {
  readonly hosts: ReadonlyMap<string, HostAttributes>
  readonly requests: ReadonlyMap<string, MaintenanceRequest>
}

export const DRAIN_MESSAGE = "Draining machine for maintenance."
/** drain(): 0 % SLA with timeout 0, so its tasks are always drained (quirk 10.10). */
export const FORCED_DRAIN_POLICY: SlaPolicy = { percentageSlaPolicy: { percentage: 0, durationSecs: 0 } }

export const modeOf = (s: MaintenanceState, host: string): MaintenanceMode =>
  s.hosts.get(host)?.mode ?? "NONE"

const setModes = (
  s: MaintenanceState,
  hosts: ReadonlyArray<string>,
  mode: (h: string) => MaintenanceMode
): { readonly hosts: Map<string, HostAttributes>; readonly statuses: Array<HostStatus> } => {
  const out = new Map(s.hosts)
  const statuses: Array<HostStatus> = []
  for (const h of hosts) {
    const a = out.get(h)
    if (a === undefined) continue
    const m = mode(h)
    out.set(h, { ...a, mode: m })
    statuses.push({ host: h, mode: m })
  }
  return { hosts: out, statuses }
}

export interface MaintenanceResult {
  readonly state: MaintenanceState
  readonly statuses: ReadonlyArray<HostStatus>
  /** Tasks to move to DRAINING now (already decided). */
  readonly drain: ReadonlyArray<string>
}

export const startMaintenance = (s: MaintenanceState, hosts: ReadonlyArray<string>): MaintenanceResult => {
  const r = setModes(s, hosts, () => "SCHEDULED")
  return { state: { ...s, hosts: r.hosts }, statuses: r.statuses, drain: [] }
}

export const endMaintenance = (s: MaintenanceState, hosts: ReadonlyArray<string>): MaintenanceResult => {
  const requests = new Map(s.requests)
  for (const h of hosts) requests.delete(h)
  const r = setModes(s, hosts, () => "NONE")
  return { state: { hosts: r.hosts, requests }, statuses: r.statuses, drain: [] }
}

/**
 * drain(): a forced request for every known host, then drain its active tasks (shuffled with
 * `random`); a host without active tasks becomes DRAINED, else DRAINING.
 */
export const drainHosts = (
  s: MaintenanceState,
  hosts: ReadonlyArray<string>,
  activeTaskIds: (host: string) => ReadonlyArray<string>,
  nowMs: number,
  random: () => number
): MaintenanceResult => {
  const requests = new Map(s.requests)
  const drain: Array<string> = []
  const known = hosts.filter((h) => s.hosts.has(h))
  for (const h of known) {
    requests.set(h, { host: h, defaultSlaPolicy: FORCED_DRAIN_POLICY, timeoutSecs: 0, createdMs: nowMs })
  }
  const r = setModes(s, known, (h) => {
    const ids = [...activeTaskIds(h)]
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      const t = ids[i]
      ids[i] = ids[j]
      ids[j] = t
    }
    drain.push(...ids)
    return ids.length === 0 ? "DRAINED" : "DRAINING"
  })
  return { state: { hosts: r.hosts, requests }, statuses: r.statuses, drain }
}

/** slaDrain(): store/overwrite the request and set DRAINING; tasks are handled by the poller. */
export const slaDrainHosts = (
  s: MaintenanceState,
  hosts: ReadonlyArray<string>,
  defaultSlaPolicy: SlaPolicy,
  timeoutSecs: number,
  nowMs: number
): MaintenanceResult => {
  const requests = new Map(s.requests)
  const known = hosts.filter((h) => s.hosts.has(h))
  for (const h of known) requests.set(h, { host: h, defaultSlaPolicy, timeoutSecs, createdMs: nowMs })
  const r = setModes(s, known, () => "DRAINING")
  return { state: { hosts: r.hosts, requests }, statuses: r.statuses, drain: [] }
}

/** Poller step for one DRAINING host without active tasks: DRAINED, request kept. */
export const markDrained = (s: MaintenanceState, host: string, removeRequest: boolean): MaintenanceState => {
  const r = setModes(s, [host], () => "DRAINED")
  const requests = new Map(s.requests)
  if (removeRequest) requests.delete(host)
  return { hosts: r.hosts, requests }
}

export interface SlaSettings {
  readonly tiers: TierConfig
  readonly slaAwareKillNonProd: boolean
  readonly minRequiredInstancesForSlaCheck: number
}
export const DEFAULT_SLA_SETTINGS: SlaSettings = {
  tiers: DEFAULT_TIER_CONFIG,
  slaAwareKillNonProd: false,
  minRequiredInstancesForSlaCheck: 20
}

export type DrainDecision =
  | { readonly _tag: "NoRequest" }
  | { readonly _tag: "Drain"; readonly forced: boolean }
  | { readonly _tag: "Wait" }
  | {
      readonly _tag: "AskCoordinator"
      readonly url: string
      readonly statusKey: string
      readonly countdownMs: number
    }

const latestRunningMs = (t: ScheduledTask): number | undefined => {
  for (let i = t.taskEvents.length - 1; i >= 0; i--) {
    if (t.taskEvents[i].status === "RUNNING") return t.taskEvents[i].timestamp
  }
  return undefined
}

/** Count/percentage SLA check: may `task` be taken down now, given its job's tasks? */
export const slaAllows = (
  policy: SlaPolicy,
  task: ScheduledTask,
  jobTasks: ReadonlyArray<ScheduledTask>,
  nowMs: number
): boolean => {
  const total = jobTasks.filter((t) => ACTIVE_STATES.has(t.status)).length
  const durationSecs =
    "countSlaPolicy" in policy
      ? policy.countSlaPolicy.durationSecs
      : "percentageSlaPolicy" in policy
        ? policy.percentageSlaPolicy.durationSecs
        : 0
  const id = task.assignedTask.taskId
  const running = jobTasks.filter((t) => {
    if (t.status !== "RUNNING" || t.assignedTask.taskId === id) return false
    const since = latestRunningMs(t)
    return since !== undefined && nowMs - since > durationSecs * 1000
  }).length
  if ("countSlaPolicy" in policy) {
    const count = policy.countSlaPolicy.count
    const required = total - count < 1 ? total - 1 : count
    return running >= required
  }
  if ("percentageSlaPolicy" in policy) {
    let p = policy.percentageSlaPolicy.percentage
    if (Math.floor((1 - p / 100) * total) < 1) p = ((total - 1) / total) * 100
    return total === 0 || (running / total) * 100 >= p
  }
  return false
}

/** What to do with one active task on a host under maintenance (§5, "Drain of one task"). */
export const decideDrain = (
  task: ScheduledTask,
  request: MaintenanceRequest | undefined,
  jobTasks: ReadonlyArray<ScheduledTask>,
  nowMs: number,
  settings: SlaSettings = DEFAULT_SLA_SETTINGS
): DrainDecision => {
  if (request === undefined) return { _tag: "NoRequest" }
  const remaining = request.createdMs + request.timeoutSecs * 1000 - nowMs
  if (remaining < 0) return { _tag: "Drain", forced: true }
  const policy = task.assignedTask.task.slaPolicy ?? request.defaultSlaPolicy
  if ("coordinatorSlaPolicy" in policy) {
    return {
      _tag: "AskCoordinator",
      url: policy.coordinatorSlaPolicy.coordinatorUrl,
      statusKey: policy.coordinatorSlaPolicy.statusKey || "drain",
      countdownMs: remaining
    }
  }
  const production = isProductionTier(tierInfoOf(task.assignedTask.task, settings.tiers))
  const active = jobTasks.filter((t) => ACTIVE_STATES.has(t.status)).length
  if ((!production && !settings.slaAwareKillNonProd) || active < settings.minRequiredInstancesForSlaCheck) {
    return { _tag: "Drain", forced: false }
  }
  return slaAllows(policy, task, jobTasks, nowMs) ? { _tag: "Drain", forced: false } : { _tag: "Wait" }
}

/** `task=<cluster>/<role>/<env>/<name>/<instance>` query and JSON body of a coordinator request. */
export const coordinatorRequest = (
  cluster: string,
  task: ScheduledTask,
  countdownMs: number
): { readonly query: string; readonly body: string } => {
  const j = task.assignedTask.task.job
  const key = `${cluster}/${j.role}/${j.environment}/${j.name}/${task.assignedTask.instanceId}`
  return {
    query: `task=${key}`,
    body: JSON.stringify({ taskConfig: task, task: key, forceMaintenanceCountdownMs: String(countdownMs) })
  }
}

/** The coordinator's answer: act iff body[statusKey] is true. */
export const coordinatorSaysDrain = (body: unknown, statusKey: string): boolean =>
  typeof body === "object" && body !== null && (body as Record<string, unknown>)[statusKey] === true

/** Mesos inverse offer: drain now (forced) iff now > unavailability start − threshold. */
export const inverseOfferDrains = (startMs: number, nowMs: number, thresholdMs: number): boolean =>
  nowMs > startMs - thresholdMs
