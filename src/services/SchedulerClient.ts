// A typed client of the scheduler API for any Effect program: the RpcClient of SchedulerRpcs over
// HTTP with JSON, following the 307 redirects a non-leading scheduler answers with.
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { RpcClient, type RpcClientError, type RpcGroup, RpcSerialization } from "@effect/rpc"
import { Context, Effect, Layer } from "effect"
import { SchedulerRpcs } from "./SchedulerApi.ts"

export type SchedulerClientShape = RpcClient.RpcClient<
  RpcGroup.Rpcs<typeof SchedulerRpcs>,
  RpcClientError.RpcClientError
>

export class SchedulerClient extends Context.Tag("aurora/SchedulerClient")<
  SchedulerClient,
  SchedulerClientShape
>() {
  /**
   * A client of the scheduler at `url` (e.g. `http://127.0.0.1:8081`; `/api` is added when missing).
   * Redirects (a follower sends callers to the leader) are followed, up to `maxRedirects`.
   * `headers` go on every HTTP request (the CLI's `User-Agent`, `Bypass-Leader-Redirect`).
   */
  static layer = (
    url: string,
    options: { readonly maxRedirects?: number; readonly headers?: Readonly<Record<string, string>> } = {}
  ): Layer.Layer<SchedulerClient> =>
    Layer.scoped(SchedulerClient, RpcClient.make(SchedulerRpcs)).pipe(
      Layer.provide(RpcClient.layerProtocolHttp({ url: apiUrl(url) })),
      Layer.provide(RpcSerialization.layerJson),
      Layer.provide(
        Layer.effect(
          HttpClient.HttpClient,
          Effect.map(HttpClient.HttpClient, (c) =>
            c.pipe(
              HttpClient.mapRequest(HttpClientRequest.setHeaders(options.headers ?? {})),
              HttpClient.followRedirects(options.maxRedirects ?? 5)
            )
          )
        ).pipe(Layer.provide(NodeHttpClient.layer))
      )
    )
}

/** The RPC endpoint of a scheduler URL. */
export const apiUrl = (url: string): string => {
  const trimmed = url.replace(/\/+$/, "")
  return trimmed.endsWith("/api") ? trimmed : `${trimmed}/api`
}
