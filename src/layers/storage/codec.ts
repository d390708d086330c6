// Log entry encoding (api-storage-security.md §2.4, in JSON instead of Thrift): one tag byte, then
//   'T' transaction JSON (raw) | 'D' transaction JSON whose saved tasks name their (shared) config by
//   index into a `configs` list | 'N' noop | 'Z' deflated (zlib level 3) deduplicated snapshot JSON |
//   'H' frame header JSON {chunkCount, checksum: MD5 hex} | 'C' frame chunk bytes.
// Entries larger than the max entry size (512 KB) are split into a header and chunks.
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

/**
 * A transaction entry. When saved tasks share a config object (a job's batch of assignments or
 * status updates), the config is written once: the config is most of a task's bytes.
 */
export const encodeTransaction = (ops: ReadonlyArray<Op>): Uint8Array => {
  const configs = new Map<TaskConfig, number>()
  let shared = false
  for (const op of ops)
    if (op._tag === "SaveTasks")
      for (const t of op.tasks) {
        const c = t.assignedTask.task
        if (configs.has(c)) shared = true
        else configs.set(c, configs.size)
      }
  if (!shared)
    return tagged(
      T,
      utf8.encode(JSON.stringify({ ops, schemaVersion: CURRENT_SCHEMA_VERSION } satisfies Transaction))
    )
  const slim = ops.map((op) =>
    op._tag !== "SaveTasks"
      ? op
      : {
          ...op,
          tasks: op.tasks.map((t) => ({
            ...t,
            assignedTask: { ...t.assignedTask, task: configs.get(t.assignedTask.task) }
          }))
        }
  )
  return tagged(
    D,
    utf8.encode(
      JSON.stringify({ ops: slim, configs: [...configs.keys()], schemaVersion: CURRENT_SCHEMA_VERSION })
    )
  )
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

/** Puts each saved task's config back (one shared object per config, as before encoding). */
const restoreConfigs = (tx: Transaction & { readonly configs?: unknown }): Transaction => {
  const configs = tx.configs
  if (!Array.isArray(configs)) throw new Corrupt("deduplicated transaction has no list of configs")
  for (const op of tx.ops as Array<Op>) {
    if (op?._tag !== "SaveTasks" || !Array.isArray(op.tasks)) continue
    for (const t of op.tasks as Array<{ assignedTask: { task: unknown } }>) {
      const i = t?.assignedTask?.task
      if (typeof i !== "number" || configs[i] === undefined)
        throw new Corrupt(`saved task names config ${JSON.stringify(i)}, which the transaction lacks`)
      t.assignedTask.task = configs[i]
    }
  }
  return tx
}

const decodeTransaction = (body: Uint8Array, deduplicated = false): ReadonlyArray<Op> => {
  const parsed = parseJson(body, "transaction") as Transaction
  if (typeof parsed !== "object" || parsed === null || !Array.isArray(parsed.ops))
    throw new Corrupt("transaction has no list of ops")
  const tx = deduplicated ? restoreConfigs(parsed) : parsed
  if (tx.schemaVersion !== CURRENT_SCHEMA_VERSION)
    throw new Corrupt(`transaction schema version ${tx.schemaVersion} is not ${CURRENT_SCHEMA_VERSION}`)
  for (const op of tx.ops)
    if (!KNOWN_OPS.has((op as { _tag?: string })?._tag ?? ""))
      throw new Corrupt(`unknown op ${JSON.stringify(op)}`)
  return tx.ops
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
  entries: ReadonlyArray<{ position: number; data: Uint8Array }>
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
        case D:
          records.push({ _tag: "Transaction", position, ops: decodeTransaction(body, tag === D) })
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
          const inner = decodeEntries([{ position: f.position, data: whole }])
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
