// Storage over the replicated log: write-ahead transactions, snapshots with truncation, recovery
// (last snapshot + replay), backups and the staged recovery flow.
import { Clock, Duration, Effect, Layer, PubSub, Stream } from "effect"
import type { TaskQuery } from "../../domain/model/index.ts"
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
import { ReplicatedLog, type ReplicatedLogShape } from "../../services/ReplicatedLog.ts"
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
}

export const makeDurableStorage = (log: ReplicatedLogShape, options: StorageOptions = {}) =>
  Effect.gen(function* () {
    const maxSaved = options.maxSavedBackups ?? 48
    const backupInterval = options.backupIntervalMs ?? 3_600_000
    const maxEntrySize = options.maxEntrySize ?? DEFAULT_MAX_ENTRY_SIZE
    const readTimeout = options.readTimeoutMs ?? 5000
    const stores: Stores = emptyStores()
    let state: StorageState = "PREPARED"
    let lastBackup = yield* Clock.currentTimeMillis
    let staged: { stores: Stores; timestamp: number } | undefined
    const lock = yield* Effect.makeSemaphore(1)
    const changes = yield* PubSub.unbounded<AppliedChange>()

    const ready = Effect.suspend(() =>
      state === "READY"
        ? Effect.void
        : Effect.fail(new StorageNotReady({ state, message: "Storage is not READY" }))
    )
    const persistFailed = (e: { message: string }) => {
      // The entry may still be chosen later, so memory can no longer be trusted: stop.
      state = "STOPPED"
      return new StorageWriteFailed({ message: `Failed to persist storage changes: ${e.message}` })
    }

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
      lock.withPermits(1)(
        Effect.gen(function* () {
          yield* ready
          const work = fn(stores)
          const ops = coalesce(work.ops)
          if (ops.length === 0) return work.value
          const [position] = yield* log.append([encodeTransaction(ops)]).pipe(Effect.mapError(persistFailed))
          for (const op of ops) applyOp(stores, op)
          yield* PubSub.publish(changes, { position, ops })
          return work.value
        })
      )

    const backupSnapshot = (snap: Snapshot, now: number) =>
      Effect.try({
        try: () => writeBackup(options.backupDir!, snap, now, maxSaved),
        catch: (e) => new BackupFailed({ message: `backup to ${options.backupDir} failed: ${String(e)}` })
      })

    const appendSnapshot = (snap: Snapshot) =>
      Effect.gen(function* () {
        const positions = yield* log.append(encodeSnapshot(snap, maxEntrySize))
        yield* log.truncate(positions[0])
        return { position: positions[0] }
      }).pipe(Effect.mapError(persistFailed))

    const snapshot = lock.withPermits(1)(
      Effect.gen(function* () {
        yield* ready
        const now = yield* Clock.currentTimeMillis
        const snap = buildSnapshot(stores, now)
        const result = yield* appendSnapshot(snap)
        if (options.backupDir && now >= lastBackup + backupInterval) {
          lastBackup = now
          yield* backupSnapshot(snap, now).pipe(
            Effect.catchAll((e) => Effect.logError(e.message)),
            Effect.forkDaemon
          )
        }
        return result
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
          yield* appendSnapshot(buildSnapshot(s.stores, s.timestamp))
          staged = undefined
          // As in Aurora the scheduler then shuts down; the next start recovers the committed backup.
          state = "STOPPED"
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
