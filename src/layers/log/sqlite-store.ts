// A replica's durable state in a SQLite file (WAL, synchronous=FULL: a commit is on disk when it returns).
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Context, Effect, Layer, type Scope } from "effect"
import {
  type Action,
  applyDurable,
  type Durable,
  emptyReplica,
  type ReplicaState,
  type ReplicaStatus,
  type Value
} from "../../domain/paxos/index.ts"
import { LogStorageFailed } from "../../services/ReplicatedLog.ts"
import type { Bytes, ReplicaStore } from "./store.ts"

export const REPLICA_FILE = "replica.sqlite"
/** Learned marks held back from disk before they are written anyway. */
const MAX_DEFERRED = 4096
/** Rows per multi-row upsert (6 parameters each; SQLite allows 32766). */
const ROWS_PER_UPSERT = 512

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS metadata (id INTEGER PRIMARY KEY CHECK (id = 1), status TEXT NOT NULL, promised INTEGER NOT NULL, begin INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS actions (position INTEGER PRIMARY KEY, promised INTEGER NOT NULL, ballot INTEGER NOT NULL, kind INTEGER NOT NULL, data BLOB, learned INTEGER NOT NULL)"
]

// kind: 0 none, 1 data, 2 noop, 3 truncate (data holds the target position as text)
const encodeValue = (v: Value<Bytes> | undefined): [number, Bytes | string | null] =>
  v === undefined
    ? [0, null]
    : v._tag === "Data"
      ? [1, v.data]
      : v._tag === "Noop"
        ? [2, null]
        : [3, String(v.to)]

const decodeValue = (kind: number, data: unknown): Value<Bytes> | undefined => {
  switch (kind) {
    case 1:
      return { _tag: "Data", data: new Uint8Array(data as Buffer) }
    case 2:
      return { _tag: "Noop" }
    case 3:
      return { _tag: "Truncate", to: Number(data) }
    default:
      return undefined
  }
}

const failed = (what: string) => (cause: unknown) =>
  new LogStorageFailed({ message: `replica storage: ${what} failed: ${String(cause)}` })

/** Opens (creating if needed) the replica file in `dir`. */
export const makeSqliteStore = (
  dir: string
): Effect.Effect<
  ReplicaStore & { readonly initialize: Effect.Effect<string, LogStorageFailed> },
  LogStorageFailed,
  Scope.Scope
> =>
  Effect.gen(function* () {
    yield* Effect.try({ try: () => mkdirSync(dir, { recursive: true }), catch: failed(`creating ${dir}`) })
    const ctx = yield* Layer.build(SqliteClient.layer({ filename: join(dir, REPLICA_FILE) })).pipe(
      Effect.mapError(failed(`opening ${join(dir, REPLICA_FILE)}`))
    )
    // The store is this file's only user: it holds the one connection for its lifetime and talks to
    // it directly, without a statement compiler, span and semaphore per statement (the hot path).
    const conn = yield* Context.get(ctx, SqlClient.SqlClient).reserve.pipe(Effect.mapError(failed("opening")))
    const run = (what: string, q: string, params: ReadonlyArray<unknown> = []) =>
      conn.execute(q, params, undefined).pipe(Effect.mapError(failed(what)))
    yield* run("pragma", "PRAGMA synchronous = FULL")
    for (const s of SCHEMA) yield* run("schema", s)
    yield* run(
      "metadata",
      "INSERT OR IGNORE INTO metadata (id, status, promised, begin) VALUES (1, 'EMPTY', 0, 1)"
    )

    const load = Effect.gen(function* () {
      const meta = (yield* run(
        "load",
        "SELECT status, promised, begin FROM metadata WHERE id = 1"
      )) as ReadonlyArray<{
        status: ReplicaStatus
        promised: number
        begin: number
      }>
      const r: ReplicaState<Bytes> = emptyReplica(meta[0].status)
      r.promised = meta[0].promised
      applyDurable(r, { _tag: "Truncated", begin: meta[0].begin })
      const rows = (yield* run(
        "load",
        "SELECT position, promised, ballot, kind, data, learned FROM actions ORDER BY position"
      )) as ReadonlyArray<{
        position: number
        promised: number
        ballot: number
        kind: number
        data: unknown
        learned: number
      }>
      for (const row of rows) {
        const action: Action<Bytes> = {
          position: row.position,
          promised: row.promised,
          ballot: row.ballot,
          value: decodeValue(row.kind, row.data),
          learned: row.learned === 1
        }
        applyDurable(r, { _tag: "Action", action })
      }
      return r
    })

    type Statement = readonly [string, ReadonlyArray<unknown>]
    const upsert = (actions: ReadonlyArray<Action<Bytes>>): Statement => {
      const params: Array<unknown> = []
      for (const a of actions) {
        const [kind, data] = encodeValue(a.value)
        params.push(a.position, a.promised, a.ballot, kind, data, a.learned ? 1 : 0)
      }
      return [
        `INSERT OR REPLACE INTO actions (position, promised, ballot, kind, data, learned) VALUES ${actions.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}`,
        params
      ]
    }

    // Runs of actions become multi-row upserts (the last record of a position wins), in record order.
    const statements = (records: ReadonlyArray<Durable<Bytes>>): Array<Statement> => {
      const out: Array<Statement> = []
      let run_ = new Map<number, Action<Bytes>>()
      const flush = () => {
        const list = [...run_.values()]
        run_ = new Map()
        for (let i = 0; i < list.length; i += ROWS_PER_UPSERT)
          out.push(upsert(list.slice(i, i + ROWS_PER_UPSERT)))
      }
      for (const rec of records) {
        if (rec._tag === "Action") {
          run_.delete(rec.action.position)
          run_.set(rec.action.position, rec.action)
          continue
        }
        flush()
        if (rec._tag === "Metadata")
          out.push(["UPDATE metadata SET status = ?, promised = ? WHERE id = 1", [rec.status, rec.promised]])
        else {
          out.push(["DELETE FROM actions WHERE position < ?", [rec.begin]])
          out.push(["UPDATE metadata SET begin = max(begin, ?) WHERE id = 1", [rec.begin]])
        }
      }
      flush()
      return out
    }

    // One statement commits atomically on its own (the usual batch: a run of actions); saving the
    // BEGIN and COMMIT statements is a large part of a small batch's cost.
    const writeAll = (records: ReadonlyArray<Durable<Bytes>>) => {
      const list = statements(records)
      if (list.length === 1) return run("persist", list[0][0], list[0][1])
      return run("persist", "BEGIN IMMEDIATE").pipe(
        Effect.zipRight(Effect.forEach(list, ([q, params]) => run("persist", q, params), { discard: true })),
        Effect.zipRight(run("persist", "COMMIT")),
        Effect.onError(() => Effect.ignore(run("persist", "ROLLBACK"))),
        Effect.uninterruptible
      )
    }

    // Only batches holding a promise or an accepted value need a sync. Lazy-only batches (learned
    // marks) wait in memory and ride in the next synced commit, in order: losing them in a crash is
    // harmless, and a commit of their own (or switching `synchronous`) costs more than the sync.
    let deferred: Array<Durable<Bytes>> = []
    const persist = (records: ReadonlyArray<Durable<Bytes>>) => {
      if (records.length === 0) return Effect.void
      for (const r of records) deferred.push(r)
      if (!records.some((r) => r._tag === "Metadata" || !r.lazy) && deferred.length < MAX_DEFERRED)
        return Effect.void
      const all = deferred
      deferred = []
      return writeAll(all).pipe(
        Effect.mapError((e) => (e instanceof LogStorageFailed ? e : failed("persist")(e)))
      )
    }

    // A clean close writes what was held back (best effort: it is only a saving on restart).
    yield* Effect.addFinalizer(() =>
      deferred.length === 0 ? Effect.void : Effect.ignore(writeAll(deferred))
    )

    // What `mesos-log initialize` did: mark a brand-new replica VOTING.
    const initialize = Effect.gen(function* () {
      const r = yield* load
      if (r.status === "VOTING") return `replica in ${dir} is already initialized (VOTING)`
      if (r.status !== "EMPTY" || r.actions.size > 0 || r.promised > 0)
        return yield* new LogStorageFailed({
          message: `replica in ${dir} is ${r.status} and holds state; refusing to initialize it (wipe the directory first)`
        })
      yield* persist([{ _tag: "Metadata", status: "VOTING", promised: 0 }])
      return `initialized replica in ${dir} (VOTING)`
    })
    return { load, persist, initialize }
  })

/** A store in memory, for tests of the layers above (same records, no file). */
export const makeMemoryStore = (
  initial: ReplicaStatus = "VOTING"
): ReplicaStore & { readonly disk: ReplicaState<Bytes> } => {
  const disk = emptyReplica<Bytes>(initial)
  return {
    disk,
    load: Effect.sync(() => ({ ...disk, actions: new Map(disk.actions) })),
    persist: (records) =>
      Effect.sync(() => {
        for (const r of records) applyDurable(disk, r)
      })
  }
}
