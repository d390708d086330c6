/** What every `aurora` verb shares: the config host, common options, exit codes. */

import { resolve } from "node:path"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { parseClusterJobKey as parseKey } from "../../domain/client/keys.ts"
import { type ClusterJobKey, type ConfigHost, parseBinding, type Source } from "../../domain/config/index.ts"

/** Ends a verb with an exit code (spec §0.2) and an optional stderr message. */
export class CliExit extends Schema.TaggedError<CliExit>()("CliExit", {
  code: Schema.Number,
  message: Schema.optional(Schema.String)
}) {}

export const EXIT = {
  OK: 0,
  DIE: 1,
  ARGS: 2,
  INVALID_CONFIGURATION: 3,
  COMMAND_FAILURE: 4,
  INVALID_PARAMETER: 6
} as const

export const bindOption = Options.text("bind").pipe(
  Options.withAlias("E"),
  Options.withDescription("Bind a template variable: NAME=VALUE (repeatable)"),
  Options.repeated
)
export const readJsonOption = Options.boolean("read-json").pipe(
  Options.withDescription("Read the configuration file as JSON")
)
export const verboseOption = Options.boolean("verbose").pipe(Options.withAlias("v"))

export const parseBindings = (raw: ReadonlyArray<string>) =>
  Effect.forEach(raw, (b) =>
    Either.match(parseBinding(b), {
      onLeft: (message) => Effect.fail(new CliExit({ code: EXIT.ARGS, message })),
      onRight: (pair) => Effect.succeed(pair)
    })
  )

/** `CLUSTER/ROLE/ENV/NAME` (spec §2.2); a bad key is an argument error (exit 2). */
export const parseClusterJobKey = (text: string): Effect.Effect<ClusterJobKey, CliExit> =>
  Either.match(parseKey(text), {
    onLeft: (why) =>
      Effect.fail(
        new CliExit({ code: EXIT.ARGS, message: `argument JOBKEY: Invalid job key "${text}": ${why}` })
      ),
    onRight: Effect.succeed
  })

/** Reads the configuration file; `failure` is the verb's exit code and error headline (spec §1.1, §1.7). */
export const readSource = (
  file: string,
  json: boolean,
  host: ConfigHost,
  failure: { readonly code: number; readonly prefix: string } = {
    code: EXIT.INVALID_CONFIGURATION,
    prefix: "Error loading configuration"
  }
): Effect.Effect<Source, CliExit> => {
  const path = resolve(file)
  const text = host.readFile(path)
  return text === undefined
    ? Effect.fail(
        new CliExit({ code: failure.code, message: `${failure.prefix}: Could not load resource ${file}` })
      )
    : Effect.succeed({ text, file: path, json })
}

export const out = (line: string) => Effect.sync(() => process.stdout.write(`${line}\n`))
export const err = (line: string) => Effect.sync(() => process.stderr.write(`${line}\n`))
