// The one-machine cluster's processes: each runs from its bin/ launcher with its output in a log file
// under the data directory; the scope stops them (SIGTERM, then SIGKILL after a grace period).
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { closeSync, mkdirSync, openSync } from "node:fs"
import { homedir } from "node:os"
import { join, resolve } from "node:path"
import { Console, Effect, Schedule, Schema } from "effect"
import { sourcePath } from "../../sourcePath.ts"

export class DevClusterFailed extends Schema.TaggedError<DevClusterFailed>()("DevClusterFailed", {
  message: Schema.String
}) {}

export interface DevClusterPaths {
  readonly root: string
  readonly agent: string
  readonly log: string
  readonly backups: string
  readonly logs: string
}

/** `--data-dir`, else $AURORA_DEVCLUSTER_DIR, else ~/.aurora/devcluster (where the client looks too). */
export const devClusterPaths = (dataDir?: string): DevClusterPaths => {
  const root = resolve(
    dataDir ?? process.env.AURORA_DEVCLUSTER_DIR ?? join(homedir(), ".aurora", "devcluster")
  )
  return {
    root,
    agent: join(root, "agent"),
    log: join(root, "log"),
    backups: join(root, "backups"),
    logs: join(root, "logs")
  }
}

export interface DevCluster {
  readonly paths: DevClusterPaths
  readonly httpPort: number
  readonly observerPort: number
  readonly agentPort: number
  /** Agents on this machine: the first is this host, the others 127.0.0.2, 127.0.0.3 ... */
  readonly agents: number
  readonly cpus: number
  readonly memMb: number
  readonly diskMb: number
}

const launcher = (name: string) => sourcePath(`../bin/${name}.mjs`)
const STOP_GRACE_MS = 10_000

const exited = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

/** Starts `bin/<name>.mjs args` with stdout and stderr appended to logs/<label>.log; stopped with the scope. */
const startProcess = (paths: DevClusterPaths, label: string, name: string, args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const logFile = join(paths.logs, `${label}.log`)
      const fd = openSync(logFile, "a")
      const child = spawn(process.execPath, [launcher(name), ...args], {
        stdio: ["ignore", fd, fd],
        env: { ...process.env, AURORA_DEVCLUSTER_DIR: paths.root }
      })
      closeSync(fd)
      return { child, label, logFile }
    }),
    ({ child }) =>
      Effect.gen(function* () {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill("SIGTERM")
        yield* exited(child).pipe(
          Effect.timeoutTo({
            duration: STOP_GRACE_MS,
            onTimeout: () => child.kill("SIGKILL"),
            onSuccess: () => true
          }),
          Effect.asVoid
        )
        yield* exited(child)
      })
  )

/** Fails as soon as a process exits on its own, naming its log. */
const watch = (p: { child: ChildProcess; label: string; logFile: string }) =>
  exited(p.child).pipe(
    Effect.flatMap(() =>
      Effect.fail(
        new DevClusterFailed({
          message: `the ${p.label} exited (code ${p.child.exitCode ?? p.child.signalCode}); see ${p.logFile}`
        })
      )
    )
  )

const httpOk = (url: string) =>
  Effect.tryPromise({
    try: () => fetch(url, { signal: AbortSignal.timeout(2000) }),
    catch: () => "unreachable" as const
  }).pipe(
    Effect.filterOrFail(
      (r) => r.ok,
      () => "not ready" as const
    )
  )

const awaitHttp = (url: string, what: string) =>
  httpOk(url).pipe(
    Effect.retry(Schedule.spaced("250 millis").pipe(Schedule.upTo("120 seconds"))),
    Effect.mapError(
      () => new DevClusterFailed({ message: `${what} did not answer at ${url} within 2 minutes` })
    )
  )

const initializeLog = (paths: DevClusterPaths) =>
  Effect.try({
    try: () =>
      spawnSync(process.execPath, [launcher("aurora-scheduler"), "log", "initialize", "--path", paths.log], {
        encoding: "utf8"
      }),
    catch: (e) => new DevClusterFailed({ message: `could not initialize the log: ${String(e)}` })
  }).pipe(
    Effect.filterOrFail(
      (r) => r.status === 0,
      (r) =>
        new DevClusterFailed({ message: `could not initialize the log in ${paths.log}: ${r.stderr.trim()}` })
    )
  )

export const runDevCluster = (c: DevCluster) =>
  Effect.scoped(
    Effect.gen(function* () {
      const { paths } = c
      for (const dir of [paths.root, paths.agent, paths.backups, paths.logs])
        mkdirSync(dir, { recursive: true })
      yield* Console.log(`Data directory: ${paths.root}`)
      yield* initializeLog(paths)
      const agentUrls = Array.from({ length: c.agents }, (_, i) => `http://127.0.0.1:${c.agentPort + i}`)
      const schedulerUrl = `http://127.0.0.1:${c.httpPort}`
      const observerUrl = `http://127.0.0.1:${c.observerPort}`
      const agents = []
      for (let i = 0; i < c.agents; i++)
        agents.push(
          yield* startProcess(paths, i === 0 ? "agent" : `agent${i + 1}`, "aurora-agent", [
            `--work-dir=${i === 0 ? paths.agent : `${paths.agent}${i + 1}`}`,
            `--port=${c.agentPort + i}`,
            "--kill-tasks-on-exit=true",
            ...(i === 0 ? [] : [`--hostname=127.0.0.${i + 1}`, `--rack=rack-${i + 1}`]),
            `--ports=${31000 + i * 1000}-${31999 + i * 1000}`,
            `--cpus=${c.cpus}`,
            `--mem-mb=${c.memMb}`,
            `--disk-mb=${c.diskMb}`
          ])
        )
      const scheduler = yield* startProcess(paths, "scheduler", "aurora-scheduler", [
        "run",
        "--cluster_name=devcluster",
        `--http_port=${c.httpPort}`,
        "--ip=127.0.0.1",
        "--hostname=127.0.0.1",
        `--native_log_file_path=${paths.log}`,
        `--backup_dir=${paths.backups}`,
        `--mesos_master_address=${agentUrls.join(",")}`,
        "--enable_legacy_constraints=false"
      ])
      const observer = yield* startProcess(paths, "observer", "thermos", [
        "observe",
        `--mesos-root=${paths.agent}`,
        "--ip=127.0.0.1",
        `--port=${c.observerPort}`
      ])
      const anyExit = Effect.raceAll([...agents.map(watch), watch(scheduler), watch(observer)])
      yield* Console.log("Starting the local agent, the scheduler and the observer ...")
      yield* Effect.raceFirst(
        Effect.all([
          awaitHttp(`${schedulerUrl}/leaderhealth`, "the scheduler"),
          awaitHttp(`${observerUrl}/`, "the observer")
        ]),
        anyExit
      )
      yield* Console.log(
        [
          "",
          "Aurora devcluster is up.",
          `  Scheduler (web UI, API): ${schedulerUrl}/scheduler`,
          `  Thermos observer:        ${observerUrl}`,
          `  Local agent${c.agents > 1 ? "s" : ""}:${c.agents > 1 ? "            " : "             "}${agentUrls.join(", ")}  (sandboxes under ${paths.agent})`,
          `  Logs:                    ${paths.logs}`,
          "",
          "Try the tutorial's first job (the client knows this cluster as 'devcluster'):",
          "  npx aurora job create devcluster/www-data/devel/hello_world examples/hello_world.aurora",
          "  npx aurora job status devcluster/www-data/devel/hello_world",
          "",
          "Press Ctrl-C to stop everything; starting again recovers the jobs."
        ].join("\n")
      )
      yield* anyExit
    })
  ).pipe(Effect.onInterrupt(() => Console.log("\nStopped the scheduler, the observer and the local agents.")))
