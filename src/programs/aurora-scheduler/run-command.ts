// `aurora-scheduler run [flags]`: runs one scheduler replica until it is DEAD.
import { Command } from "@effect/cli"
import { Cause, Console, Effect } from "effect"
import { allLogFlags } from "./log-flags.ts"
import { allRunFlags } from "./run-flags.ts"
import { runScheduler } from "./scheduler.ts"

const describe = (e: unknown): string =>
  typeof e === "object" && e !== null && "message" in e && typeof e.message === "string" && e.message !== ""
    ? e.message
    : typeof e === "object" && e !== null && "_tag" in e
      ? String(e._tag)
      : String(e)

export const runCommand = Command.make("run", { run: allRunFlags, log: allLogFlags }, ({ run, log }) =>
  runScheduler(run, log).pipe(
    Effect.flatMap((reason) =>
      Effect.sync(() => {
        // A requested stop is a clean exit; anything else (leadership lost, a failure) is not, so a
        // supervisor restarts the scheduler as Aurora expects.
        process.exitCode = reason.startsWith("requested:") ? 0 : 1
      })
    ),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.void
        : Console.error(`aurora-scheduler: ${describe(Cause.squash(cause))}`).pipe(
            Effect.zipRight(
              Effect.sync(() => {
                process.exitCode = 1
              })
            )
          )
    )
  )
).pipe(
  Command.withDescription(
    "Run a scheduler replica: HTTP API and UI, log replica, leader election; the elected leader drives the cluster."
  )
)
