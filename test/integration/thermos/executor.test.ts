import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import * as EmbeddedCoordinator from "../../../src/layers/coordinator/embedded.ts"
import { type EmbeddedControl, EmbeddedTree } from "../../../src/layers/coordinator/embedded.ts"
import { type Executor, type ExecutorOptions, startExecutor } from "../../../src/layers/executor/executor.ts"
import { ProcessSpawnerNode } from "../../../src/layers/process/node.ts"
import { Coordinator } from "../../../src/services/Coordinator.ts"
import { makeCollectingReporter } from "../../../src/services/StatusReporter.ts"
import { tempDir, waitFor } from "./helpers.ts"

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A tiny service: GET /health answers `body`; POSTs are recorded. */
const healthServer = async (body: () => string) => {
  const posts: Array<string> = []
  const server: Server = createServer((req, res) => {
    if (req.method === "POST") posts.push(req.url ?? "")
    res.end(req.url === "/health" ? body() : "")
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
  return { port: (server.address() as AddressInfo).port, posts }
}

const fastHealth = {
  initial_interval_secs: 0.1,
  interval_secs: 0.05,
  max_consecutive_failures: 1,
  timeout_secs: 0.5
}
const fastLifecycle = {
  http: { graceful_shutdown_wait_secs: 0.2, shutdown_wait_secs: 0.2 }
}

const launchOf = (
  processes: ReadonlyArray<Record<string, unknown>>,
  extra: Record<string, unknown> = {},
  launch: Record<string, unknown> = {}
) => ({
  taskId: "role-env-job-0-abc",
  instanceId: 3,
  hostname: "host-1",
  executorData: JSON.stringify({
    role: "role",
    environment: "env",
    name: "job",
    cluster: "local",
    task: { name: "main", processes: processes.map((p) => ({ min_duration: 0, ...p })) },
    health_check_config: fastHealth,
    lifecycle: fastLifecycle,
    ...extra
  }),
  ...launch
})

const start = async (
  launch: unknown,
  coordinatorLayer?: Layer.Layer<Coordinator>,
  beforeStart: (sandbox: string) => void = () => {},
  extra: Partial<ExecutorOptions> = {}
) => {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const reporter = makeCollectingReporter()
  const o: ExecutorOptions = {
    sandbox: join(t.dir, "sandbox"),
    checkpointRoot: join(t.dir, "checkpoints"),
    pollMs: 20,
    preemptionWaitMs: 300,
    httpSignalTimeoutMs: 300,
    ...extra
  }
  mkdirSync(o.sandbox, { recursive: true })
  beforeStart(o.sandbox)
  const layer =
    coordinatorLayer === undefined
      ? Layer.merge(ProcessSpawnerNode, reporter.layer)
      : Layer.mergeAll(ProcessSpawnerNode, reporter.layer, coordinatorLayer)
  // One runtime per executor, so scoped services (a coordinator session) live as long as it does.
  const runtime = ManagedRuntime.make(layer)
  const runSync = <A>(e: Effect.Effect<A, never, never>) => runtime.runPromise(e)
  const ex: Executor = await runtime.runPromise(startExecutor(launch, o))
  cleanups.push(async () => {
    await runSync(ex.kill())
    await runSync(ex.done)
    await runtime.dispose()
  })
  return { ex, o, updates: reporter.updates, done: () => runSync(ex.done), kill: () => runSync(ex.kill()) }
}

const states = (u: ReadonlyArray<{ state: string }>) => u.map((x) => x.state)

/** Member nodes under the announcer's serverset path, read through a session of our own. */
const members = (tree: EmbeddedTree): Array<[string, string]> => {
  const session = tree.openSession()
  try {
    const dir = "/aurora/role/env/job"
    const children = tree.getChildren(session, dir)
    if (!children.ok) return []
    return children.value.sort().flatMap((name) => {
      const node = tree.getData(session, `${dir}/${name}`)
      return node.ok
        ? [[`${dir}/${name}`, new TextDecoder().decode(node.value.data)] as [string, string]]
        : []
    })
  } finally {
    tree.endSession(session)
  }
}

describe("thermos executor", () => {
  it("fills in executor refs, runs the task and reports STARTING, RUNNING, FINISHED", async () => {
    const e = await start(
      launchOf([{ name: "hello", cmdline: "echo {{mesos.instance}} {{thermos.task_id}} {{mesos.hostname}}" }])
    )
    const final = await e.done()
    expect(final.state).toBe("TASK_FINISHED")
    expect(states(e.updates)).toEqual(["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"])
    expect(e.updates[1].message).toMatch(/No health-check defined/)
    expect(readFileSync(join(e.o.sandbox, ".logs", "hello", "0", "stdout"), "utf8")).toBe(
      "3 role-env-job-0-abc host-1\n"
    )
  })

  it("reports FAILED without STARTING for an undecodable launch, and for unbound ports after STARTING", async () => {
    const bad = await start({ nope: 1 })
    expect(states(bad.updates)).toEqual(["TASK_FAILED"])
    expect(bad.updates[0].message).toMatch(/Could not deserialize task/)
    const unbound = await start(launchOf([{ name: "web", cmdline: "serve --port {{thermos.ports[http]}}" }]))
    await unbound.done()
    expect(states(unbound.updates)).toEqual(["TASK_STARTING", "TASK_FAILED"])
    expect(unbound.updates[1].message).toMatch(/unbound port.*thermos\.ports\[http\]/)
  })

  it("sends RUNNING only after a passing health check, then kills through the HTTP lifecycle", async () => {
    const srv = await healthServer(() => "ok")
    const e = await start(
      launchOf([{ name: "svc", cmdline: "sleep 30" }], {}, { assignedPorts: { health: srv.port } })
    )
    await waitFor(() => (e.updates.some((u) => u.state === "TASK_RUNNING") ? true : undefined))
    expect(e.updates.find((u) => u.state === "TASK_RUNNING")?.message).toBe("Task is healthy.")
    await e.kill()
    const final = await e.done()
    expect(final).toMatchObject({ state: "TASK_KILLED", message: "Instructed to kill task." })
    expect(srv.posts).toEqual(["/quitquitquit", "/abortabortabort"])
    expect(states(e.updates)).toEqual(["TASK_STARTING", "TASK_RUNNING", "TASK_KILLED"])
  })

  it("fails the task when health checks keep failing, and a snooze file makes them pass", async () => {
    const srv = await healthServer(() => "not ok")
    const e = await start(
      launchOf([{ name: "svc", cmdline: "sleep 30" }], {}, { assignedPorts: { health: srv.port } })
    )
    const final = await e.done()
    expect(final.state).toBe("TASK_FAILED")
    expect(final.message).toMatch(/^Failed health check! /)
    expect(states(e.updates)).not.toContain("TASK_RUNNING")

    const snoozed = await start(
      launchOf([{ name: "svc", cmdline: "sleep 30" }], {}, { assignedPorts: { health: srv.port } }),
      undefined,
      (sandbox) => writeFileSync(join(sandbox, ".healthchecksnooze"), "")
    )
    await waitFor(() => (snoozed.updates.some((u) => u.state === "TASK_RUNNING") ? true : undefined))
    expect(states(snoozed.updates)).not.toContain("TASK_FAILED")
  })

  it("passes a shell health check that exits 0", async () => {
    const e = await start(
      launchOf([{ name: "svc", cmdline: "sleep 30" }], {
        health_check_config: { ...fastHealth, health_checker: { shell: { shell_command: "test -d ." } } }
      })
    )
    await waitFor(() => (e.updates.some((u) => u.state === "TASK_RUNNING") ? true : undefined))
    await e.kill()
    expect((await e.done()).state).toBe("TASK_KILLED")
  })

  it("fails a task whose sandbox outgrows its disk reservation", async () => {
    const e = await start(
      launchOf([{ name: "filler", cmdline: "head -c 20000 /dev/zero > big; sleep 30" }], {
        task: {
          name: "main",
          processes: [
            { name: "filler", cmdline: "head -c 20000 /dev/zero > big; sleep 30", min_duration: 0 }
          ],
          resources: { cpu: 0.1, ram: 1048576, disk: 10000 }
        }
      }),
      undefined,
      () => {},
      { diskCheckIntervalMs: 50 }
    )
    const final = await e.done()
    expect(final.state).toBe("TASK_FAILED")
    expect(final.message).toMatch(/^Disk limit exceeded\. {2}Reserved 10000 bytes vs used \d+ bytes\.$/)
  })

  it("announces the task while it runs and leaves when it ends", async () => {
    const tree = new EmbeddedTree("announcer")
    const e = await start(
      launchOf(
        [{ name: "svc", cmdline: "sleep 0.5" }],
        { announce: { primary_port: "http" } },
        { assignedPorts: { http: 8888 } }
      ),
      EmbeddedCoordinator.layerOn(tree)
    )
    await waitFor(() => (members(tree).length > 0 ? true : undefined))
    const [[path, data]] = members(tree)
    expect(path).toBe("/aurora/role/env/job/member_0000000000")
    expect(JSON.parse(data)).toEqual({
      serviceEndpoint: { host: "host-1", port: 8888 },
      additionalEndpoints: { aurora: { host: "host-1", port: 8888 }, http: { host: "host-1", port: 8888 } },
      status: "ALIVE",
      shard: 3
    })
    expect((await e.done()).state).toBe("TASK_FINISHED")
    expect(members(tree)).toEqual([])
  })

  it("joins the serverset once the coordinator is back, and fails the task when it stays unreachable", async () => {
    const tree = new EmbeddedTree("announcer")
    let control: EmbeddedControl | undefined
    const disconnected = Layer.scoped(
      Coordinator,
      Effect.gen(function* () {
        const session = yield* EmbeddedCoordinator.makeSession(tree, { sessionTimeoutMs: 60_000 })
        yield* session.control.disconnect
        control = session.control
        return session.service
      })
    )
    // A 2 s announcement budget (initial_interval_secs + failures x interval) outlasts the outage.
    const launch = launchOf(
      [{ name: "svc", cmdline: "sleep 0.5" }],
      { announce: {}, health_check_config: { ...fastHealth, initial_interval_secs: 2 } },
      { assignedPorts: { http: 1 } }
    )
    const e = await start(launch, disconnected)
    await new Promise((r) => setTimeout(r, 200))
    expect(members(tree)).toEqual([])
    await Effect.runPromise(control!.reconnect)
    await waitFor(() => (members(tree).length > 0 ? true : undefined))
    expect((await e.done()).state).toBe("TASK_FINISHED")

    const failed = await start(
      launchOf([{ name: "svc", cmdline: "sleep 30" }], { announce: {} }, { assignedPorts: { http: 1 } }),
      disconnected
    )
    expect(await failed.done()).toMatchObject({
      state: "TASK_FAILED",
      message: "Creating Announcer Serverset timed out."
    })
  })
})
