import * as Command from "@effect/cli/Command"
import { configCommand } from "./config.ts"
import { jobCommand } from "./job.ts"
import { quotaCommand } from "./quota.ts"
import { runClient } from "./runClient.ts"
import { EXIT } from "./shared.ts"
import { taskCommand } from "./task.ts"

const VERSION = "0.23.0-SNAPSHOT"

// A closed pipe (`aurora ... | head`) ends the command quietly, as it would for any Unix tool.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0)
})

/** Old verb-only commands (spec README decision 6) mapped to their noun-verb twins. */
const ALIASES: Record<string, ReadonlyArray<string>> = {
  create: ["job", "create"],
  kill: ["job", "kill"],
  killall: ["job", "killall"],
  restart: ["job", "restart"],
  status: ["job", "status"],
  list_jobs: ["job", "list"],
  get_quota: ["quota", "get"],
  run: ["task", "run"],
  ssh: ["task", "ssh"],
  open: ["job", "open"],
  diff: ["job", "diff"],
  inspect: ["job", "inspect"],
  version: ["--version"],
  help: ["--help"]
}

/** `get_quota --cluster=C ROLE` becomes `quota get C/ROLE`. */
const rewriteGetQuota = (args: ReadonlyArray<string>): ReadonlyArray<string> => {
  let cluster: string | undefined
  const rest: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a.startsWith("--cluster=")) cluster = a.slice("--cluster=".length)
    else if (a === "--cluster" && i + 1 < args.length) cluster = args[++i]
    else rest.push(a)
  }
  if (cluster === undefined) return args
  const role = rest.findIndex((a) => !a.startsWith("-"))
  if (role >= 0) rest[role] = `${cluster}/${rest[role]}`
  return rest
}

const root = Command.make("aurora").pipe(
  Command.withSubcommands([jobCommand, quotaCommand, taskCommand, configCommand])
)

const cli = Command.run(root, { name: "aurora", version: VERSION })

const argv = process.argv.slice(2)
const rewritten =
  argv.length > 0 && ALIASES[argv[0]]
    ? [...ALIASES[argv[0]], ...(argv[0] === "get_quota" ? rewriteGetQuota(argv.slice(1)) : argv.slice(1))]
    : argv

runClient(cli([process.argv[0], process.argv[1], ...rewritten]), {
  exit: (code) => code,
  usage: EXIT.ARGS,
  unknown: EXIT.UNKNOWN_ERROR
})
