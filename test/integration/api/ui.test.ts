// The server-rendered UI pages and the leader-only JSON endpoints.
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { helloConfig, saveRunningTask, withScheduler } from "./harness.ts"

const get = (url: string) =>
  Effect.promise(async () => {
    const r = await fetch(url, { redirect: "manual" })
    return {
      status: r.status,
      type: r.headers.get("content-type") ?? "",
      location: r.headers.get("location"),
      body: await r.text()
    }
  })

describe("scheduler UI", () => {
  it("lists roles, a role's jobs and a job's tasks with their events", () =>
    withScheduler(({ url, client, storage }) =>
      Effect.gen(function* () {
        const empty = yield* get(`${url}/scheduler`)
        expect(empty.status).toBe(200)
        expect(empty.body).toContain("No jobs yet.")

        yield* client.createJob({ description: helloConfig("hello", { instanceCount: 2 }) })
        yield* client.createJob({ description: helloConfig("api", { role: "mesos", instanceCount: 1 }) })
        const running = yield* saveRunningTask(storage, helloConfig("hello"), 2, "host-a.example.com")
        yield* client.killTasks({
          job: { role: "www-data", environment: "devel", name: "hello" },
          instances: [2],
          message: "<b>maintenance</b>"
        })

        const roles = yield* get(`${url}/scheduler`)
        expect(roles.type).toContain("text/html")
        expect(roles.body).toContain('<a href="/scheduler/www-data">www-data</a>')
        expect(roles.body).toContain('<a href="/scheduler/mesos">mesos</a>')

        const role = yield* get(`${url}/scheduler/www-data`)
        expect(role.body).toContain('<a href="/scheduler/www-data/devel/hello">hello</a>')
        // Active (the KILLING task) and pending counts.
        expect(role.body).toMatch(/hello<\/a><\/td><td>devel<\/td><td>1<\/td><td>2<\/td>/)
        expect((yield* get(`${url}/scheduler/www-data/devel`)).status).toBe(200)

        const job = yield* get(`${url}/scheduler/www-data/devel/hello`)
        expect(job.status).toBe(200)
        expect(job.body).toContain(running)
        expect(job.body).toContain("host-a.example.com")
        expect(job.body).toContain("Killed by UNSECURE")
        expect(job.body).toContain('<span class="status-PENDING">PENDING</span>')

        // Free text is escaped, never interpreted.
        expect(job.body).not.toContain("<b>maintenance")
        expect(job.body).toContain("&lt;b&gt;maintenance&lt;/b&gt;")

        expect((yield* get(`${url}/scheduler/nobody`)).status).toBe(404)
        expect((yield* get(`${url}/scheduler/www-data/devel/ghost`)).status).toBe(404)
        expect((yield* get(`${url}/`)).status).toBe(302)
      })
    ))

  it("answers 503 from pages while storage is not READY", () =>
    withScheduler(
      ({ url }) =>
        Effect.gen(function* () {
          const r = yield* get(`${url}/scheduler`)
          expect(r.status).toBe(503)
          expect(r.body).toBe("Storage is not READY\n")
        }),
      { started: false }
    ))
})

describe("JSON endpoints", () => {
  it("serves /quotas, /tiers, /maintenance and /pendingtasks", () =>
    withScheduler(({ url, client }) =>
      Effect.gen(function* () {
        yield* client.setQuota({
          ownerRole: "www-data",
          quota: { resources: [{ numCpus: 2.5 }, { ramMb: 1024 }, { diskMb: 4096 }] }
        })
        const all = JSON.parse((yield* get(`${url}/quotas`)).body)
        expect(all).toEqual({ "www-data": { cpu_cores: 2.5, ram_mb: 1024, disk_mb: 4096 } })
        expect(JSON.parse((yield* get(`${url}/quotas?role=nobody`)).body)).toEqual({})
        expect(JSON.parse((yield* get(`${url}/quotas?role=www-data`)).body)).toEqual(all)

        const tiers = JSON.parse((yield* get(`${url}/tiers`)).body)
        expect(tiers.default).toBe("preemptible")
        expect(tiers.tiers.revocable).toEqual({ preemptible: true, revocable: true })

        expect(JSON.parse((yield* get(`${url}/maintenance`)).body)).toEqual({
          DRAINED: [],
          SCHEDULED: [],
          DRAINING: {}
        })
        // The test double of the task scheduler holds no groups.
        expect(JSON.parse((yield* get(`${url}/pendingtasks`)).body)).toEqual([])
      })
    ))

  it("serves /cron, /state, /agents, /structdump and /mname", () =>
    withScheduler(({ url, client, storage }) =>
      Effect.gen(function* () {
        expect(JSON.parse((yield* get(`${url}/cron`)).body)).toEqual({ scheduled: {} })
        yield* client.createJob({ description: helloConfig("hello", { instanceCount: 1 }) })
        const id = yield* saveRunningTask(storage, helloConfig("web"), 0, "host-b", {
          admin: 9000,
          http: 8080
        })

        const state = JSON.parse((yield* get(`${url}/state`)).body) as {
          taskConfigs: Record<string, unknown>
          agents: Record<string, Array<string>>
        }
        const keys = Object.keys(state.taskConfigs).sort()
        expect(keys).toHaveLength(2)
        expect(keys[0]).toMatch(/^www-data\/devel\/hello-[0-9a-f]{8}$/)
        expect(state.agents["host-b"]).toEqual([keys[1]])

        const agents = yield* get(`${url}/agents`)
        expect(agents.status).toBe(200)
        expect(agents.body).toContain("No agents known.")
        expect((yield* get(`${url}/slaves`)).status).toBe(200)

        const dump = yield* get(`${url}/structdump/task/${id}`)
        expect(dump.body).toContain(`&quot;taskId&quot;: &quot;${id}`)
        expect((yield* get(`${url}/structdump/task/nope`)).body).toContain("Entity not found")
        expect((yield* get(`${url}/structdump`)).status).toBe(400)

        // The first of health, http, HTTP, web, admin that the instance has.
        const m = yield* get(`${url}/mname/www-data/devel/web/0/status/x?verbose=1`)
        expect(m.status).toBe(307)
        expect(m.location).toBe("http://host-b:8080/status/x?verbose=1")
        const pending = yield* get(`${url}/mname/www-data/devel/hello/0`)
        expect(pending.status).toBe(404)
        expect(pending.body).toContain("PENDING, not RUNNING")
        expect((yield* get(`${url}/mname/www-data/devel/web/3`)).status).toBe(404)
        expect((yield* get(`${url}/mname/www-data`)).status).toBe(400)
        expect((yield* get(`${url}/mname`)).status).toBe(400)
      })
    ))
})
