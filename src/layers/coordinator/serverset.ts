// Serverset advertisement and reading on any Coordinator layer: the scheduler leader's `member_` node
// (api-storage-security §3.2), the executor's announcer (executor §8) and the client's discovery
// (client-config §0.3) share the member encoding in src/domain/coordinator/serverset.ts.

import { Effect, Either, Fiber, Option, type Scope, Stream, SubscriptionRef } from "effect"
import { baseName, joinPath } from "../../domain/coordinator/paths.ts"
import {
  decodeMember,
  encodeMember,
  isMemberNode,
  type LeaderView,
  MEMBER_PREFIX,
  type MemberNode,
  MemberUndecodable,
  type ServiceInstance,
  schedulerBaseUrl,
  selectLeader
} from "../../domain/coordinator/serverset.ts"
import {
  Coordinator,
  type CoordinatorError,
  type CoordinatorService,
  fromUtf8,
  type NoNode,
  utf8
} from "../../services/Coordinator.ts"
import { awaitUsable } from "./common.ts"

export interface Advertisement {
  /** The member node's full path while it exists. */
  readonly node: Effect.Effect<Option.Option<string>>
  /** Stream of the member node path (None while absent), current first. */
  readonly nodes: Stream.Stream<Option.Option<string>>
  /** Deletes the member node and stops re-creating it. Idempotent. */
  readonly withdraw: Effect.Effect<void>
}

/** A member node this session already owns with this data (a create whose reply was lost). */
const ownMember = (zk: CoordinatorService, path: string, data: Uint8Array) =>
  Effect.gen(function* () {
    const session = yield* zk.sessionId
    if (Option.isNone(session)) return Option.none<string>()
    const children = yield* Effect.orElseSucceed(zk.getChildren(path), () => [] as ReadonlyArray<string>)
    const expected = fromUtf8(data)
    for (const name of children.filter(isMemberNode)) {
      const node = yield* Effect.option(zk.getData(joinPath(path, name)))
      if (
        Option.isSome(node) &&
        node.value.stat.ephemeralOwner === session.value &&
        fromUtf8(node.value.data) === expected
      ) {
        return Option.some(joinPath(path, name))
      }
    }
    return Option.none<string>()
  })

/**
 * Keeps an EPHEMERAL_SEQUENTIAL `<path>/member_<seq>` with `member`'s JSON for as long as the scope
 * (or until `withdraw`): re-created if it vanishes while the session lives, or after session loss.
 */
export const advertise = (
  path: string,
  member: ServiceInstance
): Effect.Effect<Advertisement, never, Coordinator | Scope.Scope> =>
  Effect.gen(function* () {
    const zk = yield* Coordinator
    const current = yield* SubscriptionRef.make<Option.Option<string>>(Option.none())
    const data = utf8(encodeMember(member))

    const keep = Effect.gen(function* () {
      for (;;) {
        if (!(yield* awaitUsable(zk))) return
        yield* Effect.ignore(zk.mkdirp(path))
        const created = yield* Effect.either(
          Effect.flatMap(ownMember(zk, path, data), (own) =>
            Option.isSome(own)
              ? Effect.succeed(own.value)
              : zk.create(joinPath(path, MEMBER_PREFIX), data, "EPHEMERAL_SEQUENTIAL")
          )
        )
        if (Either.isLeft(created)) continue
        yield* SubscriptionRef.set(current, Option.some(created.right))
        yield* Effect.logInfo(`advertised ${baseName(created.right)} at ${path}`)
        // Hold it until it is deleted or the session goes.
        for (;;) {
          const watched = yield* Effect.either(zk.watchExists(created.right))
          if (Either.isLeft(watched)) {
            if (!(yield* awaitUsable(zk))) return
            continue
          }
          if (Option.isNone(watched.right.value)) break
          const event = yield* watched.right.changed
          if (event === "Closed") return
          if (event === "NodeDeleted" || event === "SessionLost") break
        }
        yield* SubscriptionRef.set(current, Option.none())
        yield* Effect.logWarning(`member node ${created.right} vanished; advertising again`)
      }
    })
    const fiber = yield* Effect.forkDaemon(keep)

    let withdrawn = false
    const withdraw = Effect.gen(function* () {
      if (withdrawn) return
      withdrawn = true
      yield* Fiber.interrupt(fiber)
      const node = yield* SubscriptionRef.get(current)
      if (Option.isSome(node)) yield* Effect.ignore(zk.delete(node.value))
      yield* SubscriptionRef.set(current, Option.none())
    })
    yield* Effect.addFinalizer(() => withdraw)
    return { node: SubscriptionRef.get(current), nodes: current.changes, withdraw }
  })

/** The executor's announcer: the same member node, with `shard` and every named port (executor §8). */
export const announce = advertise

const readMember = (zk: CoordinatorService, path: string, name: string) =>
  zk.getData(joinPath(path, name)).pipe(
    Effect.map((d): MemberNode => ({ name, member: decodeMember(fromUtf8(d.data)) })),
    Effect.catchTag("NoNode", () =>
      Effect.succeed<MemberNode>({ name, member: Either.left(new MemberUndecodable("vanished")) })
    )
  )

/** The `member_` nodes under `path` now, decoded (undecodable ones carry why), in name order. */
export const readMembers = (
  path: string
): Effect.Effect<ReadonlyArray<MemberNode>, NoNode | CoordinatorError, Coordinator> =>
  Effect.gen(function* () {
    const zk = yield* Coordinator
    const children = yield* zk.getChildren(path)
    return yield* Effect.forEach(children.filter(isMemberNode), (name) => readMember(zk, path, name))
  })

/** The client's scheduler URL through the serverset (client-config §0.3), if any member is there. */
export const discoverSchedulerUrl = (
  path: string
): Effect.Effect<Option.Option<string>, NoNode | CoordinatorError, Coordinator> =>
  Effect.map(readMembers(path), (members) => Option.fromNullable(schedulerBaseUrl(members)))

const sameView = (a: LeaderView, b: LeaderView): boolean =>
  a._tag === b._tag &&
  (a._tag !== "Leader" || (b._tag === "Leader" && a.node === b.node)) &&
  (a._tag !== "Ambiguous" || (b._tag === "Ambiguous" && a.nodes.join() === b.nodes.join()))

/** The leader of the serverset at `path` now and after every change; Ambiguous is logged as an error. */
export const leaderChanges = (path: string): Stream.Stream<LeaderView, never, Coordinator> =>
  Stream.unwrap(
    Effect.map(Coordinator, (zk) =>
      zk.children(path).pipe(
        Stream.catchAll(() => Stream.make([] as ReadonlyArray<string>)),
        Stream.mapEffect((children) =>
          Effect.forEach(children.filter(isMemberNode), (name) => readMember(zk, path, name)).pipe(
            Effect.orElseSucceed(() => [] as ReadonlyArray<MemberNode>)
          )
        ),
        Stream.map(selectLeader),
        Stream.changesWith(sameView),
        Stream.tap((view) =>
          view._tag === "Ambiguous"
            ? Effect.logError(`serverset ${path} has ${view.nodes.length} members; treating as no leader`)
            : Effect.void
        )
      )
    )
  )

export interface LeaderTracker {
  /** The latest view; NoLeader until the first read. */
  readonly current: Effect.Effect<LeaderView>
  readonly changes: Stream.Stream<LeaderView>
}

/** Follows the serverset in the background so request handlers can answer 307 or 503 at once. */
export const trackLeader = (path: string): Effect.Effect<LeaderTracker, never, Coordinator | Scope.Scope> =>
  Effect.gen(function* () {
    const ref = yield* SubscriptionRef.make<LeaderView>({ _tag: "NoLeader" })
    yield* Effect.forkScoped(Stream.runForEach(leaderChanges(path), (v) => SubscriptionRef.set(ref, v)))
    return { current: SubscriptionRef.get(ref), changes: ref.changes }
  })
