/** Runs the `aurora` / `aurora-admin` binaries as processes against clusters.json in a temp dir. */
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "bin")

export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export interface CliEnv {
  readonly dir: string
  readonly env: Record<string, string>
  readonly run: (
    program: "aurora" | "aurora-admin",
    args: ReadonlyArray<string>,
    env?: Record<string, string>
  ) => Promise<Run>
  readonly aurora: (...args: ReadonlyArray<string>) => Promise<Run>
  readonly admin: (...args: ReadonlyArray<string>) => Promise<Run>
  readonly write: (name: string, text: string) => string
  readonly cleanup: () => void
}

/** A temp HOME and AURORA_CONFIG_ROOT with the given clusters.json entries. */
export const cliEnv = (clusters: ReadonlyArray<Record<string, unknown>>): CliEnv => {
  const dir = mkdtempSync(join(tmpdir(), "aurora-client-test-"))
  writeFileSync(join(dir, "clusters.json"), JSON.stringify(clusters))
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    AURORA_CONFIG_ROOT: dir,
    AURORA_DEVCLUSTER_DIR: join(dir, "devcluster"),
    TZ: "UTC"
  }
  const run = (
    program: "aurora" | "aurora-admin",
    args: ReadonlyArray<string>,
    extra: Record<string, string> = {}
  ) =>
    new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        [join(BIN, `${program}.mjs`), ...args],
        { cwd: dir, env: { ...env, ...extra }, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0
          resolve({ code, stdout, stderr })
        }
      )
    })
  return {
    dir,
    env,
    run,
    aurora: (...args) => run("aurora", args),
    admin: (...args) => run("aurora-admin", args),
    write: (name, text) => {
      const path = join(dir, name)
      writeFileSync(path, text)
      return path
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}

export const HELLO = `hello = Process(name = 'hello', cmdline = 'echo hello {{mesos.instance}} {{thermos.ports[http]}}')
task = SequentialTask(processes = [hello], resources = Resources(cpu = 0.5, ram = 64*MB, disk = 64*MB))
jobs = [
  Service(cluster = 'test', role = 'www-data', environment = 'devel', name = 'hello', task = task, instances = 3),
  Job(cluster = 'test', role = 'www-data', environment = 'devel', name = 'cron', task = task, cron_schedule = '* * * * *'),
]
`
