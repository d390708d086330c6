import * as Command from "@effect/cli/Command"
import { runClient } from "../aurora/runClient.ts"
import type { CliExit } from "../aurora/shared.ts"
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

// Admin commands die with 1 (the original's `die`), whatever the cause.
runClient(cli([process.argv[0], process.argv[1], ...args]), {
  exit: (code) => (code === 0 ? 0 : 1),
  usage: 1,
  usageHint: "Run `aurora-admin help COMMAND` for the command's usage.",
  unknown: 1
})
