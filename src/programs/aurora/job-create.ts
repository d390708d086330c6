/** `aurora job create` and `aurora job add` (client-config.md §1.1). */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { parseTaskInstance, pyList } from "../../domain/client/index.ts"
import { clusterKeyToString } from "../../domain/config/index.ts"
import { ACTIVE_STATES, JobConfiguration, type ScheduledTask } from "../../domain/model/index.ts"
import { loadForScheduler } from "./load.ts"
import { checkResponse, jobUrl, schedulerFor } from "./scheduler.ts"
import {
  bindOption,
  CliExit,
  EXIT,
  err,
  openBrowser,
  openBrowserOption,
  out,
  parseArg,
  parseClusterJobKey,
  readJsonOption,
  verboseOption
} from "./shared.ts"
import { jobKeyOf, jobTasks, type WaitTarget, waitUntil } from "./wait.ts"

const encodeJob = Schema.encodeSync(JobConfiguration)

const waitUntilOption = Options.choice("wait-until", ["PENDING", "RUNNING", "FINISHED"] as const).pipe(
  Options.withDefault("PENDING" as WaitTarget),
  Options.withDescription("Wait until every task is PENDING (no wait), RUNNING or FINISHED")
)

const hasCountOrPercentSla = (tasks: ReadonlyArray<ScheduledTask>) =>
  tasks.some((t) => {
    const p = t.assignedTask.task.slaPolicy
    return p !== undefined && ("countSlaPolicy" in p || "percentageSlaPolicy" in p)
  })

const create = Command.make(
  "create",
  {
    jobKey: Args.text({ name: "CLUSTER/ROLE/ENV/NAME" }),
    config: Args.text({ name: "CONFIG" }),
    bind: bindOption,
    readJson: readJsonOption,
    waitUntil: waitUntilOption,
    openBrowser: openBrowserOption,
    verbose: verboseOption
  },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const key = yield* parseClusterJobKey(o.jobKey)
        const spec = clusterKeyToString(key)
        const s = yield* schedulerFor(key.cluster)
        const { configuration } = yield* loadForScheduler(s, key, o)
        if (configuration.cronSchedule !== undefined)
          return yield* new CliExit({
            code: EXIT.COMMAND_FAILURE,
            message: 'Cron jobs may only be scheduled with "aurora cron schedule" command'
          })
        yield* err(` INFO] Creating job ${key.name}`)
        const resp = yield* s.call("createJob", { description: encodeJob(configuration) })
        yield* checkResponse(resp, "Job creation failed due to error:", EXIT.COMMAND_FAILURE)
        const url = jobUrl(s, key.role, key.environment, key.name)
        if (o.openBrowser) yield* openBrowser(url)
        yield* waitUntil(s, key, o.waitUntil)
        yield* err(` INFO] Checking status of ${spec}`)
        const tasks = yield* jobTasks(s, key).pipe(Effect.catchAll(() => Effect.succeed([])))
        if (tasks.length === 0)
          return yield* new CliExit({
            code: EXIT.COMMAND_FAILURE,
            message: `Error occurred while creating job ${spec}`
          })
        yield* out(`Job create succeeded: job url=${url}`)
      })
    )
).pipe(Command.withDescription("Create a job from a configuration file"))

const add = Command.make(
  "add",
  {
    instance: Args.text({ name: "CLUSTER/ROLE/ENV/NAME/INSTANCE" }),
    count: Args.integer({ name: "COUNT" }),
    waitUntil: waitUntilOption,
    openBrowser: openBrowserOption,
    verbose: verboseOption
  },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const { job: key, instance } = yield* parseArg("TASK_INSTANCE", o.instance, parseTaskInstance)
        if (o.count < 1)
          return yield* new CliExit({
            code: EXIT.ARGS,
            message: `argument COUNT: must be at least 1, got ${o.count}`
          })
        const s = yield* schedulerFor(key.cluster)
        const active = yield* jobTasks(s, key, { statuses: ACTIVE_STATES })
        if (!active.some((t) => t.assignedTask.instanceId === instance))
          return yield* new CliExit({
            code: EXIT.INVALID_PARAMETER,
            message: `Invalid instance parameter: ${pyList([instance])}`
          })
        if (hasCountOrPercentSla(active)) yield* out("WARNING: Adding instances without updating SlaPolicy.")
        const resp = yield* s.call("addInstances", {
          key: { jobKey: jobKeyOf(key), instanceId: instance },
          count: o.count
        })
        yield* checkResponse(resp, `Failed to add instances to job ${clusterKeyToString(key)}:`)
        if (o.openBrowser) yield* openBrowser(jobUrl(s, key.role, key.environment, key.name))
        const start = Math.max(...active.map((t) => t.assignedTask.instanceId)) + 1
        const added = Array.from({ length: o.count }, (_, i) => start + i)
        yield* waitUntil(s, key, o.waitUntil, added)
      })
    )
).pipe(Command.withDescription("Add COUNT instances copying the task of INSTANCE"))

export const createCommands = [create, add] as const
export { hasCountOrPercentSla }
