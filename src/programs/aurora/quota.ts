/** `aurora quota get` (client-config.md §1.4). */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import { quotaLines } from "../../domain/client/index.ts"
import { isGoodIdentifier } from "../../domain/model/index.ts"
import { checkResponse, schedulerFor } from "./scheduler.ts"
import { CliExit, EXIT, out, verboseOption, writeJsonOption } from "./shared.ts"

/** `CLUSTER/ROLE`; anything else is an argument error. */
export const parseClusterRole = (text: string) => {
  const parts = text.split("/")
  return parts.length === 2 && parts[0] !== "" && isGoodIdentifier(parts[1])
    ? Effect.succeed({ cluster: parts[0], role: parts[1] })
    : Effect.fail(
        new CliExit({
          code: EXIT.ARGS,
          message: `argument CLUSTER/ROLE: invalid value "${text}": expected CLUSTER/ROLE`
        })
      )
}

const get = Command.make(
  "get",
  { clusterRole: Args.text({ name: "CLUSTER/ROLE" }), writeJson: writeJsonOption, verbose: verboseOption },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const { cluster, role } = yield* parseClusterRole(o.clusterRole)
        const s = yield* schedulerFor(cluster)
        const resp = yield* s.call("getQuota", { ownerRole: role })
        yield* checkResponse(resp, `Error retrieving quota for role ${role}`)
        const result = resp.result?.getQuotaResult
        if (result === undefined)
          return yield* new CliExit({
            code: EXIT.API_ERROR,
            message: `Error retrieving quota for role ${role}\n\tno result`
          })
        if (o.writeJson) yield* out(JSON.stringify(result))
        else for (const line of quotaLines(result)) yield* out(line)
      })
    )
).pipe(Command.withDescription("Show a role's quota and what it consumes"))

export const quotaCommand = Command.make("quota").pipe(
  Command.withDescription("Work with quotas"),
  Command.withSubcommands([get])
)
