// npm run bench -- executor
// 1. Launch-to-first-process-running latency of the executor, in process: from handing it the task to
//    the moment the first process's command started (its RUNNING record), over many launches.
// 2. RSS of a real `thermos-executor` process while its task runs 10 processes.
// Targets (issue 5): median < 100 ms, RSS < 100 MB. The executor is started as users start it, through
// bin/thermos-executor.mjs (an esbuild bundle rebuilt when sources change).

import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { replay } from "../src/domain/thermos/checkpoint.ts"
import { taskPaths } from "../src/domain/thermos/paths.ts"
import { readCheckpoint } from "../src/layers/executor/checkpoint-file.ts"
import { startExecutor } from "../src/layers/executor/executor.ts"
import { ProcessSpawnerNode } from "../src/layers/process/node.ts"
import { makeCollectingReporter } from "../src/services/StatusReporter.ts"
import { printResult } from "./_result.ts"

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 40)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]
}

const firstStart = (root: string, taskId: string, count = 1): number | undefined => {
  const st = replay(readCheckpoint(taskPaths(root, taskId).runner))
  const starts = Object.values(st.processes)
    .map((runs) => runs[0]?.start_time)
    .filter((x): x is number => x !== undefined)
  return starts.length >= count ? Math.min(...starts) * 1000 : undefined
}

const launchLatency = async (dir: string, i: number): Promise<number> => {
  const reporter = makeCollectingReporter()
  const root = join(dir, `ck${i}`)
  const t0 = Date.now()
  const ex = await Effect.runPromise(
    startExecutor(
      {
        taskId: `bench-${i}`,
        executorData: { task: { name: "bench", processes: [{ name: "p", cmdline: "sleep 10" }] } }
      },
      { sandbox: join(dir, `sb${i}`), checkpointRoot: root, preemptionWaitMs: 0, pollMs: 20 }
    ).pipe(Effect.provide(Layer.merge(ProcessSpawnerNode, reporter.layer)))
  )
  let started = firstStart(root, `bench-${i}`)
  while (started === undefined) {
    await sleep(2)
    started = firstStart(root, `bench-${i}`)
  }
  await Effect.runPromise(Effect.zipRight(ex.kill(), ex.done))
  return started - t0
}

const rssWithTenProcesses = async (dir: string, entry: string, tag: string): Promise<number> => {
  const processes = Array.from({ length: 10 }, (_, k) => ({ name: `p${k}`, cmdline: "sleep 60" }))
  const child = spawn(
    process.execPath,
    [entry, "--sandbox", join(dir, tag, "sandbox"), "--preemption-wait-secs", "0"],
    {
      stdio: ["pipe", "ignore", "inherit"]
    }
  )
  child.stdin.write(
    `${JSON.stringify({ taskId: "rss-1", executorData: { task: { name: "rss", processes } } })}\n`
  )
  const root = join(dir, tag, "checkpoints")
  const end = Date.now() + 60_000
  while (firstStart(root, "rss-1", 10) === undefined && Date.now() < end) await sleep(50)
  // Steady state: the executor keeps polling its 10 processes; sample after it has settled.
  await sleep(5000)
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8")
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  child.stdin.write("kill\n")
  await new Promise((r) => child.once("exit", r))
  return kb / 1024
}

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-executor-"))
  try {
    await launchLatency(dir, -1) // warm-up
    const lat: Array<number> = []
    for (let i = 0; i < ITERATIONS; i++) lat.push(await launchLatency(dir, i))
    const median = quantile(lat, 0.5)
    const p99 = quantile(lat, 0.99)
    const rss = await rssWithTenProcesses(
      dir,
      join(import.meta.dirname, "..", "bin", "thermos-executor.mjs"),
      "rss"
    )
    console.log(
      `launch-to-first-process-running over ${ITERATIONS} launches: median ${median} ms, p99 ${p99} ms`
    )
    console.log(`thermos-executor RSS with 10 running processes: ${rss.toFixed(1)} MB`)
    printResult(
      {
        bench: "executor",
        metric: "launch_to_first_process_running_median",
        value: median,
        unit: "ms",
        baseline: 100
      },
      {
        p99_ms: p99,
        rss_mb: Number(rss.toFixed(1)),
        rss_baseline_mb: 100,
        rss_ratio: Number((rss / 100).toFixed(3)),
        iterations: ITERATIONS
      }
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main()
