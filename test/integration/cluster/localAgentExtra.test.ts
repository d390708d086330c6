import { spawnSync } from "node:child_process"
import { mkdtempSync, readlinkSync, rmSync } from "node:fs"
import { createServer, request } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { Effect, Exit, Fiber, Scope, Stream } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import {
  defaultExecutorCommand,
  type LocalAgent,
  startLocalAgent
} from "../../../src/layers/cluster/localAgent/index.ts"
import { makeMesosHttp } from "../../../src/layers/cluster/mesosHttp.ts"
import type { ClusterEvent, ClusterManagerShape } from "../../../src/services/ClusterManager.ts"
import { taskConfig, waitFor } from "./contract.ts"

const scopes: Array<Scope.CloseableScope> = []
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const s of scopes.splice(0).reverse()) await Effect.runPromise(Scope.close(s, Exit.void))
  for (const c of cleanups.splice(0).reverse()) await c()
})

const newScope = () => {
  const s = Effect.runSync(Scope.make())
  scopes.push(s)
  return s
}

const agentIn = async (workDir: string, scope = newScope()) => {
  const agent = await Effect.runPromise(
    Scope.extend(
      startLocalAgent({
        workDir,
        hostname: "localhost",
        heartbeatSeconds: 0.2,
        allocationIntervalMs: 100,
        resendMs: 300,
        killGraceSeconds: 3
      }),
      scope
    )
  )
  return { agent, scope }
}

const workDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "aurora-agent-"))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const client = async (master: string, frameworkId?: string, scope = newScope()) => {
  const manager = await Effect.runPromise(
    Scope.extend(
      makeMesosHttp({
        master,
        executor: { command: `${defaultExecutorCommand()} --preemption-wait-secs 1` },
        backoffInitialMs: 50,
        backoffMaxMs: 300,
        ...(frameworkId === undefined ? {} : { frameworkId })
      }),
      scope
    )
  )
  const seen: Array<ClusterEvent> = []
  const fiber = Effect.runFork(Stream.runForEach(manager.events, (e) => Effect.sync(() => void seen.push(e))))
  Effect.runSync(Scope.addFinalizer(scope, Fiber.interrupt(fiber)))
  const updates = (id: string) =>
    seen.flatMap((e) => (e._tag === "Update" && e.status.taskId === id ? [e.status] : []))
  const state = (id: string, s: string) =>
    waitFor(
      () => updates(id).find((u) => u.state === s),
      `${id} ${s}`,
      20_000,
      () => JSON.stringify(updates(id))
    )
  return { manager, seen, updates, state, run: <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e) }
}

const launchSleep = async (c: Awaited<ReturnType<typeof client>>, taskId: string) => {
  const offer = await waitFor(
    () => c.seen.flatMap((e) => (e._tag === "Offers" ? e.offers : []))[0],
    "an offer"
  )
  await c.run(
    c.manager.launch(
      offer,
      { taskId, config: taskConfig("sleep 30"), host: offer.host, agentId: offer.agentId, ports: {} },
      0
    )
  )
  await c.state(taskId, "TASK_RUNNING")
  return offer
}

const ackAll = async (c: Awaited<ReturnType<typeof client>>, id: string) => {
  for (const u of c.updates(id)) await c.run(c.manager.acknowledge(u))
}

const guard = (agent: LocalAgent) => cleanups.push(() => agent.killAll())

describe("local agent", () => {
  it("keeps its tasks across a restart: the new agent follows the live executor and kills it", async () => {
    const dir = workDir()
    const first = await agentIn(dir)
    guard(first.agent)
    const c1 = await client(first.agent.url)
    await launchSleep(c1, "restart-0")
    const frameworkId = await c1.run(c1.manager.frameworkId)
    const pid = first.agent.tasks()[0].pid
    await Effect.runPromise(Scope.close(first.scope, Exit.void))
    expect(process.kill(pid!, 0)).toBe(true)
    const second = await agentIn(dir)
    guard(second.agent)
    expect(second.agent.agentId).toBe(first.agent.agentId)
    const c2 = await client(second.agent.url, frameworkId)
    await waitFor(() => c2.seen.find((e) => e._tag === "Subscribed"), "Subscribed")
    await c2.run(c2.manager.reconcile([]))
    const rec = await waitFor(
      () => c2.updates("restart-0").find((u) => u.reason === "REASON_RECONCILIATION"),
      "reconciliation"
    )
    expect(rec.state).toBe("TASK_RUNNING")
    await c2.run(c2.manager.kill("restart-0"))
    const killed = await c2.state("restart-0", "TASK_KILLED")
    expect(killed.source).toBe("SOURCE_EXECUTOR")
  })

  it("reports TASK_FAILED when an executor dies without a terminal update", async () => {
    const { agent } = await agentIn(workDir())
    guard(agent)
    const c = await client(agent.url)
    await launchSleep(c, "dies-0")
    process.kill(agent.tasks()[0].pid!, "SIGKILL")
    const failed = await c.state("dies-0", "TASK_FAILED")
    expect(failed.reason).toBe("REASON_EXECUTOR_TERMINATED")
  })

  it("re-sends an update until it is acknowledged", async () => {
    const { agent } = await agentIn(workDir())
    guard(agent)
    const c = await client(agent.url)
    await launchSleep(c, "resend-0")
    const starting = await waitFor(() => {
      const s = c.updates("resend-0").filter((u) => u.state === "TASK_STARTING")
      return s.length >= 2 ? s : undefined
    }, "a re-sent STARTING")
    expect(starting[1].uuid).toBe(starting[0].uuid)
    await ackAll(c, "resend-0")
    await waitFor(() => (agent.tasks()[0].pending.length === 0 ? true : undefined), "acknowledged")
    await c.run(c.manager.kill("resend-0"))
    await c.state("resend-0", "TASK_KILLED")
  })

  it("follows a 307 to the leading master", async () => {
    const { agent } = await agentIn(workDir())
    const redirector = createServer((req, res) => {
      req.resume()
      res.writeHead(307, { Location: `${agent.url}/api/v1/scheduler` }).end()
    })
    await new Promise<void>((r) => redirector.listen(0, "127.0.0.1", () => r()))
    cleanups.push(() => new Promise<void>((r) => redirector.close(() => r())))
    const c = await client(`http://127.0.0.1:${(redirector.address() as AddressInfo).port}`)
    await waitFor(() => c.seen.find((e) => e._tag === "Subscribed"), "Subscribed through the redirect")
    await c.run(c.manager.reconcile([{ taskId: "nope" }]))
    expect((await c.state("nope", "TASK_LOST")).reason).toBe("REASON_RECONCILIATION")
  })

  it("answers calls without a subscription with 403 and malformed calls with 400", async () => {
    const { agent } = await agentIn(workDir())
    const post = (body: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${agent.url}/api/v1/scheduler`, { method: "POST", headers }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on("error", reject)
        req.end(body)
      })
    expect(await post('{"type":"RECONCILE","framework_id":{"value":"x"},"reconcile":{"tasks":[]}}')).toBe(403)
    expect(await post("{not json")).toBe(400)
    expect(await post('{"type":"SUBSCRIBE","subscribe":{}}')).toBe(400)
  })

  it("refuses the client's calls before it has subscribed", async () => {
    const c = await client("http://127.0.0.1:9")
    const r = await Effect.runPromise(Effect.either((c.manager as ClusterManagerShape).decline(["o"], 1)))
    expect(r._tag === "Left" && r.left._tag).toBe("ClusterNotSubscribed")
  })
})

describe("framework failover timeout", () => {
  it("kills a disconnected framework's tasks once its failover_timeout passes", async () => {
    const { agent } = await agentIn(workDir())
    guard(agent)
    const scope = newScope()
    const manager = await Effect.runPromise(
      Scope.extend(
        makeMesosHttp({
          master: agent.url,
          executor: { command: `${defaultExecutorCommand()} --preemption-wait-secs 1` },
          failoverTimeoutSeconds: 0.5
        }),
        scope
      )
    )
    const seen: Array<ClusterEvent> = []
    Effect.runFork(Stream.runForEach(manager.events, (e) => Effect.sync(() => void seen.push(e))))
    const offer = await waitFor(
      () => seen.flatMap((e) => (e._tag === "Offers" ? e.offers : []))[0],
      "an offer"
    )
    await Effect.runPromise(
      manager.launch(
        offer,
        {
          taskId: "fo-0",
          config: taskConfig("sleep 30"),
          host: offer.host,
          agentId: offer.agentId,
          ports: {}
        },
        0
      )
    )
    await waitFor(() => (agent.tasks()[0]?.state === "TASK_RUNNING" ? true : undefined), "RUNNING")
    const pid = agent.tasks()[0].pid
    // Closing the client's scope drops its subscription connection.
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await waitFor(() => (agent.tasks().length === 0 ? true : undefined), "the framework's removal")
    await waitFor(() => (isAlive(pid) ? undefined : true), "the executor's exit")
  })
})

const isAlive = (pid: number | undefined) => {
  try {
    process.kill(pid ?? -1, 0)
    return true
  } catch {
    return false
  }
}

describe("sandbox layout", () => {
  it("puts checkpoints where `thermos status --mesos-root` finds them, and refuses bad launches", async () => {
    const dir = workDir()
    const { agent } = await agentIn(dir)
    guard(agent)
    const c = await client(agent.url)
    const offer = await waitFor(
      () => c.seen.flatMap((e) => (e._tag === "Offers" ? e.offers : []))[0],
      "an offer"
    )
    const huge = { ...taskConfig("true"), resources: [{ numCpus: 1000 }, { ramMb: 16 }, { diskMb: 16 }] }
    await c.run(
      c.manager.launch(
        offer,
        { taskId: "too-big", config: huge, host: offer.host, agentId: offer.agentId, ports: {} },
        0
      )
    )
    expect((await c.state("too-big", "TASK_ERROR")).reason).toBe("REASON_TASK_INVALID")
    // The offer is used up: launching on it again is LOST with REASON_INVALID_OFFERS.
    await c.run(
      c.manager.launch(
        offer,
        { taskId: "stale", config: taskConfig("true"), host: offer.host, agentId: offer.agentId, ports: {} },
        0
      )
    )
    expect((await c.state("stale", "TASK_LOST")).reason).toBe("REASON_INVALID_OFFERS")
    const next = await waitFor(
      () => c.seen.flatMap((e) => (e._tag === "Offers" ? e.offers : [])).find((o) => o.id !== offer.id),
      "a new offer"
    )
    await c.run(
      c.manager.launch(
        next,
        {
          taskId: "layout-0",
          config: taskConfig("echo hi"),
          host: next.host,
          agentId: next.agentId,
          ports: {}
        },
        0
      )
    )
    await c.state("layout-0", "TASK_FINISHED")
    const run = agent.tasks().find((t) => t.taskId === "layout-0")?.runDir ?? ""
    expect(run).toContain(
      join(
        dir,
        "slaves",
        agent.agentId,
        "frameworks",
        (await c.run(c.manager.frameworkId)) ?? "",
        "executors",
        "thermos-layout-0",
        "runs"
      )
    )
    expect(readlinkSync(join(run, "..", "latest"))).toBe(basename(run))
    const status = spawnSync(
      process.execPath,
      [join(__dirname, "..", "..", "..", "bin", "thermos.mjs"), "status", "--mesos-root", dir],
      {
        encoding: "utf8",
        timeout: 60_000
      }
    )
    expect(status.stdout).toContain("layout-0")
  })
})
