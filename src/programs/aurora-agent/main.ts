/**
 * aurora-agent: the embedded default agent as its own program. Serves the Mesos v1 scheduler API on
 * 127.0.0.1 (one agent acting as its own master), offers this machine's resources, and runs one
 * `thermos-executor` per task with sandboxes under --work-dir laid out like a Mesos agent's.
 */
import { hostname } from "node:os"
import { resolve } from "node:path"
import { defaultExecutorCommand, LocalAgent } from "../../layers/cluster/localAgent/index.ts"

const USAGE = `Usage: aurora-agent --work-dir DIR [--port N] [--ip 127.0.0.1] [--hostname NAME] [--rack NAME]
                    [--cpus N] [--mem-mb N] [--disk-mb N] [--ports LO-HI] [--attribute NAME=VALUE]...
                    [--heartbeat-secs N] [--executor-command CMD] [--kill-grace-secs N]
                    [--kill-tasks-on-exit true|false]
Serves the Mesos v1 scheduler API for this machine (POST /api/v1/scheduler).
  --work-dir DIR          sandboxes, checkpoints and agent state (required)
  --port N                port to listen on (default 5051; 0 picks a free one)
  --cpus/--mem-mb/--disk-mb  resources offered (default 4 / 4096 / 10240)
  --ports LO-HI           port range offered (default 31000-32000)
  --attribute NAME=VALUE  extra offer attribute (host=<hostname> and rack=<rack> are always there)
  --kill-tasks-on-exit    stop the tasks too when the agent stops (default false: executors keep
                          running and a restarted agent follows them again, as a Mesos agent does)
`

type Parsed = Record<string, Array<string>>
const FLAGS = new Set([
  "work-dir",
  "port",
  "ip",
  "hostname",
  "rack",
  "cpus",
  "mem-mb",
  "disk-mb",
  "ports",
  "attribute",
  "heartbeat-secs",
  "executor-command",
  "kill-grace-secs",
  "kill-tasks-on-exit"
])

const fail = (message: string): never => {
  process.stderr.write(`aurora-agent: ${message}\n`)
  process.exit(2)
}

const parse = (argv: ReadonlyArray<string>): Parsed => {
  const out: Parsed = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE)
      process.exit(0)
    }
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a)
    const name = m?.[1]
    if (m === null || name === undefined || !FLAGS.has(name)) return fail(`unknown argument ${a}\n${USAGE}`)
    const value = m[2] ?? argv[++i] ?? fail(`--${name} needs a value`)
    const list = out[name] ?? []
    list.push(value)
    out[name] = list
  }
  return out
}

const num = (p: Parsed, name: string, fallback: number, min = 0): number => {
  const raw = p[name]?.at(-1)
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min) fail(`--${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`)
  return n
}

const main = async () => {
  const p = parse(process.argv.slice(2))
  const workDir = p["work-dir"]?.at(-1) ?? fail(`--work-dir is required\n${USAGE}`)
  const range = p.ports?.at(-1) ?? "31000-32000"
  const rm = /^(\d+)-(\d+)$/.exec(range)
  if (rm === null || Number(rm[1]) > Number(rm[2]) || Number(rm[2]) > 65535)
    fail(`--ports must look like 31000-32000, got ${JSON.stringify(range)}`)
  const attributes: Record<string, string> = { rack: p.rack?.at(-1) ?? "rack-1" }
  for (const a of p.attribute ?? []) {
    const i = a.indexOf("=")
    if (i <= 0) fail(`--attribute must look like NAME=VALUE, got ${JSON.stringify(a)}`)
    attributes[a.slice(0, i)] = a.slice(i + 1)
  }
  const agent = new LocalAgent({
    workDir: resolve(workDir),
    port: num(p, "port", 5051),
    host: p.ip?.at(-1) ?? "127.0.0.1",
    hostname: p.hostname?.at(-1) ?? hostname(),
    cpus: num(p, "cpus", 4),
    memMb: num(p, "mem-mb", 4096),
    diskMb: num(p, "disk-mb", 10_240),
    ports: [Number(rm![1]), Number(rm![2])],
    attributes,
    heartbeatSeconds: num(p, "heartbeat-secs", 15, 0.01),
    killGraceSeconds: num(p, "kill-grace-secs", 90),
    executorCommand: p["executor-command"]?.at(-1) ?? defaultExecutorCommand()
  })
  try {
    await agent.start()
  } catch (e) {
    fail(`cannot listen: ${e instanceof Error ? e.message : String(e)}`)
  }
  process.stdout.write(
    `aurora-agent ${agent.agentId} serving ${agent.url}/api/v1/scheduler (work dir ${resolve(workDir)})\n`
  )
  // Executors keep running across an agent restart; a new agent process picks them up from the state file.
  const killOnExit = p["kill-tasks-on-exit"]?.at(-1) === "true"
  const stop = () =>
    void (killOnExit ? agent.killAll() : Promise.resolve())
      .then(() => agent.stop())
      .then(() => process.exit(0))
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
}

void main()
