import { Schema } from "effect"

const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())

/** Aurora's `Resource` union: exactly one of its fields is set. */
export const NumCpus = Schema.Struct({ numCpus: Schema.Number.pipe(Schema.nonNegative()) })
export const RamMb = Schema.Struct({ ramMb: NonNegativeInt })
export const DiskMb = Schema.Struct({ diskMb: NonNegativeInt })
export const NamedPort = Schema.Struct({ namedPort: Schema.String.pipe(Schema.minLength(1)) })
export const NumGpus = Schema.Struct({ numGpus: NonNegativeInt })
export const Resource = Schema.Union(NumCpus, RamMb, DiskMb, NamedPort, NumGpus).annotations({
  identifier: "Resource"
})
export type Resource = typeof Resource.Type

export type ResourceType = "CPUS" | "RAM_MB" | "DISK_MB" | "PORTS" | "GPUS"
/** Enum order matters for sorting (scheduling.md §0). */
export const RESOURCE_TYPES: ReadonlyArray<ResourceType> = ["CPUS", "RAM_MB", "DISK_MB", "PORTS", "GPUS"]

export const resourceType = (r: Resource): ResourceType =>
  "numCpus" in r
    ? "CPUS"
    : "ramMb" in r
      ? "RAM_MB"
      : "diskMb" in r
        ? "DISK_MB"
        : "namedPort" in r
          ? "PORTS"
          : "GPUS"

export const ResourceAggregate = Schema.Struct({ resources: Schema.Array(Resource) }).annotations({
  identifier: "ResourceAggregate"
})
export type ResourceAggregate = typeof ResourceAggregate.Type

export const namedPorts = (resources: ReadonlyArray<Resource>): ReadonlyArray<string> =>
  resources.flatMap((r) => ("namedPort" in r ? [r.namedPort] : []))
