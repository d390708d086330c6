// /apibeta/{method} (api-storage-security.md §4.3): a plain-JSON façade over the same handlers as /api,
// for curl and scripts. Body: a JSON object keyed by argument name; reply: the Response as JSON.
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { Rpc, RpcGroup } from "@effect/rpc"
import { Effect, Either, ParseResult, Schema } from "effect"
import { SchedulerRpcs } from "../../services/SchedulerApi.ts"

type SchedulerHandlers = Rpc.ToHandler<RpcGroup.Rpcs<typeof SchedulerRpcs>>
type AnyHandler = (payload: unknown, options: unknown) => Effect.Effect<unknown>

const reply = (status: number, body: unknown) =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType: "application/json" })
const failure = (status: number, message: string) =>
  reply(status, { responseCode: "ERROR", details: [{ message }] })

export const apiBeta = Effect.gen(function* () {
  const handlers = yield* Effect.context<SchedulerHandlers>()
  return Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const method = (yield* HttpRouter.params).method ?? ""
    const rpc = SchedulerRpcs.requests.get(method)
    if (rpc === undefined) return failure(404, `Unknown method: ${method}`)
    const text = yield* Effect.either(request.text)
    if (Either.isLeft(text)) return failure(400, "The request body could not be read.")
    let body: unknown
    try {
      body = text.right.trim() === "" ? {} : JSON.parse(text.right)
    } catch (e) {
      return failure(400, `Invalid JSON: ${(e as Error).message}`)
    }
    if (typeof body !== "object" || body === null || Array.isArray(body))
      return failure(400, "The request body must be a JSON object keyed by argument name.")
    const payload = Schema.decodeUnknownEither(rpc.payloadSchema as Schema.Schema<unknown>, {
      errors: "all"
    })(body)
    if (Either.isLeft(payload))
      return failure(
        400,
        ParseResult.ArrayFormatter.formatErrorSync(payload.left)
          .map((i) => `${i.path.join(".")}: ${i.message}`)
          .join("; ")
      )
    const handler = (yield* SchedulerRpcs.accessHandler(method as never).pipe(
      Effect.provide(handlers)
    )) as unknown as AnyHandler
    return reply(200, yield* handler(payload.right, { clientId: -1, headers: request.headers }))
  })
})
