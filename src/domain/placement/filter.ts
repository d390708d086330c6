import type { ResourceType, TaskConfig } from "../model/index.ts"
import {
  type AttributeCounts,
  type CompiledConstraints,
  checkConstraints,
  compileConstraints
} from "./constraints.ts"
import type { HostInfo } from "./offers.ts"
import { type Bag, RESOURCE_INFO } from "./resources.ts"

export type VetoType =
  | "DEDICATED_CONSTRAINT_MISMATCH"
  | "MAINTENANCE"
  | "CONSTRAINT_MISMATCH"
  | "LIMIT_NOT_SATISFIED"
  | "INSUFFICIENT_RESOURCES"
export type VetoGroup = "EMPTY" | "STATIC" | "DYNAMIC" | "MIXED"

export interface Veto {
  readonly type: VetoType
  readonly reason: string
  readonly score: number
  readonly resource?: ResourceType
}

export const vetoTypeGroup = (t: VetoType): "STATIC" | "DYNAMIC" =>
  t === "LIMIT_NOT_SATISFIED" ? "DYNAMIC" : "STATIC"

export const vetoGroup = (vetoes: ReadonlyArray<Veto>): VetoGroup => {
  if (vetoes.length === 0) return "EMPTY"
  const g = vetoTypeGroup(vetoes[0].type)
  for (let i = 1; i < vetoes.length; i++) if (vetoTypeGroup(vetoes[i].type) !== g) return "MIXED"
  return g
}

export const totalScore = (vetoes: ReadonlyArray<Veto>): number => {
  let total = 0
  for (let i = 0; i < vetoes.length; i++) total += vetoes[i].score
  return total
}

export const DEDICATED_VETO: Veto = {
  type: "DEDICATED_CONSTRAINT_MISMATCH",
  reason: "Host is dedicated",
  score: 1_000_000
}
export const DRAINING_VETO: Veto = {
  type: "MAINTENANCE",
  reason: "Host draining for maintenance",
  score: 100_000
}
export const DRAINED_VETO: Veto = {
  type: "MAINTENANCE",
  reason: "Host drained for maintenance",
  score: 100_000
}
export const constraintMismatchVeto = (name: string): Veto => ({
  type: "CONSTRAINT_MISMATCH",
  reason: `Constraint not satisfied: ${name}`,
  score: 10_000
})
export const limitVeto = (name: string): Veto => ({
  type: "LIMIT_NOT_SATISFIED",
  reason: `Limit not satisfied: ${name}`,
  score: 10_000
})

/** min(1000, trunc(1000 · excess) div scaling range). */
export const insufficientScore = (t: ResourceType, excess: number): number =>
  Math.min(1000, Math.trunc(Math.trunc(1000 * excess) / RESOURCE_INFO[t].scalingRange))

const INSUFFICIENT_REASON: Record<ResourceType, string> = {
  CPUS: "Insufficient: CPU",
  RAM_MB: "Insufficient: RAM",
  DISK_MB: "Insufficient: disk",
  PORTS: "Insufficient: ports",
  GPUS: "Insufficient: GPU"
}

export const insufficientVeto = (t: ResourceType, excess: number): Veto => ({
  type: "INSUFFICIENT_RESOURCES",
  reason: INSUFFICIENT_REASON[t],
  score: insufficientScore(t, excess),
  resource: t
})

const insufficientSets = new Map<number, ReadonlyArray<Veto>>()
const TYPE_INDEX: Record<ResourceType, number> = { CPUS: 0, RAM_MB: 1, DISK_MB: 2, PORTS: 3, GPUS: 4 }
const sharedInsufficient = (t: ResourceType, excess: number): ReadonlyArray<Veto> => {
  const score = insufficientScore(t, excess)
  const k = TYPE_INDEX[t] * 1001 + score
  let set = insufficientSets.get(k)
  if (set === undefined) {
    set = [{ type: "INSUFFICIENT_RESOURCES", reason: INSUFFICIENT_REASON[t], score, resource: t }]
    insufficientSets.set(k, set)
  }
  return set
}

/** What one task asks of a host, compiled once per scheduling attempt. */
export interface ResourceRequest {
  readonly config: TaskConfig
  readonly constraints: CompiledConstraints
  readonly bag: Bag
  readonly revocable: boolean
  /** The job's aggregate, built lazily on first use. */
  readonly aggregate: () => AttributeCounts
}

export const makeRequest = (
  config: TaskConfig,
  bag: Bag,
  aggregate: AttributeCounts | (() => AttributeCounts),
  revocable = false,
  constraints: CompiledConstraints = compileConstraints(config.constraints)
): ResourceRequest => {
  let cached: AttributeCounts | undefined = typeof aggregate === "function" ? undefined : aggregate
  const thunk = typeof aggregate === "function" ? aggregate : undefined
  return {
    config,
    constraints,
    bag,
    revocable,
    aggregate: () => {
      if (cached === undefined) cached = thunk!()
      return cached
    }
  }
}

export interface FilterSettings {
  readonly nowMs: number
  /** `-unavailability_threshold` (6 min). */
  readonly unavailabilityThresholdMs: number
}

export const NO_VETOES: ReadonlyArray<Veto> = []

// Vetoes are immutable values: the filter hands out shared ones instead of allocating per host.
const memo = (make: (name: string) => Veto) => {
  const cache = new Map<string, Veto>()
  return (name: string): Veto => {
    let v = cache.get(name)
    if (v === undefined) {
      v = make(name)
      cache.set(name, v)
    }
    return v
  }
}
const sharedMismatchVeto = memo(constraintMismatchVeto)
const sharedLimitVeto = memo(limitVeto)
const singles = new Map<Veto, ReadonlyArray<Veto>>()
const single = (v: Veto): ReadonlyArray<Veto> => {
  let a = singles.get(v)
  if (a === undefined) {
    a = [v]
    singles.set(v, a)
  }
  return a
}

/** Stages 1-3 (dedicated, maintenance, constraints): at most one veto, independent of resources. */
export const hostVeto = (
  host: HostInfo,
  unavailabilityStartMs: number | undefined,
  request: ResourceRequest,
  settings: FilterSettings
): Veto | undefined => {
  const cs = request.constraints
  if (!cs.dedicated && host.dedicated) return DEDICATED_VETO
  if (host.mode === "DRAINING") return DRAINING_VETO
  if (host.mode === "DRAINED") return DRAINED_VETO
  if (
    unavailabilityStartMs !== undefined &&
    settings.nowMs > unavailabilityStartMs - settings.unavailabilityThresholdMs
  ) {
    return DRAINING_VETO
  }
  if (cs.values.length === 0 && cs.limits.length === 0) return undefined
  const failure = checkConstraints(cs, host, request.aggregate)
  if (failure === undefined) return undefined
  return failure.kind === "mismatch" ? sharedMismatchVeto(failure.name) : sharedLimitVeto(failure.name)
}

/** Stage 4: one veto per type where requested > available, in CPU, RAM, disk, ports, GPU order. */
export const resourceVetoes = (available: Bag, requested: Bag): ReadonlyArray<Veto> => {
  if (
    requested.cpus <= available.cpus &&
    requested.ramMb <= available.ramMb &&
    requested.diskMb <= available.diskMb &&
    requested.ports <= available.ports &&
    requested.gpus <= available.gpus
  ) {
    return NO_VETOES
  }
  // The common case, one short resource, gets a shared veto set (scores are small integers).
  const cpu = requested.cpus > available.cpus
  const ram = requested.ramMb > available.ramMb
  const disk = requested.diskMb > available.diskMb
  const ports = requested.ports > available.ports
  const gpus = requested.gpus > available.gpus
  if ((cpu ? 1 : 0) + (ram ? 1 : 0) + (disk ? 1 : 0) + (ports ? 1 : 0) + (gpus ? 1 : 0) === 1) {
    return cpu
      ? sharedInsufficient("CPUS", requested.cpus - available.cpus)
      : ram
        ? sharedInsufficient("RAM_MB", requested.ramMb - available.ramMb)
        : disk
          ? sharedInsufficient("DISK_MB", requested.diskMb - available.diskMb)
          : ports
            ? sharedInsufficient("PORTS", requested.ports - available.ports)
            : sharedInsufficient("GPUS", requested.gpus - available.gpus)
  }
  const out: Array<Veto> = []
  if (requested.cpus > available.cpus) out.push(insufficientVeto("CPUS", requested.cpus - available.cpus))
  if (requested.ramMb > available.ramMb)
    out.push(insufficientVeto("RAM_MB", requested.ramMb - available.ramMb))
  if (requested.diskMb > available.diskMb) {
    out.push(insufficientVeto("DISK_MB", requested.diskMb - available.diskMb))
  }
  if (requested.ports > available.ports)
    out.push(insufficientVeto("PORTS", requested.ports - available.ports))
  if (requested.gpus > available.gpus) out.push(insufficientVeto("GPUS", requested.gpus - available.gpus))
  return out
}

/** The scheduling filter (§1.5): the vetoes of the first stage that vetoes, or none. */
export const filter = (
  available: Bag,
  host: HostInfo,
  unavailabilityStartMs: number | undefined,
  request: ResourceRequest,
  settings: FilterSettings
): ReadonlyArray<Veto> => {
  const v = hostVeto(host, unavailabilityStartMs, request, settings)
  if (v !== undefined) return single(v)
  return resourceVetoes(available, request.bag)
}

/** Nearest fit of a task group (pending reasons): the veto set with the lowest total score seen. */
export interface NearestFit {
  readonly vetoes: ReadonlyArray<Veto>
  readonly score: number
  readonly expiresAtMs: number
}

export const NEAREST_FIT_TTL_MS = 10 * 60_000

export const updateNearestFit = (
  previous: NearestFit | undefined,
  vetoes: ReadonlyArray<Veto>,
  nowMs: number,
  ttlMs = NEAREST_FIT_TTL_MS
): NearestFit => {
  const score = totalScore(vetoes)
  if (previous !== undefined && previous.expiresAtMs > nowMs && previous.score <= score) return previous
  return { vetoes, score, expiresAtMs: nowMs + ttlMs }
}

/** Aurora's pending reason text: the nearest fit's reasons joined by ", ". */
export const pendingReason = (fit: NearestFit | undefined, nowMs: number): string | undefined =>
  fit === undefined || fit.expiresAtMs <= nowMs ? undefined : fit.vetoes.map((v) => v.reason).join(", ")
