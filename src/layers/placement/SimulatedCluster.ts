import { Effect, Layer } from "effect"
import {
  type HostAttributes,
  type JobKey,
  jobKeyToString,
  type ScheduledTask,
  type ScheduleStatus,
  SLAVE_ASSIGNED_STATES,
  type TaskConfig
} from "../../domain/model/index.ts"
import {
  AttributeAggregate,
  type Bag,
  bagOfResources,
  DEFAULT_EXECUTOR_OVERHEADS,
  EMPTY_BAG,
  type Offer,
  subtractBags,
  taskRequestBag
} from "../../domain/placement/index.ts"
import { type LaunchSpec, OfferDriver, OfferLaunchFailed } from "../../services/OfferDriver.ts"
import { type AgentTask, PlacementState, type PlacementStateShape } from "../../services/PlacementState.ts"

export interface SimAgent {
  readonly agentId: string
  readonly host: string
  readonly capacity: Bag
  readonly ports: readonly [number, number]
  /** Ports held by tasks on the agent (not offered again until they finish). */
  readonly usedPorts: Set<number>
  used: Bag
}

interface SimTask {
  readonly taskId: string
  readonly instanceId: number
  readonly config: TaskConfig
  status: ScheduleStatus
  host?: string
  agentId?: string
  ports: Readonly<Record<string, number>>
  events: Array<{ timestamp: number; status: ScheduleStatus; message?: string }>
  agentTask?: AgentTask
}

/** The agent's port range minus the ports its tasks hold, as ranges. */
const freeRanges = (a: SimAgent): Array<{ begin: number; end: number }> => {
  if (a.usedPorts.size === 0) return [{ begin: a.ports[0], end: a.ports[1] }]
  const out: Array<{ begin: number; end: number }> = []
  let start = -1
  for (let p = a.ports[0]; p <= a.ports[1] + 1; p++) {
    const free = p <= a.ports[1] && !a.usedPorts.has(p)
    if (free && start < 0) start = p
    else if (!free && start >= 0) {
      out.push({ begin: start, end: p - 1 })
      start = -1
    }
  }
  return out
}

/**
 * An in-memory cluster of agents and tasks for tests and benchmarks: it stands in for task storage,
 * the lifecycle and the cluster driver, and keeps the indexes placement asks for (pending set, tasks
 * by agent, per-job aggregates) current incrementally.
 */
export class SimulatedCluster {
  readonly agents = new Map<string, SimAgent>()
  readonly hosts = new Map<string, HostAttributes>()
  private readonly tasks = new Map<string, SimTask>()
  private readonly pendingIds = new Set<string>()
  private readonly byAgent = new Map<string, Array<AgentTask>>()
  private readonly aggregates = new Map<string, AttributeAggregate>()
  private offerSeq = 0
  private version = 0
  private taskSeq = 0
  readonly declined: Array<string> = []
  readonly launched: Array<LaunchSpec> = []
  /** Offer ids whose launch should fail (fault injection). */
  readonly failLaunch = new Set<string>()
  now: () => number = () => 0

  addAgent(host: string, capacity: Bag, attributes: Record<string, ReadonlyArray<string>> = {}): SimAgent {
    const agentId = `agent-${host}`
    const agent: SimAgent = {
      agentId,
      host,
      capacity,
      ports: [1, 1023],
      used: EMPTY_BAG,
      usedPorts: new Set()
    }
    this.agents.set(agentId, agent)
    this.hosts.set(host, {
      host,
      attributes: Object.entries({ host: [host], ...attributes }).map(([name, values]) => ({ name, values })),
      mode: "NONE",
      slaveId: agentId
    })
    return agent
  }

  /** A fresh offer of the agent's unused resources (ports: its whole range minus none, for simplicity). */
  offerFor(agentId: string): Offer {
    const a = this.agents.get(agentId)!
    const free = subtractBags(a.capacity, a.used)
    const attrs = this.hosts.get(a.host)
    return {
      id: `offer-${++this.offerSeq}`,
      agentId,
      host: a.host,
      resources: [
        { name: "cpus", scalar: Math.max(0, free.cpus) },
        { name: "mem", scalar: Math.max(0, free.ramMb) },
        { name: "disk", scalar: Math.max(0, free.diskMb) },
        ...(a.capacity.gpus > 0 ? [{ name: "gpus", scalar: Math.max(0, free.gpus) }] : []),
        { name: "ports", ranges: freeRanges(a) }
      ],
      attributes: attrs?.attributes ?? []
    }
  }

  allOffers(): Array<Offer> {
    return [...this.agents.keys()].map((id) => this.offerFor(id))
  }

  /** A new PENDING task (returns its id). */
  addPending(config: TaskConfig, instanceId = 0): string {
    const taskId = `${jobKeyToString(config.job).replace(/\//g, "-")}-${instanceId}-${++this.taskSeq}`
    this.tasks.set(taskId, {
      taskId,
      instanceId,
      config,
      status: "PENDING",
      ports: {},
      events: [{ timestamp: this.now(), status: "PENDING" }]
    })
    this.pendingIds.add(taskId)
    return taskId
  }

  /** Places a task directly on an agent (cluster pre-fill) in RUNNING. */
  placeRunning(config: TaskConfig, agentId: string, instanceId = 0): string {
    const id = this.addPending(config, instanceId)
    const a = this.agents.get(agentId)!
    this.doAssign(this.tasks.get(id)!, a.host, agentId, {})
    this.setStatus(this.tasks.get(id)!, "RUNNING")
    return id
  }

  status(taskId: string): ScheduleStatus | undefined {
    return this.tasks.get(taskId)?.status
  }
  taskAgent(taskId: string): string | undefined {
    return this.tasks.get(taskId)?.agentId
  }
  tasksOnAgent(agentId: string): ReadonlyArray<AgentTask> {
    return this.byAgent.get(agentId) ?? []
  }
  pendingCount(): number {
    return this.pendingIds.size
  }
  taskIds(): Array<string> {
    return [...this.tasks.keys()]
  }
  config(taskId: string): TaskConfig | undefined {
    return this.tasks.get(taskId)?.config
  }

  /** Finishes kills (PREEMPTING/DRAINING/KILLING -> KILLED, freeing resources); returns replacement PENDING ids. */
  completeKills(): Array<string> {
    const replacements: Array<string> = []
    for (const t of [...this.tasks.values()]) {
      if (t.status === "PREEMPTING" || t.status === "DRAINING" || t.status === "KILLING") {
        this.setStatus(t, "KILLED")
        replacements.push(this.addPending(t.config, t.instanceId))
      }
    }
    return replacements
  }

  private requestBag(config: TaskConfig): Bag {
    return taskRequestBag(config, DEFAULT_EXECUTOR_OVERHEADS)
  }

  private doAssign(t: SimTask, host: string, agentId: string, ports: Readonly<Record<string, number>>): void {
    const a = this.agents.get(agentId)!
    t.host = host
    t.agentId = agentId
    t.ports = ports
    for (const p of Object.values(ports)) a.usedPorts.add(p)
    const b = this.requestBag(t.config)
    a.used = {
      cpus: a.used.cpus + b.cpus,
      ramMb: a.used.ramMb + b.ramMb,
      diskMb: a.used.diskMb + b.diskMb,
      ports: a.used.ports + bagOfResources(t.config.resources).ports,
      gpus: a.used.gpus + b.gpus
    }
    this.setStatus(t, "ASSIGNED")
  }

  private setStatus(t: SimTask, status: ScheduleStatus, message?: string): void {
    const wasOn = SLAVE_ASSIGNED_STATES.has(t.status)
    this.version++
    const isOn = SLAVE_ASSIGNED_STATES.has(status)
    if (t.status === "PENDING") this.pendingIds.delete(t.taskId)
    t.status = status
    t.events.push(
      message === undefined ? { timestamp: this.now(), status } : { timestamp: this.now(), status, message }
    )
    if (t.agentId === undefined || t.host === undefined) return
    const attrs = this.hosts.get(t.host)
    const jobKey = jobKeyToString(t.config.job)
    if (!wasOn && isOn) {
      const at: AgentTask = { taskId: t.taskId, config: t.config, status, host: t.host, agentId: t.agentId }
      t.agentTask = at
      this.byAgent.set(t.agentId, [...(this.byAgent.get(t.agentId) ?? []), at])
      let agg = this.aggregates.get(jobKey)
      if (agg === undefined) {
        agg = new AttributeAggregate()
        this.aggregates.set(jobKey, agg)
      }
      if (attrs !== undefined) agg.addHost(attrs)
    } else if (wasOn && !isOn) {
      const list = (this.byAgent.get(t.agentId) ?? []).filter((x) => x.taskId !== t.taskId)
      if (list.length === 0) this.byAgent.delete(t.agentId)
      else this.byAgent.set(t.agentId, list)
      if (attrs !== undefined) this.aggregates.get(jobKey)?.removeHost(attrs)
      const a = this.agents.get(t.agentId)!
      for (const p of Object.values(t.ports)) a.usedPorts.delete(p)
      const b = this.requestBag(t.config)
      a.used = {
        cpus: a.used.cpus - b.cpus,
        ramMb: a.used.ramMb - b.ramMb,
        diskMb: a.used.diskMb - b.diskMb,
        ports: a.used.ports - bagOfResources(t.config.resources).ports,
        gpus: a.used.gpus - b.gpus
      }
    }
  }

  private scheduled(t: SimTask): ScheduledTask {
    return {
      assignedTask: {
        taskId: t.taskId,
        task: t.config,
        assignedPorts: t.ports,
        instanceId: t.instanceId,
        ...(t.host === undefined ? {} : { slaveHost: t.host }),
        ...(t.agentId === undefined ? {} : { slaveId: t.agentId })
      },
      status: t.status,
      failureCount: 0,
      timesPartitioned: 0,
      taskEvents: t.events
    }
  }

  /** Every job's tasks on agents (for assertions). */
  jobHosts(job: JobKey): Array<HostAttributes> {
    const out: Array<HostAttributes> = []
    for (const t of this.tasks.values()) {
      if (
        SLAVE_ASSIGNED_STATES.has(t.status) &&
        jobKeyToString(t.config.job) === jobKeyToString(job) &&
        t.host
      ) {
        out.push(this.hosts.get(t.host)!)
      }
    }
    return out
  }

  readonly state: PlacementStateShape = {
    pending: (ids) =>
      Effect.sync(() => {
        const out = []
        for (const id of ids) {
          const t = this.tasks.get(id)
          if (t !== undefined && t.status === "PENDING") {
            out.push({
              taskId: id,
              instanceId: t.instanceId,
              config: t.config,
              pendingSinceMs: t.events[t.events.length - 1].timestamp
            })
          }
        }
        return out
      }),
    pendingSince: (cutoffMs) =>
      Effect.sync(() => {
        const out = []
        for (const id of this.pendingIds) {
          const t = this.tasks.get(id)!
          const since = t.events[t.events.length - 1].timestamp
          if (since <= cutoffMs)
            out.push({ taskId: id, instanceId: t.instanceId, config: t.config, pendingSinceMs: since })
        }
        return out
      }),
    agentTasks: () => Effect.sync(() => this.byAgent),
    agentTasksVersion: () => Effect.sync(() => this.version),
    jobAggregate: (job) =>
      Effect.sync(() => this.aggregates.get(jobKeyToString(job)) ?? new AttributeAggregate()),
    hostAttributes: (host) => Effect.sync(() => this.hosts.get(host)),
    allHostAttributes: () => Effect.sync(() => this.hosts),
    saveHostAttributes: (attributes) =>
      Effect.sync(() => {
        this.hosts.set(attributes.host, attributes)
        this.version++
      }),
    activeTasksOnHost: (host) =>
      Effect.sync(() =>
        [...this.tasks.values()]
          .filter((t) => t.host === host && t.status !== "PENDING" && SLAVE_ASSIGNED_STATES.has(t.status))
          .map((t) => this.scheduled(t))
      ),
    jobTasks: (job) =>
      Effect.sync(() =>
        [...this.tasks.values()]
          .filter((t) => jobKeyToString(t.config.job) === jobKeyToString(job))
          .map((t) => this.scheduled(t))
      ),
    assign: (taskId, host, agentId, ports) =>
      Effect.sync(() => {
        const t = this.tasks.get(taskId)
        if (t === undefined || t.status !== "PENDING") return false
        this.doAssign(t, host, agentId, ports)
        return true
      }),
    transition: (taskId, to, message) =>
      Effect.sync(() => {
        const t = this.tasks.get(taskId)
        if (t === undefined) return false
        this.setStatus(t, to, message)
        if (to === "LOST") this.addPending(t.config, t.instanceId)
        return true
      })
  }

  readonly driver = {
    decline: (offerId: string) => Effect.sync(() => void this.declined.push(offerId)),
    launch: (offer: Offer, task: LaunchSpec) =>
      this.failLaunch.has(offer.id)
        ? Effect.fail(new OfferLaunchFailed({ offerId: offer.id, reason: "injected failure" }))
        : Effect.sync(() => {
            this.launched.push(task)
            const t = this.tasks.get(task.taskId)
            if (t !== undefined && t.status === "ASSIGNED") this.setStatus(t, "RUNNING")
          })
  }

  /** PlacementState and OfferDriver backed by this cluster. */
  get layer(): Layer.Layer<PlacementState | OfferDriver> {
    return Layer.merge(Layer.succeed(PlacementState, this.state), Layer.succeed(OfferDriver, this.driver))
  }
}
