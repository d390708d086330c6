// Log entry encoding (api-storage-security.md §2.4, in JSON instead of Thrift): one tag byte, then
//   'T' transaction JSON (raw) | 'D' transaction with its task configs stored once (below) | 'N' noop |
//   'Z' deflated (zlib level 3) deduplicated snapshot JSON |
//   'H' frame header JSON {chunkCount, checksum: MD5 hex} | 'C' frame chunk bytes.
// Entries larger than the max entry size (512 KB) are split into a header and chunks.
// 'D' (written for every transaction that saves tasks): u32 config count, then per config a u32 byte
// length and its JSON, then the transaction JSON whose SaveTasks ops carry `taskConfigIds` beside tasks
// without `assignedTask.task`. As in deduplicated snapshots, 1,000 instances of a job cost one config,
// not 1,000, in the log, in its memory and on the wire; replay shares one object per distinct config.
import { createHash } from "node:crypto"
import { deflateSync, inflateSync } from "node:zlib"
import type { TaskConfig } from "../../domain/model/index.ts"
import {
  CURRENT_SCHEMA_VERSION,
  type DeduplicatedSnapshot,
  deduplicate,
  type Op,
  reduplicateInPlace,
  type Snapshot,
  type Transaction
} from "../../domain/storage/index.ts"

export const DEFAULT_MAX_ENTRY_SIZE = 524_288

const T = 0x54
const D = 0x44
const N = 0x4e
const Z = 0x5a
const H = 0x48
const C = 0x43

const utf8 = new TextEncoder()
const tagged = (tag: number, body: Uint8Array): Uint8Array => {
  const out = new Uint8Array(body.length + 1)
  out[0] = tag
  out.set(body, 1)
  return out
}

export const encodeTransaction = (ops: ReadonlyArray<Op>): Uint8Array => {
  if (!ops.some((op) => op._tag === "SaveTasks" && op.tasks.length > 0))
    return tagged(
      T,
      utf8.encode(JSON.stringify({ ops, schemaVersion: CURRENT_SCHEMA_VERSION } satisfies Transaction))
    )
  const configs: Array<Uint8Array> = []
  const byObject = new Map<TaskConfig, number>()
  const byJson = new Map<string, number>()
  const idOf = (config: TaskConfig): number => {
    let id = byObject.get(config)
    if (id === undefined) {
      const json = JSON.stringify(config)
      id = byJson.get(json)
      if (id === undefined) {
        id = configs.length
        configs.push(utf8.encode(json))
        byJson.set(json, id)
      }
      byObject.set(config, id)
    }
    return id
  }
  const wireOps = ops.map((op) => {
    if (op._tag !== "SaveTasks") return op
    const taskConfigIds = op.tasks.map((t) => idOf(t.assignedTask.task))
    const tasks = op.tasks.map((t) => {
      const { task: _omitted, ...assignedTask } = t.assignedTask
      return { ...t, assignedTask }
    })
    return { _tag: op._tag, tasks, taskConfigIds }
  })
  const body = utf8.encode(JSON.stringify({ ops: wireOps, schemaVersion: CURRENT_SCHEMA_VERSION }))
  let size = 1 + 4 + body.length
  for (const c of configs) size += 4 + c.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out[0] = D
  view.setUint32(1, configs.length)
  let at = 5
  for (const c of configs) {
    view.setUint32(at, c.length)
    out.set(c, at + 4)
    at += 4 + c.length
  }
  out.set(body, at)
  return out
}

export const encodeNoop = (): Uint8Array => Uint8Array.of(N)

/** A snapshot as one or more log entries (framed when its compressed form exceeds `maxEntrySize`). */
export const encodeSnapshot = (snap: Snapshot, maxEntrySize = DEFAULT_MAX_ENTRY_SIZE): Array<Uint8Array> => {
  const entry = tagged(Z, deflateSync(JSON.stringify(deduplicate(snap)), { level: 3 }))
  if (entry.length <= maxEntrySize) return [entry]
  const chunkCount = Math.ceil(entry.length / maxEntrySize)
  const checksum = createHash("md5").update(entry).digest("hex")
  const out = [tagged(H, utf8.encode(JSON.stringify({ chunkCount, checksum })))]
  for (let i = 0; i < chunkCount; i++)
    out.push(tagged(C, entry.subarray(i * maxEntrySize, (i + 1) * maxEntrySize)))
  return out
}

export type LogRecord =
  | { readonly _tag: "Transaction"; readonly position: number; readonly ops: ReadonlyArray<Op> }
  | { readonly _tag: "Snapshot"; readonly position: number; readonly snapshot: Snapshot }
  | { readonly _tag: "Noop"; readonly position: number }

export type DecodeResult =
  | { readonly records: Array<LogRecord>; readonly badFrames: number }
  | { readonly error: string; readonly position: number }

const KNOWN_OPS = new Set([
  "SaveFrameworkId",
  "SaveCronJob",
  "RemoveJob",
  "SaveTasks",
  "RemoveTasks",
  "SaveQuota",
  "RemoveQuota",
  "SaveHostAttributes",
  "SaveJobUpdate",
  "SaveJobUpdateEvent",
  "SaveJobInstanceUpdateEvent",
  "RemoveJobUpdates",
  "SaveHostMaintenanceRequest",
  "RemoveHostMaintenanceRequest"
])

class Corrupt extends Error {}

const parseJson = (bytes: Uint8Array, what: string): unknown => {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"))
  } catch (e) {
    throw new Corrupt(`${what} is not valid JSON (${(e as Error).message})`)
  }
}

const checkTransaction = (tx: Transaction): ReadonlyArray<Op> => {
  if (typeof tx !== "object" || tx === null || !Array.isArray(tx.ops))
    throw new Corrupt("transaction has no list of ops")
  if (tx.schemaVersion !== CURRENT_SCHEMA_VERSION)
    throw new Corrupt(`transaction schema version ${tx.schemaVersion} is not ${CURRENT_SCHEMA_VERSION}`)
  for (const op of tx.ops)
    if (!KNOWN_OPS.has((op as { _tag?: string })?._tag ?? ""))
      throw new Corrupt(`unknown op ${JSON.stringify(op)}`)
  return tx.ops
}

const decodeTransaction = (body: Uint8Array): ReadonlyArray<Op> =>
  checkTransaction(parseJson(body, "transaction") as Transaction)

/** Configs already decoded in this replay, by their JSON: one object per distinct config. */
type ConfigCache = Map<string, TaskConfig>

const decodeDeduplicatedTransaction = (body: Uint8Array, cache: ConfigCache): ReadonlyArray<Op> => {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const text = (from: number, to: number) =>
    Buffer.from(body.buffer, body.byteOffset + from, to - from).toString("utf8")
  if (body.length < 4) throw new Corrupt("transaction is cut short")
  const count = view.getUint32(0)
  const configs: Array<TaskConfig> = []
  let at = 4
  for (let i = 0; i < count; i++) {
    if (at + 4 > body.length) throw new Corrupt("transaction is cut short")
    const end = at + 4 + view.getUint32(at)
    if (end > body.length) throw new Corrupt("transaction is cut short")
    const json = text(at + 4, end)
    let config = cache.get(json)
    if (config === undefined) {
      config = parseJson(body.subarray(at + 4, end), "task config") as TaskConfig
      cache.set(json, config)
    }
    configs.push(config)
    at = end
  }
  const ops = checkTransaction(parseJson(body.subarray(at), "transaction") as Transaction)
  for (const op of ops) {
    if (op._tag !== "SaveTasks") continue
    const ids = (op as { taskConfigIds?: ReadonlyArray<number> }).taskConfigIds
    if (!Array.isArray(ids) || !Array.isArray(op.tasks) || ids.length !== op.tasks.length)
      throw new Corrupt("SaveTasks op lacks one task config id per task")
    delete (op as { taskConfigIds?: unknown }).taskConfigIds
    op.tasks.forEach((t, i) => {
      if (typeof t?.assignedTask !== "object" || t.assignedTask === null)
        throw new Corrupt("SaveTasks op holds a task without assignedTask")
      const config = configs[ids[i]]
      if (config === undefined)
        throw new Corrupt(`task ${t.assignedTask?.taskId} names task config ${ids[i]}, which does not exist`)
      ;(t.assignedTask as { task?: TaskConfig }).task = config
    })
  }
  return ops
}

const decodeDeflated = (body: Uint8Array): Snapshot => {
  let raw: Buffer
  try {
    raw = inflateSync(body)
  } catch (e) {
    throw new Corrupt(`snapshot does not inflate (${(e as Error).message})`)
  }
  if (raw[0] === H || raw[0] === C) throw new Corrupt("inflated snapshot is itself a frame")
  const d = parseJson(raw, "snapshot") as DeduplicatedSnapshot
  if (!d || !Array.isArray(d.partialTasks) || !Array.isArray(d.taskConfigs) || !d.partialSnapshot)
    throw new Corrupt("snapshot lacks its tasks or task configs")
  const r = reduplicateInPlace(d)
  if ("error" in r) throw new Corrupt(r.error)
  return r.snapshot
}

/**
 * Decodes entries in log order. An incomplete frame (header followed by too few chunks or by another
 * entry) is an aborted write and is skipped; a complete frame with a bad checksum, or any entry that
 * does not decode, stops with an error naming its position.
 */
export const decodeEntries = (
  entries: ReadonlyArray<{ position: number; data: Uint8Array }>,
  cache: ConfigCache = new Map()
): DecodeResult => {
  const records: Array<LogRecord> = []
  let badFrames = 0
  let frame: { position: number; chunkCount: number; checksum: string; chunks: Array<Uint8Array> } | undefined
  for (const { position, data } of entries) {
    try {
      if (data.length === 0) throw new Corrupt("entry is empty")
      const tag = data[0]
      const body = data.subarray(1)
      if (frame && tag !== C) {
        badFrames++
        frame = undefined
      }
      switch (tag) {
        case T:
          records.push({ _tag: "Transaction", position, ops: decodeTransaction(body) })
          break
        case D:
          records.push({ _tag: "Transaction", position, ops: decodeDeduplicatedTransaction(body, cache) })
          break
        case N:
          records.push({ _tag: "Noop", position })
          break
        case Z:
          records.push({ _tag: "Snapshot", position, snapshot: decodeDeflated(body) })
          break
        case H: {
          const h = parseJson(body, "frame header") as { chunkCount: number; checksum: string }
          if (!(h.chunkCount > 0) || typeof h.checksum !== "string")
            throw new Corrupt("frame header is malformed")
          frame = { position, chunkCount: h.chunkCount, checksum: h.checksum, chunks: [] }
          break
        }
        case C: {
          if (!frame) break // a chunk without its header: skipped
          frame.chunks.push(body)
          if (frame.chunks.length < frame.chunkCount) break
          const whole = Buffer.concat(frame.chunks)
          const f = frame
          frame = undefined
          if (createHash("md5").update(whole).digest("hex") !== f.checksum)
            return {
              error: `framed entry at position ${f.position} fails its MD5 checksum`,
              position: f.position
            }
          const inner = decodeEntries([{ position: f.position, data: whole }], cache)
          if ("error" in inner) return inner
          for (const r of inner.records) records.push(r)
          break
        }
        default:
          throw new Corrupt(`unknown entry type byte ${tag}`)
      }
    } catch (e) {
      if (e instanceof Corrupt)
        return { error: `log entry at position ${position} is corrupt: ${e.message}`, position }
      throw e
    }
  }
  if (frame) badFrames++
  return { records, badFrames }
}
