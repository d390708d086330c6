/**
 * `aurora job diff` (client-config.md §1.1). The scheduler's getJobUpdateDiff is not served yet, so
 * the local configuration (normalised by populateJobConfig) is compared with the configs of the
 * job's active tasks; differing configs are shown through `$DIFF_VIEWER` (default `diff`).
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { instanceRanges, parseInstanceSpec } from "../../domain/client/index.ts"
import { ACTIVE_STATES, JobConfiguration, type TaskConfig } from "../../domain/model/index.ts"
import { loadForScheduler } from "./load.ts"
import { checkResponse, schedulerFor } from "./scheduler.ts"
import { bindOption, CliExit, EXIT, out, parseArg, readJsonOption, verboseOption } from "./shared.ts"
import { jobKeyOf } from "./wait.ts"

const encodeJob = Schema.encodeSync(JobConfiguration)

/** `[0-2], [5]` */
export const formatRanges = (ids: ReadonlyArray<number>): string =>
  instanceRanges(ids)
    .map((r) => (r.first === r.last ? `[${r.first}]` : `[${r.first}-${r.last}]`))
    .join(", ")

const sortKeys = (v: unknown): unknown => {
  if (Array.isArray(v)) {
    const items = v.map(sortKeys)
    return items.every((i) => typeof i !== "object")
      ? [...items].sort()
      : [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
  }
  if (v !== null && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])
    )
  return v
}

/** A TaskConfig as stable text: keys sorted, sets ordered, executor data re-indented. */
export const prettyTaskConfig = (t: TaskConfig): string => {
  let data: unknown = t.executorConfig?.data
  try {
    if (typeof data === "string" && data !== "") data = JSON.parse(data)
  } catch {
    // not JSON: compared as text
  }
  const shown = t.executorConfig ? { ...t, executorConfig: { ...t.executorConfig, data } } : t
  return `${JSON.stringify(sortKeys(shown), null, 2)}\n`
}

const runDiff = (remote: string, local: string): Effect.Effect<string, CliExit> =>
  Effect.gen(function* () {
    const dir = mkdtempSync(join(tmpdir(), "aurora-diff-"))
    try {
      writeFileSync(join(dir, "remote"), remote)
      writeFileSync(join(dir, "local"), local)
      const viewer = (process.env.DIFF_VIEWER || "diff").split(/\s+/).filter((w) => w !== "")
      const r = spawnSync(viewer[0], [...viewer.slice(1), join(dir, "remote"), join(dir, "local")], {
        encoding: "utf8"
      })
      if (r.error || (r.status !== 0 && r.status !== 1))
        return yield* new CliExit({
          code: EXIT.COMMAND_FAILURE,
          message: `Error running diff command ${viewer.join(" ")}: ${r.error?.message ?? r.stderr.trim() ?? `exit ${r.status}`}`
        })
      return r.stdout
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

const diff = Command.make(
  "diff",
  {
    instanceSpec: Args.text({ name: "CLUSTER/ROLE/ENV/NAME[/INSTANCES]" }),
    config: Args.text({ name: "CONFIG" }),
    bind: bindOption,
    readJson: readJsonOption,
    verbose: verboseOption
  },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const spec = yield* parseArg("INSTANCE_SPEC", o.instanceSpec, parseInstanceSpec)
        const key = spec.job
        const s = yield* schedulerFor(key.cluster)
        const { configuration } = yield* loadForScheduler(s, key, o)
        const populated = yield* s.call("populateJobConfig", { description: encodeJob(configuration) })
        yield* checkResponse(
          populated,
          "Server could not populate job config for comparison:",
          EXIT.COMMAND_FAILURE
        )
        const local = populated.result?.populateJobResult.taskConfig ?? configuration.taskConfig
        const remoteResp = yield* s.call("getTasksStatus", {
          query: { jobKeys: [jobKeyOf(key)], statuses: [...ACTIVE_STATES] }
        })
        yield* checkResponse(remoteResp, "Could not find job to diff against", EXIT.COMMAND_FAILURE)
        const wanted = (id: number) => spec.instances === undefined || spec.instances.includes(id)
        const remote = new Map<number, TaskConfig>()
        for (const t of remoteResp.result?.scheduleStatusResult.tasks ?? [])
          if (wanted(t.assignedTask.instanceId)) remote.set(t.assignedTask.instanceId, t.assignedTask.task)
        const localIds = Array.from({ length: configuration.instanceCount }, (_, i) => i).filter(wanted)
        const localText = prettyTaskConfig(local)
        const add = localIds.filter((i) => !remote.has(i))
        const remove = [...remote.keys()].filter((i) => !localIds.includes(i)).sort((a, b) => a - b)
        // instances to update, grouped by their current config
        const changed = new Map<string, Array<number>>()
        const same: Array<number> = []
        for (const i of localIds) {
          const r = remote.get(i)
          if (r === undefined) continue
          const text = prettyTaskConfig(r)
          if (text === localText) same.push(i)
          else changed.set(text, [...(changed.get(text) ?? []), i])
        }
        yield* out("This job update will:")
        if (add.length > 0) yield* out(`add instances: ${formatRanges(add)}`)
        if (remove.length > 0) yield* out(`remove instances: ${formatRanges(remove)}`)
        for (const [text, ids] of changed) {
          yield* out(`update instances: ${formatRanges(ids)}`)
          yield* out("with diff:")
          const shown = yield* runDiff(text, localText)
          if (shown !== "")
            yield* Effect.sync(() => process.stdout.write(shown.endsWith("\n") ? shown : `${shown}\n`))
        }
        if (same.length > 0) yield* out(`not change instances: ${formatRanges(same)}`)
      })
    )
).pipe(Command.withDescription("Compare a configuration with the job the scheduler runs"))

export const diffCommands = [diff] as const
