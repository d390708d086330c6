// The scheduler's HTTP endpoints over a real socket: health, stats, the leader redirect, the body limit,
// storage that is not READY, and /quitquitquit.
import { Effect, Ref } from "effect"
import { describe, expect, it } from "vitest"
import { helloConfig, makeHarness, storeContents, withScheduler } from "./harness.ts"

const get = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const r = await fetch(url, { headers, redirect: "manual" })
    return { status: r.status, headers: r.headers, body: await r.text() }
  })

describe("health and stats", () => {
  it("answers /health, and /vars, /vars.json and /metrics with the spec's names", () =>
    withScheduler(({ url, client }) =>
      Effect.gen(function* () {
        const health = yield* get(`${url}/health`)
        expect(health).toMatchObject({ status: 200, body: "OK\n" })
        yield* client.createJob({ description: helloConfig("hello") })
        yield* client.getJobs({})
        yield* client.createJob({ description: helloConfig("bad name") })

        const vars = yield* get(`${url}/vars`)
        expect(vars.status).toBe(200)
        const lines = vars.body.trimEnd().split("\n")
        expect([...lines].sort()).toEqual(lines)
        const map = new Map(
          lines.map((l) => {
            const i = l.lastIndexOf(" ")
            return [l.slice(0, i), Number(l.slice(i + 1))] as const
          })
        )
        expect(map.get("task_store_PENDING")).toBe(3)
        expect(map.get("task_store_RUNNING")).toBe(0)
        expect(map.get("scheduler_lifecycle_ACTIVE")).toBe(1)
        expect(map.get("scheduler_lifecycle_IDLE")).toBe(0)
        expect(map.get("scheduler_thrift_createJob_events")).toBeGreaterThanOrEqual(2)
        expect(map.get("scheduler_thrift_createJob_nanos_total")).toBeGreaterThan(0)
        expect(map.get("scheduler_thrift_response_OK")).toBeGreaterThanOrEqual(2)
        expect(map.get("scheduler_thrift_response_INVALID_REQUEST")).toBeGreaterThanOrEqual(1)
        expect(map.get("http_200_responses_events")).toBeGreaterThanOrEqual(1)
        expect(map.has("jvm_uptime_secs")).toBe(true)
        expect(map.get("process_cpu_cores_utilized")).toBeGreaterThanOrEqual(0)

        const json = yield* get(`${url}/vars.json`)
        const parsed = JSON.parse(json.body) as Record<string, number>
        expect(parsed.task_store_PENDING).toBe(3)
        expect(json.body).not.toContain("\n")
        const pretty = yield* get(`${url}/vars.json?pretty=true`)
        expect(pretty.body).toContain('\n  "task_store_PENDING": 3')

        const metrics = yield* get(`${url}/metrics`)
        expect(metrics.headers.get("content-type")).toContain("text/plain")
        const sampleLines = metrics.body
          .trimEnd()
          .split("\n")
          .filter((l) => !l.startsWith("#"))
        for (const l of sampleLines) expect(l).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? \S+$/)
        expect(metrics.body).toContain("# TYPE scheduler_thrift_response_OK counter")
        expect(metrics.body).toMatch(/\ntask_store_PENDING 3\n/)
      })
    ))

  it("counts responses by HTTP status and answers unknown paths 404", () =>
    withScheduler(({ url }) =>
      Effect.gen(function* () {
        const missing = yield* get(`${url}/no/such/page`)
        expect(missing.status).toBe(404)
        expect(missing.body).toContain("/no/such/page")
        const vars = yield* get(`${url}/vars`)
        expect(vars.body).toMatch(/\nhttp_404_responses_events [1-9]/)
      })
    ))
})

describe("/apibeta", () => {
  const post = (url: string, body: string) =>
    Effect.promise(async () => {
      const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body })
      return {
        status: r.status,
        body: (await r.json()) as {
          responseCode: string
          details: Array<{ message: string }>
          result?: unknown
        }
      }
    })

  it("answers plain JSON calls through the same handlers, and refuses bad ones with 400/404", () =>
    withScheduler(({ url, storage }) =>
      Effect.gen(function* () {
        const created = yield* post(
          `${url}/apibeta/createJob`,
          JSON.stringify({ description: helloConfig("beta") })
        )
        expect(created.status).toBe(200)
        expect(created.body.responseCode).toBe("OK")
        expect((yield* storeContents(storage)).tasks).toHaveLength(3)
        const jobs = yield* post(`${url}/apibeta/getJobs`, "")
        expect(jobs.body.responseCode).toBe("OK")
        expect(JSON.stringify(jobs.body.result)).toContain('"name":"beta"')
        const invalid = yield* post(
          `${url}/apibeta/killTasks`,
          JSON.stringify({ job: { role: "a b", environment: "devel", name: "x" } })
        )
        expect(invalid.status).toBe(200)
        expect(invalid.body.responseCode).toBe("INVALID_REQUEST")

        expect((yield* post(`${url}/apibeta/noSuchCall`, "{}")).status).toBe(404)
        const badJson = yield* post(`${url}/apibeta/getJobs`, "{nope")
        expect(badJson.status).toBe(400)
        expect(badJson.body.details[0].message).toMatch(/^Invalid JSON/)
        expect((yield* post(`${url}/apibeta/getJobs`, "[1]")).status).toBe(400)
        const wrongType = yield* post(`${url}/apibeta/getQuota`, JSON.stringify({ ownerRole: 7 }))
        expect(wrongType.status).toBe(400)
        expect(wrongType.body.details[0].message).toContain("ownerRole")
      })
    ))
})

describe("leader redirect", () => {
  it("serves /leaderhealth as 200, 503 or 502 from the leader status", () =>
    withScheduler(({ url, leader }) =>
      Effect.gen(function* () {
        expect((yield* get(`${url}/leaderhealth`)).status).toBe(200)
        yield* Ref.set(leader, { _tag: "NotLeading", leader: { host: "10.0.0.5", port: 8081 } })
        const follower = yield* get(`${url}/leaderhealth`)
        expect(follower.status).toBe(503)
        expect(follower.body).toContain("NOT_LEADING")
        yield* Ref.set(leader, { _tag: "NoLeader" })
        expect((yield* get(`${url}/leaderhealth`)).status).toBe(502)
      })
    ))

  it("redirects leader-only paths with 307 keeping path and query, 503 with no leader, unless bypassed", () =>
    withScheduler(({ url, leader }) =>
      Effect.gen(function* () {
        yield* Ref.set(leader, { _tag: "NotLeading", leader: { host: "10.0.0.5", port: 8081 } })
        const r = yield* get(`${url}/quotas?role=www-data`)
        expect(r.status).toBe(307)
        expect(r.headers.get("location")).toBe("http://10.0.0.5:8081/quotas?role=www-data")
        const api = yield* get(`${url}/apibeta/getJobs`)
        expect(api.headers.get("location")).toBe("http://10.0.0.5:8081/apibeta/getJobs")
        const ui = yield* get(`${url}/scheduler/www-data`)
        expect(ui.status).toBe(307)
        // Not redirected: health and stats.
        expect((yield* get(`${url}/health`)).status).toBe(200)
        expect((yield* get(`${url}/vars`)).status).toBe(200)
        // The bypass header serves locally (here: a GET of /api, which the RPC protocol refuses itself).
        const bypass = yield* get(`${url}/quotas`, { "Bypass-Leader-Redirect": "1" })
        expect(bypass.status).not.toBe(307)

        yield* Ref.set(leader, { _tag: "NoLeader" })
        const none = yield* get(`${url}/api`)
        expect(none.status).toBe(503)
        expect(none.body).toContain("No leading scheduler")
      })
    ))

  it("lets the client follow a follower's redirect to the leader", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const leaderScheduler = yield* makeHarness()
          const follower = yield* makeHarness({ started: false })
          yield* Ref.set(follower.leader, {
            _tag: "NotLeading",
            leader: { host: "127.0.0.1", port: leaderScheduler.port }
          })
          const r = yield* follower.client.createJob({ description: helloConfig("via-follower") })
          expect(r.responseCode).toBe("OK")
          expect((yield* storeContents(leaderScheduler.storage)).tasks).toHaveLength(3)
        })
      )
    ))
})

describe("failures", () => {
  it("answers ERROR_TRANSIENT while storage is not READY (a standby serving locally)", () =>
    withScheduler(
      ({ client }) =>
        Effect.gen(function* () {
          const r = yield* client.getJobs({})
          expect(r.responseCode).toBe("ERROR_TRANSIENT")
          expect(r.details).toEqual([{ message: "Storage is not READY" }])
          const c = yield* client.createJob({ description: helloConfig("hello") })
          expect(c.responseCode).toBe("ERROR_TRANSIENT")
        }),
      { started: false }
    ))

  it("answers ERROR_TRANSIENT on a standby (leader services are stand-ins, storage PREPARED)", () =>
    withScheduler(
      ({ client, url }) =>
        Effect.gen(function* () {
          const r = yield* client.createJob({ description: helloConfig("hello") })
          expect(r.responseCode).toBe("ERROR_TRANSIENT")
          expect(r.details).toEqual([{ message: "Storage is not READY" }])
          expect((yield* client.getRoleSummary({})).responseCode).toBe("ERROR_TRANSIENT")
          expect((yield* get(`${url}/pendingtasks`)).status).toBe(503)
          expect((yield* get(`${url}/health`)).status).toBe(200)
        }),
      { leading: false, started: false }
    ))

  it("refuses an oversized request with 413 and changes nothing", () =>
    withScheduler(
      ({ url, storage }) =>
        Effect.gen(function* () {
          const config = helloConfig("big")
          const body = JSON.stringify({
            _tag: "Request",
            id: "1",
            tag: "createJob",
            payload: {
              description: {
                ...config,
                taskConfig: { ...config.taskConfig, contactEmail: "x".repeat(70_000) }
              }
            },
            headers: []
          })
          const r = yield* Effect.promise(() =>
            fetch(`${url}/api`, { method: "POST", headers: { "content-type": "application/json" }, body })
          )
          expect(r.status).toBe(413)
          expect(yield* Effect.promise(() => r.text())).toContain(
            "Request body too large: the limit is 65536 bytes"
          )
          expect((yield* storeContents(storage)).tasks).toEqual([])
        }),
      { http: { maxBodyBytes: 65_536 } }
    ))

  it("refuses an oversized body sent without a length (chunked) with 413 too", () =>
    withScheduler(
      ({ url, storage }) =>
        Effect.gen(function* () {
          const chunk = new TextEncoder().encode("x".repeat(16_384))
          let sent = 0
          const body = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (sent++ < 8) controller.enqueue(chunk)
              else controller.close()
            }
          })
          const r = yield* Effect.promise(() =>
            fetch(`${url}/api`, { method: "POST", body, duplex: "half" } as RequestInit)
          )
          expect(r.status).toBe(413)
          expect((yield* storeContents(storage)).tasks).toEqual([])

          // A chunked body within the limit is served as usual.
          const request = JSON.stringify({
            _tag: "Request",
            id: "7",
            tag: "createJob",
            payload: { description: helloConfig("chunked") },
            headers: []
          })
          const small = new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode(request))
              controller.close()
            }
          })
          const ok = yield* Effect.promise(() =>
            fetch(`${url}/api`, { method: "POST", body: small, duplex: "half" } as RequestInit)
          )
          expect(ok.status).toBe(200)
          expect(yield* Effect.promise(() => ok.text())).toContain('"responseCode":"OK"')
          expect((yield* storeContents(storage)).tasks).toHaveLength(3)
        }),
      { http: { maxBodyBytes: 65_536 } }
    ))

  it("answers /quitquitquit and asks the lifecycle to shut down", () =>
    withScheduler(({ url, recorded }) =>
      Effect.gen(function* () {
        const r = yield* Effect.promise(() => fetch(`${url}/quitquitquit`, { method: "POST" }))
        expect(r.status).toBe(200)
        expect(yield* Effect.promise(() => r.text())).toBe("Notifying quit listener.\n")
        yield* Effect.sleep("300 millis")
        expect(recorded.shutdowns).toEqual(["/quitquitquit"])
      })
    ))
})
