/** `aurora job restart` (client-config.md §1.1): a client-driven rolling restart. */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Clock, Duration, Effect } from "effect"
import { parseInstanceSpec, pyList } from "../../domain/client/index.ts"
import { type ClusterJobKey, clusterKeyToString } from "../../domain/config/index.ts"
import { ACTIVE_STATES } from "../../domain/model/index.ts"
import { batchSizeOption, maxTotalFailuresOption, strictOption } from "./job-kill.ts"
import { checkResponse, jobUrl, type Scheduler, schedulerFor } from "./scheduler.ts"
import { CliExit, EXIT, err, openBrowser, openBrowserOption, out, parseArg, verboseOption } from "./shared.ts"
import { jobKeyOf, jobTasks } from "./wait.ts"

/**
 * Watches restarted instances (the original's InstanceWatcher): an instance is healthy once the same
 * RUNNING task has been seen for `watchSecs`; a different task (it restarted again) is a failure.
 * Answers the failed instances.
 */
const watch = (
  s: Scheduler,
  key: ClusterJobKey,
  ids: ReadonlyArray<number>,
  watchSecs: number,
  intervalSecs: number
): Effect.Effect<ReadonlyArray<number>, CliExit> =>
  Effect.gen(function* () {
    yield* err(` INFO] Watching instances: ${pyList(ids)}`)
    const seen = new Map<number, { taskId: string; since: number }>()
    const done = new Map<number, boolean>()
    for (;;) {
      const running = yield* jobTasks(s, key, { statuses: ["RUNNING"], instances: ids })
      const now = yield* Clock.currentTimeMillis
      for (const t of running) {
        const id = t.assignedTask.instanceId
        if (done.has(id)) continue
        const first = seen.get(id)
        if (first === undefined) seen.set(id, { taskId: t.assignedTask.taskId, since: now })
        else if (first.taskId !== t.assignedTask.taskId) {
          yield* err(` INFO] Instance ${id} is unhealthy: it restarted again`)
          done.set(id, false)
        }
        const since = seen.get(id)?.since ?? now
        if (!done.has(id) && now - since >= watchSecs * 1000) {
          yield* err(` INFO] Instance ${id} has been up and healthy for at least ${watchSecs} seconds`)
          done.set(id, true)
        }
      }
      if (done.size === ids.length) return ids.filter((id) => done.get(id) === false)
      yield* Effect.sleep(Duration.seconds(intervalSecs))
    }
  })

const restart = Command.make(
  "restart",
  {
    instanceSpec: Args.text({ name: "CLUSTER/ROLE/ENV/NAME[/INSTANCES]" }),
    batchSize: batchSizeOption,
    maxTotalFailures: maxTotalFailuresOption,
    maxPerInstanceFailures: Options.integer("max-per-instance-failures").pipe(
      Options.withDefault(0),
      Options.withDescription("Restarts of one instance tolerated before it counts as failed")
    ),
    watchSecs: Options.integer("watch-secs").pipe(
      Options.withDefault(30),
      Options.withDescription("Seconds an instance must stay RUNNING to count as healthy")
    ),
    healthcheckIntervalSeconds: Options.integer("healthcheck-interval-seconds").pipe(
      Options.withDefault(3),
      Options.withDescription("Seconds between checks of restarted instances")
    ),
    strict: strictOption,
    openBrowser: openBrowserOption,
    verbose: verboseOption
  },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const spec = yield* parseArg("INSTANCE_SPEC", o.instanceSpec, parseInstanceSpec)
        if (o.maxTotalFailures < 0)
          return yield* new CliExit({
            code: EXIT.INVALID_PARAMETER,
            message: `max_total_failures option must be >0, but you specified ${o.maxTotalFailures}`
          })
        if (o.batchSize < 1)
          return yield* new CliExit({ code: EXIT.ARGS, message: "argument --batch-size: must be at least 1" })
        const key = spec.job
        const s = yield* schedulerFor(key.cluster)
        const active = [
          ...new Set(
            (yield* jobTasks(s, key, { statuses: ACTIVE_STATES })).map((t) => t.assignedTask.instanceId)
          )
        ].sort((a, b) => a - b)
        if (o.strict && spec.instances) {
          const missing = spec.instances.filter((i) => !active.includes(i))
          if (missing.length > 0)
            return yield* new CliExit({
              code: EXIT.INVALID_PARAMETER,
              message: `Invalid instance parameter: ${pyList(missing)}`
            })
        }
        const work = [...(spec.instances ?? active)]
        if (work.length === 0)
          return yield* new CliExit({
            code: EXIT.INVALID_PARAMETER,
            message: `No active instances of ${clusterKeyToString(key)} to restart`
          })
        const failures = new Map<number, number>()
        let totalFailures = 0
        while (work.length > 0) {
          const batch = work.splice(0, o.batchSize)
          yield* err(` INFO] Restarting instances: ${pyList(batch)}`)
          const resp = yield* s.call("restartShards", { job: jobKeyOf(key), shardIds: batch })
          yield* checkResponse(
            resp,
            `Error restarting instances ${pyList(batch)} of ${clusterKeyToString(key)}:`
          )
          const failed = yield* watch(s, key, batch, o.watchSecs, o.healthcheckIntervalSeconds)
          for (const id of failed) {
            const n = (failures.get(id) ?? 0) + 1
            failures.set(id, n)
            if (n > o.maxPerInstanceFailures) totalFailures++
            else work.push(id)
          }
          // A restart stopped by its failure limit reports failure (README decision 2).
          if (totalFailures > o.maxTotalFailures)
            return yield* new CliExit({
              code: EXIT.COMMAND_FAILURE,
              message: `Restart of ${clusterKeyToString(key)} stopped: ${totalFailures} failed instance(s), more than --max-total-failures=${o.maxTotalFailures}`
            })
        }
        if (o.openBrowser) yield* openBrowser(jobUrl(s, key.role, key.environment, key.name))
        yield* out(`Job ${clusterKeyToString(key)} restarted successfully`)
      })
    )
).pipe(Command.withDescription("Restart instances of a job in batches, watching each batch come back"))

export const restartCommands = [restart] as const
