/** The ClusterManager contract, run against every implementation (real over HTTP, simulated). */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit, Fiber, Scope, Stream } from "effect"
import { afterEach, expect, it } from "vitest"
import type { TaskConfig } from "../../../src/domain/model/index.ts"
import type { Offer } from "../../../src/domain/placement/index.ts"
import type {
  ClusterEvent,
  ClusterManagerShape,
  TaskStatusUpdate
} from "../../../src/services/ClusterManager.ts"
import type { LaunchSpec } from "../../../src/services/OfferDriver.ts"

export interface Harness {
  readonly manager: ClusterManagerShape
  /** Makes the scheduler lose heartbeats (it must re-subscribe by itself). */
  readonly loseHeartbeat: () => Promise<void>
  /** The task's sandbox directory, when the implementation runs real processes. */
  readonly sandbox?: (taskId: string) => string | undefined
  /** How many of the task's processes are still alive, when it runs real ones. */
  readonly leftovers?: (taskId: string) => number
}

export const taskConfig = (cmdline: string): TaskConfig => ({
  job: { role: "www-data", environment: "test", name: "hello" },
  owner: { user: "www-data" },
  isService: false,
  priority: 0,
  maxTaskFailures: 1,
  resources: [{ numCpus: 0.1 }, { ramMb: 16 }, { diskMb: 16 }],
  constraints: [],
  executorConfig: {
    name: "AuroraExecutor",
    data: JSON.stringify({
      role: "www-data",
      environment: "test",
      name: "hello",
      task: { name: "hello", processes: [{ name: "hello", cmdline, min_duration: 0 }] }
    })
  },
  container: { mesos: { volumes: [] } }
})

const spec = (offer: Offer, taskId: string, cmdline: string): LaunchSpec => ({
  taskId,
  config: taskConfig(cmdline),
  host: offer.host,
  agentId: offer.agentId,
  ports: {}
})

/** Files named `name` anywhere under `dir`. */
const findFiles = (dir: string, name: string): Array<string> => {
  const out: Array<string> = []
  for (const e of readdirSync(dir)) {
    const p = join(dir, e)
    const s = statSync(p)
    if (s.isDirectory()) out.push(...findFiles(p, name))
    else if (e === name) out.push(p)
  }
  return out
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const waitFor = async <A>(
  f: () => A | undefined,
  what: string,
  timeoutMs = 20_000,
  seen: () => string = () => ""
): Promise<A> => {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} ${seen()}`)
    await sleep(20)
  }
}

/** Registers the contract tests; `make` builds a fresh implementation inside the given scope. */
export const contractSuite = (
  make: (scope: Scope.CloseableScope, o: { shortTaskIds: RegExp }) => Promise<Harness>,
  shortTaskIds = /^short-/
) => {
  let scope: Scope.CloseableScope | undefined
  afterEach(async () => {
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
    scope = undefined
  })

  const start = async () => {
    scope = Effect.runSync(Scope.make())
    const h = await make(scope, { shortTaskIds })
    const seen: Array<ClusterEvent> = []
    const fiber = Effect.runFork(
      Stream.runForEach(h.manager.events, (e) => Effect.sync(() => void seen.push(e)))
    )
    Effect.runSync(Scope.addFinalizer(scope, Fiber.interrupt(fiber)))
    const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
    const offers = () => seen.flatMap((e) => (e._tag === "Offers" ? e.offers : []))
    const rescinded = () => new Set(seen.flatMap((e) => (e._tag === "Rescind" ? [e.offerId] : [])))
    const updates = (taskId: string) =>
      seen.flatMap((e) => (e._tag === "Update" && e.status.taskId === taskId ? [e.status] : []))
    const nextOffer = (after: number) =>
      waitFor(
        () =>
          offers()
            .slice(after)
            .find((o) => !rescinded().has(o.id)),
        "an offer"
      )
    /** Waits for `state` and acknowledges every update of the task seen so far. */
    const waitState = async (
      taskId: string,
      state: string,
      timeoutMs?: number
    ): Promise<TaskStatusUpdate> => {
      const u = await waitFor(
        () => updates(taskId).find((s) => s.state === state),
        `${taskId} ${state}`,
        timeoutMs,
        () => JSON.stringify(updates(taskId).map((u) => [u.state, u.reason, u.message]))
      )
      for (const s of updates(taskId)) await run(h.manager.acknowledge(s))
      return u
    }
    return { h, seen, run, offers, updates, nextOffer, waitState }
  }

  it("subscribes and receives offers of the agent's resources", async () => {
    const t = await start()
    const sub = await waitFor(() => t.seen.find((e) => e._tag === "Subscribed"), "Subscribed")
    expect(sub._tag === "Subscribed" && sub.frameworkId.length > 0).toBe(true)
    const offer = await t.nextOffer(0)
    expect(offer.resources.find((r) => r.name === "cpus")?.scalar).toBeGreaterThan(0)
    expect(offer.resources.find((r) => r.name === "mem")?.scalar).toBeGreaterThan(0)
    expect(offer.attributes.find((a) => a.name === "host")?.values).toEqual([offer.host])
    expect(await t.run(t.h.manager.frameworkId)).toBe(sub._tag === "Subscribed" ? sub.frameworkId : "")
  })

  it("does not re-offer a declined agent within the refuse filter, and does after it", async () => {
    const t = await start()
    const first = await t.nextOffer(0)
    const count = t.offers().length
    await t.run(t.h.manager.decline([first.id], 1.5))
    await sleep(700)
    expect(t.offers().filter((o) => o.agentId === first.agentId).length).toBe(
      t
        .offers()
        .slice(0, count)
        .filter((o) => o.agentId === first.agentId).length
    )
    const again = await waitFor(
      () =>
        t
          .offers()
          .slice(count)
          .find((o) => o.agentId === first.agentId),
      "the offer after the filter"
    )
    expect(again.id).not.toBe(first.id)
  })

  it("launches a one-process task: STARTING, RUNNING, FINISHED; its output lands in the sandbox", async () => {
    const t = await start()
    const offer = await t.nextOffer(0)
    await t.run(t.h.manager.launch(offer, spec(offer, "short-hello-0", "echo hi; sleep 0.2"), 0))
    const states: Array<string> = []
    for (const s of ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"])
      states.push((await t.waitState("short-hello-0", s)).state)
    const order = t.updates("short-hello-0").map((u) => u.state)
    expect(order.indexOf("TASK_STARTING")).toBeLessThan(order.indexOf("TASK_RUNNING"))
    expect(order.indexOf("TASK_RUNNING")).toBeLessThan(order.indexOf("TASK_FINISHED"))
    const finished = t.updates("short-hello-0").find((u) => u.state === "TASK_FINISHED")!
    expect(finished.agentId).toBe(offer.agentId)
    const dir = t.h.sandbox?.("short-hello-0")
    if (dir !== undefined) {
      const outs = findFiles(dir, "stdout").map((f) => readFileSync(f, "utf8"))
      expect(outs.some((o) => o.includes("hi\n"))).toBe(true)
    }
  })

  it("kills a running task: KILLED", async () => {
    const t = await start()
    const offer = await t.nextOffer(0)
    await t.run(t.h.manager.launch(offer, spec(offer, "long-sleep-0", "sleep 30"), 0))
    await t.waitState("long-sleep-0", "TASK_RUNNING")
    await t.run(t.h.manager.kill("long-sleep-0", offer.agentId))
    await t.waitState("long-sleep-0", "TASK_KILLED")
    const left = t.h.leftovers
    if (left !== undefined)
      await waitFor(() => (left("long-sleep-0") === 0 ? true : undefined), "no process left")
  })

  it("reconciles explicitly and implicitly; an unknown task is LOST", async () => {
    const t = await start()
    const offer = await t.nextOffer(0)
    await t.run(t.h.manager.launch(offer, spec(offer, "long-rec-0", "sleep 30"), 0))
    await t.waitState("long-rec-0", "TASK_RUNNING")
    const before = t.updates("long-rec-0").length
    await t.run(t.h.manager.reconcile([{ taskId: "long-rec-0", agentId: offer.agentId }]))
    const explicit = await waitFor(() => t.updates("long-rec-0")[before], "explicit answer")
    expect(explicit.state).toBe("TASK_RUNNING")
    expect(explicit.reason).toBe("REASON_RECONCILIATION")
    await t.run(t.h.manager.reconcile([]))
    const implicit = await waitFor(() => t.updates("long-rec-0")[before + 1], "implicit answer")
    expect(implicit.state).toBe("TASK_RUNNING")
    await t.run(t.h.manager.reconcile([{ taskId: "no-such-task" }]))
    const lost = await waitFor(() => t.updates("no-such-task")[0], "unknown task answer")
    expect(lost.state).toBe("TASK_LOST")
    expect(lost.reason).toBe("REASON_RECONCILIATION")
    await t.run(t.h.manager.kill("long-rec-0", offer.agentId))
    await t.waitState("long-rec-0", "TASK_KILLED")
  })

  it("re-subscribes as the same framework after losing heartbeats", async () => {
    const t = await start()
    const first = await waitFor(() => t.seen.find((e) => e._tag === "Subscribed"), "Subscribed")
    await t.h.loseHeartbeat()
    await waitFor(() => t.seen.find((e) => e._tag === "Disconnected"), "Disconnected")
    const again = await waitFor(
      () => t.seen.filter((e) => e._tag === "Subscribed")[1],
      "the second Subscribed"
    )
    expect(
      again._tag === "Subscribed" && first._tag === "Subscribed" && again.frameworkId === first.frameworkId
    ).toBe(true)
    // Calls work on the new subscription.
    await t.run(t.h.manager.reconcile([]))
  })
}
