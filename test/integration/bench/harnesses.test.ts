// The scheduler benchmarks' harnesses at a tiny scale, through `npm run bench`'s runner: they start,
// verify what they measured (each checks its own counts and fails otherwise), clean up, and end with
// their result line. No timing is asserted.
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { describe, expect, it } from "vitest"
import { sourcePath } from "../../../src/sourcePath.ts"

const runBench = (name: string, args: ReadonlyArray<string>) => {
  const before = new Set(readdirSync(tmpdir()))
  const r = spawnSync(process.execPath, [sourcePath("../bin/bench.mjs"), name, ...args], {
    encoding: "utf8",
    timeout: 110_000
  })
  if (r.status !== 0)
    throw new Error(`bench ${name} exited ${r.status ?? r.signal}:\n${r.stderr.slice(-2000)}`)
  const lines = r.stdout.trim().split("\n")
  const result = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>
  const left = readdirSync(tmpdir()).filter((f) => !before.has(f) && f.startsWith("bench-"))
  return { result, left }
}

describe("scheduler benchmark harnesses at tiny scale", () => {
  it("memory: inserts through the StateManager, recovers, reports RSS", { timeout: 120_000 }, () => {
    const { result, left } = runBench("memory", ["--jobs=2", "--instances=10"])
    expect(result).toMatchObject({ bench: "memory", unit: "MB", baseline: 500, tasks: 20 })
    expect(result.value).toBeGreaterThan(0)
    expect(left).toEqual([])
  })

  it("e2e: three replicas, simulated agents, every task ASSIGNED and recovered on replica 1", {
    timeout: 120_000
  }, () => {
    const { result, left } = runBench("e2e", ["--jobs=2", "--instances=10", "--agents=20"])
    expect(result).toMatchObject({ bench: "e2e", unit: "tasks/s", tasks: 20 })
    expect(result.verified_on_replica_1).toMatch(/^20 assigned tasks/)
    expect(left).toEqual([])
  })

  it("launch: createJob to RUNNING on the local agent, killed after", { timeout: 120_000 }, () => {
    const { result, left } = runBench("launch", ["--rounds=1"])
    expect(result).toMatchObject({ bench: "launch", unit: "ms", rounds: 1 })
    expect(result.value).toBeGreaterThan(0)
    expect(left).toEqual([])
  })
})
