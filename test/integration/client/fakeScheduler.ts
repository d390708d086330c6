/**
 * A small in-test scheduler serving the SchedulerRpcs group over HTTP on 127.0.0.1 (contract tests of
 * the client): a few jobs in memory, tasks that go straight to RUNNING (or a scripted status), canned
 * answers per RPC when a test wants one, and a record of every call.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as HttpServer from "@effect/platform/HttpServer"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import * as RpcServer from "@effect/rpc/RpcServer"
import { Effect, Layer, Schema } from "effect"
import {
  ACTIVE_STATES,
  JobConfiguration,
  type ResponseCode,
  type ScheduledTask,
  type ScheduleStatus
} from "../../../src/domain/model/index.ts"
import { SchedulerRpcs } from "../../../src/services/SchedulerApi.ts"

// biome-ignore lint/suspicious/noExplicitAny: the fake reads the payloads of every RPC loosely
type Payload = any

export interface Call {
  readonly tag: string
  readonly payload: Payload
}
type Reply = { responseCode: ResponseCode; details?: ReadonlyArray<{ message: string }>; result?: unknown }

export interface FakeState {
  jobs: Map<string, JobConfiguration>
  tasks: Array<ScheduledTask>
  quotas: Map<string, unknown>
  hosts: Map<string, string>
  backups: Array<string>
  /** Status new tasks get (RUNNING by default). */
  newTaskStatus: ScheduleStatus
  /** Status killed tasks get at once (KILLED by default; KILLING to make kills hang). */
  killedStatus: ScheduleStatus
  /** The host tasks land on. */
  host: string
}

export interface FakeScheduler {
  readonly url: string
  readonly port: number
  readonly calls: Array<Call>
  /** Request headers, one entry per HTTP request. */
  readonly headers: Array<Record<string, string | string[] | undefined>>
  readonly state: FakeState
  /** Answers `tag` with `reply` the next `times` calls (forever when omitted). */
  readonly script: (tag: string, reply: Reply | ((payload: Payload) => Reply), times?: number) => void
  /** HTTP status answered to the next `times` requests instead of serving them. */
  readonly failHttp: (status: number, times?: number) => void
  readonly close: () => Promise<void>
}

const serverInfo = { clusterName: "test" }
const ok = (result?: unknown) => ({
  responseCode: "OK" as const,
  serverInfo,
  details: [],
  ...(result ? { result } : {})
})
const decodeJob = Schema.decodeUnknownSync(JobConfiguration)
const keyString = (k: { role: string; environment: string; name: string }) =>
  `${k.role}/${k.environment}/${k.name}`

let uuid = 0
const newTask = (
  state: FakeState,
  config: JobConfiguration,
  instanceId: number,
  now: number
): ScheduledTask => {
  const job = config.taskConfig.job
  const status = state.newTaskStatus
  const events: Array<{ timestamp: number; status: ScheduleStatus; message?: string }> = [
    { timestamp: now, status: "PENDING" }
  ]
  if (status !== "PENDING") {
    events.push({ timestamp: now + 1000, status: "ASSIGNED" }, { timestamp: now + 2000, status: "STARTING" })
    events.push({ timestamp: now + 3000, status, message: status === "RUNNING" ? undefined : "scripted" })
  }
  const ports = config.taskConfig.resources.flatMap((r) => ("namedPort" in r ? [r.namedPort] : []))
  return {
    assignedTask: {
      taskId: `${job.role}-${job.environment}-${job.name}-${instanceId}-${++uuid}`,
      slaveId: "agent-1",
      ...(status === "PENDING" ? {} : { slaveHost: state.host }),
      task: config.taskConfig,
      assignedPorts: Object.fromEntries(ports.map((p, i) => [p, 31000 + i])),
      instanceId
    },
    status,
    failureCount: 0,
    timesPartitioned: 0,
    taskEvents: events
  }
}

const matches = (t: ScheduledTask, q: Payload): boolean => {
  const job = t.assignedTask.task.job
  if (q.role !== undefined && job.role !== q.role) return false
  if (q.environment !== undefined && job.environment !== q.environment) return false
  if (q.jobName !== undefined && job.name !== q.jobName) return false
  if (q.jobKeys !== undefined && !q.jobKeys.some((k: Payload) => keyString(k) === keyString(job)))
    return false
  if (q.statuses !== undefined && q.statuses.length > 0 && !q.statuses.includes(t.status)) return false
  if (
    q.instanceIds !== undefined &&
    q.instanceIds.length > 0 &&
    !q.instanceIds.includes(t.assignedTask.instanceId)
  )
    return false
  if (q.taskIds !== undefined && !q.taskIds.includes(t.assignedTask.taskId)) return false
  if (q.slaveHosts !== undefined && !q.slaveHosts.includes(t.assignedTask.slaveHost)) return false
  return true
}

const ACTIVE = [...ACTIVE_STATES]

const behaviour = (state: FakeState): Record<string, (p: Payload) => Reply> => ({
  getTasksStatus: (p) =>
    ok({ scheduleStatusResult: { tasks: state.tasks.filter((t) => matches(t, p.query)) } }),
  getTasksWithoutConfigs: (p) =>
    ok({ scheduleStatusResult: { tasks: state.tasks.filter((t) => matches(t, p.query)) } }),
  getJobs: (p) =>
    ok({
      getJobsResult: {
        configs: [...state.jobs.values()].filter(
          (j) => p.ownerRole === undefined || j.key.role === p.ownerRole
        )
      }
    }),
  getQuota: (p) =>
    ok({
      getQuotaResult: state.quotas.get(p.ownerRole) ?? {
        quota: { resources: [{ numCpus: 0 }, { ramMb: 0 }, { diskMb: 0 }] }
      }
    }),
  setQuota: (p) => {
    state.quotas.set(p.ownerRole, { quota: p.quota })
    return ok()
  },
  getTierConfigs: () =>
    ok({
      getTierConfigResult: {
        defaultTierName: "preemptible",
        tiers: [
          { name: "preferred", settings: { preemptible: "false", revocable: "false" } },
          { name: "preemptible", settings: { preemptible: "true", revocable: "false" } },
          { name: "revocable", settings: { preemptible: "true", revocable: "true" } }
        ]
      }
    }),
  populateJobConfig: (p) => ok({ populateJobResult: { taskConfig: decodeJob(p.description).taskConfig } }),
  createJob: (p) => {
    const config = decodeJob(p.description)
    const key = keyString(config.key)
    if (
      state.jobs.has(key) ||
      state.tasks.some((t) => matches(t, { jobKeys: [config.key], statuses: ACTIVE }))
    )
      return { responseCode: "INVALID_REQUEST", details: [{ message: `Job already exists: ${key}` }] }
    state.jobs.set(key, config)
    for (let i = 0; i < config.instanceCount; i++) state.tasks.push(newTask(state, config, i, Date.now()))
    return ok()
  },
  killTasks: (p) => {
    let killed = 0
    state.tasks = state.tasks.map((t) => {
      if (!matches(t, { jobKeys: [p.job], statuses: ACTIVE })) return t
      if (p.instances !== undefined && !p.instances.includes(t.assignedTask.instanceId)) return t
      killed++
      return {
        ...t,
        status: state.killedStatus,
        taskEvents: [
          ...t.taskEvents,
          { timestamp: Date.now(), status: state.killedStatus, message: p.message }
        ]
      }
    })
    if (!state.tasks.some((t) => matches(t, { jobKeys: [p.job], statuses: ACTIVE })))
      state.jobs.delete(keyString(p.job))
    return killed === 0 ? { responseCode: "OK", details: [{ message: "No tasks to kill." }] } : ok()
  },
  restartShards: (p) => {
    const config = state.jobs.get(keyString(p.job))
    if (!config) return { responseCode: "INVALID_REQUEST", details: [{ message: "Job not found" }] }
    for (const id of p.shardIds) {
      state.tasks = state.tasks.map((t) =>
        matches(t, { jobKeys: [p.job], statuses: ACTIVE, instanceIds: [id] })
          ? { ...t, status: "FINISHED" }
          : t
      )
      state.tasks.push(newTask(state, config, id, Date.now()))
    }
    return ok()
  },
  addInstances: (p) => {
    const config = state.jobs.get(keyString(p.key.jobKey))
    if (!config) return { responseCode: "INVALID_REQUEST", details: [{ message: "Job not found" }] }
    const max = Math.max(
      ...state.tasks
        .filter((t) => matches(t, { jobKeys: [p.key.jobKey], statuses: ACTIVE }))
        .map((t) => t.assignedTask.instanceId)
    )
    for (let i = 1; i <= p.count; i++) state.tasks.push(newTask(state, config, max + i, Date.now()))
    return ok()
  },
  startMaintenance: (p) => {
    for (const h of p.hosts.hostNames) state.hosts.set(h, "SCHEDULED")
    return ok({
      startMaintenanceResult: {
        statuses: p.hosts.hostNames.map((host: string) => ({ host, mode: "SCHEDULED" }))
      }
    })
  },
  drainHosts: (p) => {
    for (const h of p.hosts.hostNames) state.hosts.set(h, "DRAINED")
    return ok({
      drainHostsResult: { statuses: p.hosts.hostNames.map((host: string) => ({ host, mode: "DRAINING" })) }
    })
  },
  slaDrainHosts: (p) => {
    for (const h of p.hosts.hostNames) state.hosts.set(h, "DRAINING")
    return ok({
      drainHostsResult: { statuses: p.hosts.hostNames.map((host: string) => ({ host, mode: "DRAINING" })) }
    })
  },
  maintenanceStatus: (p) =>
    ok({
      maintenanceStatusResult: {
        statuses: p.hosts.hostNames.map((host: string) => ({ host, mode: state.hosts.get(host) ?? "NONE" }))
      }
    }),
  endMaintenance: (p) => {
    for (const h of p.hosts.hostNames) state.hosts.set(h, "NONE")
    return ok({
      endMaintenanceResult: { statuses: p.hosts.hostNames.map((host: string) => ({ host, mode: "NONE" })) }
    })
  },
  listBackups: () => ok({ listBackupsResult: { backups: state.backups } }),
  performBackup: () => {
    state.backups.push(`scheduler-backup-${state.backups.length + 1}`)
    return ok()
  },
  queryRecovery: (p) =>
    ok({ queryRecoveryResult: { tasks: state.tasks.filter((t) => matches(t, p.query)) } }),
  pruneTasks: () => ok()
})

export const startFakeScheduler = async (): Promise<FakeScheduler> => {
  const calls: Array<Call> = []
  const headers: Array<Record<string, string | string[] | undefined>> = []
  const state: FakeState = {
    jobs: new Map(),
    tasks: [],
    quotas: new Map(),
    hosts: new Map(),
    backups: [],
    newTaskStatus: "RUNNING",
    killedStatus: "KILLED",
    host: "localhost"
  }
  const scripted = new Map<string, Array<{ reply: Reply | ((p: Payload) => Reply); times: number }>>()
  const real = behaviour(state)
  const answer = (tag: string, payload: Payload) => {
    calls.push({ tag, payload })
    const queue = scripted.get(tag)
    let reply: Reply
    if (queue && queue.length > 0) {
      const head = queue[0]
      reply = typeof head.reply === "function" ? head.reply(payload) : head.reply
      if (--head.times <= 0) queue.shift()
    } else if (real[tag]) reply = real[tag](payload)
    else reply = ok()
    return Effect.succeed({ serverInfo, details: [], ...reply })
  }
  const handlers = Object.fromEntries(
    [...SchedulerRpcs.requests.keys()].map((tag) => [tag, (payload: unknown) => answer(tag, payload)])
  )
  const web = RpcServer.toWebHandler(SchedulerRpcs, {
    layer: Layer.mergeAll(
      SchedulerRpcs.toLayer(handlers as never),
      RpcSerialization.layerJson,
      HttpServer.layerContext
    ),
    disableTracing: true
  })
  let httpFailures: { status: number; times: number } | undefined
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    headers.push(req.headers)
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    if (httpFailures && httpFailures.times > 0) {
      httpFailures.times--
      res.writeHead(httpFailures.status, { "content-type": "text/plain" }).end("scripted failure")
      return
    }
    if (req.url !== "/api" || req.method !== "POST") {
      res.writeHead(404).end("not found")
      return
    }
    const response = await web.handler(
      new Request(`http://127.0.0.1${req.url}`, {
        method: "POST",
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks)
      })
    )
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(Buffer.from(await response.arrayBuffer()))
  }
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => res.writeHead(500).end(String(e)))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    headers,
    state,
    script: (tag, reply, times = Number.POSITIVE_INFINITY) => {
      const q = scripted.get(tag) ?? []
      q.push({ reply, times })
      scripted.set(tag, q)
    },
    failHttp: (status, times = Number.POSITIVE_INFINITY) => {
      httpFailures = { status, times }
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await web.dispose()
    }
  }
}
