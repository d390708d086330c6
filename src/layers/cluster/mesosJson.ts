/** Mesos v1 JSON shapes (proto field names) and their conversion to and from this project's types. */
import type { Attribute } from "../../domain/model/index.ts"
import {
  bagOfResources,
  DEFAULT_EXECUTOR_OVERHEADS,
  type Offer,
  type OfferResource
} from "../../domain/placement/index.ts"
import type { TaskStatusUpdate } from "../../services/ClusterManager.ts"
import type { LaunchSpec } from "../../services/OfferDriver.ts"

export interface Value {
  readonly value: string
}
export interface MesosResource {
  readonly name: string
  readonly type: "SCALAR" | "RANGES" | "SET" | "TEXT"
  readonly scalar?: { readonly value: number }
  readonly ranges?: { readonly range: ReadonlyArray<{ readonly begin: number; readonly end: number }> }
  readonly set?: { readonly item: ReadonlyArray<string> }
  readonly role?: string
  readonly revocable?: Record<string, never>
}
export interface MesosAttribute {
  readonly name: string
  readonly type: "SCALAR" | "RANGES" | "SET" | "TEXT"
  readonly text?: Value
  readonly scalar?: { readonly value: number }
  readonly set?: { readonly item: ReadonlyArray<string> }
}
export interface MesosOffer {
  readonly id: Value
  readonly framework_id: Value
  readonly agent_id: Value
  readonly hostname: string
  readonly resources: ReadonlyArray<MesosResource>
  readonly attributes?: ReadonlyArray<MesosAttribute>
  readonly unavailability?: {
    readonly start: { readonly nanoseconds: number }
    readonly duration?: { readonly nanoseconds: number }
  }
}
export interface MesosTaskStatus {
  readonly task_id: Value
  readonly state: string
  readonly message?: string
  readonly source?: string
  readonly reason?: string
  readonly agent_id?: Value
  readonly executor_id?: Value
  /** Seconds since the epoch. */
  readonly timestamp?: number
  readonly uuid?: string
}
export interface MesosTaskInfo {
  readonly name: string
  readonly task_id: Value
  readonly agent_id: Value
  readonly resources: ReadonlyArray<MesosResource>
  readonly executor?: {
    readonly executor_id: Value
    readonly name?: string
    readonly command?: { readonly value: string; readonly shell?: boolean; readonly environment?: unknown }
    readonly resources?: ReadonlyArray<MesosResource>
    readonly data?: string
  }
  readonly data?: string
}

const scalar = (name: string, value: number): MesosResource => ({
  name,
  type: "SCALAR",
  scalar: { value },
  role: "*"
})

const attributeValues = (a: MesosAttribute): Array<string> =>
  a.text !== undefined
    ? [a.text.value]
    : a.set !== undefined
      ? [...a.set.item]
      : a.scalar !== undefined
        ? [String(a.scalar.value)]
        : []

/** A Mesos offer as placement reads it; attribute values of the same name are merged. */
export const offerFromMesos = (o: MesosOffer): Offer => {
  const resources: Array<OfferResource> = []
  for (const r of o.resources) {
    if (r.role !== undefined && r.role !== "*") continue
    const revocable = r.revocable !== undefined ? { revocable: true } : {}
    if (r.type === "SCALAR" && r.scalar !== undefined)
      resources.push({ name: r.name, scalar: r.scalar.value, ...revocable })
    else if (r.type === "RANGES" && r.ranges !== undefined)
      resources.push({
        name: r.name,
        ranges: r.ranges.range.map((x) => ({ begin: x.begin, end: x.end })),
        ...revocable
      })
  }
  const attrs = new Map<string, Array<string>>()
  for (const a of o.attributes ?? []) attrs.set(a.name, [...(attrs.get(a.name) ?? []), ...attributeValues(a)])
  const attributes: Array<Attribute> = [...attrs].map(([name, values]) => ({ name, values }))
  const unav = o.unavailability
  return {
    id: o.id.value,
    agentId: o.agent_id.value,
    host: o.hostname,
    resources,
    attributes,
    ...(unav === undefined
      ? {}
      : {
          unavailability: {
            startMs: unav.start.nanoseconds / 1e6,
            ...(unav.duration === undefined ? {} : { durationMs: unav.duration.nanoseconds / 1e6 })
          }
        })
  }
}

/** A placement offer rendered as Mesos JSON (the local agent's side). */
export const offerToMesos = (o: Offer, frameworkId: string): MesosOffer => ({
  id: { value: o.id },
  framework_id: { value: frameworkId },
  agent_id: { value: o.agentId },
  hostname: o.host,
  resources: o.resources.map((r) =>
    r.ranges !== undefined
      ? { name: r.name, type: "RANGES" as const, ranges: { range: r.ranges }, role: "*" }
      : scalar(r.name, r.scalar ?? 0)
  ),
  attributes: o.attributes.flatMap((a) =>
    a.values.map((v) => ({ name: a.name, type: "TEXT" as const, text: { value: v } }))
  )
})

export const statusFromMesos = (s: MesosTaskStatus): TaskStatusUpdate => ({
  taskId: s.task_id.value,
  state: s.state,
  ...(s.message === undefined ? {} : { message: s.message }),
  ...(s.reason === undefined ? {} : { reason: s.reason }),
  ...(s.source === undefined ? {} : { source: s.source }),
  ...(s.agent_id === undefined ? {} : { agentId: s.agent_id.value }),
  timestamp: Math.round((s.timestamp ?? 0) * 1000),
  ...(s.uuid === undefined ? {} : { uuid: s.uuid })
})

export interface ExecutorSettings {
  /** Shell command that starts the executor (Mesos CommandInfo.value). */
  readonly command: string
}

/** Aurora's executor id for a task. */
export const executorIdOf = (taskId: string): string => `thermos-${taskId}`

/**
 * The TaskInfo Aurora launches: the Thermos executor, with the assigned task serialized as JSON in
 * `data` (Base64) in the shape `thermos-executor` decodes (domain/thermos/launch.ts).
 */
export const taskInfoFromLaunch = (spec: LaunchSpec, executor: ExecutorSettings): MesosTaskInfo => {
  const bag = bagOfResources(spec.config.resources)
  const name = spec.config.executorConfig?.name ?? "AuroraExecutor"
  const overhead = DEFAULT_EXECUTOR_OVERHEADS.get(name)
  const ports = Object.values(spec.ports)
  const resources: Array<MesosResource> = [
    scalar("cpus", bag.cpus),
    scalar("mem", bag.ramMb),
    ...(bag.diskMb > 0 ? [scalar("disk", bag.diskMb)] : []),
    ...(bag.gpus > 0 ? [scalar("gpus", bag.gpus)] : []),
    ...(ports.length > 0
      ? [
          {
            name: "ports",
            type: "RANGES" as const,
            ranges: { range: ports.map((p) => ({ begin: p, end: p })) },
            role: "*"
          }
        ]
      : [])
  ]
  const assigned = {
    taskId: spec.taskId,
    slaveHost: spec.host,
    slaveId: spec.agentId,
    assignedPorts: spec.ports,
    task: spec.config
  }
  const id = executorIdOf(spec.taskId)
  return {
    name: `${spec.config.job.role}.${spec.config.job.environment}.${spec.config.job.name}`,
    task_id: { value: spec.taskId },
    agent_id: { value: spec.agentId },
    resources,
    executor: {
      executor_id: { value: id },
      name: id,
      command: { value: executor.command, shell: true },
      resources: overhead === undefined ? [] : [scalar("cpus", overhead.cpus), scalar("mem", overhead.ramMb)]
    },
    data: Buffer.from(JSON.stringify(assigned), "utf8").toString("base64")
  }
}

interface Filters {
  readonly refuse_seconds?: number
}

/** The scheduler calls the local agent reads (every field optional: input is checked where used). */
export interface MesosCall {
  readonly type: string
  readonly framework_id?: Value
  readonly subscribe?: {
    readonly framework_info?: {
      readonly user?: string
      readonly name?: string
      readonly id?: Value
      readonly failover_timeout?: number
    }
  }
  readonly accept?: {
    readonly offer_ids?: ReadonlyArray<Value>
    readonly operations?: ReadonlyArray<{
      readonly type?: string
      readonly launch?: { readonly task_infos?: ReadonlyArray<MesosTaskInfo> }
    }>
    readonly filters?: Filters
  }
  readonly decline?: { readonly offer_ids?: ReadonlyArray<Value>; readonly filters?: Filters }
  readonly kill?: { readonly task_id?: Value; readonly agent_id?: Value }
  readonly reconcile?: {
    readonly tasks?: ReadonlyArray<{ readonly task_id?: Value; readonly agent_id?: Value }>
  }
  readonly acknowledge?: { readonly task_id?: Value; readonly agent_id?: Value; readonly uuid?: string }
}

/** The scheduler events the client reads. */
export interface MesosEvent {
  readonly type: string
  readonly subscribed?: { readonly framework_id: Value; readonly heartbeat_interval_seconds?: number }
  readonly offers?: { readonly offers?: ReadonlyArray<MesosOffer> }
  readonly rescind?: { readonly offer_id: Value }
  readonly update?: { readonly status: MesosTaskStatus }
  readonly failure?: { readonly agent_id?: Value; readonly executor_id?: Value; readonly status?: number }
  readonly error?: { readonly message?: string }
}
