// Response helpers shared by the HTTP routes.
import { HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"

export const text = (body: string, status = 200) =>
  HttpServerResponse.text(body, { status, contentType: "text/plain; charset=utf-8" })

export const json = (value: unknown) =>
  HttpServerResponse.text(JSON.stringify(value), { contentType: "application/json" })
export const html = (body: string, status = 200) =>
  HttpServerResponse.text(body, { status, contentType: "text/html; charset=utf-8" })

/** Pages and JSON built from storage answer 503 while it is not READY (a standby, or during recovery). */
export const fromStorage = <E extends { readonly _tag: string; readonly message: string }>(
  effect: Effect.Effect<HttpServerResponse.HttpServerResponse, E>
) =>
  Effect.catchAll(effect, (e) =>
    Effect.succeed(text(`${e.message}\n`, e._tag === "StorageNotReady" ? 503 : 500))
  )

export const param = (params: Readonly<Record<string, string | undefined>>, name: string): string => {
  const raw = params[name] ?? ""
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}
