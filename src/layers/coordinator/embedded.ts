// The embedded single-node coordinator: sessions on an in-process EmbeddedTree. The default for a
// one-machine cluster, and the twin of the ZooKeeper layer in tests (same contract suite). Each
// session has fault controls (expire, disconnect/reconnect) for tests of the recipes.

import {
  Deferred,
  Duration,
  Effect,
  Exit,
  FiberId,
  Layer,
  Option,
  type Scope,
  Stream,
  SubscriptionRef
} from "effect"
import { ancestorsOf } from "../../domain/coordinator/paths.ts"
import {
  BadVersion,
  type ConnectionState,
  Coordinator,
  type CoordinatorService,
  CoordinatorUnavailable,
  NoChildrenForEphemerals,
  NodeExists,
  NoNode,
  NotEmpty,
  SessionExpired,
  type WatchEvent
} from "../../services/Coordinator.ts"
import { connectionStateMetrics, fromBackend } from "./common.ts"
import { EmbeddedTree, type TreeError, type TreeResult } from "./embeddedTree.ts"

export interface EmbeddedOptions {
  /** Session timeout in ms (default 15 s, as Aurora's): how long a disconnected session survives. */
  readonly sessionTimeoutMs?: number
}

/** Fault injection for one embedded session. */
export interface EmbeddedControl {
  /** The server expires the session now: LOST, then a fresh session (RECONNECTED) if connected. */
  readonly expire: Effect.Effect<void>
  /** The connection drops: SUSPENDED; after the session timeout the session expires (LOST). */
  readonly disconnect: Effect.Effect<void>
  /** The connection returns: RECONNECTED (a new session if the old one expired meanwhile). */
  readonly reconnect: Effect.Effect<void>
}

const toError = (error: TreeError, path: string) => {
  switch (error) {
    case "NoNode":
      return new NoNode({ path })
    case "NodeExists":
      return new NodeExists({ path })
    case "NotEmpty":
      return new NotEmpty({ path })
    case "BadVersion":
      return new BadVersion({ path })
    case "NoChildrenForEphemerals":
      return new NoChildrenForEphemerals({ path })
    case "SessionExpired":
      return new SessionExpired({ message: "the embedded coordinator session expired" })
  }
}

type Failure = ReturnType<typeof toError> | CoordinatorUnavailable

/** A session on `tree`, closed with the scope. */
export const makeSession = (
  tree: EmbeddedTree,
  options: EmbeddedOptions = {}
): Effect.Effect<
  { readonly service: CoordinatorService; readonly control: EmbeddedControl },
  never,
  Scope.Scope
> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const timeoutMs = options.sessionTimeoutMs ?? 15_000
    const stateRef = yield* SubscriptionRef.make<ConnectionState>("CONNECTED")
    const watches = new Set<Deferred.Deferred<WatchEvent>>()
    let session = tree.openSession()
    let connected = true
    let closed = false
    let lostReported = false

    const setState = (s: ConnectionState) => SubscriptionRef.set(stateRef, s)
    const endWatches = (event: WatchEvent) => {
      for (const d of watches) Deferred.unsafeDone(d, Exit.succeed(event))
      watches.clear()
    }
    const loseSession = Effect.suspend(() => {
      if (lostReported) return Effect.void
      lostReported = true
      endWatches("SessionLost")
      return setState("LOST")
    })
    const freshSession = Effect.suspend(() => {
      session = tree.openSession()
      lostReported = false
      return setState("RECONNECTED")
    })

    // Errors are typed by the service interface per operation; the contract suite checks them.
    // biome-ignore lint/suspicious/noExplicitAny: the union is narrowed by CoordinatorService's signatures
    const run = <A>(path: string, f: (session: string) => TreeResult<A>): Effect.Effect<A, any> =>
      Effect.suspend((): Effect.Effect<A, Failure> => {
        if (closed)
          return Effect.fail(new CoordinatorUnavailable({ message: `${tree.name}: session closed` }))
        if (!connected)
          return Effect.fail(new CoordinatorUnavailable({ message: `${tree.name}: disconnected` }))
        if (lostReported)
          return Effect.fail(new CoordinatorUnavailable({ message: `${tree.name}: session lost` }))
        const r = f(session)
        if (r.ok) return Effect.succeed(r.value)
        return r.error === "SessionExpired"
          ? Effect.fail(new SessionExpired({ message: `${tree.name}: session expired` }))
          : Effect.fail(toError(r.error, path))
      })

    const newWatch = () => {
      const d = Deferred.unsafeMake<WatchEvent>(FiberId.none)
      watches.add(d)
      const fire = (e: WatchEvent) => {
        watches.delete(d)
        Deferred.unsafeDone(d, Exit.succeed(e))
      }
      // A failed read sets no watch: forget it so it does not wait for session loss.
      const drop = Effect.sync(() => watches.delete(d))
      return { changed: Deferred.await(d), fire, drop }
    }

    const close = Effect.suspend(() => {
      if (closed) return Effect.void
      closed = true
      tree.endSession(session)
      endWatches("Closed")
      return setState("CLOSED")
    })
    yield* Effect.addFinalizer(() => close)
    yield* Effect.forkScoped(connectionStateMetrics(stateRef.changes))

    const service = fromBackend({
      description: `embedded:${tree.name}`,
      state: SubscriptionRef.get(stateRef),
      states: stateRef.changes.pipe(Stream.takeUntil((s) => s === "CLOSED")),
      sessionId: Effect.sync(() => (connected && !closed ? Option.some(session) : Option.none())),
      sessionTimeoutMs: Effect.succeed(timeoutMs),
      create: (path, data = new Uint8Array(), mode = "PERSISTENT") =>
        run(path, (s) => tree.create(s, path, data, mode)),
      mkdirp: (path) =>
        run(path, (s) => {
          for (const p of [...ancestorsOf(path), path]) {
            const r = tree.create(s, p, new Uint8Array(), "PERSISTENT")
            if (!r.ok && r.error !== "NodeExists") return r
          }
          return { ok: true, value: undefined }
        }),
      delete: (path, version) => run(path, (s) => tree.delete(s, path, version)),
      exists: (path) => run(path, (s) => tree.exists(s, path)).pipe(Effect.map(Option.fromNullable)),
      getData: (path) => run(path, (s) => tree.getData(s, path)),
      setData: (path, data, version) => run(path, (s) => tree.setData(s, path, data, version)),
      getChildren: (path) => run(path, (s) => tree.getChildren(s, path)),
      watchExists: (path) => {
        const w = newWatch()
        return run(path, (s) => tree.exists(s, path, w.fire)).pipe(
          Effect.map((stat) => ({ value: Option.fromNullable(stat), changed: w.changed })),
          Effect.tapError(() => w.drop)
        )
      },
      watchData: (path) => {
        const w = newWatch()
        return run(path, (s) => tree.getData(s, path, w.fire)).pipe(
          Effect.map((value) => ({ value, changed: w.changed })),
          Effect.tapError(() => w.drop)
        )
      },
      watchChildren: (path) => {
        const w = newWatch()
        return run(path, (s) => tree.getChildren(s, path, w.fire)).pipe(
          Effect.map((value) => ({ value, changed: w.changed })),
          Effect.tapError(() => w.drop)
        )
      },
      close
    })

    // As with the real layer, the client declares LOST a little before the server expires the
    // session (90% of the timeout), so a deposed leader knows before anyone can take over.
    const serverGap = Duration.millis(Math.max(5, timeoutMs * 0.1))
    const expireOnServer = (id: string) =>
      Effect.sleep(serverGap).pipe(Effect.zipRight(Effect.sync(() => tree.endSession(id))))

    const control: EmbeddedControl = {
      expire: Effect.suspend(() => {
        if (closed) return Effect.void
        const old = session
        return loseSession.pipe(
          Effect.zipRight(expireOnServer(old)),
          Effect.zipRight(connected ? freshSession : Effect.void)
        )
      }),
      disconnect: Effect.suspend(() => {
        if (closed || !connected) return Effect.void
        connected = false
        const lostSession = session
        const expiry = Effect.sleep(Duration.millis(timeoutMs * 0.9)).pipe(
          Effect.zipRight(
            Effect.suspend(() => {
              if (connected || closed || session !== lostSession) return Effect.void
              return loseSession.pipe(Effect.zipRight(expireOnServer(lostSession)))
            })
          )
        )
        return setState("SUSPENDED").pipe(Effect.zipRight(Effect.forkIn(expiry, scope)), Effect.asVoid)
      }),
      reconnect: Effect.suspend(() => {
        if (closed || connected) return Effect.void
        connected = true
        if (!lostReported && tree.isAlive(session)) return setState("RECONNECTED")
        // The old session is gone or given up: end it for good and start a new one.
        tree.endSession(session)
        return loseSession.pipe(Effect.zipRight(freshSession))
      })
    }
    return { service, control }
  })

/** A layer with its own tree and one session: the one-machine default. */
export const layer = (options: EmbeddedOptions = {}): Layer.Layer<Coordinator> =>
  Layer.scoped(
    Coordinator,
    Effect.map(makeSession(new EmbeddedTree("local"), options), (s) => s.service)
  )

/** A session on a shared tree, for tests with several participants. */
export const layerOn = (tree: EmbeddedTree, options: EmbeddedOptions = {}): Layer.Layer<Coordinator> =>
  Layer.scoped(
    Coordinator,
    Effect.map(makeSession(tree, options), (s) => s.service)
  )

export { EmbeddedTree }
