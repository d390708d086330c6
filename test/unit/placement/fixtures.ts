import type {
  Constraint,
  HostAttributes,
  MaintenanceMode,
  Resource,
  TaskConfig
} from "../../../src/domain/model/index.ts"
import { compileHost, type HostInfo, type Offer } from "../../../src/domain/placement/index.ts"

export const task = (over: Partial<TaskConfig> = {}): TaskConfig => ({
  job: { role: "www", environment: "prod", name: "hello" },
  owner: { user: "www" },
  isService: true,
  priority: 0,
  maxTaskFailures: 1,
  resources: [{ numCpus: 1 }, { ramMb: 128 }, { diskMb: 128 }],
  constraints: [],
  container: { mesos: { volumes: [] } },
  executorConfig: { name: "AuroraExecutor", data: "{}" },
  ...over
})

export const res = (
  cpus: number,
  ramMb: number,
  diskMb: number,
  ports: ReadonlyArray<string> = []
): Resource[] => [{ numCpus: cpus }, { ramMb }, { diskMb }, ...ports.map((p) => ({ namedPort: p }))]

export const value = (name: string, values: ReadonlyArray<string>, negated = false): Constraint => ({
  name,
  constraint: { value: { negated, values } }
})
export const limit = (name: string, n: number): Constraint => ({ name, constraint: { limit: { limit: n } } })

export const hostAttrs = (
  host: string,
  attrs: Record<string, ReadonlyArray<string>> = {},
  mode: MaintenanceMode = "NONE",
  slaveId = `agent-${host}`
): HostAttributes => ({
  host,
  attributes: Object.entries(attrs).map(([name, values]) => ({ name, values })),
  mode,
  slaveId
})

export const hostInfo = (
  host: string,
  attrs: Record<string, ReadonlyArray<string>> = {},
  mode: MaintenanceMode = "NONE"
): HostInfo => compileHost(hostAttrs(host, { host: [host], ...attrs }, mode))

export const offer = (
  id: string,
  host: string,
  o: {
    cpus?: number
    mem?: number
    disk?: number
    gpus?: number
    ports?: ReadonlyArray<[number, number]>
    revCpus?: number
    revMem?: number
    unavailableAt?: number
    attrs?: Record<string, ReadonlyArray<string>>
  } = {}
): Offer => ({
  id,
  agentId: `agent-${host}`,
  host,
  resources: [
    { name: "cpus", scalar: o.cpus ?? 8 },
    { name: "mem", scalar: o.mem ?? 16384 },
    { name: "disk", scalar: o.disk ?? 262144 },
    ...(o.gpus === undefined ? [] : [{ name: "gpus", scalar: o.gpus }]),
    { name: "ports", ranges: (o.ports ?? [[1, 1023]]).map(([begin, end]) => ({ begin, end })) },
    ...(o.revCpus === undefined ? [] : [{ name: "cpus", scalar: o.revCpus, revocable: true }]),
    ...(o.revMem === undefined ? [] : [{ name: "mem", scalar: o.revMem, revocable: true }])
  ],
  attributes: Object.entries({ host: [host], rack: ["r1"], ...(o.attrs ?? {}) }).map(([name, values]) => ({
    name,
    values
  })),
  ...(o.unavailableAt === undefined ? {} : { unavailability: { startMs: o.unavailableAt } })
})
