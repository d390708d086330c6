/** `aurora job kill` and `aurora job killall` (client-config.md §1.1). */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { parseInstanceSpec, pyList } from "../../domain/client/index.ts"
import { type ClusterJobKey, clusterKeyToString } from "../../domain/config/index.ts"
import { ACTIVE_STATES } from "../../domain/model/index.ts"
import { hasCountOrPercentSla } from "./job-create.ts"
import { checkResponse, jobUrl, type Scheduler, schedulerFor } from "./scheduler.ts"
import {
  CliExit,
  EXIT,
  err,
  messageOption,
  openBrowser,
  openBrowserOption,
  out,
  parseArg,
  parseClusterJobKey,
  verboseOption
} from "./shared.ts"
import { jobKeyOf, jobTasks, waitKilled } from "./wait.ts"

export const batchSizeOption = Options.integer("batch-size").pipe(
  Options.withDefault(1),
  Options.withDescription("Instances acted on per batch")
)
export const maxTotalFailuresOption = Options.integer("max-total-failures").pipe(
  Options.withDefault(0),
  Options.withDescription("Failures tolerated before giving up")
)
const noBatchingOption = Options.boolean("no-batching").pipe(
  Options.withDescription("Kill every instance with one call instead of in batches")
)
export const strictOption = Options.boolean("strict").pipe(
  Options.withDescription("Fail if any requested instance is not active")
)

interface KillOptions {
  readonly batchSize: number
  readonly maxTotalFailures: number
  readonly noBatching: boolean
  readonly message: Option.Option<string>
  readonly openBrowser: boolean
}

const killTasks = (
  s: Scheduler,
  key: ClusterJobKey,
  ids: ReadonlyArray<number> | undefined,
  message: Option.Option<string>
) =>
  s.call("killTasks", {
    job: jobKeyOf(key),
    ...(ids ? { instances: ids } : {}),
    ...(Option.isSome(message) ? { message: message.value } : {})
  })

/** The kill of `requested` instances (undefined = every active one), batched unless told otherwise. */
const killInstances = (
  s: Scheduler,
  key: ClusterJobKey,
  requested: ReadonlyArray<number> | undefined,
  o: KillOptions,
  warnSla: boolean
) =>
  Effect.gen(function* () {
    if (o.batchSize < 1)
      return yield* new CliExit({ code: EXIT.ARGS, message: `argument --batch-size: must be at least 1` })
    if (o.noBatching) {
      const resp = yield* killTasks(s, key, requested, o.message)
      yield* checkResponse(resp, `Kill of instances ${pyList(requested ?? [])} failed with error:`)
      if (!(yield* waitKilled(s, key, requested)))
        return yield* new CliExit({
          code: EXIT.TIMEOUT,
          message: `Instances ${pyList(requested ?? [])} were not killed in time`
        })
      return
    }
    const active = yield* jobTasks(s, key, { statuses: ACTIVE_STATES })
    if (active.length === 0)
      return yield* new CliExit({
        code: EXIT.INVALID_PARAMETER,
        message: `No tasks to kill found for job ${clusterKeyToString(key)}`
      })
    if (warnSla && hasCountOrPercentSla(active))
      yield* out("WARNING: Killing instances without updating SlaPolicy.")
    const activeIds = new Set(active.map((t) => t.assignedTask.instanceId))
    const toKill = [...activeIds]
      .filter((id) => requested === undefined || requested.includes(id))
      .sort((a, b) => a - b)
    let errors = 0
    for (let i = 0; i < toKill.length; i += o.batchSize) {
      const batch = toKill.slice(i, i + o.batchSize)
      const resp = yield* killTasks(s, key, batch, o.message)
      yield* checkResponse(resp, `Kill of instances ${pyList(batch)} failed with error:`)
      if (yield* waitKilled(s, key, batch)) {
        yield* out(`Successfully killed instances ${pyList(batch)}`)
      } else {
        yield* err(`Instances ${pyList(batch)} were not killed in time`)
        errors++
        if (errors > o.maxTotalFailures)
          return yield* new CliExit({
            code: EXIT.COMMAND_FAILURE,
            message: "Exceeded maximum number of errors while killing instances"
          })
      }
    }
    if (errors > 0)
      return yield* new CliExit({
        code: EXIT.COMMAND_FAILURE,
        message: `Errors killing instances of ${clusterKeyToString(key)}`
      })
  })

const common = {
  batchSize: batchSizeOption,
  maxTotalFailures: maxTotalFailuresOption,
  noBatching: noBatchingOption,
  message: messageOption,
  openBrowser: openBrowserOption,
  verbose: verboseOption
}

const kill = Command.make(
  "kill",
  { instanceSpec: Args.text({ name: "CLUSTER/ROLE/ENV/NAME/INSTANCES" }), strict: strictOption, ...common },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const spec = yield* parseArg("INSTANCE_SPEC", o.instanceSpec, parseInstanceSpec)
        if (spec.instances === undefined)
          return yield* new CliExit({
            code: EXIT.INVALID_PARAMETER,
            message:
              "The instances list cannot be omitted in a kill command!; use killall to kill all instances"
          })
        const s = yield* schedulerFor(spec.job.cluster)
        if (o.strict) {
          const active = new Set(
            (yield* jobTasks(s, spec.job, { statuses: ACTIVE_STATES })).map((t) => t.assignedTask.instanceId)
          )
          const missing = spec.instances.filter((i) => !active.has(i))
          if (missing.length > 0)
            return yield* new CliExit({
              code: EXIT.INVALID_PARAMETER,
              message: `Invalid instance parameter: ${pyList(missing)}`
            })
        }
        yield* killInstances(s, spec.job, spec.instances, o, true)
        if (o.openBrowser) yield* openBrowser(jobUrl(s, spec.job.role, spec.job.environment, spec.job.name))
        yield* out("Job kill succeeded")
      })
    )
).pipe(Command.withDescription("Kill the given instances of a job"))

const killall = Command.make(
  "killall",
  { jobKey: Args.text({ name: "CLUSTER/ROLE/ENV/NAME" }), ...common },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const key = yield* parseClusterJobKey(o.jobKey)
        const s = yield* schedulerFor(key.cluster)
        yield* killInstances(s, key, undefined, o, false)
        if (o.openBrowser) yield* openBrowser(jobUrl(s, key.role, key.environment, key.name))
        yield* out("Job killall succeeded")
      })
    )
).pipe(Command.withDescription("Kill every instance of a job"))

export const killCommands = [kill, killall] as const
