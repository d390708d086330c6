// `aurora-scheduler log ...`: operator commands on a log replica (what `mesos-log` offered).
import { Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import { makeSqliteStore } from "../../layers/log/sqlite-store.ts"
import { failedWith } from "../failed.ts"

const path = Options.text("path").pipe(
  Options.withDescription("the replica's directory (-native_log_file_path); created if missing")
)

const initialize = Command.make("initialize", { path }, ({ path }) =>
  Effect.scoped(Effect.flatMap(makeSqliteStore(path), (store) => store.initialize)).pipe(
    Effect.flatMap(Console.log),
    Effect.catchTag("LogStorageFailed", (e) => failedWith("aurora-scheduler log initialize", e.message))
  )
).pipe(
  Command.withDescription(
    "Marks a brand-new, empty replica VOTING. Run it on every replica of a new cluster (and after wiping all replicas for an offline restore); never on a replica that should recover from its peers."
  )
)

export const logCommand = Command.make("log").pipe(
  Command.withDescription("Operator commands for the scheduler's replicated log."),
  Command.withSubcommands([initialize])
)
