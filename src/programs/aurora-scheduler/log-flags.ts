// The scheduler's log and storage flags (Aurora's names and defaults), and the layers they select:
// no --native_log_members = the embedded one-replica log (quorum 1); otherwise replicas over TCP.
import { HelpDoc, Options } from "@effect/cli"
import { Layer } from "effect"
import { layerEmbedded, layerTcp } from "../../layers/log/layers.ts"
import type { PeerAddress } from "../../layers/log/tcp-transport.ts"
import { layerStorage } from "../../layers/storage/durable.ts"

const UNITS: Record<string, number> = {
  ms: 1,
  msecs: 1,
  secs: 1000,
  mins: 60_000,
  hrs: 3_600_000,
  days: 86_400_000
}
const BYTES: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }

/** Aurora's time amounts: `3secs`, `15mins`, `1hrs`, `100ms`. */
export const parseDuration = (flag: string, text: string): number => {
  const m = /^(\d+)(ms|msecs|secs|mins|hrs|days)$/.exec(text.trim())
  if (!m) throw new Error(`--${flag}: '${text}' is not a duration like 3secs, 15mins or 1hrs`)
  return Number(m[1]) * UNITS[m[2]]
}

/** Aurora's data amounts: `512KB`, `1MB`. */
export const parseBytes = (flag: string, text: string): number => {
  const m = /^(\d+)(B|KB|MB|GB)$/.exec(text.trim())
  if (!m) throw new Error(`--${flag}: '${text}' is not a size like 512KB or 1MB`)
  return Number(m[1]) * BYTES[m[2]]
}

/** `0=10.0.0.1:8083,1=10.0.0.2:8083,2=10.0.0.3:8083` */
export const parseMembers = (text: string): Map<number, PeerAddress> => {
  const out = new Map<number, PeerAddress>()
  for (const part of text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")) {
    const m = /^(\d+)=([^:]+):(\d+)$/.exec(part)
    if (!m) throw new Error(`--native_log_members: '${part}' is not ID=HOST:PORT`)
    if (out.has(Number(m[1]))) throw new Error(`--native_log_members: member ${m[1]} is listed twice`)
    out.set(Number(m[1]), { host: m[2], port: Number(m[3]) })
  }
  if (out.size === 0) throw new Error("--native_log_members: no members given")
  return out
}

const fail = (e: unknown) => HelpDoc.p(e instanceof Error ? e.message : String(e))
const duration = (name: string, dflt: string) =>
  Options.text(name).pipe(
    Options.withDefault(dflt),
    Options.mapTryCatch((t) => parseDuration(name, t), fail)
  )

export const logFlags = {
  quorum: Options.integer("native_log_quorum_size").pipe(
    Options.withDefault(1),
    Options.withDescription(
      "replicas that must hold an entry; floor(N/2)+1 (1, 2, 3, 4 for 1, 3, 5, 7 replicas)"
    )
  ),
  path: Options.text("native_log_file_path").pipe(Options.withDescription("this replica's directory")),
  members: Options.text("native_log_members").pipe(
    Options.mapTryCatch(parseMembers, fail),
    Options.optional,
    Options.withDescription("every replica as ID=HOST:PORT, comma separated; absent: one embedded replica")
  ),
  memberId: Options.integer("native_log_member_id").pipe(Options.withDefault(0)),
  autoInitialize: Options.boolean("native_log_auto_initialize").pipe(
    Options.withDescription(
      "let a brand-new cluster of EMPTY replicas initialize itself (unsafe after losing every disk)"
    )
  ),
  writeTimeoutMs: duration("native_log_write_timeout", "3secs"),
  readTimeoutMs: duration("native_log_read_timeout", "5secs"),
  electionTimeoutMs: duration("native_log_election_timeout", "15secs"),
  electionRetries: Options.integer("native_log_election_retries").pipe(Options.withDefault(20)),
  snapshotIntervalMs: duration("dlog_snapshot_interval", "1hrs"),
  maxEntrySize: Options.text("dlog_max_entry_size").pipe(
    Options.withDefault("512KB"),
    Options.mapTryCatch((t) => parseBytes("dlog_max_entry_size", t), fail)
  ),
  backupDir: Options.text("backup_dir").pipe(Options.optional),
  backupIntervalMs: duration("backup_interval", "1hrs"),
  maxSavedBackups: Options.integer("max_saved_backups").pipe(Options.withDefault(48))
}

export const allLogFlags = Options.all(logFlags)
export type LogFlags = typeof allLogFlags extends Options.Options<infer A> ? A : never

/** Storage over the log the flags describe. */
export const storageLayerFromFlags = (f: LogFlags) => {
  const settings = { quorum: f.quorum, autoInitialize: f.autoInitialize, writeTimeoutMs: f.writeTimeoutMs }
  const log =
    f.members._tag === "None"
      ? layerEmbedded(f.path, settings)
      : layerTcp({ ...settings, id: f.memberId, path: f.path, members: f.members.value })
  return Layer.provideMerge(
    layerStorage({
      backupDir: f.backupDir._tag === "Some" ? f.backupDir.value : undefined,
      backupIntervalMs: f.backupIntervalMs,
      maxSavedBackups: f.maxSavedBackups,
      maxEntrySize: f.maxEntrySize,
      readTimeoutMs: f.readTimeoutMs
    }),
    log
  )
}
