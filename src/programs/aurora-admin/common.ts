/** What every `aurora-admin` command shares: the connection, the response check, host lists. */
import { readFileSync } from "node:fs"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { detailMessages, schedulerFor } from "../aurora/scheduler.ts"
import { CliExit, err, out } from "../aurora/shared.ts"

/** Set from the global flags before the command runs. */
export const globals = { bypassLeaderRedirect: false, quiet: false }

/** Admin failures all end with exit 1, as the original's `die`. */
export const die = (message: string) => new CliExit({ code: 1, message })

export const log = (message: string) => (globals.quiet ? Effect.void : err(` INFO] ${message}`))
export const warn = (message: string) => err(` WARN] ${message}`)
export { out }

/** The cluster's scheduler, as `aurora_admin` reaches it (unknown cluster = exit 1). */
export const admin = (cluster: string) =>
  schedulerFor(cluster, { userAgent: "Aurora Admin", bypassLeaderRedirect: globals.bypassLeaderRedirect }, 1)

interface AnyResponse {
  readonly responseCode: string
  readonly details: ReadonlyArray<{ readonly message: string }>
}

/** "check": log `Response from scheduler: CODE (message: ...)`, exit 1 unless OK. */
export const check = (resp: AnyResponse) =>
  Effect.gen(function* () {
    const line = `Response from scheduler: ${resp.responseCode} (message: ${detailMessages(resp as never)})`
    if (resp.responseCode !== "OK") return yield* die(line)
    yield* log(line)
  })

export const filenameOption = Options.text("filename").pipe(
  Options.optional,
  Options.withDescription("File with one host name per line")
)
export const hostsOption = Options.text("hosts").pipe(
  Options.optional,
  Options.withDescription("Comma-separated host names")
)

/** The hosts of `--filename F` or `--hosts a,b` (exactly one of them). */
export const hostList = (filename: Option.Option<string>, hosts: Option.Option<string>) =>
  Effect.gen(function* () {
    if (Option.isSome(filename) === Option.isSome(hosts))
      return yield* die("Exactly one of --filename or --hosts is required")
    let names: Array<string>
    if (Option.isSome(filename)) {
      try {
        names = readFileSync(filename.value, "utf8").split("\n")
      } catch (e) {
        return yield* die(`Cannot read host file ${filename.value}: ${(e as Error).message}`)
      }
    } else names = Option.getOrElse(hosts, () => "").split(",")
    const list = names.map((h) => h.trim()).filter((h) => h !== "")
    if (list.length === 0) return yield* die("No hosts given")
    return list
  })

/** Parses with a domain parser answering `{error}` or a value; failures are exit 1. */
export const parseOr = <A>(r: A | { readonly error: string }) =>
  typeof r === "object" && r !== null && "error" in r ? Effect.fail(die(r.error)) : Effect.succeed(r as A)
