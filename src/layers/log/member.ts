// Drives one log member: a single fiber takes every queued input, steps the pure Paxos node through
// all of them, persists their records in one transaction (one disk sync for the whole batch), then
// sends, then completes appends. This is the ReplicatedLog service.
import {
  Clock,
  Deferred,
  Duration,
  Effect,
  PubSub,
  Queue,
  Random,
  Schedule,
  type Scope,
  Stream
} from "effect"
import {
  admit,
  emptyPipeline,
  type Input,
  initNode,
  type PaxosConfig,
  type Ready,
  type Result,
  step,
  synced,
  type Value
} from "../../domain/paxos/index.ts"
import {
  type LogAppendError,
  LogCoordinatorDemoted,
  type LogEntry,
  type LogEvent,
  LogNotVoting,
  type LogStorageFailed,
  LogWriteTimeout,
  notVotingMessage,
  type ReplicatedLogShape
} from "../../services/ReplicatedLog.ts"
import type { Bytes, ReplicaStore } from "./store.ts"
import type { Transport } from "./transport.ts"

export interface MemberOptions {
  readonly config: PaxosConfig
  readonly store: ReplicaStore
  readonly transport: Transport
  /** Aurora's -native_log_write_timeout (3 s). */
  readonly writeTimeout?: Duration.DurationInput
}

const afterPendingIo = Effect.async<void>((resume) => {
  setImmediate(() => resume(Effect.void))
})

export const makeLogMember = (
  opts: MemberOptions
): Effect.Effect<ReplicatedLogShape, LogStorageFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const replica = yield* opts.store.load
    const node = initNode(
      opts.config,
      replica,
      yield* Clock.currentTimeMillis,
      yield* Random.nextIntBetween(1, 2 ** 30)
    )
    const inbox = yield* Queue.unbounded<Input<Bytes>>()
    const events = yield* PubSub.unbounded<LogEvent>()
    const waiters = new Map<number, Deferred.Deferred<ReadonlyArray<number>, LogAppendError>>()
    let nextId = 0
    let broken: LogStorageFailed | undefined

    const complete = (r: Result) => {
      const d = waiters.get(r.id)
      if (!d) return
      waiters.delete(r.id)
      if (r._tag === "Appended") Deferred.unsafeDone(d, Effect.succeed(r.positions))
      else if (r.reason === "Demoted")
        Deferred.unsafeDone(
          d,
          Effect.fail(
            new LogCoordinatorDemoted({ message: "log coordinator demoted: another writer exists" })
          )
        )
      else
        Deferred.unsafeDone(
          d,
          Effect.fail(
            new LogNotVoting({ status: node.replica.status, message: notVotingMessage(node.replica.status) })
          )
        )
    }

    const pipe = emptyPipeline()
    const scope = yield* Effect.scope
    let previous: Deferred.Deferred<void> | undefined
    let inFlight = 0
    const stop = (e: LogStorageFailed) =>
      Effect.sync(() => {
        // A replica that cannot persist must not answer again: stop and fail everyone waiting.
        broken = e
        for (const d of waiters.values()) Deferred.unsafeDone(d, Effect.fail(e))
        waiters.clear()
      })

    const runBatch = Effect.gen(function* () {
      if (broken) return yield* Effect.fail(broken)
      const first = yield* Queue.take(inbox)
      // Let every I/O callback that is ready run first, so one batch (one disk sync) takes them all.
      yield* afterPendingIo
      const batch = [first, ...(yield* Queue.takeUpTo(inbox, 4096))]
      const readies: Array<Ready<Bytes>> = []
      const evs: Array<LogEvent> = []
      for (const input of batch) {
        const ready = step(node, input)
        readies.push(ready)
        for (const e of ready.events) evs.push(e)
      }
      const a = admit(pipe, readies)
      if (a.early.length > 0) opts.transport.send(a.early)
      for (const r of a.earlyResults) complete(r)
      // The sync runs beside the next batches (the store keeps order); this batch's replies follow it.
      const done = yield* Deferred.make<void>()
      const before = previous
      previous = done
      inFlight++
      yield* Effect.gen(function* () {
        // An ordered store takes the next batch while syncing this one (one sync may carry several).
        if (before && !opts.store.ordered) yield* Deferred.await(before)
        yield* opts.store.persist(a.persist)
        if (before) yield* Deferred.await(before)
        if (broken) return
        synced(pipe, a)
        opts.transport.send(a.late)
        for (const r of a.lateResults) complete(r)
        if (evs.length > 0) yield* PubSub.publishAll(events, evs)
      }).pipe(
        Effect.catchAll(stop),
        Effect.ensuring(
          Effect.sync(() => {
            inFlight--
          }).pipe(Effect.zipRight(Deferred.succeed(done, undefined)))
        ),
        Effect.forkIn(scope)
      )
      if (inFlight >= 16) yield* Deferred.await(done)
    })

    const loop = Effect.forever(runBatch).pipe(Effect.catchAll(stop))
    yield* Effect.forkScoped(loop)
    yield* opts.transport.listen((e) => {
      if (e.to === opts.config.id) Queue.unsafeOffer(inbox, { _tag: "Receive", from: e.from, msg: e.msg })
    })
    const tickEvery = Math.max(5, Math.floor(opts.config.retryMs / 2))
    yield* Effect.forkScoped(
      Clock.currentTimeMillis.pipe(
        Effect.flatMap((now) => Queue.offer(inbox, { _tag: "Tick", now })),
        Effect.repeat(Schedule.spaced(Duration.millis(tickEvery)))
      )
    )
    yield* Queue.offer(inbox, { _tag: "Tick", now: yield* Clock.currentTimeMillis })

    const timeout = opts.writeTimeout ?? Duration.seconds(3)
    const submit = (values: ReadonlyArray<Value<Bytes>>) =>
      Effect.gen(function* () {
        if (broken) return yield* broken
        const id = ++nextId
        const d = yield* Deferred.make<ReadonlyArray<number>, LogAppendError>()
        waiters.set(id, d)
        Queue.unsafeOffer(inbox, { _tag: "Append", id, values })
        return yield* Deferred.await(d).pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () =>
              new LogWriteTimeout({
                message: `log append not acknowledged by a quorum within ${Duration.format(timeout)}`
              })
          }),
          Effect.ensuring(Effect.sync(() => waiters.delete(id)))
        )
      })

    const read = (from: number, to: number) =>
      Effect.sync(() => {
        const out: Array<LogEntry> = []
        const r = node.replica
        const hi = Math.min(to, node.applied)
        for (let p = Math.max(from, r.begin); p <= hi; p++) {
          const a = r.actions.get(p)
          if (a?.learned && a.value?._tag === "Data") out.push({ position: p, data: a.value.data })
        }
        return out
      })

    return {
      append: (entries) => submit(entries.map((data) => ({ _tag: "Data", data }) as const)),
      read,
      truncate: (position) => submit([{ _tag: "Truncate", to: position }]).pipe(Effect.asVoid),
      position: Effect.sync(() => ({ begin: node.replica.begin, end: node.applied })),
      status: Effect.sync(() => node.replica.status),
      events: Stream.fromPubSub(events)
    } satisfies ReplicatedLogShape
  })
