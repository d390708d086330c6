/**
 * thermos-executor: runs one Aurora task on this machine.
 *
 * Protocol with the launcher (the scheduler's local agent, or a test):
 *  - The task comes from `--task-file PATH`, or else as the FIRST LINE of stdin: one JSON object
 *    `{"taskId", "instanceId", "hostname", "assignedPorts": {name: port}, "executorData": <JSON string
 *    or object of client-config.md §4.4>}`; an AssignedTask with `task.executorConfig.data` and
 *    `slaveHost` is accepted as well.
 *  - Every status update is written to stdout as one JSON line:
 *    `{"taskId","state":"TASK_STARTING|TASK_RUNNING|TASK_FINISHED|TASK_FAILED|TASK_KILLED|TASK_LOST",
 *      "message","timestamp"}`. Nothing else goes to stdout (logs go to stderr).
 *  - Later stdin lines are commands: `kill` (or `{"kill":true}`) starts the kill escalation.
 *    SIGTERM and SIGINT do the same.
 *  - The process exits 0 right after sending the terminal update (FINISHED/FAILED/KILLED/LOST).
 */
import { readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { createInterface } from "node:readline"
import { Effect, Layer, Logger } from "effect"
import { startExecutor } from "../../layers/executor/executor.ts"
import { ProcessSpawnerNode } from "../../layers/process/node.ts"
import { StatusReporterJsonLines } from "../../services/StatusReporter.ts"

// Flags are parsed by hand: this program stays lean (no CLI framework) because it runs once per task.
const USAGE = `Usage: thermos-executor [--task-file PATH] [--sandbox DIR] [--checkpoint-root DIR]
                        [--preemption-wait-secs N] [--hostname NAME]
Runs one Thermos task and reports its status as JSON lines on stdout.
  --task-file PATH          launch JSON (default: the first line of stdin)
  --sandbox DIR             task sandbox (default $MESOS_DIRECTORY/sandbox, else ./sandbox)
  --checkpoint-root DIR     checkpoint root (default <sandbox>/../checkpoints)
  --preemption-wait-secs N  budget for SIGTERM and finalizers on kill (default 60)
  --hostname NAME           host name of this agent
`

const FLAGS = ["task-file", "sandbox", "checkpoint-root", "preemption-wait-secs", "hostname"] as const
type Flag = (typeof FLAGS)[number]

const parseArgs = (argv: ReadonlyArray<string>): Partial<Record<Flag, string>> | string => {
  const out: Partial<Record<Flag, string>> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === "--help" || a === "-h") return USAGE
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a)
    const name = m?.[1] as Flag | undefined
    if (m === null || name === undefined || !FLAGS.includes(name))
      return `thermos-executor: unknown argument ${a}\n${USAGE}`
    const value = m[2] ?? argv[++i]
    if (value === undefined) return `thermos-executor: --${name} needs a value`
    out[name] = value
  }
  const wait = out["preemption-wait-secs"]
  if (wait !== undefined && !(Number(wait) >= 0))
    return `thermos-executor: --preemption-wait-secs must be a number >= 0`
  return out
}

const main = async () => {
  const args = parseArgs(process.argv.slice(2))
  if (typeof args === "string") {
    process.stderr.write(args.endsWith("\n") ? args : `${args}\n`)
    process.exit(args === USAGE ? 0 : 2)
  }
  const lines = createInterface({ input: process.stdin, terminal: false })
  const iterator = lines[Symbol.asyncIterator]()
  // Like the Aurora executor, give up when no task arrives within 10 s.
  const firstLine = () =>
    Promise.race([
      iterator.next().then((r) => (r.done ? "" : r.value)),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000).unref())
    ])
  const raw = args["task-file"] !== undefined ? readFileSync(args["task-file"], "utf8") : await firstLine()
  if (raw === undefined) {
    process.stderr.write("thermos-executor: no task received within 10 s\n")
    process.exit(1)
  }
  let launch: unknown
  try {
    launch = JSON.parse(raw)
  } catch {
    launch = null
  }
  const sandbox = resolve(
    args.sandbox ?? (process.env.MESOS_DIRECTORY ? join(process.env.MESOS_DIRECTORY, "sandbox") : "sandbox")
  )
  const layer = Layer.mergeAll(
    ProcessSpawnerNode,
    StatusReporterJsonLines((l) => process.stdout.write(l)),
    Logger.replace(
      Logger.defaultLogger,
      Logger.map(Logger.logfmtLogger, (line) => process.stderr.write(`${line}\n`))
    )
  )
  const run = <A>(e: Effect.Effect<A, never, never>) => Effect.runPromise(e)
  // Kill requests are taken from the start: one that arrives while the task is being set up is
  // carried out as soon as the executor exists, instead of SIGTERM ending this process outright.
  let killRequested = false
  let kill: () => void = () => {
    killRequested = true
  }
  process.on("SIGTERM", () => kill())
  process.on("SIGINT", () => kill())
  void (async () => {
    for await (const line of { [Symbol.asyncIterator]: () => iterator }) {
      const cmd = line.trim()
      if (cmd === "kill" || cmd === '{"kill":true}') kill()
    }
  })()
  const ex = await run(
    startExecutor(launch, {
      sandbox,
      checkpointRoot: resolve(args["checkpoint-root"] ?? join(dirname(sandbox), "checkpoints")),
      preemptionWaitMs: Number(args["preemption-wait-secs"] ?? 60) * 1000,
      hostname: args.hostname
    }).pipe(Effect.provide(layer))
  )
  kill = () => void run(ex.kill())
  if (killRequested) kill()
  await run(ex.done)
  lines.close()
  process.exit(0)
}

main().catch((e) => {
  process.stderr.write(`thermos-executor: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
