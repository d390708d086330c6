/**
 * The client's connection to a cluster's scheduler (client-config.md §0.3): clusters.json lookup,
 * ZooKeeper discovery or a direct URI, the shared SchedulerClient (RPC over HTTP at `<base>/api`,
 * following 307 redirects to the leader), the retry rules of src/domain/client/retry.ts, and the
 * standard response check of §0.2.
 */
import { existsSync, readFileSync } from "node:fs"
import { homedir } from "node:os"
import type * as Rpc from "@effect/rpc/Rpc"
import type * as RpcGroup from "@effect/rpc/RpcGroup"
import { Cause, Clock, Context, Duration, Effect, Either, Layer, Option, Scope } from "effect"
import {
  builtinDevcluster,
  type Cluster,
  clustersFiles,
  decideRetry,
  devclusterDir,
  mergeClusters,
  parseClusters,
  schedulerLocation,
  unknownClusterMessage
} from "../../domain/client/index.ts"
import type { Attempt } from "../../domain/client/retry.ts"
import { BYPASS_LEADER_REDIRECT_HEADER, type ResponseCode } from "../../domain/model/index.ts"
import { discoverScheduler } from "../../layers/coordinator/discovery.ts"
import type { SchedulerRpcs } from "../../services/SchedulerApi.ts"
import { apiUrl, SchedulerClient } from "../../services/SchedulerClient.ts"
import { CliExit, EXIT, err } from "./shared.ts"

type Rpcs = RpcGroup.Rpcs<typeof SchedulerRpcs>
export type RpcTag = Rpcs["_tag"]
export type RpcPayload<T extends RpcTag> = Rpc.PayloadConstructor<Rpc.ExtractTag<Rpcs, T>>
export type RpcSuccess<T extends RpcTag> = Rpc.Success<Rpc.ExtractTag<Rpcs, T>>

/** Every configured cluster, plus the built-in `devcluster` unless a file defines one. */
export const loadClusters = (code: number = EXIT.INVALID_CONFIGURATION) =>
  Effect.gen(function* () {
    const home = homedir()
    const lists: Array<ReadonlyArray<Cluster>> = [[builtinDevcluster(devclusterDir(process.env, home))]]
    for (const file of clustersFiles(process.env, home)) {
      if (!existsSync(file)) continue
      let text: string
      try {
        text = readFileSync(file, "utf8")
      } catch (e) {
        return yield* new CliExit({ code, message: `Cannot read ${file}: ${(e as Error).message}` })
      }
      const parsed = parseClusters(text, file)
      if (Either.isLeft(parsed))
        return yield* new CliExit({ code, message: `Invalid clusters.json: ${parsed.left}` })
      lists.push(parsed.right)
    }
    return mergeClusters(...lists)
  })

/** The named cluster, or `Unknown cluster: X. Known clusters: ...` with `code` (3 in aurora, 1 in admin). */
export const findCluster = (name: string, code: number = EXIT.INVALID_CONFIGURATION) =>
  Effect.flatMap(loadClusters(code), (clusters) => {
    const c = clusters.get(name)
    return c
      ? Effect.succeed(c)
      : Effect.fail(new CliExit({ code, message: unknownClusterMessage(name, clusters.keys()) }))
  })

export interface Scheduler {
  readonly cluster: Cluster
  /** `http(s)://host:port` of the scheduler the client talks to. */
  readonly baseUrl: string
  /** Base for web links: `proxy_url`, else the scheduler's base. */
  readonly webBase: string
  /** One RPC with the retry rules; failures end the command (exit 7, 9, 20 or 30). */
  readonly call: <T extends RpcTag>(tag: T, payload: RpcPayload<T>) => Effect.Effect<RpcSuccess<T>, CliExit>
}

export interface ConnectOptions {
  readonly userAgent: string
  readonly bypassLeaderRedirect?: boolean
}

/** Test hook: tests shorten the 10-minute retry window; never set by users. */
const maximumWaitMs = (): number | undefined => {
  const v = Number(process.env.AURORA_CLIENT_MAX_WAIT_SECS)
  return Number.isFinite(v) && v > 0 ? v * 1000 : undefined
}

const ATTEMPT_TIMEOUT = Duration.seconds(60)
const DISCOVERY_WINDOW_MS = 60_000

/** `http(s)://host:port` of the cluster's scheduler: the direct URI, or the leader in ZooKeeper. */
const resolveBase = (cluster: Cluster): Effect.Effect<string, CliExit> =>
  Effect.gen(function* () {
    const location = schedulerLocation(cluster)
    if (Either.isLeft(location))
      return yield* new CliExit({ code: EXIT.INVALID_CONFIGURATION, message: location.left })
    const loc = location.right
    if (loc._tag === "Uri") return loc.uri
    const started = yield* Clock.currentTimeMillis
    for (;;) {
      const found = yield* discoverScheduler({
        zk: loc.zk,
        zkPort: loc.zkPort,
        schedulerZkPath: loc.path
      }).pipe(
        Effect.map(
          Option.match({ onNone: () => Either.left("no scheduler is advertised"), onSome: Either.right })
        ),
        Effect.catchAll((e) => Effect.succeed(Either.left(String(e.message ?? e._tag))))
      )
      if (Either.isRight(found)) return found.right.replace(/\/$/, "")
      const now = yield* Clock.currentTimeMillis
      if (now - started + 5_000 >= (maximumWaitMs() ?? DISCOVERY_WINDOW_MS))
        return yield* new CliExit({
          code: EXIT.TIMEOUT,
          message: `Could not find the scheduler of cluster ${cluster.name} in ZooKeeper ${loc.zk} at ${loc.path}: ${found.left}`
        })
      yield* err(
        `WARN] Looking for the scheduler of ${cluster.name} in ZooKeeper: ${found.left}, retrying...`
      )
      yield* Effect.sleep(Duration.seconds(5))
    }
  })

/** Why a request failed, read through the error's causes. */
const describe = (e: unknown): string => {
  const parts: Array<string> = []
  let cur: unknown = e
  for (let i = 0; i < 6 && cur !== undefined && cur !== null; i++) {
    const m = (cur as { message?: unknown }).message
    if (typeof m === "string" && m !== "" && !parts.includes(m)) parts.push(m)
    const code = (cur as { code?: unknown }).code
    if (typeof code === "string" && !parts.some((p) => p.includes(code))) parts.push(code)
    cur = (cur as { cause?: unknown }).cause
  }
  return parts.length > 0 ? parts.join(": ") : String(e)
}

/** The HTTP status of a response-status failure, if that is what `e` is. */
const statusOf = (e: unknown): number | undefined => {
  let cur: unknown = e
  for (let i = 0; i < 4 && cur !== undefined && cur !== null; i++) {
    const status = (cur as { response?: { status?: unknown } }).response?.status
    if (typeof status === "number") return status
    cur = (cur as { cause?: unknown }).cause
  }
  return undefined
}

const classify = (
  cause: Cause.Cause<unknown>
): Attempt | { readonly _tag: "Fatal"; readonly message: string } => {
  const failure = Cause.failureOption(cause)
  if (Option.isNone(failure)) return { _tag: "Fatal", message: Cause.pretty(cause).split("\n")[0] }
  const e = failure.value
  const status = statusOf(e)
  if (status === 401 || status === 403) return { _tag: "AuthFailed", message: `HTTP ${status}` }
  if (status !== undefined) return { _tag: "TransportFailed", message: `HTTP ${status}` }
  return { _tag: "TransportFailed", message: describe(e) }
}

/** Connects to the cluster's scheduler (lazily: nothing is sent until the first call). */
export const connect = (
  cluster: Cluster,
  options: ConnectOptions
): Effect.Effect<Scheduler, CliExit, Scope.Scope> =>
  Effect.gen(function* () {
    const headers: Record<string, string> = { "User-Agent": options.userAgent }
    if (options.bypassLeaderRedirect) headers[BYPASS_LEADER_REDIRECT_HEADER] = "true"
    const scope = yield* Effect.scope
    const build = (base: string) =>
      Effect.map(Scope.extend(Layer.build(SchedulerClient.layer(base, { headers })), scope), (context) => ({
        base,
        rpc: Context.get(context, SchedulerClient) as unknown as Record<
          string,
          (payload: unknown) => Effect.Effect<unknown, unknown>
        >
      }))
    const baseUrl = yield* resolveBase(cluster)
    let current = yield* build(baseUrl)
    // With ZooKeeper discovery a transport failure may mean the leader changed: look it up again.
    const discovered = Either.getRight(schedulerLocation(cluster)).pipe(
      Option.exists((l) => l._tag !== "Uri")
    )
    const rediscover = Effect.gen(function* () {
      const fresh = yield* Effect.option(resolveBase(cluster))
      if (Option.isSome(fresh) && fresh.value !== current.base) {
        yield* err(` INFO] The scheduler of ${cluster.name} is now at ${fresh.value}`)
        current = yield* build(fresh.value)
      }
    })
    const limit = maximumWaitMs()
    const call = <T extends RpcTag>(tag: T, payload: RpcPayload<T>): Effect.Effect<RpcSuccess<T>, CliExit> =>
      Effect.gen(function* () {
        const started = yield* Clock.currentTimeMillis
        for (;;) {
          const exit = yield* current.rpc[tag](payload).pipe(
            Effect.timeoutFail({
              duration: ATTEMPT_TIMEOUT,
              onTimeout: () => ({ message: "timed out waiting for an answer" })
            }),
            Effect.exit
          )
          let attempt: Attempt
          if (exit._tag === "Success") {
            const resp = exit.value as {
              responseCode: ResponseCode
              details: ReadonlyArray<{ message: string }>
            }
            attempt = {
              _tag: "Answered",
              transient: resp.responseCode === "ERROR_TRANSIENT",
              message: detailMessages(resp)
            }
            if (!attempt.transient) return exit.value as RpcSuccess<T>
          } else {
            const c = classify(exit.cause)
            if (c._tag === "Fatal")
              return yield* new CliExit({
                code: EXIT.UNKNOWN_ERROR,
                message: `Fatal error running command: ${tag} failed: ${c.message}`
              })
            attempt = c
          }
          const now = yield* Clock.currentTimeMillis
          const decision = decideRetry(tag, attempt, now - started, limit)
          if (decision._tag === "Fail") {
            const where = attempt._tag === "Answered" ? "" : ` (scheduler at ${apiUrl(current.base)})`
            return yield* new CliExit({ code: decision.exitCode, message: `${decision.message}${where}` })
          }
          if (decision._tag === "Retry") {
            yield* err(`WARN] ${decision.warning}`)
            yield* Effect.sleep(Duration.millis(decision.afterMs))
            if (discovered && attempt._tag === "TransportFailed") yield* rediscover
          }
        }
      })
    return { cluster, baseUrl, webBase: (cluster.proxy_url ?? baseUrl).replace(/\/$/, ""), call }
  })

/** Looks the cluster up and connects to its scheduler. */
export const schedulerFor = (
  clusterName: string,
  options: ConnectOptions = { userAgent: "Aurora V2" },
  unknownClusterCode: number = EXIT.INVALID_CONFIGURATION
) => Effect.flatMap(findCluster(clusterName, unknownClusterCode), (c) => connect(c, options))

interface AnyResponse {
  readonly responseCode: ResponseCode
  readonly details: ReadonlyArray<{ readonly message: string }>
}

/** Details joined by ", " (a detail without a message reads `Unknown error`). */
export const detailMessages = (resp: AnyResponse): string =>
  resp.details.map((d) => (d.message === "" ? "Unknown error" : d.message)).join(", ")

/**
 * The standard response check (§0.2): OK logs the details at INFO; otherwise the verb's headline,
 * `\t<messages>` (and the update-lock hint) and exit `code`.
 */
export const checkResponse = (resp: AnyResponse, headline: string, code: number = EXIT.API_ERROR) =>
  Effect.gen(function* () {
    if (resp.responseCode === "OK") {
      for (const d of resp.details) if (d.message !== "") yield* err(` INFO] ${d.message}`)
      return
    }
    const lines = [headline, `\t${detailMessages(resp)}`]
    if (resp.responseCode === "JOB_UPDATING_ERROR")
      lines.push(
        "The job is locked by an active update: run `aurora update abort` or wait for the update to finish."
      )
    return yield* new CliExit({ code, message: lines.join("\n") })
  })

/** The scheduler's page for a job (or a role/environment prefix). */
export const jobUrl = (s: Pick<Scheduler, "webBase">, ...parts: ReadonlyArray<string>): string =>
  [new URL("scheduler", `${s.webBase}/`).toString(), ...parts].join("/")
