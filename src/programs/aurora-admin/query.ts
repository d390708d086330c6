/** `aurora-admin query`: tasks of a cluster, one formatted line each. */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect, Option } from "effect"
import { formatTaskLine } from "../../domain/client/index.ts"
import { ACTIVE_STATES } from "../../domain/model/index.ts"
import { admin, die, out } from "./common.ts"
import { parseStates } from "./operations.ts"

export const queryCommand = Command.make(
  "query",
  {
    cluster: Args.text({ name: "cluster" }),
    role: Args.text({ name: "role" }).pipe(Args.optional),
    job: Args.text({ name: "job" }).pipe(Args.optional),
    force: Options.boolean("force").pipe(
      Options.withDescription("Allow a query without role and job, or of inactive states")
    ),
    shards: Options.text("shards").pipe(
      Options.optional,
      Options.withDescription("Instance ids, comma-separated")
    ),
    states: Options.text("states").pipe(
      Options.withDefault("RUNNING"),
      Options.withDescription("Task states, comma-separated")
    ),
    listformat: Options.text("listformat").pipe(
      Options.withAlias("l"),
      Options.withDefault("%role%/%name%/%instanceId% %status%"),
      Options.withDescription("Line format with %field% placeholders")
    )
  },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const statuses = yield* parseStates(o.states)
        if (
          !o.force &&
          (Option.isNone(o.role) || Option.isNone(o.job) || statuses.some((x) => !ACTIVE_STATES.has(x)))
        )
          return yield* die(
            "--force is required to query without both role and job, or for states outside the active ones"
          )
        const instanceIds: Array<number> = []
        if (Option.isSome(o.shards))
          for (const part of o.shards.value.split(",")) {
            if (!/^\s*\d+\s*$/.test(part))
              return yield* die(`Invalid instance id ${JSON.stringify(part)} in --shards`)
            instanceIds.push(Number(part))
          }
        const s = yield* admin(o.cluster)
        const resp = yield* s.call("getTasksStatus", {
          query: {
            statuses,
            ...(Option.isSome(o.role) ? { role: o.role.value } : {}),
            ...(Option.isSome(o.job) ? { jobName: o.job.value } : {}),
            ...(instanceIds.length > 0 ? { instanceIds } : {})
          }
        })
        if (resp.responseCode !== "OK")
          return yield* die(
            `Response from scheduler: ${resp.responseCode} (message: ${resp.details.map((d) => d.message).join(", ")})`
          )
        for (const t of resp.result?.scheduleStatusResult.tasks ?? [])
          yield* out(formatTaskLine(o.listformat, t))
      })
    )
).pipe(Command.withDescription("Print the tasks matching a query, one line each"))
