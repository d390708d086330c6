// Drives one log member: a single fiber takes every queued input, steps the pure Paxos node through
// all of them, persists their records in one transaction (one disk sync for the whole batch), then
// sends, then completes appends. This is the ReplicatedLog service.
import {
  Cause,
  Clock,
  Duration,
  Effect,
  Either,
  Exit,
  Option,
  PubSub,
  Random,
  Schedule,
  type Scope,
  Stream
} from "effect"
import {
  type Admitted,
  admit,
  type Durable,
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
  LogStorageFailed,
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

/** At most this many batches wait for their sync at once (then inputs queue up and batch larger). */
const MAX_SYNCING = 16
/** At most this many inputs per batch. */
const MAX_BATCH = 4096

interface Batch {
  readonly admitted: Admitted<Bytes>
  readonly events: ReadonlyArray<LogEvent>
  state: "queued" | "persisting" | "done"
}

type Done = (result: Either.Either<ReadonlyArray<number>, LogAppendError>) => void

/** The ReplicatedLog service plus a plain-callback append for servers that answer over a socket. */
export interface LogMember extends ReplicatedLogShape {
  readonly appendNow: (entries: ReadonlyArray<Bytes>, done: Done) => void
}

export const makeLogMember = (opts: MemberOptions): Effect.Effect<LogMember, LogStorageFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const replica = yield* opts.store.load
    const clock = yield* Effect.clock
    const node = initNode(
      opts.config,
      replica,
      clock.unsafeCurrentTimeMillis(),
      yield* Random.nextIntBetween(1, 2 ** 30)
    )
    const events = yield* PubSub.unbounded<LogEvent>()
    const waiters = new Map<number, { readonly done: Done; readonly deadline: number }>()
    const timeout = opts.writeTimeout ?? Duration.seconds(3)
    const timeoutMs = Duration.toMillis(timeout)
    let nextId = 0
    let broken: LogStorageFailed | undefined
    let closed = false

    // The hot path is plain TypeScript: inputs queue up while the event loop runs I/O callbacks, and
    // one setImmediate steps them all as one batch (one disk sync).
    let inbox: Array<Input<Bytes>> = []
    let scheduled = false
    const pipe = emptyPipeline()
    const batches: Array<Batch> = []
    let persisting = 0

    const resumeWaiter = (id: number, result: Either.Either<ReadonlyArray<number>, LogAppendError>) => {
      const w = waiters.get(id)
      if (!w) return
      waiters.delete(id)
      w.done(result)
    }

    const complete = (r: Result) => {
      if (r._tag === "Appended") return resumeWaiter(r.id, Either.right(r.positions))
      resumeWaiter(
        r.id,
        Either.left(
          r.reason === "Demoted"
            ? new LogCoordinatorDemoted({ message: "log coordinator demoted: another writer exists" })
            : new LogNotVoting({
                status: node.replica.status,
                message: notVotingMessage(node.replica.status)
              })
        )
      )
    }

    const stop = (e: LogStorageFailed) => {
      // A replica that cannot persist must not answer again: stop and fail everyone waiting.
      broken = e
      for (const w of waiters.values()) w.done(Either.left(e))
      waiters.clear()
    }

    const persistNow =
      opts.store.persistNow ??
      ((records: ReadonlyArray<Durable<Bytes>>, done: (e?: LogStorageFailed) => void) =>
        Effect.runCallback(opts.store.persist(records), {
          onExit: (exit) =>
            done(
              Exit.isSuccess(exit)
                ? undefined
                : Option.getOrElse(
                    Cause.failureOption(exit.cause),
                    () =>
                      new LogStorageFailed({ message: `replica storage failed: ${Cause.pretty(exit.cause)}` })
                  )
            )
        }))

    const schedule = () => {
      if (scheduled || broken || closed) return
      scheduled = true
      setImmediate(runBatch)
    }

    const offer = (input: Input<Bytes>) => {
      inbox.push(input)
      if (batches.length < MAX_SYNCING) schedule()
    }

    // Finishes synced batches in admission order, then starts the persists that may start.
    let pumping = false
    let again = false
    const pump = () => {
      if (pumping) {
        again = true
        return
      }
      pumping = true
      do {
        again = false
        while (batches.length > 0 && batches[0].state === "done" && !broken && !closed) {
          const b = batches.shift()!
          synced(pipe, b.admitted)
          if (b.admitted.late.length > 0) opts.transport.send(b.admitted.late)
          for (const r of b.admitted.lateResults) complete(r)
          if (b.events.length > 0) Effect.runSync(PubSub.publishAll(events, b.events))
        }
        for (const b of batches) {
          if (broken || closed) break
          if (b.state !== "queued") continue
          // An ordered store takes the next batch while syncing this one (one sync may carry several).
          if (persisting > 0 && !opts.store.ordered) break
          b.state = "persisting"
          persisting++
          persistNow(b.admitted.persist, (e) => {
            persisting--
            if (e) return stop(e)
            b.state = "done"
            pump()
          })
        }
      } while (again)
      pumping = false
      opts.transport.flush?.()
      if (inbox.length > 0 && batches.length < MAX_SYNCING) schedule()
    }

    const runBatch = () => {
      scheduled = false
      if (broken || closed || batches.length >= MAX_SYNCING) return
      const batch = inbox.length <= MAX_BATCH ? inbox : inbox.slice(0, MAX_BATCH)
      inbox = batch === inbox ? [] : inbox.slice(MAX_BATCH)
      const readies: Array<Ready<Bytes>> = []
      const evs: Array<LogEvent> = []
      let ticked = false
      for (const input of batch) {
        if (input._tag === "Tick") ticked = true
        const ready = step(node, input)
        readies.push(ready)
        for (const e of ready.events) evs.push(e)
      }
      if (ticked) expire()
      const a = admit(pipe, readies)
      if (a.early.length > 0) {
        opts.transport.send(a.early)
        // Out before our own sync starts (a main-thread store blocks): followers sync beside us.
        opts.transport.flush?.()
      }
      for (const r of a.earlyResults) complete(r)
      // The sync runs beside the next batches (the store keeps order); this batch's replies follow it.
      batches.push({ admitted: a, events: evs, state: a.persist.length === 0 ? "done" : "queued" })
      pump()
    }

    // Appends not acknowledged in time fail (their outcome is unknown); checked on each tick.
    const expire = () => {
      const now = clock.unsafeCurrentTimeMillis()
      for (const [id, w] of waiters)
        if (w.deadline <= now)
          resumeWaiter(
            id,
            Either.left(
              new LogWriteTimeout({
                message: `log append not acknowledged by a quorum within ${Duration.format(timeout)}`
              })
            )
          )
    }

    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
      })
    )
    yield* opts.transport.listen((e) => {
      if (e.to === opts.config.id) offer({ _tag: "Receive", from: e.from, msg: e.msg })
    })
    const tickEvery = Math.max(5, Math.floor(opts.config.retryMs / 2))
    yield* Effect.forkScoped(
      Clock.currentTimeMillis.pipe(
        Effect.map((now) => offer({ _tag: "Tick", now })),
        Effect.repeat(Schedule.spaced(Duration.millis(tickEvery)))
      )
    )

    const register = (values: ReadonlyArray<Value<Bytes>>, done: Done): number | undefined => {
      if (broken) {
        done(Either.left(broken))
        return undefined
      }
      const id = ++nextId
      waiters.set(id, { done, deadline: clock.unsafeCurrentTimeMillis() + timeoutMs })
      offer({ _tag: "Append", id, values })
      return id
    }
    const submit = (values: ReadonlyArray<Value<Bytes>>) =>
      Effect.async<ReadonlyArray<number>, LogAppendError>((resume) => {
        const id = register(values, (r) =>
          resume(Either.isRight(r) ? Effect.succeed(r.right) : Effect.fail(r.left))
        )
        return Effect.sync(() => {
          if (id !== undefined) waiters.delete(id)
        })
      })
    const toData = (entries: ReadonlyArray<Bytes>) => entries.map((data) => ({ _tag: "Data", data }) as const)

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
      append: (entries) => submit(toData(entries)),
      appendNow: (entries, done) => {
        register(toData(entries), done)
      },
      read,
      truncate: (position) => submit([{ _tag: "Truncate", to: position }]).pipe(Effect.asVoid),
      position: Effect.sync(() => ({ begin: node.replica.begin, end: node.applied })),
      status: Effect.sync(() => node.replica.status),
      events: Stream.fromPubSub(events)
    } satisfies LogMember
  })
