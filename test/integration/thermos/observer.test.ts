import { join } from "node:path"
import { Effect, Fiber } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { startObserver } from "../../../src/layers/executor/observer.ts"
import { makeRunner } from "../../../src/layers/executor/runner.ts"
import { ProcessSpawnerNode } from "../../../src/layers/process/node.ts"
import { task } from "../../unit/thermos/fixtures.ts"
import { tempDir, waitFor } from "./helpers.ts"

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe("observer over HTTP", () => {
  it("shows active and finished tasks, process runs, resources and logs", async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const root = join(t.dir, "root")
    const r = await Effect.runPromise(
      makeRunner({
        root,
        taskId: "obs-1",
        task: task({
          name: "web",
          processes: [
            { name: "svc", cmdline: 'echo "<hello>"; echo err >&2; sleep 30', min_duration: 0 },
            { name: "later", cmdline: "true", min_duration: 0 }
          ],
          constraints: [{ order: ["svc", "later"] }]
        }),
        sandbox: join(t.dir, "sandbox"),
        hostname: "localhost",
        user: "tester",
        ports: { http: 1234 },
        pollMs: 20
      }).pipe(Effect.provide(ProcessSpawnerNode))
    )
    const fiber = Effect.runFork(r.run.pipe(Effect.provide(ProcessSpawnerNode)))
    cleanups.push(() =>
      Effect.runPromise(Effect.zipRight(r.kill(0), Fiber.join(fiber))).then(() => undefined)
    )
    await waitFor(() => (r.state().processes.svc?.[0]?.state === "RUNNING" ? true : undefined))
    const obs = await startObserver({ roots: [root], host: "127.0.0.1", port: 0 })
    cleanups.push(() => obs.close())
    const base = `http://127.0.0.1:${obs.port}`
    const get = async (path: string) => {
      const res = await fetch(base + path)
      return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() }
    }
    const getJson = async (path: string) => JSON.parse((await get(path)).body)

    const main = (await get("/")).body
    expect(main).toContain("obs-1")
    expect(main).toContain('href="//127.0.0.1:1234/"')
    expect(await getJson("/j/task_id_count")).toEqual({ active: 1, finished: 0, all: 1 })
    const view = (await getJson("/j/task/obs-1"))["obs-1"]
    expect(view).toMatchObject({
      task_id: "obs-1",
      name: "web",
      user: "tester",
      state: "ACTIVE",
      ports: { http: 1234 }
    })
    expect(view.processes.running).toEqual(["svc"])
    expect(view.processes.waiting).toEqual(["later"])
    expect(view.task.processes[0].name).toBe("svc")
    // Wait for the log line, then check resource use from /proc.
    await waitFor(async () =>
      (await get("/logdata/obs-1/svc/0/stdout?offset=0")).body.includes("&lt;hello&gt;") ? true : undefined
    )
    const proc = await getJson("/j/process/obs-1/svc")
    expect(proc).toMatchObject({ process_name: "svc", process_run: 0, state: "RUNNING" })
    expect(proc.used.rss).toBeGreaterThan(0)
    expect((await getJson("/j/processes?task_id=obs-1"))["obs-1"].svc.state).toBe("RUNNING")
    expect((await get("/task/obs-1")).body).toMatch(/svc[\s\S]*RUNNING/)
    expect((await get("/process/obs-1/svc")).body).toContain("sleep 30")
    expect((await get("/logs/obs-1/svc/0/stderr")).body).toContain("err")
    const dl = await get("/download/obs-1/.logs/svc/0/stdout")
    expect(dl.type).toBe("application/octet-stream")
    expect(dl.body).toBe("<hello>\n")
    expect((await get("/browse/obs-1")).body).toContain(".logs")
    expect(await getJson("/filedata/obs-1/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd")).toEqual({})
    expect((await get("/task/nope")).status).toBe(404)
    expect((await get("/health")).body).toBe("OK")

    await Effect.runPromise(Effect.zipRight(r.kill(200), Fiber.join(fiber)))
    expect(await getJson("/j/task_id_count")).toEqual({ active: 0, finished: 1, all: 1 })
    const done = (await getJson("/j/task_ids/finished")).tasks[0]
    expect(done).toMatchObject({ task_id: "obs-1", state: "KILLED" })
    expect((await getJson("/j/process/obs-1/svc/0")).state).toBe("KILLED")
  })
})
