import {
  DEDICATED_ATTRIBUTE,
  type JobKey,
  jobKeyEquals,
  jobKeyToString,
  type TaskConfig
} from "../model/index.ts"
import { addBags, type Bag, bagOfResources, EMPTY_BAG, maxBags, scaleBag } from "./resources.ts"

export type QuotaCategory = "PROD_SHARED" | "PROD_DEDICATED" | "NON_PROD_SHARED" | "NON_PROD_DEDICATED"

export const isDedicated = (c: TaskConfig): boolean =>
  c.constraints.some((x) => x.name === DEDICATED_ATTRIBUTE)

/** By the stored `production` bit (set from the tier by validation) and the `dedicated` constraint. */
export const quotaCategory = (c: TaskConfig): QuotaCategory =>
  c.production === true
    ? isDedicated(c)
      ? "PROD_DEDICATED"
      : "PROD_SHARED"
    : isDedicated(c)
      ? "NON_PROD_DEDICATED"
      : "NON_PROD_SHARED"

/** Only cpu, ram and disk of the task itself count (no ports, GPUs or executor overhead). */
export const quotaBag = (c: TaskConfig): Bag => {
  const b = bagOfResources(c.resources)
  return { cpus: b.cpus, ramMb: b.ramMb, diskMb: b.diskMb, ports: 0, gpus: 0 }
}

export interface InstanceRange {
  readonly first: number
  readonly last: number
}
export interface QuotaTask {
  readonly config: TaskConfig
  readonly instanceId: number
}
export interface QuotaUpdate {
  readonly job: JobKey
  readonly initial: ReadonlyArray<{
    readonly config: TaskConfig
    readonly instances: ReadonlyArray<InstanceRange>
  }>
  readonly desired?: { readonly config: TaskConfig; readonly instances: ReadonlyArray<InstanceRange> }
}
export interface QuotaCron {
  readonly job: JobKey
  readonly config: TaskConfig
  readonly instanceCount: number
}
/** A role's active tasks, active updates (ROLLING_*, *_PAUSED, *_AWAITING_PULSE) and cron templates. */
export interface RoleUsage {
  readonly tasks: ReadonlyArray<QuotaTask>
  readonly updates: ReadonlyArray<QuotaUpdate>
  readonly crons: ReadonlyArray<QuotaCron>
}

const count = (ranges: ReadonlyArray<InstanceRange>): number =>
  ranges.reduce((n, r) => n + Math.max(0, r.last - r.first + 1), 0)
const inRanges = (ranges: ReadonlyArray<InstanceRange>, id: number): boolean =>
  ranges.some((r) => id >= r.first && id <= r.last)

/** Consumption of one category for a role: non-cron tasks, active updates and cron templates (§3). */
export const consumption = (usage: RoleUsage, category: QuotaCategory): Bag => {
  const cronJobs = usage.crons.map((c) => c.job)
  const isCron = (k: JobKey) => cronJobs.some((j) => jobKeyEquals(j, k))
  const updateOf = (k: JobKey) => usage.updates.find((u) => jobKeyEquals(u.job, k))
  let total = EMPTY_BAG
  for (const t of usage.tasks) {
    if (quotaCategory(t.config) !== category || isCron(t.config.job)) continue
    const u = updateOf(t.config.job)
    if (
      u !== undefined &&
      (u.initial.some((i) => inRanges(i.instances, t.instanceId)) ||
        (u.desired !== undefined && inRanges(u.desired.instances, t.instanceId)))
    ) {
      continue
    }
    total = addBags(total, quotaBag(t.config))
  }
  for (const u of usage.updates) {
    let initial = EMPTY_BAG
    for (const i of u.initial) {
      if (quotaCategory(i.config) === category) {
        initial = addBags(initial, scaleBag(quotaBag(i.config), count(i.instances)))
      }
    }
    const desired =
      u.desired !== undefined && quotaCategory(u.desired.config) === category
        ? scaleBag(quotaBag(u.desired.config), count(u.desired.instances))
        : EMPTY_BAG
    total = addBags(total, maxBags(initial, desired))
  }
  for (const c of usage.crons) {
    if (quotaCategory(c.config) !== category) continue
    let active = EMPTY_BAG
    for (const t of usage.tasks) {
      if (jobKeyEquals(t.config.job, c.job) && quotaCategory(t.config) === category) {
        active = addBags(active, quotaBag(t.config))
      }
    }
    total = addBags(total, maxBags(scaleBag(quotaBag(c.config), c.instanceCount), active))
  }
  return total
}

export type QuotaCheck =
  | { readonly _tag: "Sufficient" }
  | { readonly _tag: "Insufficient"; readonly details: string }

export const SUFFICIENT: QuotaCheck = { _tag: "Sufficient" }

/** Insufficient iff some of cpu/ram/disk of (quota - requested) is negative; details in CPU, RAM, disk order. */
export const checkQuota = (quota: Bag, requested: Bag): QuotaCheck => {
  const parts: Array<string> = []
  const over = (name: string, unit: string, q: number, r: number) => {
    if (q - r < 0) parts.push(`${name} quota exceeded by ${(r - q).toFixed(2)} ${unit}`)
  }
  over("CPU", "core(s)", quota.cpus, requested.cpus)
  over("RAM", "MB", quota.ramMb, requested.ramMb)
  over("disk", "MB", quota.diskMb, requested.diskMb)
  return parts.length === 0 ? SUFFICIENT : { _tag: "Insufficient", details: parts.join("; ") }
}

export const quotaErrorMessage = (details: string): string => `Insufficient resource quota: ${details}`

const exempt = (c: TaskConfig): boolean => quotaCategory(c) !== "PROD_SHARED"

/** createJob / addInstances: `n` new instances of `template`. */
export const checkCreateQuota = (
  quota: Bag,
  usage: RoleUsage,
  template: TaskConfig,
  n: number
): QuotaCheck =>
  exempt(template)
    ? SUFFICIENT
    : checkQuota(quota, addBags(consumption(usage, "PROD_SHARED"), scaleBag(quotaBag(template), n)))

/** startJobUpdate: the proposed update replaces any stored update of its job. */
export const checkUpdateQuota = (quota: Bag, usage: RoleUsage, update: QuotaUpdate): QuotaCheck => {
  if (update.desired === undefined || exempt(update.desired.config)) return SUFFICIENT
  const updates = [...usage.updates.filter((u) => !jobKeyEquals(u.job, update.job)), update]
  return checkQuota(quota, consumption({ ...usage, updates }, "PROD_SHARED"))
}

/** schedule/replace cron: skipped only when non-prod (quirk 10.9: prod-dedicated is still checked). */
export const checkCronQuota = (
  quota: Bag,
  usage: RoleUsage,
  template: TaskConfig,
  instanceCount: number,
  previous?: { readonly config: TaskConfig; readonly instanceCount: number }
): QuotaCheck => {
  if (template.production !== true) return SUFFICIENT
  let requested = addBags(consumption(usage, "PROD_SHARED"), scaleBag(quotaBag(template), instanceCount))
  if (previous !== undefined) {
    const old = scaleBag(quotaBag(previous.config), previous.instanceCount)
    requested = addBags(requested, scaleBag(old, -1))
  }
  return checkQuota(quota, requested)
}

export const DEFAULT_MAX_TASKS_PER_JOB = 4000

export const checkInstanceTotal = (total: number, max = DEFAULT_MAX_TASKS_PER_JOB): string | undefined =>
  total >= 1 && total <= max ? undefined : `Instance count must be between 1 and ${max} inclusive.`

const showQuota = (b: Bag) => `{numCpus: ${b.cpus}, ramMb: ${b.ramMb}, diskMb: ${b.diskMb}}`

/** setQuota: no negative values and not below current prod-shared consumption. */
export const validateSetQuota = (quota: Bag, usage: RoleUsage): string | undefined => {
  if (quota.cpus < 0 || quota.ramMb < 0 || quota.diskMb < 0) return `Negative values in: ${showQuota(quota)}`
  const used = consumption(usage, "PROD_SHARED")
  if (quota.cpus < used.cpus || quota.ramMb < used.ramMb || quota.diskMb < used.diskMb) {
    return `Quota: ${showQuota(quota)} is less then current prod reservation: ${showQuota(used)}`
  }
  return undefined
}

export const jobExistsMessage = (k: JobKey): string => `Job ${jobKeyToString(k)} already exists`
