// npm run bench -- launch: createJob to RUNNING on the local agent, as `npm start` runs it: the agent
// is a process of its own (bin/aurora-agent.mjs) starting real thermos-executor processes; the
// scheduler (embedded log, leader services, HTTP API) runs here and reaches it over Mesos HTTP. Each
// round creates a one-process job (`sleep 600`) through the createJob RPC once the scheduler holds an
// offer, times it until the task is RUNNING (published after the log has it), then kills the job and
// waits for KILLED. Target: p99 under 1 s.
// Usage: npm run bench -- launch [--rounds=N]

import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Queue, Stream } from "effect"
import type { LifecycleEvent } from "../src/domain/lifecycle/index.ts"
import { TERMINAL_STATES } from "../src/domain/model/index.ts"
import { containerProcesses, signal } from "../src/layers/cluster/localAgent/executors.ts"
import { defaultExecutorCommand } from "../src/layers/cluster/localAgent/index.ts"
import { MesosHttpClusterManager } from "../src/layers/cluster/mesosHttp.ts"
import { layerEmbedded } from "../src/layers/log/layers.ts"
import { freePort } from "../src/layers/log/process-cluster.ts"
import { makeSqliteStore } from "../src/layers/log/sqlite-store.ts"
import { ReplicatedLog } from "../src/services/ReplicatedLog.ts"
import { sourcePath } from "../src/sourcePath.ts"
import { benchJob, loadAuroraJob } from "./_jobs.ts"
import { printResult } from "./_result.ts"
import { startScheduler } from "./_scheduler.ts"

const ROUNDS = Number(process.argv.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 30)
const OFFER_WAIT_MS = 30_000
const STEP_TIMEOUT_MS = 30_000

const CONFIG = `
sleeper = Process(name = 'sleeper', cmdline = 'sleep 600')
task = Task(name = 'sleeper', processes = [sleeper], resources = Resources(cpu = 0.1, ram = 16*MB, disk = 16*MB))
jobs = [Job(cluster = 'devcluster', role = 'www-data', environment = 'devel', name = 'sleeper', task = task)]
`
const template = loadAuroraJob(CONFIG, join(tmpdir(), "launch.aurora"), "devcluster/www-data/devel/sleeper")

const root = mkdtempSync(join(tmpdir(), "bench-launch-"))
const workDir = join(root, "agent")
const logDir = join(root, "log")

/** Starts bin/aurora-agent.mjs and resolves with its URL once it serves. */
const startAgent = async (): Promise<{ child: ChildProcess; url: string }> => {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [
      sourcePath("../bin/aurora-agent.mjs"),
      `--work-dir=${workDir}`,
      `--port=${port}`,
      "--cpus=2",
      "--mem-mb=2048",
      "--disk-mb=4096",
      `--executor-command=${defaultExecutorCommand()} --preemption-wait-secs 1`,
      "--kill-grace-secs=5"
    ],
    { stdio: ["ignore", "pipe", "pipe"] }
  )
  return new Promise((resolve, reject) => {
    let err = ""
    child.stderr!.on("data", (d) => {
      err += String(d)
    })
    child.stdout!.on("data", (d) => {
      if (String(d).includes("serving")) resolve({ child, url: `http://127.0.0.1:${port}` })
    })
    child.once("exit", (code) => reject(new Error(`aurora-agent exited (${code}): ${err}`)))
  })
}

/** Best effort after a failure: SIGKILL whatever still runs in a sandbox under the agent's work dir. */
const killLeftovers = (dir: string, depth = 0) => {
  if (depth > 8 || !existsSync(dir)) return
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue
    const p = join(dir, e.name)
    if (e.name === "sandbox") for (const pid of containerProcesses(dir)) signal(pid, "SIGKILL")
    else killLeftovers(p, depth + 1)
  }
}

const quantile = (sorted: ReadonlyArray<number>, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]

const rounds = (agentUrl: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const log = yield* ReplicatedLog
      const scheduler = yield* startScheduler(
        log,
        MesosHttpClusterManager({
          master: agentUrl,
          executor: { command: `${defaultExecutorCommand()} --preemption-wait-secs 1` }
        }),
        {},
        { enableLegacyConstraints: false }
      )
      // Task state changes of the job being measured, in order.
      const changes = yield* Queue.unbounded<LifecycleEvent>()
      yield* Effect.forkScoped(Stream.runForEach(scheduler.events, (e) => Queue.offer(changes, e)))
      // When each state was published in the current round (ms after its createJob).
      let marks: Record<string, number> = {}
      let t0 = 0
      const waitFor = (name: string, done: (status: string) => boolean, what: string) =>
        Effect.gen(function* () {
          while (true) {
            const e = yield* Queue.take(changes)
            if (e._tag !== "TaskStateChange" || e.task.assignedTask.task.job.name !== name) continue
            marks[e.task.status] ??= performance.now() - t0
            if (done(e.task.status)) return e.task.status
          }
        }).pipe(
          Effect.timeoutFail({
            duration: STEP_TIMEOUT_MS,
            onTimeout: () => new Error(`${name}: not ${what} within ${STEP_TIMEOUT_MS} ms`)
          })
        )
      const latencies: Array<number> = []
      const phases: Array<Record<string, number>> = []
      // Round 0 warms up (the first executor start loads its bundle from a cold cache); not counted.
      for (let i = 0; i <= ROUNDS; i++) {
        const job = benchJob(template, i, 1)
        const name = job.key.name
        // Time the launch, not the wait for resources: start once an offer is held.
        const waitStart = performance.now()
        while ((yield* scheduler.offersHeld) === 0) {
          if (performance.now() - waitStart > OFFER_WAIT_MS)
            return yield* Effect.fail(new Error(`no offer from the agent within ${OFFER_WAIT_MS} ms`))
          yield* Effect.sleep("10 millis")
        }
        marks = {}
        t0 = performance.now()
        yield* scheduler.createJob(job)
        marks.accepted = performance.now() - t0
        const reached = yield* waitFor(
          name,
          (s) => s === "RUNNING" || TERMINAL_STATES.has(s as never),
          "RUNNING"
        )
        if (reached !== "RUNNING")
          return yield* Effect.fail(new Error(`${name} ended ${reached} before RUNNING`))
        if (i > 0) {
          latencies.push(performance.now() - t0)
          phases.push(marks)
        } else console.log(JSON.stringify({ warm_up_ms: Math.round(performance.now() - t0) }))
        const killed = yield* scheduler.client.killTasks({ job: job.key })
        if (killed.responseCode !== "OK")
          return yield* Effect.fail(new Error(`killTasks ${name}: ${killed.responseCode}`))
        yield* waitFor(name, (s) => TERMINAL_STATES.has(s as never), "KILLED")
      }
      return { latencies, phases }
    })
  ).pipe(Effect.provide(layerEmbedded(logDir)))

let agent: ChildProcess | undefined
try {
  await Effect.runPromise(Effect.scoped(Effect.flatMap(makeSqliteStore(logDir), (s) => s.initialize)))
  const started = await startAgent()
  agent = started.child
  const { latencies, phases } = await Effect.runPromise(rounds(started.url))
  const sorted = [...latencies].sort((a, b) => a - b)
  const ms = (x: number) => Math.round(x)
  const medianOf = (k: string) =>
    ms(
      quantile(
        [...phases.map((p) => p[k] ?? Number.NaN)].sort((a, b) => a - b),
        0.5
      )
    )
  console.log(JSON.stringify({ latencies_ms: latencies.map(ms) }))
  // Median time after createJob at which each step was published.
  const steps = Object.fromEntries(
    ["accepted", "PENDING", "ASSIGNED", "STARTING", "RUNNING"].map((k) => [`${k}_median_ms`, medianOf(k)])
  )
  console.log(JSON.stringify(steps))
  const p99 = quantile(sorted, 0.99)
  printResult(
    { bench: "launch", metric: "p99_ms_create_job_to_running", value: ms(p99), unit: "ms", baseline: 1000 },
    {
      better: "lower",
      rounds: ROUNDS,
      median_ms: ms(quantile(sorted, 0.5)),
      p90_ms: ms(quantile(sorted, 0.9)),
      min_ms: ms(sorted[0]),
      max_ms: ms(sorted[sorted.length - 1]),
      warm_up_rounds: 1,
      load_average_1m: Number(loadavg()[0].toFixed(2)),
      task: "one process, sleep 600 (thermos-executor on the local agent)"
    }
  )
} finally {
  if (agent && agent.exitCode === null) {
    const exited = new Promise((r) => agent!.once("exit", r))
    agent.kill("SIGTERM")
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
    if (agent.exitCode === null) agent.kill("SIGKILL")
  }
  killLeftovers(workDir)
  rmSync(root, { recursive: true, force: true })
}
