// The UI pages and leader-only JSON endpoints (api-storage-security.md §4.3), all read from storage.
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { jobKeyToString } from "../../domain/model/index.ts"
import type { TierConfig } from "../../domain/placement/index.ts"
import { Storage } from "../../services/Storage.ts"
import { TaskScheduler } from "../../services/TaskScheduler.ts"
import {
  cronJson,
  MNAME_USAGE,
  maintenanceJson,
  mname,
  pendingTasksJson,
  quotasJson,
  stateJson,
  tiersJson
} from "./endpoints.ts"
import { fromStorage, html, json, param, text } from "./responses.ts"
import { agentsPage, escapeHtml, jobPage, page, rolePage, rolesPage, structPage } from "./ui.ts"

export const pageRoutes = (options: { readonly cluster: string; readonly tiers: TierConfig }) =>
  Effect.gen(function* () {
    const storage = yield* Storage
    const scheduler = yield* TaskScheduler
    const cluster = options.cluster
    const notFound = (what: string) => html(page(cluster, "Not found", [], `<p>${escapeHtml(what)}</p>`), 404)
    const ui = HttpRouter.empty.pipe(
      HttpRouter.get("/", Effect.succeed(HttpServerResponse.redirect("/scheduler", { status: 302 }))),
      HttpRouter.get("/scheduler", fromStorage(storage.read((s) => html(rolesPage(cluster, s))))),
      HttpRouter.get(
        "/scheduler/:role",
        Effect.flatMap(HttpRouter.params, (p) =>
          fromStorage(
            storage.read((s) => {
              const role = param(p, "role")
              const body = rolePage(cluster, s, role)
              return body === undefined ? notFound(`No jobs for role ${role}.`) : html(body)
            })
          )
        )
      ),
      HttpRouter.get(
        "/scheduler/:role/:env",
        Effect.flatMap(HttpRouter.params, (p) =>
          fromStorage(
            storage.read((s) => {
              const [role, env] = [param(p, "role"), param(p, "env")]
              const body = rolePage(cluster, s, role, env)
              return body === undefined ? notFound(`No jobs for ${role}/${env}.`) : html(body)
            })
          )
        )
      ),
      HttpRouter.get(
        "/scheduler/:role/:env/:name",
        Effect.flatMap(HttpRouter.params, (p) =>
          fromStorage(
            storage.read((s) => {
              const key = { role: param(p, "role"), environment: param(p, "env"), name: param(p, "name") }
              const body = jobPage(cluster, s, key)
              return body === undefined ? notFound(`No job ${jobKeyToString(key)}.`) : html(body)
            })
          )
        )
      )
    )
    const endpoints = HttpRouter.empty.pipe(
      HttpRouter.get("/maintenance", fromStorage(Effect.map(maintenanceJson(storage), json))),
      HttpRouter.get("/pendingtasks", fromStorage(Effect.map(pendingTasksJson(storage, scheduler), json))),
      HttpRouter.get(
        "/quotas",
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          const role = new URL(request.url, "http://localhost").searchParams.get("role") ?? undefined
          return fromStorage(Effect.map(quotasJson(storage, role), json))
        })
      ),
      HttpRouter.get("/tiers", Effect.succeed(json(tiersJson(options.tiers))))
    )
    const more = HttpRouter.empty.pipe(
      HttpRouter.get("/cron", fromStorage(Effect.map(cronJson(storage), json))),
      HttpRouter.get("/state", fromStorage(Effect.map(stateJson(storage), json))),
      HttpRouter.get("/agents", fromStorage(storage.read((s) => html(agentsPage(cluster, s))))),
      HttpRouter.get("/slaves", fromStorage(storage.read((s) => html(agentsPage(cluster, s))))),
      HttpRouter.get(
        "/structdump/task/:id",
        Effect.flatMap(HttpRouter.params, (p) =>
          fromStorage(
            storage.read((s) => {
              const id = param(p, "id")
              return html(structPage(cluster, `Task ${id}`, s.tasks.get(id)))
            })
          )
        )
      ),
      HttpRouter.get(
        "/structdump/cron/:role/:env/:job",
        Effect.flatMap(HttpRouter.params, (p) =>
          fromStorage(
            storage.read((s) => {
              const key = `${param(p, "role")}/${param(p, "env")}/${param(p, "job")}`
              return html(structPage(cluster, `Cron job ${key}`, s.cronJobs.get(key)))
            })
          )
        )
      ),
      HttpRouter.get(
        "/structdump",
        Effect.succeed(
          text("Usage: /structdump/task/<task id> or /structdump/cron/<role>/<env>/<job>\n", 400)
        )
      ),
      HttpRouter.all("/mname", Effect.succeed(text(MNAME_USAGE, 400))),
      HttpRouter.all(
        "/mname/*",
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          const url = new URL(request.url, "http://localhost")
          return fromStorage(
            Effect.map(mname(storage, url.pathname, url.search), (a) =>
              a._tag === "Redirect"
                ? HttpServerResponse.empty({ status: 307, headers: { location: a.location } })
                : a._tag === "Usage"
                  ? text(MNAME_USAGE, 400)
                  : text(`${a.message}\n`, 404)
            )
          )
        })
      )
    )
    return HttpRouter.concatAll(ui, endpoints, more)
  })
