// Starts and stops a real ZooKeeper ensemble (1 or 3 servers) on loopback for tests.
//
//   const zk = await startZooKeeper({ servers: 3 })
//   ... zk.connectString ... await zk.kill(0, "SIGKILL") ...
//   await zk.stop()        // in afterAll: kills every server and removes the temp dirs
//
// Tests that need it should use `describe.skipIf(!zooKeeperAvailable.ok)` and print
// `zooKeeperAvailable.reason` (see `warnIfZooKeeperMissing`).

import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs"
import { createServer, connect as netConnect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

const ZK_JAR = "/usr/share/java/zookeeper.jar"
const CLASSPATH = ["/etc/zookeeper/conf", ZK_JAR, "/usr/share/java/slf4j-simple.jar"].join(":")

const checkAvailable = (): { ok: boolean; reason: string } => {
  if (!existsSync(ZK_JAR)) return { ok: false, reason: `${ZK_JAR} is missing (apt-get install zookeeper)` }
  const java = spawnSync("java", ["-version"], { stdio: "ignore" })
  if (java.error !== undefined || java.status !== 0) return { ok: false, reason: "no `java` on PATH" }
  return { ok: true, reason: "" }
}

export const zooKeeperAvailable = checkAvailable()

export const warnIfZooKeeperMissing = (suite: string): void => {
  if (!zooKeeperAvailable.ok) console.warn(`SKIPPED ${suite}: ${zooKeeperAvailable.reason}`)
}

/** A free loopback port (bound then released; the small race is acceptable in tests). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export interface ZooKeeperServer {
  readonly id: number
  readonly clientPort: number
  readonly dir: string
  process: ChildProcess | undefined
}

export interface ZooKeeperEnsemble {
  /** `127.0.0.1:p1,127.0.0.1:p2,...` */
  readonly connectString: string
  readonly servers: ReadonlyArray<ZooKeeperServer>
  /** Signals one server (index into `servers`) and waits for it to exit. */
  readonly kill: (index: number, signal?: NodeJS.Signals) => Promise<void>
  /** Restarts a killed server with the same data and ports. */
  readonly restart: (index: number) => Promise<void>
  /** Kills every server and removes the temp dirs. Idempotent. */
  readonly stop: () => Promise<void>
}

/** Sends a four-letter command and returns the reply ("" when the server does not answer). */
export const fourLetter = (port: number, command: string, timeoutMs = 1000): Promise<string> =>
  new Promise((resolve) => {
    let reply = ""
    const socket = netConnect(port, "127.0.0.1", () => socket.write(command))
    const done = () => {
      socket.destroy()
      resolve(reply)
    }
    socket.setTimeout(timeoutMs, done)
    socket.on("data", (d) => {
      reply += d.toString()
    })
    socket.on("end", done)
    socket.on("error", done)
  })

const isServing = async (port: number): Promise<boolean> =>
  /Mode: (standalone|leader|follower)/.test(await fourLetter(port, "srvr"))

const running = new Set<ChildProcess>()
process.once("exit", () => {
  for (const p of running) p.kill("SIGKILL")
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const startZooKeeper = async (
  options: { servers?: 1 | 3; tickTimeMs?: number; startTimeoutMs?: number } = {}
): Promise<ZooKeeperEnsemble> => {
  if (!zooKeeperAvailable.ok) throw new Error(`ZooKeeper unavailable: ${zooKeeperAvailable.reason}`)
  const count = options.servers ?? 1
  const tick = options.tickTimeMs ?? 200
  const root = mkdtempSync(join(tmpdir(), "zk-test-"))
  const ports: Array<{ client: number; quorum: number; election: number }> = []
  for (let i = 0; i < count; i++) {
    ports.push({ client: await freePort(), quorum: await freePort(), election: await freePort() })
  }
  const servers: Array<ZooKeeperServer> = ports.map((p, i) => ({
    id: i + 1,
    clientPort: p.client,
    dir: join(root, `server${i + 1}`),
    process: undefined
  }))
  for (const s of servers) {
    const dataDir = join(s.dir, "data")
    mkdirSync(dataDir, { recursive: true })
    if (count > 1) writeFileSync(join(dataDir, "myid"), `${s.id}\n`)
    const lines = [
      `tickTime=${tick}`,
      "initLimit=25",
      "syncLimit=10",
      `dataDir=${dataDir}`,
      `clientPort=${s.clientPort}`,
      "clientPortAddress=127.0.0.1",
      "admin.enableServer=false",
      `minSessionTimeout=${2 * tick}`,
      "maxSessionTimeout=60000",
      "4lw.commands.whitelist=srvr,ruok,mntr,cons",
      "forceSync=no",
      "preAllocSize=1024",
      "maxClientCnxns=0"
    ]
    if (count > 1) {
      lines.push("reconfigEnabled=false", "standaloneEnabled=false")
      for (const [j, p] of ports.entries()) lines.push(`server.${j + 1}=127.0.0.1:${p.quorum}:${p.election}`)
    }
    writeFileSync(join(s.dir, "zoo.cfg"), `${lines.join("\n")}\n`)
  }

  const launch = (s: ZooKeeperServer) => {
    const log = openSync(join(s.dir, "server.log"), "a")
    const child = spawn(
      "java",
      [
        "-Xms16m",
        "-Xmx128m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-Dzookeeper.admin.enableServer=false",
        "-cp",
        CLASSPATH,
        "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        join(s.dir, "zoo.cfg")
      ],
      { stdio: ["ignore", log, log] }
    )
    running.add(child)
    child.once("exit", () => running.delete(child))
    s.process = child
  }

  const awaitServing = async (subset: ReadonlyArray<ZooKeeperServer>) => {
    const deadline = Date.now() + (options.startTimeoutMs ?? 45_000)
    for (;;) {
      const states = await Promise.all(subset.map((s) => isServing(s.clientPort)))
      if (states.every(Boolean)) return
      if (Date.now() > deadline) {
        throw new Error(`ZooKeeper did not start within the timeout; logs under ${root}`)
      }
      await sleep(150)
    }
  }

  const kill = async (index: number, signal: NodeJS.Signals = "SIGKILL") => {
    const child = servers[index].process
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((r) => child.once("exit", () => r()))
    child.kill(signal)
    await exited
    servers[index].process = undefined
  }

  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await Promise.all(servers.map((_, i) => kill(i, "SIGKILL")))
    rmSync(root, { recursive: true, force: true })
  }

  try {
    for (const s of servers) launch(s)
    await awaitServing(servers)
  } catch (e) {
    await Promise.all(servers.map((_, i) => kill(i, "SIGKILL")))
    throw e
  }

  return {
    connectString: servers.map((s) => `127.0.0.1:${s.clientPort}`).join(","),
    servers,
    kill,
    restart: async (index) => {
      launch(servers[index])
      await awaitServing([servers[index]])
    },
    stop
  }
}
