// How the `aurora` and `aurora-admin` programs run: the CLI's layers, and every way a command can end
// (CliExit, a usage error, a failure or a defect) turned into a message and an exit code, never a trace.
import * as CliConfig from "@effect/cli/CliConfig"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { CliExit } from "./shared.ts"

export interface ExitCodes {
  /** The code for a CliExit of this code. */
  readonly exit: (code: number) => number
  readonly usage: number
  readonly usageHint?: string
  readonly unknown: number
}

const fatal = (e: unknown, code: number) => {
  process.stderr.write(`Fatal error running command: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exitCode = code
}

export const runClient = <R>(program: Effect.Effect<void, unknown, R>, codes: ExitCodes): void => {
  const handled = program.pipe(
    Effect.catchAll((e) =>
      Effect.sync(() => {
        if (e instanceof CliExit) {
          if (e.message) process.stderr.write(`${e.message}\n`)
          process.exitCode = codes.exit(e.code)
        } else if (ValidationError.isValidationError(e)) {
          if (codes.usageHint !== undefined) process.stderr.write(`${codes.usageHint}\n`)
          process.exitCode = codes.usage
        } else fatal(e, codes.unknown)
      })
    ),
    // only what @effect/cli needs (not all of NodeContext: fewer modules to load at start-up)
    Effect.provide(
      Layer.mergeAll(
        NodeFileSystem.layer,
        NodePath.layer,
        NodeTerminal.layer,
        // `-l` (ssh user) and `-L` (tunnels) are different options, as in the original
        CliConfig.layer({ isCaseSensitive: true })
      )
    ),
    Effect.catchAllDefect((d) => Effect.sync(() => fatal(d, codes.unknown)))
  ) as Effect.Effect<void>
  Effect.runPromise(handled).catch((e) => fatal(e, codes.unknown))
}
