// The scheduler's HTTP server (api-storage-security.md §4): /api serving the RPC group, health and
// stats endpoints, /quitquitquit, the leader redirect, a request body limit and per-status counters.
import * as http from "node:http"
import { HttpIncomingMessage, HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer, NodeHttpServerRequest } from "@effect/platform-node"
import { type Rpc, type RpcGroup, RpcSerialization, RpcServer } from "@effect/rpc"
import { Clock, Duration, Effect, Metric, Option } from "effect"
import { BYPASS_LEADER_REDIRECT_HEADER } from "../../domain/model/index.ts"
import { DEFAULT_TIER_CONFIG, type TierConfig } from "../../domain/placement/index.ts"
import { SchedulerRpcs } from "../../services/SchedulerApi.ts"
import { SchedulerLifecycle } from "../../services/SchedulerLifecycle.ts"
import { Storage } from "../../services/Storage.ts"
import { apiBeta } from "./apibeta.ts"
import { pageRoutes } from "./pages.ts"
import { leaderHealth, NO_LEADER_PAGE, redirectDecision } from "./redirect.ts"
import { text } from "./responses.ts"
import { allFamilies, renderPrometheus, renderVars, renderVarsJson } from "./vars.ts"

export interface HttpServerOptions {
  /** -ip: the address to bind (e.g. 127.0.0.1, 0.0.0.0). */
  readonly host: string
  /** -http_port; 0 picks a free port (see the returned `port`). */
  readonly port: number
  /** Larger request bodies get 413 and change nothing (default 16 MB). */
  readonly maxBodyBytes?: number
  /** -cluster_name, shown by the UI. */
  readonly clusterName?: string
  /** The tier config /tiers shows (the bundled default unless -tier_config). */
  readonly tiers?: TierConfig
}

export interface RunningHttpServer {
  readonly host: string
  readonly port: number
  /** `http://<host>:<port>` (0.0.0.0 shown as 127.0.0.1). */
  readonly url: string
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024

const counters = new Map<string, Metric.Metric.Counter<number>>()
const counter = (name: string) => {
  let c = counters.get(name)
  if (c === undefined) {
    c = Metric.counter(name)
    counters.set(name, c)
  }
  return c
}

/** Routes served once the redirect filter lets a request through. */
const routes = (options: HttpServerOptions) =>
  Effect.gen(function* () {
    const lifecycle = yield* SchedulerLifecycle
    const storage = yield* Storage
    const rpcApp = yield* RpcServer.toHttpApp(SchedulerRpcs)
    const beta = yield* apiBeta
    const families = allFamilies(lifecycle, storage)
    const pages = yield* pageRoutes({
      cluster: options.clusterName ?? "local",
      tiers: options.tiers ?? DEFAULT_TIER_CONFIG
    })
    return HttpRouter.empty.pipe(
      HttpRouter.concat(pages),
      // One scope per request, so the protocol forgets each HTTP client when its answer is sent.
      HttpRouter.all("/api", Effect.scoped(rpcApp)),
      HttpRouter.post("/apibeta/:method", beta),
      HttpRouter.get("/health", Effect.succeed(text("OK\n"))),
      HttpRouter.get(
        "/leaderhealth",
        Effect.map(lifecycle.leaderStatus, (status) => {
          const h = leaderHealth(status)
          return text(h.text, h.code)
        })
      ),
      HttpRouter.get(
        "/vars",
        Effect.map(families, (f) => text(renderVars(f)))
      ),
      HttpRouter.get(
        "/vars.json",
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const pretty = new URL(request.url, "http://localhost").searchParams.get("pretty") === "true"
          return HttpServerResponse.text(renderVarsJson(yield* families, pretty), {
            contentType: "application/json"
          })
        })
      ),
      HttpRouter.get(
        "/metrics",
        Effect.map(families, (f) =>
          HttpServerResponse.text(renderPrometheus(f), {
            contentType: "text/plain; version=0.0.4; charset=utf-8"
          })
        )
      ),
      HttpRouter.post(
        "/quitquitquit",
        Effect.gen(function* () {
          // The answer goes out before the lifecycle takes the process down.
          yield* lifecycle
            .shutdown("/quitquitquit")
            .pipe(Effect.delay(Duration.millis(100)), Effect.forkDaemon)
          return text("Notifying quit listener.\n")
        })
      )
    )
  })

/**
 * Everything around the routes: the leader redirect, the body limit (checked before any handler reads
 * the body: it is read here once, bounded, and handlers see that copy) and the response counters.
 */
const filter = (maxBodyBytes: number) =>
  Effect.gen(function* () {
    const lifecycle = yield* SchedulerLifecycle
    return <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
      Effect.gen(function* () {
        const start = yield* Clock.currentTimeNanos
        const request = yield* HttpServerRequest.HttpServerRequest
        const response = yield* guarded(request, app)
        const elapsed = (yield* Clock.currentTimeNanos) - start
        yield* Metric.increment(counter(`http_${response.status}_responses_events`))
        yield* Metric.incrementBy(counter(`http_${response.status}_responses_nanos_total`), Number(elapsed))
        return response
      })

    function guarded<E, R>(
      request: HttpServerRequest.HttpServerRequest,
      app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
    ) {
      return Effect.gen(function* () {
        const url = new URL(request.url, "http://localhost")
        const decision = redirectDecision({
          path: url.pathname,
          search: url.search,
          bypass: request.headers[BYPASS_LEADER_REDIRECT_HEADER.toLowerCase()] !== undefined,
          scheme: "http",
          status: yield* lifecycle.leaderStatus
        })
        if (decision._tag === "Redirect")
          return HttpServerResponse.empty({ status: 307, headers: { location: decision.location } })
        if (decision._tag === "NoLeader")
          return HttpServerResponse.text(NO_LEADER_PAGE, {
            status: 503,
            contentType: "text/html; charset=utf-8"
          })
        if (request.method === "POST" || request.method === "PUT") {
          const tooLarge = text(
            `Request body too large: the limit is ${maxBodyBytes} bytes; nothing was changed.\n`,
            413
          )
          const declared = request.headers["content-length"]
          if (declared !== undefined) {
            if (Number(declared) > maxBodyBytes) return tooLarge
            const body = yield* Effect.either(
              HttpIncomingMessage.withMaxBodySize(request.text, Option.some(maxBodyBytes))
            )
            if (body._tag === "Left") return tooLarge
          } else {
            // No declared length (chunked): read it here, bounded, and hand the app a buffered copy.
            const body = yield* readBounded(NodeHttpServerRequest.toIncomingMessage(request), maxBodyBytes)
            if (body === undefined) return tooLarge
            const buffered = HttpServerRequest.fromWeb(
              new Request(url, { method: request.method, headers: request.headers, body })
            )
            return yield* respondWith(
              app.pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, buffered)),
              url
            )
          }
        }
        return yield* respondWith(app, url)
      })
    }
  })

/** The app's answer; a route that is not there is a 404, any other failure a 500 with its message. */
const respondWith = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>, url: URL) =>
  app.pipe(
    Effect.catchAll((e) => {
      const tag = (e as { _tag?: string })._tag
      return Effect.succeed(
        tag === "RouteNotFound"
          ? text(`Not found: ${url.pathname}\n`, 404)
          : text(`Request failed: ${String((e as { message?: string }).message ?? e)}\n`, 500)
      )
    })
  )

/**
 * The whole body if it fits in `limit` bytes, else undefined once the sender is done; a sender that
 * goes on far beyond the limit has its connection closed.
 */
const readBounded = (incoming: http.IncomingMessage, limit: number) =>
  Effect.async<Uint8Array | undefined>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    incoming.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) chunks.push(chunk)
      else if (size > limit * 8) incoming.destroy()
    })
    incoming.once("end", () => resume(Effect.succeed(size <= limit ? Buffer.concat(chunks) : undefined)))
    incoming.once("error", () => resume(Effect.succeed(undefined)))
    incoming.once("close", () => resume(Effect.succeed(undefined)))
  })

/**
 * Serves the scheduler's HTTP endpoints until the scope closes; returns the bound address (port 0 picks
 * a free one). Needs the RPC handlers (src/layers/api) and the lifecycle and storage services.
 */
export const makeSchedulerHttpServer = (options: HttpServerOptions) =>
  Effect.gen(function* () {
    const router = yield* routes(options)
    const app = yield* HttpRouter.toHttpApp(router)
    const wrap = yield* filter(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)
    const server = yield* NodeHttpServer.make(() => http.createServer(), {
      host: options.host,
      port: options.port
    })
    yield* server.serve(wrap(app))
    const address = server.address
    const port = address._tag === "TcpAddress" ? address.port : options.port
    const shown = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host
    return { host: options.host, port, url: `http://${shown}:${port}` } satisfies RunningHttpServer
  }).pipe(Effect.provide(RpcSerialization.layerJson))

export type SchedulerHandlers = Rpc.ToHandler<RpcGroup.Rpcs<typeof SchedulerRpcs>>
