import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { type ProcessCluster, startCluster } from "../../../src/layers/log/process-cluster.ts"
import { connectReplica, type ReplicaClient } from "../../../src/layers/log/replica-client.ts"

const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array) => new TextDecoder().decode(b)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let cluster: ProcessCluster | undefined
afterAll(async () => {
  await cluster?.close()
})

/** Appends `count` entries, `window` at a time, retrying until the member leads; returns what was acknowledged. */
const appendMany = async (
  client: () => ReplicaClient,
  tag: string,
  count: number,
  acked: Map<string, number>,
  during?: { at: number; action: () => Promise<void> }
) => {
  let n = 0
  let fired = false
  while (n < count) {
    const batch = Array.from({ length: 8 }, (_, i) => `${tag}-${n + i}`)
    n += batch.length
    if (during && !fired && n >= during.at) {
      fired = true
      void during.action() // kill while these appends are in flight
    }
    await Promise.all(
      batch.map((v) =>
        client()
          .append([enc(v)])
          .then(([p]) => {
            acked.set(v, p)
          })
          .catch(() => {})
      )
    )
  }
}

const waitFor = async (what: string, check: () => Promise<boolean>) => {
  for (let i = 0; i < 300; i++) {
    if (await check().catch(() => false)) return
    await sleep(50)
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe("three replica processes on loopback", () => {
  it("survives kill -9 of followers and of the writer, and a replica whose files were deleted catches up and votes", async () => {
    // Replica 2 (killed, wiped, recovered) keeps its SQLite file on a worker thread: both stores run here.
    cluster = await startCluster(3, { storeThread: ["main", "main", "worker"] })
    const c = cluster
    const acked = new Map<string, number>()
    let writer = await connectReplica(c.ports[0])

    await appendMany(() => writer, "a", 48, acked, { at: 24, action: () => c.kill(2) })
    await c.start(2)
    await appendMany(() => writer, "b", 48, acked, { at: 24, action: () => c.kill(0) })
    // The writer died: lead from replica 1 instead.
    writer.close()
    writer = await connectReplica(c.ports[1])
    await waitFor("replica 1 to lead", async () => (await writer.append([enc("probe")])).length === 1)
    await appendMany(() => writer, "c", 48, acked)
    await c.start(0)

    // Replica 2 loses its disk, comes back EMPTY, recovers from the others and votes again.
    await c.kill(2)
    c.wipe(2)
    await c.start(2)
    const r2 = await connectReplica(c.ports[2])
    await waitFor("replica 2 to vote again", async () => (await r2.status()).status === "VOTING")
    // With replica 0 down, every append needs replica 2's vote.
    await c.kill(0)
    await waitFor("an append acknowledged by replicas 1 and 2", async () => {
      const [p] = await writer.append([enc("needs-r2")])
      acked.set("needs-r2", p)
      return true
    })

    // Everything restarts; the restarted replica 0 leads and reads back every acknowledged entry.
    await c.kill(1)
    await c.kill(2)
    await Promise.all([c.start(0), c.start(1), c.start(2)])
    writer.close()
    r2.close()
    const reader = await connectReplica(c.ports[0])
    let last = 0
    await waitFor("replica 0 to lead again", async () => {
      ;[last] = await reader.append([enc("final")])
      return true
    })
    await waitFor("replica 0 to learn everything", async () => (await reader.status()).end >= last)
    const entries = await reader.read(1, last)
    const byValue = new Map(entries.map((e) => [dec(e.data), e.position]))
    expect(acked.size).toBeGreaterThan(100)
    for (const [v, p] of acked) expect(byValue.get(v), v).toBe(p)
    const positions = entries.map((e) => e.position)
    expect(positions).toEqual([...positions].sort((a, b) => a - b))
    reader.close()
  }, 120_000)

  it("`aurora-scheduler log initialize` initializes a directory once and refuses bad input clearly", () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-init-"))
    try {
      const run = (...args: Array<string>) =>
        spawnSync(process.execPath, ["bin/aurora-scheduler.mjs", "log", "initialize", ...args], {
          encoding: "utf8"
        })
      const first = run("--path", join(dir, "r"))
      expect(first.status).toBe(0)
      expect(first.stdout).toMatch(/initialized replica in .*\(VOTING\)/)
      expect(run("--path", join(dir, "r")).stdout).toMatch(/already initialized/)
      const missing = run()
      expect(missing.status).not.toBe(0)
      expect(missing.stdout + missing.stderr).toMatch(/--path/)
      expect(missing.stdout + missing.stderr).not.toMatch(/at .*\.ts:\d+/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
