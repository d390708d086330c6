import type { Resource, ResourceType, TaskConfig } from "../model/index.ts"

/**
 * ResourceBag (scheduling.md §0): one number per resource type, missing = 0. A fixed shape keeps the
 * hot path monomorphic; the "explicit zero" keys of Aurora's EMPTY bag are implied.
 */
export interface Bag {
  readonly cpus: number
  readonly ramMb: number
  readonly diskMb: number
  readonly ports: number
  readonly gpus: number
}

export const EMPTY_BAG: Bag = { cpus: 0, ramMb: 0, diskMb: 0, ports: 0, gpus: 0 }

export const bag = (b: Partial<Bag>): Bag => ({ ...EMPTY_BAG, ...b })

export const addBags = (a: Bag, b: Bag): Bag => ({
  cpus: a.cpus + b.cpus,
  ramMb: a.ramMb + b.ramMb,
  diskMb: a.diskMb + b.diskMb,
  ports: a.ports + b.ports,
  gpus: a.gpus + b.gpus
})

export const subtractBags = (a: Bag, b: Bag): Bag => ({
  cpus: a.cpus - b.cpus,
  ramMb: a.ramMb - b.ramMb,
  diskMb: a.diskMb - b.diskMb,
  ports: a.ports - b.ports,
  gpus: a.gpus - b.gpus
})

export const maxBags = (a: Bag, b: Bag): Bag => ({
  cpus: Math.max(a.cpus, b.cpus),
  ramMb: Math.max(a.ramMb, b.ramMb),
  diskMb: Math.max(a.diskMb, b.diskMb),
  ports: Math.max(a.ports, b.ports),
  gpus: Math.max(a.gpus, b.gpus)
})

export const scaleBag = (a: Bag, n: number): Bag => ({
  cpus: a.cpus * n,
  ramMb: a.ramMb * n,
  diskMb: a.diskMb * n,
  ports: a.ports * n,
  gpus: a.gpus * n
})

/** No negative entry in (a - b). */
export const bagGreaterThanOrEqual = (a: Bag, b: Bag): boolean =>
  a.cpus >= b.cpus && a.ramMb >= b.ramMb && a.diskMb >= b.diskMb && a.ports >= b.ports && a.gpus >= b.gpus

export const bagValue = (b: Bag, t: ResourceType): number =>
  t === "CPUS"
    ? b.cpus
    : t === "RAM_MB"
      ? b.ramMb
      : t === "DISK_MB"
        ? b.diskMb
        : t === "PORTS"
          ? b.ports
          : b.gpus

/** Descending lexicographic comparison over CPUS, RAM, DISK, PORTS, GPUS (victim order, §2.2). */
export const compareBagsDescending = (a: Bag, b: Bag): number =>
  b.cpus - a.cpus || b.ramMb - a.ramMb || b.diskMb - a.diskMb || b.ports - a.ports || b.gpus - a.gpus

export const bagOfResources = (resources: ReadonlyArray<Resource>): Bag => {
  let cpus = 0
  let ramMb = 0
  let diskMb = 0
  let ports = 0
  let gpus = 0
  for (const r of resources) {
    if ("numCpus" in r) cpus += r.numCpus
    else if ("ramMb" in r) ramMb += r.ramMb
    else if ("diskMb" in r) diskMb += r.diskMb
    else if ("namedPort" in r) ports += 1
    else gpus += r.numGpus
  }
  return { cpus, ramMb, diskMb, ports, gpus }
}

/** Executor overheads by executor name (`-thermos_executor_cpu`/`-thermos_executor_ram`). */
export type ExecutorOverheads = ReadonlyMap<string, Bag>
export const THERMOS_EXECUTOR = "AuroraExecutor"
export const DEFAULT_EXECUTOR_OVERHEADS: ExecutorOverheads = new Map([
  [THERMOS_EXECUTOR, bag({ cpus: 0.25, ramMb: 128 })]
])

/** Task request bag: task resources plus the overhead of its executor (none for an executor-less task). */
export const taskRequestBag = (
  config: TaskConfig,
  overheads: ExecutorOverheads = DEFAULT_EXECUTOR_OVERHEADS
): Bag => {
  const own = bagOfResources(config.resources)
  const name = config.executorConfig?.name
  const overhead = name === undefined ? undefined : overheads.get(name)
  return overhead === undefined ? own : addBags(own, overhead)
}

export interface ResourceTypeInfo {
  readonly type: ResourceType
  readonly auroraName: string
  readonly mesosName: string
  readonly unit: string
  readonly scalingRange: number
}

export const RESOURCE_INFO: Record<ResourceType, ResourceTypeInfo> = {
  CPUS: { type: "CPUS", auroraName: "CPU", mesosName: "cpus", unit: "core(s)", scalingRange: 16 },
  RAM_MB: { type: "RAM_MB", auroraName: "RAM", mesosName: "mem", unit: "MB", scalingRange: 24576 },
  DISK_MB: { type: "DISK_MB", auroraName: "disk", mesosName: "disk", unit: "MB", scalingRange: 460800 },
  PORTS: { type: "PORTS", auroraName: "ports", mesosName: "ports", unit: "count", scalingRange: 1000 },
  GPUS: { type: "GPUS", auroraName: "GPU", mesosName: "gpus", unit: "core(s)", scalingRange: 4 }
}

/** Which types revocable offers may carry (`-enable_revocable_cpus`, `-enable_revocable_ram`). */
export interface RevocableSettings {
  readonly cpus: boolean
  readonly ram: boolean
}
export const DEFAULT_REVOCABLE: RevocableSettings = { cpus: true, ram: false }
