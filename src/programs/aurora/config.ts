/** `aurora config ...` */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { clusterKeyToString, listJobs } from "../../domain/config/index.ts"
import { nodeHost } from "../../layers/config/nodeHost.ts"
import {
  bindOption,
  CliExit,
  EXIT,
  out,
  parseBindings,
  readJsonOption,
  readSource,
  verboseOption
} from "./shared.ts"

const list = Command.make(
  "list",
  {
    config: Args.text({ name: "CONFIG" }),
    bind: bindOption,
    readJson: readJsonOption,
    verbose: verboseOption
  },
  ({ config, bind, readJson }) =>
    Effect.gen(function* () {
      const host = nodeHost()
      const bindings = yield* parseBindings(bind)
      const source = yield* readSource(config, readJson, host, {
        code: EXIT.COMMAND_FAILURE,
        prefix: "Error loading configuration file"
      })
      const keys = listJobs(source, bindings, host)
      if (Either.isLeft(keys)) {
        return yield* new CliExit({
          code: EXIT.COMMAND_FAILURE,
          message: `Error loading configuration file: ${keys.left.message}`
        })
      }
      yield* out(`jobs=[${keys.right.map(clusterKeyToString).join(", ")}]`)
    })
).pipe(Command.withDescription("List the jobs a configuration file defines"))

export const configCommand = Command.make("config").pipe(
  Command.withDescription("Work with configuration files"),
  Command.withSubcommands([list])
)
