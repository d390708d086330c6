// Several local agents as one cluster (the one-machine cluster with more than one agent, each its own
// Mesos API endpoint): the first endpoint assigns the framework id, the others subscribe under the same
// id, events are merged, and calls go to the endpoint that owns the offer or agent.
import { Effect, Queue, Ref, Scope, Stream } from "effect"
import {
  ClusterCallFailed,
  type ClusterEvent,
  type ClusterManagerShape,
  type ReconcileTask
} from "../../services/ClusterManager.ts"

/** `make(frameworkId)` builds one endpoint's manager (e.g. makeMesosHttp) subscribing under that id. */
export const combineClusterManagers = (
  endpoints: number,
  make: (
    index: number,
    frameworkId: string | undefined
  ) => Effect.Effect<ClusterManagerShape, never, Scope.Scope>,
  storedFrameworkId: string | undefined
): Effect.Effect<ClusterManagerShape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const merged = yield* Queue.unbounded<ClusterEvent>()
    const members: Array<ClusterManagerShape | undefined> = new Array(endpoints).fill(undefined)
    const byAgent = new Map<string, number>()
    const byOffer = new Map<string, number>()
    const started = yield* Ref.make(false)

    const follow = (index: number, member: ClusterManagerShape): Effect.Effect<void, never, Scope.Scope> =>
      Stream.runForEach(member.events, (event) =>
        Effect.gen(function* () {
          if (event._tag === "Offers")
            for (const offer of event.offers) {
              byAgent.set(offer.agentId, index)
              byOffer.set(offer.id, index)
            }
          if (event._tag === "Rescind") byOffer.delete(event.offerId)
          if (event._tag === "Update" && event.status.agentId !== undefined)
            byAgent.set(event.status.agentId, index)
          if (event._tag === "Subscribed" && index === 0 && !(yield* Ref.getAndSet(started, true)))
            yield* startOthers(event.frameworkId)
          yield* Queue.offer(merged, event)
        })
      ).pipe(Effect.forkScoped, Effect.asVoid)

    const scope = yield* Effect.scope
    const startOthers = (frameworkId: string): Effect.Effect<void> =>
      Scope.extend(
        Effect.gen(function* () {
          for (let i = 1; i < endpoints; i++) {
            const member = yield* make(i, frameworkId)
            members[i] = member
            yield* follow(i, member)
          }
        }),
        scope
      )

    const first = yield* make(0, storedFrameworkId)
    members[0] = first
    yield* follow(0, first)

    const member = (index: number | undefined, call: string) =>
      index !== undefined && members[index] !== undefined
        ? Effect.succeed(members[index]!)
        : Effect.fail(new ClusterCallFailed({ call, reason: "no agent endpoint owns this offer or agent" }))
    const everyone = () => members.filter((m): m is ClusterManagerShape => m !== undefined)

    const shape: ClusterManagerShape = {
      events: Stream.fromQueue(merged),
      frameworkId: first.frameworkId,
      decline: (offerIds, refuseSeconds) =>
        Effect.forEach(
          offerIds,
          (id) => Effect.flatMap(member(byOffer.get(id), "DECLINE"), (m) => m.decline([id], refuseSeconds)),
          { discard: true }
        ),
      launch: (offer, task, refuseSeconds) =>
        Effect.flatMap(member(byOffer.get(offer.id), "ACCEPT"), (m) => m.launch(offer, task, refuseSeconds)),
      kill: (taskId, agentId) =>
        agentId !== undefined && byAgent.has(agentId)
          ? Effect.flatMap(member(byAgent.get(agentId), "KILL"), (m) => m.kill(taskId, agentId))
          : Effect.forEach(everyone(), (m) => m.kill(taskId, agentId), { discard: true }),
      reconcile: (tasks) => {
        if (tasks.length === 0) return Effect.forEach(everyone(), (m) => m.reconcile([]), { discard: true })
        // A task is asked of the endpoint that runs its agent only: another would report it unknown (LOST).
        const split = new Map<number, Array<ReconcileTask>>()
        for (const t of tasks) {
          const index = t.agentId === undefined ? undefined : byAgent.get(t.agentId)
          for (const i of index === undefined ? everyone().map((_, n) => n) : [index]) {
            const list = split.get(i) ?? []
            list.push(t)
            split.set(i, list)
          }
        }
        return Effect.forEach(
          split,
          ([i, list]) => Effect.flatMap(member(i, "RECONCILE"), (m) => m.reconcile(list)),
          { discard: true }
        )
      },
      acknowledge: (update) =>
        Effect.flatMap(
          member(update.agentId === undefined ? undefined : byAgent.get(update.agentId), "ACKNOWLEDGE"),
          (m) => m.acknowledge(update)
        ),
      teardown: Effect.forEach(everyone(), (m) => m.teardown, { discard: true })
    }
    return shape
  })
