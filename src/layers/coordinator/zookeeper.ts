// The real coordinator: Apache ZooKeeper through node-zookeeper-client (pure JS, no native build).
// The library reconnects within a session but never replaces an expired one and has no read
// timeout, so this layer adds what Curator adds: a heartbeat to notice silent connections, LOST when
// the session can no longer be confirmed, and a fresh session after LOST.

import { Deferred, Duration, Effect, Exit, FiberId, Layer, Option, Stream, SubscriptionRef } from "effect"
import zookeeper from "node-zookeeper-client"
import { endpointsProblem, pathProblem } from "../../domain/coordinator/paths.ts"
import {
  BadVersion,
  type ConnectionState,
  Coordinator,
  CoordinatorConfigInvalid,
  type CoordinatorService,
  CoordinatorUnavailable,
  NoChildrenForEphemerals,
  NodeExists,
  NoNode,
  NotAuthorized,
  NotEmpty,
  SessionExpired,
  type Stat,
  type WatchEvent
} from "../../services/Coordinator.ts"
import { connectionStateMetrics, fromBackend } from "./common.ts"

const { ACL, CreateMode, Event, Exception, Id, Permission, State, createClient } = zookeeper

export interface ZooKeeperConfig {
  /** `-zk_endpoints`: `host:port[,host:port...]`. */
  readonly endpoints: string
  /** `-zk_chroot_path`, e.g. `/aurora`; must exist on the servers. */
  readonly chroot?: string
  /** `-zk_session_timeout` (default 15 s). */
  readonly sessionTimeoutMs?: number
  /** `-zk_connection_timeout` for the first connection (default 10 s). */
  readonly connectionTimeoutMs?: number
  /** `-zk_digest_credentials` `user:pass`: digest auth, and ACL "world read, creator all". */
  readonly digestCredentials?: string
}

const describeConfig = (c: ZooKeeperConfig) => `zookeeper:${c.endpoints}${c.chroot ?? ""}`

const toStat = (s: zookeeper.Stat): Stat => {
  const owner = s.ephemeralOwner.toString("hex")
  return {
    version: s.version,
    cversion: s.cversion,
    numChildren: s.numChildren,
    dataLength: s.dataLength,
    ephemeralOwner: /^0*$/.test(owner) ? undefined : owner
  }
}

const eventName = (e: zookeeper.Event): WatchEvent => {
  switch (e.getType()) {
    case Event.NODE_CREATED:
      return "NodeCreated"
    case Event.NODE_DELETED:
      return "NodeDeleted"
    case Event.NODE_DATA_CHANGED:
      return "NodeDataChanged"
    default:
      return "NodeChildrenChanged"
  }
}

type Failure =
  | CoordinatorUnavailable
  | SessionExpired
  | NotAuthorized
  | NoNode
  | NodeExists
  | NotEmpty
  | BadVersion
  | NoChildrenForEphemerals

// Errors are typed per operation by CoordinatorService's signatures; the contract suite checks them.
// biome-ignore lint/suspicious/noExplicitAny: narrowed where the service object is assembled
type Untyped = any

const toFailure = (error: unknown, path: string, where: string): Failure => {
  const code =
    typeof (error as zookeeper.Exception)?.getCode === "function"
      ? (error as zookeeper.Exception).getCode()
      : undefined
  switch (code) {
    case Exception.NO_NODE:
      return new NoNode({ path })
    case Exception.NODE_EXISTS:
      return new NodeExists({ path })
    case Exception.NOT_EMPTY:
      return new NotEmpty({ path })
    case Exception.BAD_VERSION:
      return new BadVersion({ path })
    case Exception.NO_CHILDREN_FOR_EPHEMERALS:
      return new NoChildrenForEphemerals({ path })
    case Exception.SESSION_EXPIRED:
      return new SessionExpired({ message: `${where}: session expired` })
    case Exception.NO_AUTH:
    case Exception.AUTH_FAILED:
    case Exception.INVALID_ACL:
      return new NotAuthorized({ path, message: `${where}: not authorized for ${path}` })
    default:
      return new CoordinatorUnavailable({ message: `${where}: ${String(error)} (${path})` })
  }
}

const MODES = {
  PERSISTENT: CreateMode.PERSISTENT,
  PERSISTENT_SEQUENTIAL: CreateMode.PERSISTENT_SEQUENTIAL,
  EPHEMERAL: CreateMode.EPHEMERAL,
  EPHEMERAL_SEQUENTIAL: CreateMode.EPHEMERAL_SEQUENTIAL
} as const

/** A coordinator session on ZooKeeper, closed with the scope. Fails if no server answers in time. */
export const make = (config: ZooKeeperConfig) =>
  Effect.gen(function* () {
    const endpointIssue = endpointsProblem(config.endpoints)
    if (endpointIssue !== undefined) {
      return yield* Effect.fail(new CoordinatorConfigInvalid({ message: `zk_endpoints: ${endpointIssue}` }))
    }
    const chrootIssue = config.chroot === undefined ? undefined : pathProblem(config.chroot)
    if (chrootIssue !== undefined) {
      return yield* Effect.fail(
        new CoordinatorConfigInvalid({
          message: `zk_chroot_path ${JSON.stringify(config.chroot)} ${chrootIssue}`
        })
      )
    }
    const description = describeConfig(config)
    const requestedTimeout = config.sessionTimeoutMs ?? 15_000
    const connectString = config.endpoints + (config.chroot ?? "")
    const acls =
      config.digestCredentials === undefined
        ? [new ACL(Permission.ALL, new Id("world", "anyone"))]
        : [new ACL(Permission.READ, new Id("world", "anyone")), new ACL(Permission.ALL, new Id("auth", ""))]

    const stateRef = yield* SubscriptionRef.make<ConnectionState>("SUSPENDED")
    const setState = (s: ConnectionState) => Effect.runSync(SubscriptionRef.set(stateRef, s))
    const firstConnect = yield* Deferred.make<void>()
    const watches = new Set<Deferred.Deferred<WatchEvent>>()
    const endWatches = (event: WatchEvent) => {
      for (const d of watches) Deferred.unsafeDone(d, Exit.succeed(event))
      watches.clear()
    }

    let client: zookeeper.Client
    let connected = false
    let everConnected = false
    let closed = false
    let lastHeard = Date.now()
    let negotiatedTimeout = requestedTimeout
    const heard = () => {
      lastHeard = Date.now()
    }

    // One client is one session; after LOST it is dropped and a new one opened.
    const open = () => {
      const c = createClient(connectString, { sessionTimeout: requestedTimeout, spinDelay: 200, retries: 0 })
      if (config.digestCredentials !== undefined)
        c.addAuthInfo("digest", Buffer.from(config.digestCredentials))
      c.on("state", (s: zookeeper.State) => {
        if (c !== client || closed) return
        if (s === State.SYNC_CONNECTED || s === State.CONNECTED_READ_ONLY) {
          connected = true
          lost = false
          heard()
          negotiatedTimeout = c.getSessionTimeout()
          setState(everConnected ? "RECONNECTED" : "CONNECTED")
          everConnected = true
          Deferred.unsafeDone(firstConnect, Exit.void)
        } else if (s === State.DISCONNECTED) {
          if (connected) setState("SUSPENDED")
          connected = false
        } else if (s === State.EXPIRED || s === State.AUTH_FAILED) {
          if (s === State.AUTH_FAILED)
            Effect.runFork(Effect.logError(`${description}: authentication failed`))
          loseSession()
        }
      })
      client = c
      c.connect()
    }

    let lost = false
    const loseSession = () => {
      if (closed) return
      const old = client
      connected = false
      if (!lost) {
        lost = true
        endWatches("SessionLost")
        setState("LOST")
      }
      // Closing sends closeSession if the old session is reachable again, so its ephemerals go at once.
      retire(old)
      heard() // the new session gets a full timeout to connect
      open()
    }

    // Forces the library to drop a connection that stopped answering (it has no read timeout).
    const dropConnection = (c: zookeeper.Client = client) => {
      const socket = (c as unknown as { connectionManager?: { socket?: { destroy(): void } } })
        .connectionManager?.socket
      socket?.destroy()
    }
    // close() only queues closeSession; if no server answers, make sure the old socket goes anyway.
    const retire = (c: zookeeper.Client) => {
      c.removeAllListeners("state")
      c.close()
      setTimeout(() => dropConnection(c), 2000).unref()
    }

    open()

    const opTimeout = Duration.millis(requestedTimeout)
    const call = <A>(
      path: string,
      what: string,
      f: (c: zookeeper.Client, done: (e: unknown, a?: A) => void) => void
    ): Effect.Effect<A, Untyped> =>
      Effect.async<A, Failure>((resume) => {
        if (closed)
          return resume(Effect.fail(new CoordinatorUnavailable({ message: `${description}: closed` })))
        try {
          f(client, (e, a) => {
            const code =
              typeof (e as zookeeper.Exception)?.getCode === "function"
                ? (e as zookeeper.Exception).getCode()
                : 0
            if (e === null || e === undefined || code !== Exception.CONNECTION_LOSS) heard()
            resume(
              e === null || e === undefined
                ? Effect.succeed(a as A)
                : Effect.fail(toFailure(e, path, `${description} ${what}`))
            )
          })
        } catch (e) {
          resume(Effect.fail(toFailure(e, path, `${description} ${what}`)))
        }
      }).pipe(
        Effect.timeoutFail({
          duration: opTimeout,
          onTimeout: () =>
            new CoordinatorUnavailable({ message: `${description}: ${what} ${path} timed out` })
        })
      )

    const newWatch = () => {
      const d = Deferred.unsafeMake<WatchEvent>(FiberId.none)
      watches.add(d)
      const fire = (e: zookeeper.Event) => {
        watches.delete(d)
        Deferred.unsafeDone(d, Exit.succeed(eventName(e)))
      }
      // A failed read sets no watch: forget it so it does not wait for session loss.
      const drop = Effect.sync(() => watches.delete(d))
      return { changed: Deferred.await(d), fire, drop }
    }

    const exists = (path: string, watcher?: (e: zookeeper.Event) => void) =>
      call<zookeeper.Stat | null>(path, "exists", (c, done) =>
        watcher === undefined ? c.exists(path, done) : c.exists(path, watcher, done)
      ).pipe(Effect.map((s) => (s ? Option.some(toStat(s)) : Option.none())))

    const getData = (path: string, watcher?: (e: zookeeper.Event) => void) =>
      call<{ data: Uint8Array; stat: Stat }>(path, "getData", (c, done) => {
        const cb = (e: unknown, data: Buffer | null, stat: zookeeper.Stat) =>
          e
            ? done(e)
            : done(null, { data: data ? new Uint8Array(data) : new Uint8Array(), stat: toStat(stat) })
        if (watcher === undefined) c.getData(path, cb)
        else c.getData(path, watcher, cb)
      })

    const getChildren = (path: string, watcher?: (e: zookeeper.Event) => void) =>
      call<ReadonlyArray<string>>(path, "getChildren", (c, done) => {
        const cb = (e: unknown, children: Array<string>) => (e ? done(e) : done(null, [...children].sort()))
        if (watcher === undefined) c.getChildren(path, cb)
        else c.getChildren(path, watcher, cb)
      })

    // Heartbeat and session watchdog. The session is declared LOST a little before the server could
    // expire it (counted from the last reply), so a deposed leader learns first.
    // Wall-clock time (Date.now) on purpose: it is compared with the real server's timers.
    let heartbeatInFlight = false
    const heartbeat = Effect.ignore(exists("/")).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          heartbeatInFlight = false
        })
      )
    )
    const watchdog = Effect.gen(function* () {
      for (;;) {
        yield* Effect.sleep(Duration.millis(Math.max(50, Math.min(250, negotiatedTimeout / 8))))
        if (closed) return
        const silent = Date.now() - lastHeard
        if (silent >= negotiatedTimeout * 0.9 && everConnected) {
          if (!lost) yield* Effect.logWarning(`${description}: session not confirmed for ${silent} ms: LOST`)
          loseSession()
        } else if (connected && silent > negotiatedTimeout / 2) {
          setState("SUSPENDED")
          connected = false
          dropConnection()
        } else if (connected && silent > negotiatedTimeout / 4 && !heartbeatInFlight) {
          heartbeatInFlight = true
          yield* Effect.forkDaemon(heartbeat)
        }
      }
    })

    const close = Effect.sync(() => {
      if (closed) return
      closed = true
      connected = false
      retire(client)
      endWatches("Closed")
      setState("CLOSED")
    })
    yield* Effect.addFinalizer(() => close)

    const connectTimeout = config.connectionTimeoutMs ?? 10_000
    const initial = yield* Deferred.await(firstConnect).pipe(
      Effect.timeout(Duration.millis(connectTimeout)),
      Effect.exit
    )
    if (Exit.isFailure(initial)) {
      yield* close
      return yield* Effect.fail(
        new CoordinatorUnavailable({
          message: `could not connect to ZooKeeper at ${config.endpoints}${config.chroot ?? ""} within ${connectTimeout} ms`
        })
      )
    }
    yield* Effect.forkScoped(watchdog)
    yield* Effect.forkScoped(connectionStateMetrics(stateRef.changes))

    const service: CoordinatorService = fromBackend({
      description,
      state: SubscriptionRef.get(stateRef),
      states: stateRef.changes.pipe(Stream.takeUntil((s) => s === "CLOSED")),
      sessionId: Effect.sync(() =>
        connected ? Option.some(client.getSessionId().toString("hex")) : Option.none()
      ),
      sessionTimeoutMs: Effect.sync(() => negotiatedTimeout),
      create: (path, data = new Uint8Array(), mode = "PERSISTENT") =>
        call<string>(path, "create", (c, done) => c.create(path, Buffer.from(data), acls, MODES[mode], done)),
      mkdirp: (path) =>
        call<string>(path, "mkdirp", (c, done) => c.mkdirp(path, acls, CreateMode.PERSISTENT, done)).pipe(
          Effect.asVoid
        ),
      delete: (path, version = -1) =>
        call<void>(path, "delete", (c, done) => c.remove(path, version, (e) => done(e))),
      exists: (path) => exists(path),
      getData: (path) => getData(path),
      setData: (path, data, version = -1) =>
        call<zookeeper.Stat>(path, "setData", (c, done) =>
          c.setData(path, Buffer.from(data), version, done)
        ).pipe(Effect.map(toStat)),
      getChildren: (path) => getChildren(path),
      // A data watch (via getData) also fires on deletion; the library's exists-watch does not.
      watchExists: (path) =>
        Effect.gen(function* () {
          for (;;) {
            const w = newWatch()
            const data = yield* Effect.either(getData(path, w.fire))
            if (data._tag === "Right") return { value: Option.some(data.right.stat), changed: w.changed }
            yield* w.drop
            if (data.left._tag !== "NoNode") return yield* Effect.fail(data.left)
            const w2 = newWatch()
            const stat = yield* exists(path, w2.fire).pipe(Effect.tapError(() => w2.drop))
            if (Option.isNone(stat)) return { value: stat, changed: w2.changed }
          }
        }),
      watchData: (path) => {
        const w = newWatch()
        return getData(path, w.fire).pipe(
          Effect.map((value) => ({ value, changed: w.changed })),
          Effect.tapError(() => w.drop)
        )
      },
      watchChildren: (path) => {
        const w = newWatch()
        return getChildren(path, w.fire).pipe(
          Effect.map((value) => ({ value, changed: w.changed })),
          Effect.tapError(() => w.drop)
        )
      },
      close
    })
    return service
  })

export const layer = (
  config: ZooKeeperConfig
): Layer.Layer<Coordinator, CoordinatorUnavailable | CoordinatorConfigInvalid> =>
  Layer.scoped(Coordinator, make(config))
