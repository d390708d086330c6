// Starts replica-server processes on loopback (integration tests and benchmarks): kill -9, restart, wipe.

import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { sourcePath } from "../../sourcePath.ts"
import { makeSqliteStore } from "./sqlite-store.ts"

const SERVER = sourcePath("layers/log/replica-server.ts")

/** A port the OS just handed out (listen on 0), for a process that must be restarted on the same one. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })

export interface ProcessCluster {
  readonly ports: ReadonlyArray<number>
  readonly dirs: ReadonlyArray<string>
  start(id: number): Promise<void>
  /** kill -9 */
  kill(id: number): Promise<void>
  /** SIGTERM: a clean exit. */
  stop(id: number): Promise<void>
  /** Deletes a stopped replica's files. */
  wipe(id: number): void
  close(): Promise<void>
}

export const startCluster = async (
  size: number,
  opts: {
    readonly initialize?: boolean
    readonly writeTimeoutMs?: number
    /** One for all replicas or one per replica (default "main"). */
    readonly storeThread?: "worker" | "main" | ReadonlyArray<"worker" | "main">
    /**
     * Members the caller runs in its own process (layerTcp on `ports[id]`, `dirs[id]`), as a scheduler
     * hosts its replica: initialized, but never spawned, killed or stopped here.
     */
    readonly inProcess?: ReadonlyArray<number>
  } = {}
): Promise<ProcessCluster> => {
  const root = mkdtempSync(join(tmpdir(), "aurora-log-cluster-"))
  const ports: Array<number> = []
  for (let i = 0; i < size; i++) ports.push(await freePort())
  const dirs = ports.map((_, i) => join(root, `replica${i}`))
  if (opts.initialize ?? true)
    for (const d of dirs)
      await Effect.runPromise(Effect.scoped(Effect.flatMap(makeSqliteStore(d), (s) => s.initialize)))
  const procs: Array<ChildProcess | undefined> = ports.map(() => undefined)
  const members = Object.fromEntries(ports.map((p, i) => [String(i), p]))
  const spawned = (id: number) => !(opts.inProcess ?? []).includes(id)
  const start = (id: number) =>
    new Promise<void>((resolve, reject) => {
      if (!spawned(id)) return reject(new Error(`member ${id} runs in the caller's process`))
      const options = {
        id,
        path: dirs[id],
        quorum: Math.floor(size / 2) + 1,
        members,
        writeTimeoutMs: opts.writeTimeoutMs ?? 10_000,
        storeThread:
          typeof opts.storeThread === "object" ? opts.storeThread[id] : (opts.storeThread ?? "main")
      }
      // REPLICA_NODE_ARGS passes extra node flags to replicas (e.g. --cpu-prof when profiling).
      const extra = process.env.REPLICA_NODE_ARGS?.split(" ").filter((a) => a !== "") ?? []
      const child = spawn(process.execPath, [...extra, "--import", "tsx", SERVER, JSON.stringify(options)], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      procs[id] = child
      let out = ""
      let err = ""
      child.stderr!.on("data", (d) => {
        err += String(d)
      })
      child.stdout!.on("data", (d) => {
        out += String(d)
        if (out.includes("READY")) resolve()
      })
      child.once("exit", (code) => reject(new Error(`replica ${id} exited (${code}) before READY: ${err}`)))
    })
  const signal = (id: number, sig: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      const p = procs[id]
      procs[id] = undefined
      if (!p || p.exitCode !== null || p.signalCode !== null) return resolve()
      p.once("exit", () => resolve())
      p.kill(sig)
    })
  const kill = (id: number) => signal(id, "SIGKILL")
  await Promise.all(ports.flatMap((_, i) => (spawned(i) ? [start(i)] : [])))
  return {
    ports,
    dirs,
    start,
    kill,
    stop: (id) => signal(id, "SIGTERM"),
    wipe: (id) => rmSync(dirs[id], { recursive: true, force: true }),
    close: async () => {
      await Promise.all(ports.map((_, i) => kill(i)))
      rmSync(root, { recursive: true, force: true })
    }
  }
}
