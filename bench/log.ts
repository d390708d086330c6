// npm run bench -- log: three replica processes on loopback (SQLite, fsync on), 256-byte entries,
// 1/16/64 appends in flight; the same workload against a 3-member etcd (its /v3/kv/put HTTP gateway)
// when `etcd` is installed. Last line: throughput at 64 in flight and the ratio to etcd's.

import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort, startCluster } from "../src/layers/log/process-cluster.ts"
import { connectReplica } from "../src/layers/log/replica-client.ts"
import { printResult } from "./_result.ts"

const INFLIGHT = [1, 16, 64]
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4)
const WARMUP_SECONDS = 1
const ENTRY = new Uint8Array(256).fill(97)

interface Result {
  readonly inflight: number
  readonly appendsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly errors: number
}

const measure = async (inflight: number, op: () => Promise<unknown>, seconds = SECONDS): Promise<Result> => {
  const latencies: Array<number> = []
  let errors = 0
  const until = performance.now() + seconds * 1000
  const start = performance.now()
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (performance.now() < until) {
        const t = performance.now()
        try {
          await op()
          latencies.push(performance.now() - t)
        } catch {
          errors++
        }
      }
    })
  )
  const elapsed = (performance.now() - start) / 1000
  latencies.sort((a, b) => a - b)
  const q = (p: number) =>
    Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0).toFixed(2))
  return {
    inflight,
    appendsPerSec: Math.round(latencies.length / elapsed),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    errors
  }
}

/** The same warm-up for both systems: a second at the highest load, so JITs and caches are warm. */
const warmUp = (op: () => Promise<unknown>) => measure(INFLIGHT[INFLIGHT.length - 1], op, WARMUP_SECONDS)

const runOurs = async (): Promise<Array<Result>> => {
  const cluster = await startCluster(3)
  try {
    const client = await connectReplica(cluster.ports[0])
    for (let i = 0; i < 100; i++) await client.append([ENTRY]) // elect
    await warmUp(() => client.append([ENTRY]))
    const out: Array<Result> = []
    for (const n of INFLIGHT) {
      const r = await measure(n, () => client.append([ENTRY]))
      console.log(JSON.stringify({ system: "aurora-log", ...r }))
      out.push(r)
    }
    client.close()
    return out
  } finally {
    await cluster.close()
  }
}

const etcdBinary = (): string | undefined => {
  const r = spawnSync("sh", ["-c", "command -v etcd"], { encoding: "utf8" })
  return r.status === 0 ? r.stdout.trim() : undefined
}

const runEtcd = async (bin: string): Promise<Array<Result>> => {
  const root = mkdtempSync(join(tmpdir(), "bench-etcd-"))
  const procs: Array<ChildProcess> = []
  try {
    const ports = await Promise.all(
      [0, 1, 2].map(async () => ({ client: await freePort(), peer: await freePort() }))
    )
    const initial = ports.map((p, i) => `e${i}=http://127.0.0.1:${p.peer}`).join(",")
    ports.forEach((p, i) => {
      const child = spawn(
        bin,
        [
          `--name=e${i}`,
          `--data-dir=${join(root, `e${i}`)}`,
          `--listen-client-urls=http://127.0.0.1:${p.client}`,
          `--advertise-client-urls=http://127.0.0.1:${p.client}`,
          `--listen-peer-urls=http://127.0.0.1:${p.peer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${p.peer}`,
          `--initial-cluster=${initial}`,
          "--initial-cluster-state=new",
          "--initial-cluster-token=bench"
        ],
        { stdio: "ignore" }
      )
      procs.push(child)
    })
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
    const body = JSON.stringify({
      key: Buffer.from("bench").toString("base64"),
      value: Buffer.from(ENTRY).toString("base64")
    })
    let k = 0
    const put = () =>
      new Promise<void>((resolve, reject) => {
        const key = Buffer.from(`bench-${k++}`).toString("base64")
        const payload = body.replace(Buffer.from("bench").toString("base64"), key)
        const req = http.request(
          { host: "127.0.0.1", port: ports[0].client, path: "/v3/kv/put", method: "POST", agent },
          (res) => {
            res.resume()
            res.on("end", () =>
              res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))
            )
          }
        )
        req.on("error", reject)
        req.end(payload)
      })
    for (let i = 0; i < 200; i++) {
      try {
        await put()
        break
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    for (let i = 0; i < 100; i++) await put()
    await warmUp(put)
    const out: Array<Result> = []
    for (const n of INFLIGHT) {
      const r = await measure(n, put)
      console.log(JSON.stringify({ system: "etcd", ...r }))
      out.push(r)
    }
    agent.destroy()
    return out
  } finally {
    for (const p of procs) p.kill("SIGKILL")
    await new Promise((r) => setTimeout(r, 200))
    rmSync(root, { recursive: true, force: true })
  }
}

const ours = await runOurs()
const bin = etcdBinary()
let etcd: Array<Result> | undefined
if (bin) etcd = await runEtcd(bin)
else console.log("etcd: skipped, no `etcd` binary on PATH (apt-get install etcd-server to compare)")
const at = (rs: Array<Result> | undefined, n: number) => rs?.find((r) => r.inflight === n)
const value = at(ours, 64)!.appendsPerSec
const baseline = at(etcd, 64)?.appendsPerSec ?? null
printResult(
  { bench: "log", metric: "appends_per_sec_at_64_in_flight", value, unit: "appends/s", baseline },
  {
    p50_ms_at_1: at(ours, 1)!.p50Ms,
    etcd_p50_ms_at_1: at(etcd, 1)?.p50Ms ?? null,
    entry_bytes: ENTRY.length,
    warmup_seconds: WARMUP_SECONDS,
    seconds_per_point: SECONDS
  }
)
