// Ready-made ReplicatedLog layers: the embedded one-replica default, replicas over TCP, and in-memory members.
import * as net from "node:net"
import { Effect, Layer, type Scope } from "effect"
import { type PaxosConfig, validateQuorum } from "../../domain/paxos/index.ts"
import { LogStorageFailed, ReplicatedLog } from "../../services/ReplicatedLog.ts"
import { type LogMember, makeLogMember } from "./member.ts"
import { makeMemoryStore, makeSqliteStore } from "./sqlite-store.ts"
import type { ReplicaStore } from "./store.ts"
import { makeTcpTransport, type PeerAddress } from "./tcp-transport.ts"
import { noTransport, type Transport } from "./transport.ts"
import { makeWorkerStore } from "./worker-store.ts"

export interface LogSettings {
  /** -native_log_quorum_size */
  readonly quorum: number
  /** Off by default: after losing every disk it would silently start from an empty log. */
  readonly autoInitialize?: boolean
  readonly retryMs?: number
  readonly writeTimeoutMs?: number
  /**
   * Where SQLite runs: "main" (the default: a sync here takes a fraction of a millisecond, less than
   * two thread hops) or "worker" (a thread of its own, so a slow disk's syncs overlap with the network).
   */
  readonly storeThread?: "worker" | "main"
}

const openStore = (path: string, thread: "worker" | "main") =>
  thread === "worker" ? makeWorkerStore(path) : makeSqliteStore(path)

export const paxosConfig = (id: number, members: ReadonlyArray<number>, s: LogSettings): PaxosConfig => ({
  id,
  members,
  quorum: s.quorum,
  autoInitialize: s.autoInitialize ?? false,
  retryMs: s.retryMs ?? 100,
  maxRounds: 256
})

const checkQuorum = (quorum: number, replicas: number) => {
  const problem = validateQuorum(quorum, replicas)
  return problem
    ? Effect.fail(new LogStorageFailed({ message: `--native_log_quorum_size: ${problem}` }))
    : Effect.void
}

/** One member on a store and transport (used by every layer below and by tests). */
export const makeMember = (
  id: number,
  members: ReadonlyArray<number>,
  settings: LogSettings,
  store: ReplicaStore,
  transport: Transport
): Effect.Effect<LogMember, LogStorageFailed, Scope.Scope> =>
  checkQuorum(settings.quorum, members.length).pipe(
    Effect.zipRight(
      makeLogMember({
        config: paxosConfig(id, members, settings),
        store,
        transport,
        writeTimeout: settings.writeTimeoutMs ?? 3000
      })
    )
  )

/** The embedded default: one replica in a SQLite file under `path`, quorum 1, the same code path. */
export const layerEmbedded = (path: string, settings: Partial<LogSettings> = {}) =>
  Layer.scoped(
    ReplicatedLog,
    Effect.gen(function* () {
      const store = yield* openStore(path, settings.storeThread ?? "main")
      return yield* makeMember(0, [0], { quorum: 1, ...settings }, store, noTransport)
    })
  )

export interface TcpLogOptions extends LogSettings {
  readonly id: number
  readonly path: string
  /** Every member's address, this one's included (it listens there). */
  readonly members: ReadonlyMap<number, PeerAddress>
}

/** Listens on this member's address and returns the server so a program can serve more on it. */
export const listenTcp = (addr: PeerAddress): Effect.Effect<net.Server, LogStorageFailed, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<net.Server, LogStorageFailed>((resume) => {
      const server = net.createServer()
      server.once("error", (e) =>
        resume(
          Effect.fail(
            new LogStorageFailed({ message: `cannot listen on ${addr.host}:${addr.port}: ${e.message}` })
          )
        )
      )
      server.listen(addr.port, addr.host, () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
  )

export const makeTcpMember = (
  opts: TcpLogOptions,
  server: net.Server,
  onOther?: Parameters<typeof makeTcpTransport>[3]
) =>
  Effect.gen(function* () {
    const store = yield* openStore(opts.path, opts.storeThread ?? "main")
    const transport = makeTcpTransport(opts.id, opts.members, server, onOther)
    return yield* makeMember(
      opts.id,
      [...opts.members.keys()].sort((a, b) => a - b),
      opts,
      store,
      transport
    )
  })

/** A member of a replicated log whose replicas talk over TCP. */
export const layerTcp = (opts: TcpLogOptions) =>
  Layer.scoped(
    ReplicatedLog,
    Effect.gen(function* () {
      const server = yield* listenTcp(opts.members.get(opts.id)!)
      return yield* makeTcpMember(opts, server)
    })
  )

export { makeMemoryStore }
