/** `aurora-admin` (client-config.md §1.8): cluster administration commands. */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { CliExit } from "../aurora/shared.ts"
import { globals } from "./common.ts"
import { maintenanceCommands } from "./maintenance.ts"
import { operationCommands } from "./operations.ts"
import { queryCommand } from "./query.ts"

process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0)
})

const commands = [...operationCommands, ...maintenanceCommands, queryCommand]

const root = Command.make("aurora-admin").pipe(
  Command.withDescription(
    "Administer an Aurora cluster. Global flags before the command: --bypass-leader-redirect, -v/--verbose, -q/--quiet."
  ),
  Command.withSubcommands(commands as unknown as [Command.Command<string, never, CliExit, unknown>])
)
const cli = Command.run(root, { name: "aurora-admin", version: "0.23.0-SNAPSHOT" })

// Global flags (twitter.common.app style) come before the command name.
const argv = process.argv.slice(2)
const rest: Array<string> = []
let i = 0
for (; i < argv.length && argv[i].startsWith("-"); i++) {
  const a = argv[i]
  if (a === "--bypass-leader-redirect") globals.bypassLeaderRedirect = true
  else if (a === "-q" || a === "--quiet") globals.quiet = true
  else if (a === "-v" || a === "--verbose") globals.quiet = false
  else rest.push(a)
}
rest.push(...argv.slice(i))
// `help [command]` is `--help` on the command (or on the whole tool).
const args = rest[0] === "help" ? (rest.length > 1 ? [rest[1], "--help"] : ["--help"]) : rest

const program = cli([process.argv[0], process.argv[1], ...args]).pipe(
  Effect.catchAll((e) =>
    Effect.sync(() => {
      if (e instanceof CliExit) {
        if (e.message) process.stderr.write(`${e.message}\n`)
        // admin commands die with 1 (the original's `die`), whatever the cause
        process.exitCode = e.code === 0 ? 0 : 1
      } else if (ValidationError.isValidationError(e)) {
        process.stderr.write("Run `aurora-admin help COMMAND` for the command's usage.\n")
        process.exitCode = 1
      } else {
        process.stderr.write(`Fatal error running command: ${String(e)}\n`)
        process.exitCode = 1
      }
    })
  ),
  Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer))
)

Effect.runPromise(
  program.pipe(
    Effect.catchAllDefect((d) =>
      Effect.sync(() => {
        process.stderr.write(`Fatal error running command: ${d instanceof Error ? d.message : String(d)}\n`)
        process.exitCode = 1
      })
    )
  )
).catch((e) => {
  process.stderr.write(`Fatal error running command: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exitCode = 1
})
