// Runs `npm start`'s one-machine cluster (bin/start.mjs) in a temp data directory on free ports, and
// the `aurora` / `aurora-admin` clients against it as cluster `devcluster` (through clusters.json).
import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { freePort } from "../../../src/layers/log/process-cluster.ts"

export const ROOT = resolve(import.meta.dirname, "../../..")

export interface CommandResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface DevClusterRun {
  readonly dir: string
  readonly schedulerUrl: string
  readonly observerUrl: string
  readonly output: () => string
  /** Runs `bin/<program>.mjs args` with the cluster's clusters.json; resolves when it exits. */
  readonly run: (
    program: string,
    args: ReadonlyArray<string>,
    env?: Record<string, string>
  ) => Promise<CommandResult>
  /** Ctrl-C: SIGINT, then waits for the exit code. */
  readonly interrupt: () => Promise<number | null>
  /** Starts the cluster again on the same directory and ports. */
  readonly restart: () => Promise<void>
  readonly stop: () => Promise<void>
}

const waitFor = (child: ChildProcess, text: string, output: () => string, timeoutMs: number) =>
  new Promise<void>((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`devcluster not up within ${timeoutMs} ms:\n${output()}`)),
      timeoutMs
    )
    const check = () => {
      if (output().includes(text)) {
        clearTimeout(timer)
        ok()
      }
    }
    child.stdout?.on("data", check)
    child.once("exit", (code) => {
      clearTimeout(timer)
      fail(new Error(`devcluster exited (${code}) before it was up:\n${output()}`))
    })
    check()
  })

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) ok(child.exitCode)
    else child.once("exit", (code) => ok(code))
  })

export const runCommand = (
  program: string,
  args: ReadonlyArray<string>,
  env: Record<string, string>
): Promise<CommandResult> =>
  new Promise((ok) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", `${program}.mjs`), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env }
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => {
      stdout += d
    })
    child.stderr.on("data", (d) => {
      stderr += d
    })
    child.once("exit", (code) => ok({ code, stdout, stderr }))
  })

export const startDevCluster = async (
  options: { readonly cpus?: number; readonly agents?: number } = {}
): Promise<DevClusterRun> => {
  const dir = mkdtempSync(join(tmpdir(), "aurora-e2e-"))
  const [httpPort, observerPort, agentPort] = [await freePort(), await freePort(), await freePort()]
  const schedulerUrl = `http://127.0.0.1:${httpPort}`
  const configRoot = join(dir, "config")
  mkdirSync(configRoot, { recursive: true })
  writeFileSync(
    join(configRoot, "clusters.json"),
    JSON.stringify([
      {
        name: "devcluster",
        scheduler_uri: schedulerUrl,
        slave_root: join(dir, "data", "agent"),
        slave_run_directory: "latest"
      }
    ])
  )
  const env = { AURORA_CONFIG_ROOT: configRoot, HOME: dir }
  let child: ChildProcess | undefined
  let log = ""
  const start = async () => {
    child = spawn(
      process.execPath,
      [
        join(ROOT, "bin", "start.mjs"),
        `--data-dir=${join(dir, "data")}`,
        `--http-port=${httpPort}`,
        `--observer-port=${observerPort}`,
        `--agent-port=${agentPort}`,
        `--cpus=${options.cpus ?? 4}`,
        `--agents=${options.agents ?? 1}`
      ],
      { cwd: ROOT, env: { ...process.env, ...env } }
    )
    child.stdout?.on("data", (d) => {
      log += d
    })
    child.stderr?.on("data", (d) => {
      log += d
    })
    await waitFor(child, "Aurora devcluster is up.", () => log, 180_000)
  }
  const interrupt = async () => {
    if (child === undefined) return null
    const c = child
    c.kill("SIGINT")
    const code = await exitOf(c)
    child = undefined
    return code
  }
  await start()
  return {
    dir,
    schedulerUrl,
    observerUrl: `http://127.0.0.1:${observerPort}`,
    output: () => log,
    run: (program, args, extra = {}) => runCommand(program, args, { ...env, ...extra }),
    interrupt,
    restart: async () => {
      log = ""
      await start()
    },
    stop: async () => {
      await interrupt()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
