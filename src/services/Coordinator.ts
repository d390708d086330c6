/**
 * Coordinator: the ZooKeeper-shaped service behind leader election, the scheduler's serverset
 * advertisement, the client's scheduler discovery and the executor's announcer.
 *
 * Layers: `ZooKeeperCoordinator.layer(config)` (real ZooKeeper, src/layers/coordinator/zookeeper.ts)
 * and `EmbeddedCoordinator.layer()` (single node, in process, src/layers/coordinator/embedded.ts).
 * Recipes on top: src/layers/coordinator/leaderElection.ts and serverset.ts.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function* () {
 *   const zk = yield* Coordinator
 *   yield* zk.mkdirp("/aurora/scheduler")
 *   const candidate = yield* LeaderElection.join("/aurora/scheduler", "10.0.0.5")
 *   yield* candidate.awaitLeadership
 *   yield* Serverset.advertise("/aurora/scheduler", schedulerMember("10.0.0.5", 8081))
 *   yield* candidate.awaitLoss // session LOST: a deposed leader exits (§3.1)
 * }).pipe(Effect.scoped)
 *
 * program.pipe(
 *   Effect.provide(ZooKeeperCoordinator.layer({ endpoints: "zk1:2181,zk2:2181", chroot: "/prod" })),
 *   NodeRuntime.runMain
 * )
 *
 * // Followers answer 307/503 from a background view of the serverset:
 * const tracker = yield* Serverset.trackLeader("/aurora/scheduler")
 * leaderStatus(yield* tracker.current, { host, port }) // Leading | NotLeading{leader} | NoLeader
 *
 * // The client: discoverScheduler({ zk: "zk1,zk2", schedulerZkPath: "/aurora/scheduler" })
 * // The executor's announcer: Serverset.announce(path, { ...member, shard: instanceId })
 * ```
 */

import { Context, type Effect, type Option, Schema, type Stream } from "effect"

export type CreateMode = "PERSISTENT" | "PERSISTENT_SEQUENTIAL" | "EPHEMERAL" | "EPHEMERAL_SEQUENTIAL"

/**
 * Curator's connection states. SUSPENDED: the connection dropped, the session may live on.
 * RECONNECTED: connected again (after SUSPENDED: same session; after LOST: a new session, every
 * ephemeral node of the old one is gone). LOST: the session expired, or it could not be confirmed
 * within the session timeout; only LOST ends leadership. CLOSED: `close` was called.
 */
export type ConnectionState = "CONNECTED" | "SUSPENDED" | "RECONNECTED" | "LOST" | "CLOSED"

export interface Stat {
  readonly version: number
  /** Changes to the children (ZooKeeper's cversion), which also numbers sequential children. */
  readonly cversion: number
  readonly numChildren: number
  readonly dataLength: number
  /** Hex session id of the owner of an ephemeral node; undefined for persistent nodes. */
  readonly ephemeralOwner: string | undefined
}

export interface NodeData {
  readonly data: Uint8Array
  readonly stat: Stat
}

/** What ended a one-shot watch. SessionLost/Closed: the watch is gone and must be set again. */
export type WatchEvent =
  | "NodeCreated"
  | "NodeDeleted"
  | "NodeDataChanged"
  | "NodeChildrenChanged"
  | "SessionLost"
  | "Closed"

/** A read plus its one-shot watch: `changed` completes at the first change after the read. */
export interface Watched<A> {
  readonly value: A
  readonly changed: Effect.Effect<WatchEvent>
}

// Errors -----------------------------------------------------------------------------------------

export class CoordinatorUnavailable extends Schema.TaggedError<CoordinatorUnavailable>()(
  "CoordinatorUnavailable",
  { message: Schema.String }
) {}

export class SessionExpired extends Schema.TaggedError<SessionExpired>()("SessionExpired", {
  message: Schema.String
}) {}

export class NotAuthorized extends Schema.TaggedError<NotAuthorized>()("NotAuthorized", {
  path: Schema.String,
  message: Schema.String
}) {}

export class InvalidPath extends Schema.TaggedError<InvalidPath>()("InvalidPath", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid ZooKeeper path ${JSON.stringify(this.path)}: ${this.reason}`
  }
}

export class NoNode extends Schema.TaggedError<NoNode>()("NoNode", { path: Schema.String }) {
  override get message(): string {
    return `no node ${this.path}`
  }
}

export class NodeExists extends Schema.TaggedError<NodeExists>()("NodeExists", { path: Schema.String }) {
  override get message(): string {
    return `node ${this.path} already exists`
  }
}

export class NotEmpty extends Schema.TaggedError<NotEmpty>()("NotEmpty", { path: Schema.String }) {
  override get message(): string {
    return `node ${this.path} has children`
  }
}

export class BadVersion extends Schema.TaggedError<BadVersion>()("BadVersion", { path: Schema.String }) {
  override get message(): string {
    return `node ${this.path} is not at the expected version`
  }
}

export class NoChildrenForEphemerals extends Schema.TaggedError<NoChildrenForEphemerals>()(
  "NoChildrenForEphemerals",
  { path: Schema.String }
) {
  override get message(): string {
    return `cannot create ${this.path}: its parent is ephemeral`
  }
}

/** A coordinator configuration that cannot work (bad endpoints or chroot). */
export class CoordinatorConfigInvalid extends Schema.TaggedError<CoordinatorConfigInvalid>()(
  "CoordinatorConfigInvalid",
  { message: Schema.String }
) {}

/** Failures any operation can have: no usable session, permissions, a malformed path. */
export type CoordinatorError = CoordinatorUnavailable | SessionExpired | NotAuthorized | InvalidPath

// Service ----------------------------------------------------------------------------------------

export interface CoordinatorService {
  /** The connect string (with chroot) or "embedded:<name>", for messages. */
  readonly description: string
  readonly state: Effect.Effect<ConnectionState>
  /** The current state, then every change. Ends after CLOSED. */
  readonly states: Stream.Stream<ConnectionState>
  /** Hex id of the current session, if one is established. */
  readonly sessionId: Effect.Effect<Option.Option<string>>
  /** The negotiated session timeout in ms. */
  readonly sessionTimeoutMs: Effect.Effect<number>

  /** Creates a node; returns its actual path (sequential modes append a 10-digit counter). */
  readonly create: (
    path: string,
    data?: Uint8Array,
    mode?: CreateMode
  ) => Effect.Effect<string, NodeExists | NoNode | NoChildrenForEphemerals | CoordinatorError>
  /** Creates `path` and its missing ancestors as empty persistent nodes; succeeds if it exists. */
  readonly mkdirp: (path: string) => Effect.Effect<void, NoChildrenForEphemerals | CoordinatorError>
  /** Deletes a node, optionally only at `version`. */
  readonly delete: (
    path: string,
    version?: number
  ) => Effect.Effect<void, NoNode | NotEmpty | BadVersion | CoordinatorError>
  readonly exists: (path: string) => Effect.Effect<Option.Option<Stat>, CoordinatorError>
  readonly getData: (path: string) => Effect.Effect<NodeData, NoNode | CoordinatorError>
  readonly setData: (
    path: string,
    data: Uint8Array,
    version?: number
  ) => Effect.Effect<Stat, NoNode | BadVersion | CoordinatorError>
  /** Child names (not paths), sorted. */
  readonly getChildren: (path: string) => Effect.Effect<ReadonlyArray<string>, NoNode | CoordinatorError>

  /** exists + one-shot watch: fires on creation, deletion or data change. */
  readonly watchExists: (path: string) => Effect.Effect<Watched<Option.Option<Stat>>, CoordinatorError>
  /** getData + one-shot watch: fires on data change or deletion. */
  readonly watchData: (path: string) => Effect.Effect<Watched<NodeData>, NoNode | CoordinatorError>
  /** getChildren + one-shot watch: fires when a child is added or removed, or the node is deleted. */
  readonly watchChildren: (
    path: string
  ) => Effect.Effect<Watched<ReadonlyArray<string>>, NoNode | CoordinatorError>
  /**
   * The children of `path` now and after every change (sorted, consecutive duplicates dropped; empty
   * while the node does not exist). Survives suspensions and session loss; ends after `close`.
   */
  readonly children: (path: string) => Stream.Stream<ReadonlyArray<string>, InvalidPath | NotAuthorized>

  /** Ends the session (its ephemeral nodes vanish at once). Idempotent. */
  readonly close: Effect.Effect<void>
}

export class Coordinator extends Context.Tag("aurora/Coordinator")<Coordinator, CoordinatorService>() {}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder().decode(b)
