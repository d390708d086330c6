// What both layers share, so they cannot drift: path validation in front of every call and the
// watch loop behind `children`.

import { Effect, Either, Metric, Option, Stream } from "effect"
import { pathProblem } from "../../domain/coordinator/paths.ts"
import {
  type ConnectionState,
  type CoordinatorService,
  InvalidPath,
  type NotAuthorized,
  type WatchEvent
} from "../../services/Coordinator.ts"

/** A layer's raw operations; `fromBackend` adds validation and the derived streams. */
export type Backend = Omit<CoordinatorService, "children">

const checked =
  <A extends ReadonlyArray<unknown>, R, E>(f: (path: string, ...rest: A) => Effect.Effect<R, E>) =>
  (path: string, ...rest: A): Effect.Effect<R, E | InvalidPath> => {
    const problem = pathProblem(path)
    return problem === undefined ? f(path, ...rest) : Effect.fail(new InvalidPath({ path, reason: problem }))
  }

export const fromBackend = (b: Backend): CoordinatorService => {
  const service: CoordinatorService = {
    ...b,
    create: checked(b.create),
    mkdirp: checked(b.mkdirp),
    delete: checked(b.delete),
    exists: checked(b.exists),
    getData: checked(b.getData),
    setData: checked(b.setData),
    getChildren: checked(b.getChildren),
    watchExists: checked(b.watchExists),
    watchData: checked(b.watchData),
    watchChildren: checked(b.watchChildren),
    children: (path) => childrenStream(service, path)
  }
  return service
}

/** Waits until the session is usable again (or closed), pausing briefly so failures do not spin. */
export const awaitUsable = (c: Pick<CoordinatorService, "states">): Effect.Effect<boolean> =>
  c.states.pipe(
    Stream.filter((s) => s === "CONNECTED" || s === "RECONNECTED" || s === "CLOSED"),
    Stream.runHead,
    Effect.map((s) => Option.getOrElse(s, () => "CLOSED") !== "CLOSED"),
    Effect.zipLeft(Effect.sleep("100 millis"))
  )

const sameChildren = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i])

const childrenStream = (
  c: CoordinatorService,
  path: string
): Stream.Stream<ReadonlyArray<string>, InvalidPath | NotAuthorized> => {
  // `pending` is the watch set by the previous read; the next read waits for it to fire.
  let pending: Effect.Effect<WatchEvent> | undefined
  const next: Effect.Effect<ReadonlyArray<string>, Option.Option<InvalidPath | NotAuthorized>> = Effect.gen(
    function* () {
      if (pending !== undefined && (yield* pending) === "Closed") return yield* Effect.fail(Option.none())
      for (;;) {
        const read = yield* Effect.either(c.watchChildren(path))
        if (Either.isRight(read)) {
          pending = read.right.changed
          return read.right.value
        }
        const err = read.left
        if (err._tag === "InvalidPath" || err._tag === "NotAuthorized")
          return yield* Effect.fail(Option.some(err))
        if (err._tag === "NoNode") {
          const ex = yield* Effect.either(c.watchExists(path))
          if (Either.isRight(ex) && Option.isNone(ex.right.value)) {
            pending = ex.right.changed
            return []
          }
          if (Either.isRight(ex)) continue // created in between: read its children
          const e = ex.left
          if (e._tag === "InvalidPath" || e._tag === "NotAuthorized")
            return yield* Effect.fail(Option.some(e))
        }
        if (!(yield* awaitUsable(c))) return yield* Effect.fail(Option.none())
      }
    }
  )
  return Stream.repeatEffectOption(next).pipe(Stream.changesWith(sameChildren))
}

const METRIC_STATES = ["CONNECTED", "SUSPENDED", "RECONNECTED", "LOST", "CLOSED"] as const
const stateGauges = Object.fromEntries(
  METRIC_STATES.map((s) => [s, Metric.gauge(`zk_connection_state_${s}`)])
) as Record<ConnectionState, Metric.Metric.Gauge<number>>
const stateCounters = Object.fromEntries(
  METRIC_STATES.map((s) => [s, Metric.counter(`zk_connection_state_${s}_counter`)])
) as Record<ConnectionState, Metric.Metric.Counter<number>>

/** Aurora's `zk_connection_state_<STATE>` gauges (1 for the current state) and `..._counter`s. */
export const connectionStateMetrics = (states: Stream.Stream<ConnectionState>): Effect.Effect<void> =>
  Stream.runForEach(states, (state) =>
    Effect.forEach(METRIC_STATES, (s) => Metric.set(stateGauges[s], s === state ? 1 : 0), {
      discard: true
    }).pipe(Effect.zipRight(Metric.increment(stateCounters[state])))
  )
