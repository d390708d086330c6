// Leader election like Curator's LeaderSelector, on any Coordinator layer. Each candidate creates an
// EPHEMERAL_SEQUENTIAL lock node `<path>/_c_<uuid>-lock-<seq>` holding its id; the lowest sequence
// leads; the others watch their predecessor. SUSPENDED is tolerated; leadership ends when the
// session is LOST (or replaced), or when the candidate leaves (api-storage-security §3).

import { Effect, Either, Fiber, Option, Random, type Scope, Stream, SubscriptionRef } from "effect"
import { electionPosition, findOwnLockNode, lockNodePrefix } from "../../domain/coordinator/election.ts"
import { baseName, joinPath } from "../../domain/coordinator/paths.ts"
import { Coordinator, type CoordinatorService, utf8 } from "../../services/Coordinator.ts"
import { awaitUsable } from "./common.ts"

/** WAITING: in line. LEADING: holds the lock. LOST: was leading, session lost. LEFT: left for good. */
export type LeadershipStatus = "WAITING" | "LEADING" | "LOST" | "LEFT"

export interface Candidate {
  readonly id: string
  readonly status: Effect.Effect<LeadershipStatus>
  /** The current status, then every change. */
  readonly changes: Stream.Stream<LeadershipStatus>
  /** Completes once leading; fails with the status if the candidate left, or lost without requeue. */
  readonly awaitLeadership: Effect.Effect<void, "LEFT" | "LOST">
  /** Completes when leadership, once held, ends (LOST or LEFT). */
  readonly awaitLoss: Effect.Effect<void>
  /** Leaves the election: stops competing and deletes the lock node. Idempotent. */
  readonly leave: Effect.Effect<void>
}

export interface ElectionOptions {
  /** Compete again after losing leadership (Curator's autoRequeue). Default false: the scheduler exits. */
  readonly requeue?: boolean
}

const randomUuid = Effect.gen(function* () {
  let hex = ""
  for (let i = 0; i < 8; i++) hex += (yield* Random.nextIntBetween(0, 0x10000)).toString(16).padStart(4, "0")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
})

/** Ends when the session behind `sessionId` is gone (LOST, CLOSED, or a new session). */
const awaitSessionEnd = (zk: CoordinatorService, sessionId: string) =>
  zk.states.pipe(
    Stream.mapEffect((s) =>
      Effect.map(
        zk.sessionId,
        (id) => s === "LOST" || s === "CLOSED" || (Option.isSome(id) && id.value !== sessionId)
      )
    ),
    Stream.filter((ended) => ended),
    Stream.runHead,
    Effect.asVoid
  )

/** Creates the lock node, finding it again by its uuid if the reply was lost. */
const createLockNode = (zk: CoordinatorService, path: string, id: string) =>
  Effect.gen(function* () {
    const uuid = yield* randomUuid
    const created = yield* Effect.either(
      zk.create(joinPath(path, lockNodePrefix(uuid)), utf8(id), "EPHEMERAL_SEQUENTIAL")
    )
    if (Either.isRight(created)) return Option.some(baseName(created.right))
    const children = yield* Effect.orElseSucceed(zk.getChildren(path), () => [] as ReadonlyArray<string>)
    return Option.fromNullable(findOwnLockNode(children, uuid))
  })

/** Joins the election at `path` as `id` (Aurora uses the advertised host). Leaves with the scope. */
export const join = (
  path: string,
  id: string,
  options: ElectionOptions = {}
): Effect.Effect<Candidate, never, Coordinator | Scope.Scope> =>
  Effect.gen(function* () {
    const zk = yield* Coordinator
    const status = yield* SubscriptionRef.make<LeadershipStatus>("WAITING")
    let ownNode: string | undefined

    // One round: create a lock node, wait in line, lead until the session ends. True = compete again.
    const round: Effect.Effect<boolean> = Effect.gen(function* () {
      if (!(yield* awaitUsable(zk))) return false
      const sessionId = yield* zk.sessionId
      if (Option.isNone(sessionId)) return true
      yield* Effect.ignore(zk.mkdirp(path))
      const node = yield* createLockNode(zk, path, id)
      if (Option.isNone(node)) return true
      ownNode = node.value
      for (;;) {
        const children = yield* Effect.either(zk.getChildren(path))
        if (Either.isLeft(children)) {
          if (!(yield* awaitUsable(zk))) return false
          continue
        }
        const position = electionPosition(children.right, node.value)
        if (position._tag === "Missing") return true // session lost meanwhile: a new node is needed
        if (position._tag === "Leader") {
          yield* SubscriptionRef.set(status, "LEADING")
          yield* Effect.logInfo(`elected leader at ${path} as ${id} (${node.value})`)
          yield* awaitSessionEnd(zk, sessionId.value)
          yield* Effect.logWarning(`leadership at ${path} lost: the coordinator session ended`)
          yield* SubscriptionRef.set(status, "LOST")
          ownNode = undefined
          return options.requeue === true
        }
        const watched = yield* Effect.either(zk.watchExists(joinPath(path, position.predecessor)))
        if (Either.isRight(watched) && Option.isSome(watched.right.value)) {
          const event = yield* watched.right.changed
          if (event === "Closed") return false
        } else if (Either.isLeft(watched) && !(yield* awaitUsable(zk))) {
          return false
        }
      }
    })

    const loop = Effect.gen(function* () {
      while (yield* round) {
        if ((yield* SubscriptionRef.get(status)) === "LOST") yield* SubscriptionRef.set(status, "WAITING")
      }
    })
    const fiber = yield* Effect.forkDaemon(loop)

    let left = false
    const leave = Effect.gen(function* () {
      if (left) return
      left = true
      yield* Fiber.interrupt(fiber)
      const node = ownNode
      ownNode = undefined
      if (node !== undefined) yield* Effect.ignore(zk.delete(joinPath(path, node)))
      yield* SubscriptionRef.set(status, "LEFT")
    })
    yield* Effect.addFinalizer(() => leave)

    const changes = status.changes
    return {
      id,
      status: SubscriptionRef.get(status),
      changes,
      awaitLeadership: changes.pipe(
        Stream.filter((s) => s === "LEADING" || s === "LEFT" || (s === "LOST" && options.requeue !== true)),
        Stream.runHead,
        Effect.flatMap((s) =>
          Option.contains(s, "LEADING")
            ? Effect.void
            : Effect.fail(Option.getOrElse(s, () => "LEFT") as "LEFT" | "LOST")
        )
      ),
      awaitLoss: changes.pipe(
        Stream.dropWhile((s) => s !== "LEADING"),
        Stream.filter((s) => s === "LOST" || s === "LEFT"),
        Stream.runHead,
        Effect.asVoid
      ),
      leave
    } satisfies Candidate
  })
