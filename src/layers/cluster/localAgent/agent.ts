/**
 * The embedded default agent: one machine acting as its own Mesos master, serving the v1 scheduler
 * API (SUBSCRIBE, ACCEPT/LAUNCH, DECLINE, REVIVE, KILL, RECONCILE, ACKNOWLEDGE, TEARDOWN) on
 * 127.0.0.1, so the scheduler drives it with the same client it uses for Mesos.
 */

import { randomUUID } from "node:crypto"
import { mkdirSync } from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { hostname as osHostname } from "node:os"
import type { Offer } from "../../../domain/placement/index.ts"
import { isTerminalMesosState } from "../../../services/ClusterManager.ts"
import { type MesosCall, type MesosTaskInfo, offerToMesos } from "../mesosJson.ts"
import { encodeRecord } from "../recordio.ts"
import { destroyContainer, processAlive, signal } from "./executors.ts"
import { launchProblem, newRecord, runExecutor } from "./launch.ts"
import { type Budget, freeOffer, heldBy, offerBudget } from "./resources.ts"
import { type AgentState, isLive, loadState, saveState, type TaskRecord } from "./state.ts"
import { type StatusFields, superviseTask, updateEvent } from "./supervise.ts"

export interface LocalAgentOptions {
  readonly workDir: string
  readonly port?: number
  readonly host?: string
  readonly hostname?: string
  readonly cpus?: number
  readonly memMb?: number
  readonly diskMb?: number
  readonly ports?: readonly [number, number]
  readonly attributes?: Readonly<Record<string, string>>
  /** Shell command starting the executor; `--task-file F --hostname H` are appended. */
  readonly executorCommand: string
  readonly heartbeatSeconds?: number
  readonly allocationIntervalMs?: number
  readonly pollMs?: number
  readonly resendMs?: number
  /** After a KILL, how long the executor has to report a terminal state before the agent destroys it. */
  readonly killGraceSeconds?: number
}

interface Subscription {
  readonly streamId: string
  readonly res: ServerResponse
  /** Test hook: a muted stream sends nothing, like a dead proxy. */
  muted: boolean
  heartbeat: NodeJS.Timeout
}

const b64uuid = () => Buffer.from(randomUUID().replaceAll("-", ""), "hex").toString("base64")

export class LocalAgent {
  private server: Server | undefined
  private state: AgentState
  private sub: Subscription | undefined
  private failoverTimer: NodeJS.Timeout | undefined
  private failoverSeconds = 0
  private readonly offers = new Map<string, Offer>()
  private filterUntil = 0
  private offerSeq = 0
  private timers: Array<NodeJS.Timeout> = []
  private readonly exited = new Set<string>()
  private readonly killDeadlines = new Map<string, number>()
  private readonly destroying = new Set<Promise<void>>()
  readonly hostname: string
  port = 0

  constructor(private readonly o: LocalAgentOptions) {
    mkdirSync(o.workDir, { recursive: true })
    this.hostname = o.hostname ?? osHostname()
    this.state = loadState(o.workDir) ?? { agentId: `${randomUUID()}-S0`, tasks: [] }
    // Executors survive an agent restart: live ones are followed again through their stdout file.
    for (const t of this.state.tasks) if (isLive(t) && !processAlive(t.pid)) this.exited.add(t.taskId)
  }

  get agentId(): string {
    return this.state.agentId
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res))
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject)
      this.server!.listen(this.o.port ?? 0, this.o.host ?? "127.0.0.1", () => resolve())
    })
    this.port = (this.server.address() as AddressInfo).port
    this.timers.push(setInterval(() => this.poll(), this.o.pollMs ?? 50))
    this.timers.push(setInterval(() => this.allocate(), this.o.allocationIntervalMs ?? 1000))
    this.timers.push(setInterval(() => this.resend(), this.o.resendMs ?? 10_000))
    this.save()
  }

  /** Stops serving; executors keep running (a restarted agent picks them up). */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    if (this.failoverTimer !== undefined) clearTimeout(this.failoverTimer)
    this.closeSubscription()
    const server = this.server
    this.server = undefined
    if (server !== undefined) {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    await Promise.all(this.destroying)
  }

  /** Destroys every live task's executor and processes (tests; a machine being wiped). */
  async killAll(): Promise<void> {
    for (const t of this.state.tasks) if (isLive(t)) this.destroy(t, t.pid)
    await Promise.all(this.destroying)
  }

  /** Test hook: stop sending anything (heartbeats included) on the current subscription. */
  muteStream(): void {
    if (this.sub !== undefined) this.sub.muted = true
  }

  tasks(): ReadonlyArray<TaskRecord> {
    return this.state.tasks
  }

  private destroy(t: TaskRecord, pid: number | undefined) {
    const p = destroyContainer(t.runDir, t.taskId, pid).finally(() => this.destroying.delete(p))
    this.destroying.add(p)
  }

  private save() {
    saveState(this.o.workDir, this.state)
  }

  private send(event: unknown) {
    const s = this.sub
    if (s === undefined || s.muted || s.res.writableEnded) return
    s.res.write(encodeRecord(JSON.stringify(event)))
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== "POST" || req.url?.split("?")[0] !== "/api/v1/scheduler") {
      res.writeHead(req.url === "/health" ? 200 : 404).end(req.url === "/health" ? "OK" : "Not found")
      return
    }
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    let call: MesosCall
    try {
      call = JSON.parse(Buffer.concat(chunks).toString("utf8"))
      if (typeof call !== "object" || call === null || typeof call.type !== "string")
        throw new Error("no type")
    } catch (e) {
      res.writeHead(400).end(`Failed to parse call: ${(e as Error).message}`)
      return
    }
    if (call.type === "SUBSCRIBE") return this.subscribe(call, req, res)
    const sub = this.sub
    if (sub === undefined || call.framework_id?.value !== this.state.frameworkId) {
      res.writeHead(403).end("Framework is not subscribed")
      return
    }
    if (req.headers["mesos-stream-id"] !== sub.streamId) {
      res
        .writeHead(400)
        .end(
          "The stream ID included in this request didn't match the stream ID currently associated with framework"
        )
      return
    }
    const error = this.dispatch(call)
    if (error !== undefined) res.writeHead(400).end(error)
    else res.writeHead(202).end()
  }

  private dispatch(call: MesosCall): string | undefined {
    switch (call.type) {
      case "ACCEPT":
        return this.accept(call.accept)
      case "DECLINE":
        for (const id of call.decline?.offer_ids ?? []) this.offers.delete(id.value)
        this.refuse(call.decline?.filters)
        return undefined
      case "REVIVE":
        this.filterUntil = 0
        this.allocate()
        return undefined
      case "SUPPRESS":
        this.filterUntil = Number.POSITIVE_INFINITY
        return undefined
      case "KILL":
        return this.kill(call.kill?.task_id?.value)
      case "RECONCILE":
        this.reconcile((call.reconcile?.tasks ?? []).map((t) => t.task_id?.value ?? ""))
        return undefined
      case "ACKNOWLEDGE":
        this.acknowledge(call.acknowledge?.task_id?.value, call.acknowledge?.uuid)
        return undefined
      case "TEARDOWN":
        this.teardown()
        return undefined
      default:
        return `Unsupported call type ${JSON.stringify(call.type)}`
    }
  }

  private subscribe(call: MesosCall, req: IncomingMessage, res: ServerResponse) {
    const info = call.subscribe?.framework_info
    if (info === undefined || typeof info.user !== "string" || typeof info.name !== "string") {
      res.writeHead(400).end("SUBSCRIBE needs subscribe.framework_info with user and name")
      return
    }
    const wanted: string | undefined = info.id?.value
    const current = this.state.frameworkId
    if (wanted === undefined || wanted !== current) {
      if (current !== undefined && this.sub !== undefined) {
        res.writeHead(409).end(`This agent serves framework ${current}; re-subscribe with its id`)
        return
      }
      // A new framework replaces one that is gone: its tasks cannot be reached any more.
      if (current !== undefined) this.killFramework(current)
      this.state.frameworkId = wanted ?? `${randomUUID()}-0000`
    }
    this.closeSubscription()
    if (this.failoverTimer !== undefined) clearTimeout(this.failoverTimer)
    this.failoverTimer = undefined
    this.failoverSeconds = Number(info.failover_timeout ?? 0)
    this.offers.clear()
    const streamId = randomUUID()
    res.writeHead(200, { "Content-Type": "application/json", "Mesos-Stream-Id": streamId })
    const heartbeatSeconds = this.o.heartbeatSeconds ?? 15
    const sub: Subscription = {
      streamId,
      res,
      muted: false,
      heartbeat: setInterval(() => this.send({ type: "HEARTBEAT" }), heartbeatSeconds * 1000)
    }
    this.sub = sub
    res.on("close", () => this.disconnected(sub))
    req.socket.setKeepAlive(true)
    this.send({
      type: "SUBSCRIBED",
      subscribed: {
        framework_id: { value: this.state.frameworkId },
        heartbeat_interval_seconds: heartbeatSeconds,
        master_info: {
          id: this.agentId,
          ip: 0,
          port: this.port,
          hostname: this.hostname,
          address: { hostname: this.hostname, ip: "127.0.0.1", port: this.port }
        }
      }
    })
    this.save()
    for (const t of this.state.tasks) for (const u of t.pending) this.sendUpdate(t, u)
    this.allocate()
  }

  private closeSubscription() {
    const s = this.sub
    this.sub = undefined
    if (s === undefined) return
    clearInterval(s.heartbeat)
    s.res.end()
  }

  private disconnected(sub: Subscription) {
    clearInterval(sub.heartbeat)
    if (this.sub !== sub) return
    this.sub = undefined
    this.offers.clear()
    const fw = this.state.frameworkId
    if (fw === undefined) return
    // Mesos keeps a disconnected framework's tasks for its failover_timeout.
    this.failoverTimer = setTimeout(() => {
      if (this.sub === undefined && this.state.frameworkId === fw) this.killFramework(fw)
    }, this.failoverSeconds * 1000)
  }

  // ---- offers ----

  private allocate() {
    if (this.sub === undefined || this.offers.size > 0 || Date.now() < this.filterUntil) return
    const totals = {
      cpus: this.o.cpus ?? 4,
      mem: this.o.memMb ?? 4096,
      disk: this.o.diskMb ?? 10_240,
      ports: this.o.ports ?? ([31000, 32000] as const)
    }
    const attributes = { host: this.hostname, rack: "rack-1", ...this.o.attributes }
    const id = `${this.agentId}-O${this.offerSeq + 1}`
    const offer = freeOffer(id, this.agentId, this.hostname, totals, heldBy(this.state.tasks), attributes)
    if (offer === undefined || this.state.frameworkId === undefined) return
    this.offerSeq++
    this.offers.set(offer.id, offer)
    this.send({ type: "OFFERS", offers: { offers: [offerToMesos(offer, this.state.frameworkId)] } })
  }

  private refuse(filters: { refuse_seconds?: number } | undefined) {
    const s = Math.min(Math.max(filters?.refuse_seconds ?? 5, 0), 365 * 86400)
    this.filterUntil = Date.now() + s * 1000
  }

  private accept(accept: MesosCall["accept"]): string | undefined {
    if (accept === undefined) return "ACCEPT needs an accept field"
    const ids: Array<string> = (accept.offer_ids ?? []).map((i) => i.value)
    const offer = ids.length === 1 ? this.offers.get(ids[0]) : undefined
    for (const id of ids) this.offers.delete(id)
    this.refuse(accept.filters)
    const infos: Array<MesosTaskInfo> = (accept.operations ?? []).flatMap((op) =>
      op.type === "LAUNCH" ? (op.launch?.task_infos ?? []) : []
    )
    const budget = offerBudget(offer)
    for (const info of infos) {
      const fail = offer === undefined ? "Task launched with invalid offers" : undefined
      this.launch(info, budget, fail)
    }
    this.save()
    return undefined
  }

  private launch(info: MesosTaskInfo, budget: Budget, invalid: string | undefined) {
    // ACCEPT is only dispatched for a subscribed framework, so there is a framework id.
    const record = newRecord(info, this.o.workDir, this.agentId, this.state.frameworkId!)
    const problem = invalid ?? launchProblem(info, record, this.state.tasks, budget)
    this.state.tasks = this.state.tasks.filter((t) => t.taskId !== record.taskId)
    this.state.tasks.push(record)
    if (problem === undefined)
      return runExecutor(record, info, this.o.executorCommand, this.hostname, this.agentId, () =>
        this.exited.add(record.taskId)
      )
    const lost = invalid !== undefined
    this.update(
      record,
      lost ? "TASK_LOST" : "TASK_ERROR",
      problem,
      "SOURCE_MASTER",
      lost ? "REASON_INVALID_OFFERS" : "REASON_TASK_INVALID"
    )
  }

  // ---- status updates ----

  private update(t: TaskRecord, state: string, message: string | undefined, source: string, reason?: string) {
    if (isTerminalMesosState(t.state)) return
    const u = {
      uuid: b64uuid(),
      state,
      ...(message === undefined || message === "" ? {} : { message }),
      ...(reason === undefined ? {} : { reason }),
      source,
      timestamp: Date.now()
    }
    t.state = state
    t.message = u.message
    t.reason = reason
    t.timestamp = u.timestamp
    t.pending.push(u)
    this.save()
    this.sendUpdate(t, u)
    if (isTerminalMesosState(state)) this.allocate()
  }

  private sendUpdate(t: TaskRecord, u: StatusFields) {
    if (t.frameworkId !== this.state.frameworkId) return
    this.send(updateEvent(t.taskId, this.agentId, t.executorId, u))
  }

  /** Reads new executor updates and notices executors that died without a terminal one. */
  private poll() {
    const now = Date.now()
    const s = {
      exited: this.exited,
      killDeadlines: this.killDeadlines,
      update: this.update.bind(this),
      destroy: this.destroy.bind(this)
    }
    let changed = false
    for (const t of this.state.tasks) changed = superviseTask(t, now, s) || changed
    if (changed) this.save()
  }

  private resend() {
    for (const t of this.state.tasks) {
      const u = t.pending[0]
      if (u !== undefined) this.sendUpdate(t, u)
    }
  }

  private acknowledge(taskId: string | undefined, uuid: string | undefined) {
    const t = this.state.tasks.find((x) => x.taskId === taskId)
    if (t === undefined) return
    const before = t.pending.length
    t.pending = t.pending.filter((u) => u.uuid !== uuid)
    if (t.pending.length !== before) {
      // Acknowledged terminal tasks are forgotten beyond the last 1,000, as Mesos bounds its memory.
      const done = this.state.tasks.filter((x) => !isLive(x) && x.pending.length === 0)
      if (done.length > 1000) {
        const drop = new Set(done.slice(0, done.length - 1000))
        this.state.tasks = this.state.tasks.filter((x) => !drop.has(x))
      }
      this.save()
    }
  }

  private reconcile(taskIds: ReadonlyArray<string>) {
    const answer = (t: TaskRecord) =>
      this.sendUpdate(t, {
        state: t.state,
        ...(t.message === undefined ? {} : { message: t.message }),
        reason: "REASON_RECONCILIATION",
        source: "SOURCE_MASTER",
        timestamp: Date.now()
      })
    if (taskIds.length === 0) {
      for (const t of this.state.tasks) if (isLive(t) || t.pending.length > 0) answer(t)
      return
    }
    for (const id of taskIds) {
      const t = this.state.tasks.find((x) => x.taskId === id && x.frameworkId === this.state.frameworkId)
      if (t !== undefined) answer(t)
      else
        this.send(
          updateEvent(id, undefined, undefined, {
            state: "TASK_LOST",
            message: "Reconciliation: Task is unknown",
            reason: "REASON_RECONCILIATION",
            source: "SOURCE_MASTER",
            timestamp: Date.now()
          })
        )
    }
  }

  private kill(taskId: string | undefined): string | undefined {
    if (taskId === undefined) return "KILL needs kill.task_id"
    const t = this.state.tasks.find((x) => x.taskId === taskId)
    if (t === undefined) {
      this.reconcile([taskId])
      return undefined
    }
    if (!isLive(t)) return undefined
    if (t.pid === undefined)
      this.update(t, "TASK_KILLED", "Killed before the executor started", "SOURCE_AGENT")
    else {
      // The executor treats SIGTERM like `kill` on stdin: its kill escalation, then TASK_KILLED.
      signal(t.pid, "SIGTERM")
      if (!this.killDeadlines.has(taskId))
        this.killDeadlines.set(taskId, Date.now() + (this.o.killGraceSeconds ?? 90) * 1000)
    }
    return undefined
  }

  private killFramework(frameworkId: string) {
    for (const t of this.state.tasks)
      if (t.frameworkId === frameworkId && isLive(t)) {
        this.destroy(t, t.pid)
        this.update(t, "TASK_KILLED", "Framework removed", "SOURCE_MASTER", "REASON_FRAMEWORK_REMOVED")
      }
    this.state.tasks = this.state.tasks.filter((t) => t.frameworkId !== frameworkId)
    this.save()
  }

  private teardown() {
    const fw = this.state.frameworkId
    if (fw !== undefined) this.killFramework(fw)
    this.state.frameworkId = undefined
    this.closeSubscription()
    this.save()
  }
}
