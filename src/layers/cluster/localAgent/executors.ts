/**
 * Thermos executor processes of the local agent: one per task, started detached in its own process
 * group with its updates written to `<run>/stdout`, so an agent restart can pick them up again.
 */
import { spawn } from "node:child_process"
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync
} from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { killTaskFromCheckpoint } from "../../executor/checkpoint-kill.ts"
import { ProcessSpawnerNode } from "../../process/node.ts"

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`

/** `<work_dir>/slaves/<agent>/frameworks/<framework>/executors/<executor>` */
export const executorDir = (workDir: string, agentId: string, frameworkId: string, executorId: string) =>
  join(workDir, "slaves", agentId, "frameworks", frameworkId, "executors", executorId)

export interface Started {
  readonly pid: number
  /** Resolves when the process exits (only for processes this agent started). */
  readonly exited: Promise<void>
}

/** Starts the executor command with the launch JSON in `<run>/task.json`. */
export const startExecutor = (
  command: string,
  runDir: string,
  launch: unknown,
  hostname: string,
  env: Record<string, string>
): Started => {
  mkdirSync(join(runDir, "sandbox"), { recursive: true })
  const latest = join(runDir, "..", "latest")
  try {
    if (existsSync(latest)) unlinkSync(latest)
    symlinkSync(runDir.split("/").pop() ?? "", latest)
  } catch {
    // The `latest` link is a convenience for people; the run directory is what counts.
  }
  const taskFile = join(runDir, "task.json")
  writeFileSync(taskFile, JSON.stringify(launch))
  const out = openSync(join(runDir, "stdout"), "a")
  const err = openSync(join(runDir, "stderr"), "a")
  const child = spawn(
    "/bin/sh",
    ["-c", `exec ${command} --task-file ${quote(taskFile)} --hostname ${quote(hostname)}`],
    {
      cwd: runDir,
      detached: true,
      stdio: ["ignore", out, err],
      env: { ...process.env, ...env, MESOS_DIRECTORY: runDir, MESOS_SANDBOX: join(runDir, "sandbox") }
    }
  )
  closeSync(out)
  closeSync(err)
  const exited = new Promise<void>((resolve) => {
    child.on("exit", () => resolve())
    child.on("error", () => resolve())
  })
  child.unref()
  return { pid: child.pid ?? -1, exited }
}

/** Whether a process (not necessarily our child) still exists. */
export const processAlive = (pid: number | undefined): boolean => {
  if (pid === undefined || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Complete JSON lines of `<run>/stdout` after `offset`; returns them and the new offset. */
export const readUpdates = (runDir: string, offset: number): { lines: Array<string>; offset: number } => {
  const path = join(runDir, "stdout")
  let size: number
  try {
    size = statSync(path).size
  } catch {
    return { lines: [], offset }
  }
  if (size <= offset) return { lines: [], offset }
  const fd = openSync(path, "r")
  try {
    const buf = Buffer.alloc(size - offset)
    readSync(fd, buf, 0, buf.length, offset)
    const end = buf.lastIndexOf(10)
    if (end < 0) return { lines: [], offset }
    const text = buf.subarray(0, end).toString("utf8")
    return { lines: text.split("\n").filter((l) => l.trim() !== ""), offset: offset + end + 1 }
  } finally {
    closeSync(fd)
  }
}

export const signal = (pid: number | undefined, sig: NodeJS.Signals): void => {
  if (pid === undefined || pid <= 0) return
  try {
    process.kill(pid, sig)
  } catch {
    // Already gone.
  }
}

/**
 * What a Mesos agent does when it destroys a container: SIGKILL the executor, then every process
 * of the task, found through the executor's Thermos checkpoints (`<run>/checkpoints`).
 */
export const destroyContainer = async (
  runDir: string,
  taskId: string,
  pid: number | undefined
): Promise<void> => {
  signal(pid, "SIGKILL")
  await Effect.runPromise(
    killTaskFromCheckpoint(join(runDir, "checkpoints"), taskId).pipe(
      Effect.provide(ProcessSpawnerNode),
      Effect.catchAllCause(() => Effect.void)
    )
  )
  // An executor killed mid-fork leaves processes its checkpoint never recorded; without cgroups,
  // find them by what marks them as this container's: HOME is the sandbox, or the run dir in argv.
  for (const p of containerProcesses(runDir)) signal(p, "SIGKILL")
}

/** Processes of a run directory's container (Linux /proc; none elsewhere). */
export const containerProcesses = (runDir: string): Array<number> => {
  let entries: Array<string>
  try {
    entries = readdirSync("/proc")
  } catch {
    return []
  }
  const home = `HOME=${join(runDir, "sandbox")}\0`
  const out: Array<number> = []
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue
    try {
      const env = readFileSync(`/proc/${e}/environ`, "utf8")
      const argv = readFileSync(`/proc/${e}/cmdline`, "utf8")
      if (env.includes(home) || argv.includes(`${runDir}/`)) out.push(Number(e))
    } catch {
      // Gone, or not ours to read.
    }
  }
  return out
}
