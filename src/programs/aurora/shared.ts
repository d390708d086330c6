/** What every `aurora` verb shares: the config host, common options, exit codes. */

import { spawn } from "node:child_process"
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
  INVALID_COMMAND: 5,
  INVALID_PARAMETER: 6,
  NETWORK_ERROR: 7,
  TIMEOUT: 9,
  API_ERROR: 10,
  UNKNOWN_ERROR: 20,
  AUTH_ERROR: 30,
  INTERRUPTED: 130
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

/**
 * Opens `url` in a browser when this machine has one (`$BROWSER`, or xdg-open/open with a display);
 * never fails the command: the URL is printed by the caller anyway.
 */
export const openBrowser = (url: string) =>
  Effect.sync(() => {
    const command =
      process.env.BROWSER ||
      (process.platform === "darwin"
        ? "open"
        : process.env.DISPLAY || process.env.WAYLAND_DISPLAY
          ? "xdg-open"
          : undefined)
    if (command === undefined) return
    try {
      const child = spawn(command, [url], { detached: true, stdio: "ignore" })
      child.on("error", () => {})
      child.unref()
    } catch {
      // no browser after all
    }
  })

export const openBrowserOption = Options.boolean("open-browser").pipe(
  Options.withDescription("Open the job's page in a browser afterwards")
)
export const writeJsonOption = Options.boolean("write-json").pipe(Options.withDescription("Print JSON"))
export const messageOption = Options.text("message").pipe(
  Options.withAlias("m"),
  Options.withDescription("A message the scheduler records with the change"),
  Options.optional
)

/** Parses with a domain parser; a bad value is an argument error (exit 2) naming the argument. */
export const parseArg = <A>(what: string, text: string, parse: (t: string) => Either.Either<A, string>) =>
  Either.match(parse(text), {
    onLeft: (why) =>
      Effect.fail(
        new CliExit({ code: EXIT.ARGS, message: `argument ${what}: invalid value "${text}": ${why}` })
      ),
    onRight: (a) => Effect.succeed(a)
  })
