/** Scheduler operations: quota, snapshot, backups and recovery, reconciliation, pruning, lookup. */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect, Option } from "effect"
import { parseSizeMb, shellQuote } from "../../domain/client/index.ts"
import {
  ACTIVE_STATES,
  ALL_STATUSES,
  type ResourceAggregate,
  type ScheduleStatus
} from "../../domain/model/index.ts"
import { findCluster, type Scheduler } from "../aurora/scheduler.ts"
import type { CliExit } from "../aurora/shared.ts"
import { admin, check, die, log, out, parseOr } from "./common.ts"

const cluster = Args.text({ name: "cluster" })

/** A command whose only argument is the cluster and whose answer is just checked. */
const simple = (
  name: string,
  description: string,
  call: (
    s: Scheduler
  ) => Effect.Effect<{ responseCode: string; details: ReadonlyArray<{ message: string }> }, CliExit>
) =>
  Command.make(name, { cluster }, (o) =>
    Effect.scoped(Effect.flatMap(admin(o.cluster), (s) => Effect.flatMap(call(s), check)))
  ).pipe(Command.withDescription(description))

const quotaArgs = {
  cluster,
  role: Args.text({ name: "role" }),
  cpu: Args.text({ name: "cpu" }),
  ram: Args.text({ name: "ram" }),
  disk: Args.text({ name: "disk" })
}

const parseQuota = (o: { cpu: string; ram: string; disk: string }) =>
  Effect.gen(function* () {
    const cpu = Number(o.cpu)
    if (o.cpu.trim() === "" || !Number.isFinite(cpu) || cpu < 0)
      return yield* die(`Invalid cpu ${JSON.stringify(o.cpu)}`)
    const ram = yield* parseOr(parseSizeMb(o.ram))
    const disk = yield* parseOr(parseSizeMb(o.disk))
    return { cpu, ramMb: ram.mb, diskMb: disk.mb }
  })

const aggregate = (q: { cpu: number; ramMb: number; diskMb: number }) => ({
  resources: [{ numCpus: q.cpu }, { ramMb: q.ramMb }, { diskMb: q.diskMb }]
})

const totals = (a: ResourceAggregate | undefined) => {
  const t = { cpu: 0, ramMb: 0, diskMb: 0 }
  for (const r of a?.resources ?? []) {
    if ("numCpus" in r) t.cpu += r.numCpus
    if ("ramMb" in r) t.ramMb += r.ramMb
    if ("diskMb" in r) t.diskMb += r.diskMb
  }
  return t
}
const show = (q: { cpu: number; ramMb: number; diskMb: number }) =>
  `cpu=${q.cpu} ram_mb=${q.ramMb} disk_mb=${q.diskMb}`

const setQuota = Command.make("set_quota", quotaArgs, (o) =>
  Effect.scoped(
    Effect.gen(function* () {
      const q = yield* parseQuota(o)
      const s = yield* admin(o.cluster)
      yield* check(yield* s.call("setQuota", { ownerRole: o.role, quota: aggregate(q) }))
    })
  )
).pipe(
  Command.withDescription(
    "Set a role's quota: cpu, then ram and disk as integers with k/m/g/t[b] units (bare = bytes)"
  )
)

const increaseQuota = Command.make("increase_quota", quotaArgs, (o) =>
  Effect.scoped(
    Effect.gen(function* () {
      const add = yield* parseQuota(o)
      const s = yield* admin(o.cluster)
      const current = yield* s.call("getQuota", { ownerRole: o.role })
      yield* check(current)
      const old = totals(current.result?.getQuotaResult.quota)
      const next = { cpu: old.cpu + add.cpu, ramMb: old.ramMb + add.ramMb, diskMb: old.diskMb + add.diskMb }
      yield* log(`Current quota for ${o.role}: ${show(old)}`)
      yield* log(`Updating quota for ${o.role} to ${show(next)}`)
      yield* check(yield* s.call("setQuota", { ownerRole: o.role, quota: aggregate(next) }))
    })
  )
).pipe(Command.withDescription("Add to a role's quota"))

const listBackups = Command.make("scheduler_list_backups", { cluster }, (o) =>
  Effect.scoped(
    Effect.gen(function* () {
      const s = yield* admin(o.cluster)
      const resp = yield* s.call("listBackups", {})
      yield* check(resp)
      const backups = resp.result?.listBackupsResult.backups ?? []
      yield* out(`${backups.length} available backups:`)
      for (const b of backups) yield* out(b)
    })
  )
).pipe(Command.withDescription("List the scheduler's backups"))

const stageRecovery = Command.make(
  "scheduler_stage_recovery",
  { cluster, backupId: Args.text({ name: "backup_id" }) },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const s = yield* admin(o.cluster)
        yield* check(yield* s.call("stageRecovery", { backupId: o.backupId }))
      })
    )
).pipe(Command.withDescription("Load a backup into a staging area for inspection"))

const printRecoveryTasks = Command.make("scheduler_print_recovery_tasks", { cluster }, (o) =>
  Effect.scoped(
    Effect.gen(function* () {
      const s = yield* admin(o.cluster)
      const resp = yield* s.call("queryRecovery", { query: { statuses: [...ACTIVE_STATES] } })
      yield* check(resp)
      yield* log("Role\tJob\tShard\tStatus\tTask ID")
      for (const t of resp.result?.queryRecoveryResult.tasks ?? []) {
        const job = t.assignedTask.task.job
        yield* log(
          `${job.role}\t${job.name}\t${t.assignedTask.instanceId}\t${t.status}\t${t.assignedTask.taskId}`
        )
      }
    })
  )
).pipe(Command.withDescription("Print the active tasks of the staged backup"))

const deleteRecoveryTasks = Command.make(
  "scheduler_delete_recovery_tasks",
  { cluster, taskIds: Args.text({ name: "task_ids" }) },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const ids = o.taskIds
          .split(",")
          .map((t) => t.trim())
          .filter((t) => t !== "")
        if (ids.length === 0) return yield* die("No task ids given")
        const s = yield* admin(o.cluster)
        yield* check(yield* s.call("deleteRecoveryTasks", { query: { taskIds: ids } }))
      })
    )
).pipe(Command.withDescription("Delete tasks (comma-separated ids) from the staged backup"))

const parseStates = (text: string) =>
  Effect.gen(function* () {
    const states = text
      .split(",")
      .map((x) => x.trim().toUpperCase())
      .filter((x) => x !== "")
    const bad = states.filter((x) => !(ALL_STATUSES as ReadonlyArray<string>).includes(x))
    if (bad.length > 0)
      return yield* die(`Unknown task state(s): ${bad.join(", ")}. Known: ${ALL_STATUSES.join(", ")}`)
    return states as Array<ScheduleStatus>
  })

const reconcile = Command.make(
  "reconcile_tasks",
  {
    cluster,
    type: Options.choice("type", ["explicit", "implicit"] as const).pipe(
      Options.withAlias("t"),
      Options.withDefault("explicit" as const)
    ),
    batchSize: Options.integer("batch_size").pipe(Options.withAlias("b"), Options.optional)
  },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const s = yield* admin(o.cluster)
        if (o.type === "implicit") return yield* check(yield* s.call("triggerImplicitTaskReconciliation", {}))
        if (Option.isSome(o.batchSize) && o.batchSize.value < 1)
          return yield* die("--batch_size must be at least 1")
        yield* check(
          yield* s.call("triggerExplicitTaskReconciliation", {
            settings: Option.isSome(o.batchSize) ? { batchSize: o.batchSize.value } : {}
          })
        )
      })
    )
).pipe(Command.withDescription("Reconcile the scheduler's tasks with the cluster manager"))

const prune = Command.make(
  "prune_tasks",
  {
    cluster,
    states: Options.text("states").pipe(Options.optional),
    role: Options.text("role").pipe(Options.optional),
    env: Options.text("env").pipe(Options.optional),
    limit: Options.integer("limit").pipe(Options.optional)
  },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const statuses = Option.isSome(o.states) ? yield* parseStates(o.states.value) : undefined
        const s = yield* admin(o.cluster)
        yield* check(
          yield* s.call("pruneTasks", {
            query: {
              ...(statuses ? { statuses } : {}),
              ...(Option.isSome(o.role) ? { role: o.role.value } : {}),
              ...(Option.isSome(o.env) ? { environment: o.env.value } : {}),
              ...(Option.isSome(o.limit) ? { limit: o.limit.value } : {})
            }
          })
        )
        yield* out("Tasks pruned.")
      })
    )
).pipe(Command.withDescription("Delete terminal tasks from the scheduler's store"))

const getScheduler = Command.make("get_scheduler", { cluster }, (o) =>
  Effect.scoped(Effect.flatMap(admin(o.cluster), (s) => out(`Found leading scheduler at: ${s.baseUrl}`)))
).pipe(Command.withDescription("Print the URL of the cluster's leading scheduler"))

const getClusterConfig = Command.make(
  "get_cluster_config",
  { cluster, sh: Options.boolean("sh"), export: Options.boolean("export") },
  (o) =>
    Effect.gen(function* () {
      const c = yield* findCluster(o.cluster, 1)
      if (!o.sh && !o.export) return yield* out(JSON.stringify(c, null, 2))
      for (const [k, v] of Object.entries(c))
        yield* out(`${o.export ? "export " : ""}AURORA_CLUSTER_${k.toUpperCase()}=${shellQuote(String(v))}`)
    })
).pipe(
  Command.withDescription(
    "Print the cluster's clusters.json entry (JSON, or shell variables with --sh/--export)"
  )
)

export const operationCommands = [
  setQuota,
  increaseQuota,
  simple("scheduler_backup_now", "Write a backup of the scheduler's storage now", (s) =>
    s.call("performBackup", {})
  ),
  listBackups,
  stageRecovery,
  printRecoveryTasks,
  deleteRecoveryTasks,
  simple("scheduler_commit_recovery", "Replace the scheduler's storage with the staged backup", (s) =>
    s.call("commitRecovery", {})
  ),
  simple("scheduler_unload_recovery", "Drop the staged backup", (s) => s.call("unloadRecovery", {})),
  simple("scheduler_snapshot", "Write a storage snapshot to the replicated log now", (s) =>
    s.call("snapshot", {})
  ),
  reconcile,
  prune,
  getScheduler,
  getClusterConfig
] as const

export { parseStates }
