// aurora-scheduler: composition only. Subcommands live in their own files.
import { Command } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { logCommand } from "./log-command.ts"
import { runCommand } from "./run-command.ts"

const command = Command.make("aurora-scheduler").pipe(Command.withSubcommands([runCommand, logCommand]))

const cli = Command.run(command, { name: "aurora-scheduler", version: "0.1.0" })

cli(process.argv).pipe(
  Effect.provide(NodeContext.layer), // @effect/cli already printed what was wrong with the command line; the exit code says it failed.
  NodeRuntime.runMain({ disableErrorReporting: true })
)
