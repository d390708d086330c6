import { Console, Effect } from "effect"

/** A program's one-line error to stderr (`<who>: <message>`, no stack trace) and exit code 1. */
export const failedWith = (who: string, message: string): Effect.Effect<void> =>
  Console.error(`${who}: ${message}`).pipe(
    Effect.zipRight(
      Effect.sync(() => {
        process.exitCode = 1
      })
    )
  )
