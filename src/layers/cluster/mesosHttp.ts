/**
 * The scheduler's Mesos v1 HTTP client (mesos-http-api.md): SUBSCRIBE on a dedicated connection read
 * as RecordIO, every other call on its own request with `Mesos-Stream-Id`, 307 redirects followed to
 * the leading master, a heartbeat watchdog, and re-subscription with backoff and the framework id.
 * The same client talks to a real Mesos master and to the embedded local agent.
 */
import { type ClientRequest, type IncomingMessage, request } from "node:http"
import { Effect, Layer, Queue, type Scope, Stream } from "effect"
import {
  ClusterCallFailed,
  type ClusterError,
  type ClusterEvent,
  ClusterManager,
  type ClusterManagerShape,
  ClusterNotSubscribed,
  type TaskStatusUpdate
} from "../../services/ClusterManager.ts"
import {
  type ExecutorSettings,
  type MesosEvent,
  offerFromMesos,
  statusFromMesos,
  taskInfoFromLaunch
} from "./mesosJson.ts"
import { RecordIOParser } from "./recordio.ts"

export interface MesosHttpOptions {
  /** Any master (or the local agent), e.g. `http://127.0.0.1:5050`; 307s lead to the leader. */
  readonly master: string
  readonly frameworkName?: string
  readonly user?: string
  readonly role?: string
  readonly hostname?: string
  /** Seconds the master keeps the framework's tasks while it is disconnected; Aurora: 21 days. */
  readonly failoverTimeoutSeconds?: number
  /** The framework id stored from an earlier run (re-subscribes as that framework). */
  readonly frameworkId?: string
  /** Called whenever the master assigns a framework id, so it can be stored. */
  readonly onFrameworkId?: (id: string) => Effect.Effect<void>
  readonly executor: ExecutorSettings
  /** Re-subscribe after this many heartbeat intervals without any event (Mesos advice: 5). */
  readonly missedHeartbeats?: number
  readonly backoffInitialMs?: number
  readonly backoffMaxMs?: number
  readonly callTimeoutMs?: number
}

export const AURORA_FAILOVER_TIMEOUT_SECONDS = 21 * 24 * 3600

interface Connection {
  streamId: string | undefined
  frameworkId: string | undefined
  leader: URL
}

const API = "/api/v1/scheduler"

const post = (
  url: URL,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs: number
): Promise<{ status: number; location?: string; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", ...headers }
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            ...(res.headers.location === undefined ? {} : { location: res.headers.location }),
            body: Buffer.concat(chunks).toString("utf8")
          })
        )
        res.on("error", reject)
      }
    )
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on("error", reject)
    req.end(JSON.stringify(body))
  })

export const makeMesosHttp = (
  options: MesosHttpOptions
): Effect.Effect<ClusterManagerShape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const events = yield* Queue.unbounded<ClusterEvent>()
    const emit = (e: ClusterEvent) => Effect.runSync(Queue.offer(events, e))
    const conn: Connection = {
      streamId: undefined,
      frameworkId: options.frameworkId,
      leader: new URL(API, options.master)
    }
    const callTimeoutMs = options.callTimeoutMs ?? 75_000
    const frameworkInfo = () => ({
      user: options.user ?? process.env.USER ?? "root",
      name: options.frameworkName ?? "Aurora",
      ...(conn.frameworkId === undefined ? {} : { id: { value: conn.frameworkId } }),
      failover_timeout: options.failoverTimeoutSeconds ?? AURORA_FAILOVER_TIMEOUT_SECONDS,
      checkpoint: true,
      roles: [options.role ?? "*"],
      ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
      capabilities: [{ type: "REVOCABLE_RESOURCES" }, { type: "GPU_RESOURCES" }, { type: "MULTI_ROLE" }]
    })

    /** One subscription: calls `resolve` once with why it ended; returns how to cancel it. */
    const subscribeOnce = (resolve: (reason: string) => void): (() => void) => {
      let req: ClientRequest | undefined
      let watchdog: NodeJS.Timeout | undefined
      let heartbeatMs = 15_000
      let done = false
      const finish = (reason: string) => {
        if (done) return
        done = true
        if (watchdog !== undefined) clearTimeout(watchdog)
        req?.destroy()
        conn.streamId = undefined
        resolve(reason)
      }
      const arm = () => {
        if (watchdog !== undefined) clearTimeout(watchdog)
        watchdog = setTimeout(
          () => finish("no heartbeat from the master"),
          heartbeatMs * (options.missedHeartbeats ?? 5)
        )
      }
      const body = {
        type: "SUBSCRIBE",
        ...(conn.frameworkId === undefined ? {} : { framework_id: { value: conn.frameworkId } }),
        subscribe: { framework_info: frameworkInfo() }
      }
      const onResponse = (res: IncomingMessage) => {
        if (res.statusCode === 307 && res.headers.location !== undefined) {
          conn.leader = new URL(API, new URL(res.headers.location, conn.leader))
          res.resume()
          return finish(`redirected to ${conn.leader.host}`)
        }
        if (res.statusCode !== 200) {
          const chunks: Array<Buffer> = []
          res.on("data", (c: Buffer) => chunks.push(c))
          res.on("end", () =>
            finish(`SUBSCRIBE answered ${res.statusCode}: ${Buffer.concat(chunks).toString()}`)
          )
          return
        }
        conn.streamId = res.headers["mesos-stream-id"] as string | undefined
        const parser = new RecordIOParser()
        arm()
        res.on("data", (chunk: Buffer) => {
          let records: Array<string>
          try {
            records = parser.push(chunk)
          } catch (e) {
            return finish((e as Error).message)
          }
          for (const r of records) {
            arm()
            let ev: MesosEvent
            try {
              ev = JSON.parse(r)
            } catch {
              return finish("unparseable event")
            }
            if (ev.type === "SUBSCRIBED" && ev.subscribed !== undefined) {
              conn.frameworkId = ev.subscribed.framework_id.value
              heartbeatMs = (ev.subscribed.heartbeat_interval_seconds ?? 15) * 1000
              arm()
              if (options.onFrameworkId !== undefined)
                Effect.runFork(options.onFrameworkId(conn.frameworkId!))
              emit({ _tag: "Subscribed", frameworkId: conn.frameworkId!, heartbeatIntervalMs: heartbeatMs })
            } else if (ev.type === "OFFERS") {
              emit({ _tag: "Offers", offers: (ev.offers?.offers ?? []).map(offerFromMesos) })
            } else if (ev.type === "RESCIND" && ev.rescind !== undefined) {
              emit({ _tag: "Rescind", offerId: ev.rescind.offer_id.value })
            } else if (ev.type === "UPDATE" && ev.update !== undefined) {
              emit({ _tag: "Update", status: statusFromMesos(ev.update.status) })
            } else if (ev.type === "FAILURE" && ev.failure !== undefined) {
              const f = ev.failure
              emit({
                _tag: "Failure",
                agentId: f.agent_id?.value ?? "",
                ...(f.executor_id === undefined ? {} : { executorId: f.executor_id.value }),
                ...(f.status === undefined ? {} : { exitStatus: f.status })
              })
            } else if (ev.type === "ERROR") {
              emit({ _tag: "Error", message: ev.error?.message ?? "" })
              return finish(`master error: ${ev.error?.message ?? ""}`)
            }
            // HEARTBEAT only re-arms the watchdog; MESSAGE and inverse offers are not used.
          }
        })
        res.on("end", () => finish("subscription stream ended"))
        res.on("error", (e) => finish(e.message))
      }
      req = request(
        conn.leader,
        {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json", Connection: "close" }
        },
        onResponse
      )
      req.on("error", (e) => finish(`cannot reach ${conn.leader.host}: ${e.message}`))
      req.end(JSON.stringify(body))
      return () => finish("closed")
    }
    const subscription = Effect.async<string>((resume) => {
      const cancel = subscribeOnce((reason) => resume(Effect.succeed(reason)))
      // Interruption (the layer's scope closing) drops the connection, so the master sees us go.
      return Effect.sync(cancel)
    })

    const loop = Effect.gen(function* () {
      let backoff = options.backoffInitialMs ?? 100
      for (;;) {
        const started = Date.now()
        const reason = yield* subscription
        emit({ _tag: "Disconnected", reason })
        // A redirect is followed at once; a subscription that lived a while resets the backoff.
        if (reason.startsWith("redirected")) continue
        if (Date.now() - started > 30_000) backoff = options.backoffInitialMs ?? 100
        yield* Effect.sleep(backoff)
        backoff = Math.min(backoff * 2, options.backoffMaxMs ?? 15_000)
      }
    })
    yield* Effect.forkScoped(loop)

    const call = (type: string, payload: Record<string, unknown>): Effect.Effect<void, ClusterError> =>
      Effect.gen(function* () {
        for (let hop = 0; hop < 3; hop++) {
          if (conn.streamId === undefined || conn.frameworkId === undefined)
            return yield* new ClusterNotSubscribed({ call: type })
          const body = { framework_id: { value: conn.frameworkId }, type, ...payload }
          const url = conn.leader
          const res = yield* Effect.tryPromise({
            try: () => post(url, body, { "Mesos-Stream-Id": conn.streamId ?? "" }, callTimeoutMs),
            catch: (e) => new ClusterCallFailed({ call: type, reason: (e as Error).message })
          })
          if (res.status === 202 || res.status === 200) return
          if (res.status === 307 && res.location !== undefined) {
            conn.leader = new URL(API, new URL(res.location, url))
            continue
          }
          if (res.status === 403) return yield* new ClusterNotSubscribed({ call: type })
          return yield* new ClusterCallFailed({ call: type, reason: `HTTP ${res.status}: ${res.body}` })
        }
        return yield* new ClusterCallFailed({ call: type, reason: "too many redirects" })
      })

    const filters = (refuseSeconds: number) => ({ refuse_seconds: Math.max(0, refuseSeconds) })

    const shape: ClusterManagerShape = {
      events: Stream.fromQueue(events),
      frameworkId: Effect.sync(() => conn.frameworkId),
      decline: (offerIds, refuseSeconds) =>
        call("DECLINE", {
          decline: { offer_ids: offerIds.map((value) => ({ value })), filters: filters(refuseSeconds) }
        }),
      launch: (offer, task, refuseSeconds) =>
        call("ACCEPT", {
          accept: {
            offer_ids: [{ value: offer.id }],
            operations: [
              { type: "LAUNCH", launch: { task_infos: [taskInfoFromLaunch(task, options.executor)] } }
            ],
            filters: filters(refuseSeconds)
          }
        }),
      kill: (taskId, agentId) =>
        call("KILL", {
          kill: {
            task_id: { value: taskId },
            ...(agentId === undefined ? {} : { agent_id: { value: agentId } })
          }
        }),
      reconcile: (tasks) =>
        call("RECONCILE", {
          reconcile: {
            tasks: tasks.map((t) => ({
              task_id: { value: t.taskId },
              ...(t.agentId === undefined ? {} : { agent_id: { value: t.agentId } })
            }))
          }
        }),
      acknowledge: (u: TaskStatusUpdate) =>
        u.uuid === undefined || u.agentId === undefined
          ? Effect.void
          : call("ACKNOWLEDGE", {
              acknowledge: { agent_id: { value: u.agentId }, task_id: { value: u.taskId }, uuid: u.uuid }
            }),
      teardown: call("TEARDOWN", {})
    }
    return shape
  })

export const MesosHttpClusterManager = (options: MesosHttpOptions): Layer.Layer<ClusterManager> =>
  Layer.scoped(ClusterManager, makeMesosHttp(options))
