// Storage over the replicated log: write-ahead transactions, snapshots with truncation, recovery
// (last snapshot + replay), backups and the staged recovery flow.
//
// Group commit: a write plans and applies its ops at once (in arrival order) and queues its log
// entry; one appender sends everything queued while the previous append was in flight as ONE
// log.append batch. Each write completes when its entry is durable. As in Aurora, readers may see
// applied-but-unpersisted state, and a failed append is fatal: every waiting write fails and storage
// stops (api-storage-security.md §2.3).
import { Clock, Deferred, Duration, Effect, Layer, PubSub, Stream } from "effect"
import type { TaskQuery } from "../../domain/model/index.ts"
import type { Op } from "../../domain/storage/index.ts"
import {
  applyOp,
  buildSnapshot,
  coalesce,
  emptyStores,
  queryTasks,
  removeTask,
  restoreSnapshot,
  type Snapshot,
  type Stores
} from "../../domain/storage/index.ts"
import { type LogAppendError, ReplicatedLog, type ReplicatedLogShape } from "../../services/ReplicatedLog.ts"
import {
  type AppliedChange,
  BackupFailed,
  Storage,
  StorageNotReady,
  StorageRecoveryFailed,
  type StorageShape,
  type StorageState,
  StorageWriteFailed
} from "../../services/Storage.ts"
import { listBackups, readBackup, writeBackup } from "./backups.ts"
import {
  DEFAULT_MAX_ENTRY_SIZE,
  decodeEntries,
  encodeNoop,
  encodeSnapshot,
  encodeTransaction
} from "./codec.ts"

export interface StorageOptions {
  /** -backup_dir; backups are off without it. */
  readonly backupDir?: string
  /** -backup_interval (1 h) */
  readonly backupIntervalMs?: number
  /** -max_saved_backups (48) */
  readonly maxSavedBackups?: number
  /** -dlog_max_entry_size (512 KB) */
  readonly maxEntrySize?: number
  /** -native_log_read_timeout (5 s): how long recovery waits for the log to learn every position. */
  readonly readTimeoutMs?: number
  /** Most queued log entries sent in one append (group commit). */
  readonly maxAppendBatch?: number
}

/** One queued log item: a transaction (ops set) or snapshot frames, with whoever waits for it. */
interface Pending {
  readonly entries: ReadonlyArray<Uint8Array>
  readonly ops: ReadonlyArray<Op> | undefined
  readonly done: Deferred.Deferred<ReadonlyArray<number>, StorageWriteFailed>
  /** Runs right after the append, before the next batch (a snapshot's truncation). */
  readonly after?: (positions: ReadonlyArray<number>) => Effect.Effect<void, LogAppendError>
}

export const makeDurableStorage = (log: ReplicatedLogShape, options: StorageOptions = {}) =>
  Effect.gen(function* () {
    const maxSaved = options.maxSavedBackups ?? 48
    const backupInterval = options.backupIntervalMs ?? 3_600_000
    const maxEntrySize = options.maxEntrySize ?? DEFAULT_MAX_ENTRY_SIZE
    const readTimeout = options.readTimeoutMs ?? 5000
    const maxBatch = options.maxAppendBatch ?? 1000
    const stores: Stores = emptyStores()
    let state: StorageState = "PREPARED"
    let lastBackup = yield* Clock.currentTimeMillis
    let staged: { stores: Stores; timestamp: number } | undefined
    const lock = yield* Effect.makeSemaphore(1)
    const changes = yield* PubSub.unbounded<AppliedChange>()
    // Group commit: items queued in order, the batch in flight, and the last item queued.
    let queue: Array<Pending> = []
    let appending = false
    let last: Pending | undefined

    const notReady = () => new StorageNotReady({ state, message: "Storage is not READY" })
    const ready = Effect.suspend(() => (state === "READY" ? Effect.void : Effect.fail(notReady())))
    const persistFailed = (e: { message: string }) => {
      // The entry may still be chosen later, so memory can no longer be trusted: stop.
      state = "STOPPED"
      return new StorageWriteFailed({ message: `Failed to persist storage changes: ${e.message}` })
    }

    /** Appends queued items batch by batch until none are left; a failure fails them all. */
    const appendLoop: Effect.Effect<void> = Effect.gen(function* () {
      while (queue.length > 0) {
        let n = 0
        let count = 0
        while (n < queue.length && (n === 0 || count + queue[n].entries.length <= maxBatch)) {
          count += queue[n].entries.length
          n++
        }
        const batch = queue.slice(0, n)
        queue = queue.slice(n)
        const entries = batch.length === 1 ? batch[0].entries : batch.flatMap((p) => p.entries)
        const result = yield* Effect.either(
          Effect.gen(function* () {
            const positions = yield* log.append(entries)
            let at = 0
            const slices: Array<ReadonlyArray<number>> = []
            for (const p of batch) {
              const mine = positions.slice(at, at + p.entries.length)
              at += p.entries.length
              slices.push(mine)
              if (p.after) yield* p.after(mine)
            }
            return slices
          })
        )
        if (result._tag === "Left") {
          const failure = persistFailed(result.left)
          const doomed = [...batch, ...queue]
          queue = []
          for (const p of doomed) yield* Deferred.fail(p.done, failure)
          break
        }
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i]
          if (p.ops !== undefined)
            yield* PubSub.publish(changes, { position: result.right[i][0], ops: p.ops })
          yield* Deferred.succeed(p.done, result.right[i])
        }
      }
      appending = false
    })

    /** Queues entries (the caller has already applied what they stand for) and starts the appender. */
    const enqueue = (
      entries: ReadonlyArray<Uint8Array>,
      ops: ReadonlyArray<Op> | undefined,
      done: Deferred.Deferred<ReadonlyArray<number>, StorageWriteFailed>,
      after?: Pending["after"]
    ): boolean => {
      const p: Pending = after === undefined ? { entries, ops, done } : { entries, ops, done, after }
      queue.push(p)
      last = p
      if (appending) return false
      appending = true
      return true
    }
    const startAppender = Effect.asVoid(Effect.forkDaemon(Effect.uninterruptible(appendLoop)))

    const replay = Effect.gen(function* () {
      const noop = yield* log.append([encodeNoop()])
      // The noop makes this member the writer; wait until every earlier position is learned locally.
      const deadline = (yield* Clock.currentTimeMillis) + readTimeout
      let pos = yield* log.position
      while (pos.end < noop[0]) {
        if ((yield* Clock.currentTimeMillis) > deadline)
          return yield* new StorageRecoveryFailed({
            message: `the log did not learn every position up to ${noop[0]} within ${readTimeout} ms (-native_log_read_timeout)`
          })
        yield* Effect.sleep(Duration.millis(5))
        pos = yield* log.position
      }
      const decoded = decodeEntries(yield* log.read(pos.begin, pos.end))
      if ("error" in decoded) return yield* new StorageRecoveryFailed({ message: decoded.error })
      for (const r of decoded.records) {
        if (r._tag === "Snapshot") restoreSnapshot(stores, r.snapshot)
        else if (r._tag === "Transaction") for (const op of r.ops) applyOp(stores, op)
      }
      if (decoded.badFrames > 0)
        yield* Effect.logWarning("skipped aborted framed log entries").pipe(
          Effect.annotateLogs("scheduler_log_bad_frames_read", decoded.badFrames)
        )
    })

    const start = lock.withPermits(1)(
      Effect.gen(function* () {
        if (state !== "PREPARED")
          return yield* new StorageRecoveryFailed({ message: `Storage is not PREPARED (it is ${state})` })
        yield* replay.pipe(
          Effect.catchTags({
            LogNotVoting: (e) => new StorageRecoveryFailed({ message: e.message }),
            LogCoordinatorDemoted: (e) => new StorageRecoveryFailed({ message: e.message }),
            LogWriteTimeout: (e) => new StorageRecoveryFailed({ message: e.message }),
            LogStorageFailed: (e) => new StorageRecoveryFailed({ message: e.message })
          })
        )
        state = "READY"
      })
    )

    const write: StorageShape["write"] = (fn) =>
      Effect.flatMap(
        Deferred.make<ReadonlyArray<number>, StorageWriteFailed>(),
        (done): Effect.Effect<typeof work.value, StorageNotReady | StorageWriteFailed> => {
          // Plan, apply and queue in one synchronous step, so writes take effect in arrival order.
          if (state !== "READY") return Effect.fail(notReady())
          const work = fn(stores)
          const ops = coalesce(work.ops)
          if (ops.length === 0) {
            // Nothing to log, but what it read may not be durable yet: wait for the last queued entry.
            const tail = last
            return tail === undefined
              ? Effect.succeed(work.value)
              : Effect.as(Deferred.await(tail.done), work.value)
          }
          for (const op of ops) applyOp(stores, op)
          const start = enqueue([encodeTransaction(ops)], ops, done)
          return Effect.zipRight(
            start ? startAppender : Effect.void,
            Effect.as(Deferred.await(done), work.value)
          )
        }
      )

    const backupSnapshot = (snap: Snapshot, now: number) =>
      Effect.try({
        try: () => writeBackup(options.backupDir!, snap, now, maxSaved),
        catch: (e) => new BackupFailed({ message: `backup to ${options.backupDir} failed: ${String(e)}` })
      })

    /**
     * Builds a snapshot and queues it behind every applied transaction in one synchronous step (so
     * no write lands between them), truncating the log before it once appended.
     */
    const appendSnapshot = (build: () => Snapshot) =>
      Effect.gen(function* () {
        const done = yield* Deferred.make<ReadonlyArray<number>, StorageWriteFailed>()
        const { snap, start } = yield* Effect.sync(() => {
          const snap = build()
          const start = enqueue(encodeSnapshot(snap, maxEntrySize), undefined, done, (positions) =>
            log.truncate(positions[0])
          )
          return { snap, start }
        })
        if (start) yield* startAppender
        const positions = yield* Deferred.await(done)
        return { position: positions[0], snap }
      })

    const snapshot = lock.withPermits(1)(
      Effect.gen(function* () {
        yield* ready
        const now = yield* Clock.currentTimeMillis
        const { position, snap } = yield* appendSnapshot(() => buildSnapshot(stores, now))
        if (options.backupDir && now >= lastBackup + backupInterval) {
          lastBackup = now
          yield* backupSnapshot(snap, now).pipe(
            Effect.catchAll((e) => Effect.logError(e.message)),
            Effect.forkDaemon
          )
        }
        return { position }
      })
    )

    const backupNow = Effect.gen(function* () {
      if (!options.backupDir) return yield* new BackupFailed({ message: "no -backup_dir is configured" })
      const now = yield* Clock.currentTimeMillis
      const snap = yield* lock.withPermits(1)(ready.pipe(Effect.as(buildSnapshot(stores, now))))
      return yield* backupSnapshot(snap, now)
    })

    const needStaged = Effect.suspend(() =>
      staged ? Effect.succeed(staged) : Effect.fail(new BackupFailed({ message: "No backup loaded." }))
    )
    const dir = () =>
      options.backupDir
        ? Effect.succeed(options.backupDir)
        : Effect.fail(new BackupFailed({ message: "no -backup_dir is configured" }))

    const recovery: StorageShape["recovery"] = {
      list: Effect.flatMap(dir(), (d) => Effect.sync(() => listBackups(d))),
      stage: (name) =>
        Effect.gen(function* () {
          const d = yield* dir()
          if (staged) return yield* new BackupFailed({ message: "Another backup is already loaded." })
          const r = readBackup(d, name)
          if ("error" in r) return yield* new BackupFailed({ message: r.error })
          const s = emptyStores()
          restoreSnapshot(s, r.snapshot)
          s.frameworkId = r.snapshot.frameworkId
          staged = { stores: s, timestamp: r.snapshot.timestamp }
        }),
      query: (q: TaskQuery) => Effect.map(needStaged, (s) => queryTasks(s.stores, q)),
      deleteTasks: (q: TaskQuery) =>
        Effect.map(needStaged, (s) => {
          const doomed = queryTasks(s.stores, q)
          for (const t of doomed) removeTask(s.stores, t.assignedTask.taskId)
          return doomed.length
        }),
      commit: lock.withPermits(1)(
        Effect.gen(function* () {
          yield* ready
          const s = yield* needStaged
          // No write may follow the staged snapshot into the log. As in Aurora the scheduler then
          // shuts down; the next start recovers the committed backup.
          state = "STOPPED"
          yield* appendSnapshot(() => buildSnapshot(s.stores, s.timestamp))
          staged = undefined
        })
      ),
      unload: Effect.map(needStaged, () => {
        staged = undefined
      })
    }

    return {
      state: Effect.sync(() => state),
      start,
      stop: Effect.sync(() => {
        state = "STOPPED"
      }),
      read: (fn) => Effect.flatMap(ready, () => Effect.sync(() => fn(stores))),
      write,
      snapshot,
      backupNow,
      recovery,
      changes: Stream.fromPubSub(changes)
    } satisfies StorageShape
  })

/** Storage over whichever ReplicatedLog is provided (embedded by default in the scheduler). */
export const layerStorage = (options: StorageOptions = {}) =>
  Layer.effect(
    Storage,
    Effect.flatMap(ReplicatedLog, (log) => makeDurableStorage(log, options))
  )

/**
 * Aurora's leader-only snapshot service (-dlog_snapshot_interval, 1 h): fixed delay, the first one a
 * whole interval after it starts. Fails when a snapshot cannot be written (the leader should exit).
 */
export const snapshotEvery = (intervalMs: number) =>
  Effect.flatMap(Storage, (storage) =>
    storage.snapshot.pipe(Effect.delay(Duration.millis(intervalMs)), Effect.forever)
  )
