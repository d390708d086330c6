/** `aurora job ...`: inspect here; the other verbs in job-*.ts. */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { inspectLines, loadJob, renderJson, toJobConfiguration } from "../../domain/config/index.ts"
import { localUser, nodeHost } from "../../layers/config/nodeHost.ts"
import { createCommands } from "./job-create.ts"
import { diffCommands } from "./job-diff.ts"
import { killCommands } from "./job-kill.ts"
import { restartCommands } from "./job-restart.ts"
import { statusCommands } from "./job-status.ts"
import {
  bindOption,
  CliExit,
  EXIT,
  err,
  out,
  parseBindings,
  parseClusterJobKey,
  readJsonOption,
  readSource,
  verboseOption
} from "./shared.ts"

const loadError = (message: string, code: number) =>
  new CliExit({
    code,
    message: code === EXIT.INVALID_CONFIGURATION ? `Error loading configuration: ${message}` : message
  })

const inspect = Command.make(
  "inspect",
  {
    jobKey: Args.text({ name: "CLUSTER/ROLE/ENV/NAME" }),
    config: Args.text({ name: "CONFIG" }),
    bind: bindOption,
    readJson: readJsonOption,
    raw: Options.boolean("raw").pipe(
      Options.withDescription("Print the JobConfiguration the scheduler would receive")
    ),
    writeJson: Options.boolean("write-json").pipe(Options.withDescription("Print the job as JSON")),
    verbose: verboseOption
  },
  ({ jobKey, config, bind, readJson, raw, writeJson }) =>
    Effect.gen(function* () {
      const host = nodeHost()
      const key = yield* parseClusterJobKey(jobKey)
      const bindings = yield* parseBindings(bind)
      const source = yield* readSource(config, readJson, host)
      const loaded = loadJob({ source, key, bindings }, host)
      if (Either.isLeft(loaded)) return yield* loadError(loaded.left.message, loaded.left.exitCode)
      for (const w of loaded.right.warnings) yield* err(`WARN] ${w}`)
      const job = loaded.right.job
      if (raw) {
        const conf = toJobConfiguration(job, localUser())
        if (Either.isLeft(conf)) return yield* loadError(conf.left.message, conf.left.exitCode)
        yield* out(JSON.stringify(conf.right, null, 2))
      } else if (writeJson) {
        yield* out(renderJson(job.interpolate().obj.toData()))
      } else {
        for (const line of inspectLines(job)) yield* out(line)
      }
    })
).pipe(Command.withDescription("Show the job a configuration defines for a job key, without a scheduler"))

export const jobCommand = Command.make("job").pipe(
  Command.withDescription("Work with jobs"),
  Command.withSubcommands([
    ...createCommands,
    ...killCommands,
    ...restartCommands,
    ...statusCommands,
    ...diffCommands,
    inspect
  ])
)
