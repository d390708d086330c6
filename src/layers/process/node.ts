import { spawn } from "node:child_process"
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from "node:fs"
import { dirname } from "node:path"
import { Effect, Layer } from "effect"
import { type ProcessStatus, parseRecords } from "../../domain/thermos/checkpoint.ts"
import { ProcessSpawner, SpawnFailed } from "../../services/ProcessSpawner.ts"
import { COORDINATOR_SCRIPT } from "./coordinator.sh.ts"

/** Real processes: a detached bash coordinator per run (own session and process group). */

const readFrom = (path: string, offset: number): { text: string; offset: number } => {
  let fd: number
  try {
    fd = openSync(path, "r")
  } catch {
    return { text: "", offset }
  }
  try {
    const size = fstatSync(fd).size
    if (size <= offset) return { text: "", offset }
    const buf = Buffer.alloc(size - offset)
    readSync(fd, buf, 0, buf.length, offset)
    // Only complete lines; a half-written record is read next time.
    const end = buf.lastIndexOf(10)
    if (end < 0) return { text: "", offset }
    return { text: buf.subarray(0, end + 1).toString("utf8"), offset: offset + end + 1 }
  } finally {
    closeSync(fd)
  }
}

let bootTimeSecs: number | undefined
const bootTime = (): number => {
  if (bootTimeSecs === undefined) {
    const m = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))
    bootTimeSecs = m ? Number(m[1]) : 0
  }
  return bootTimeSecs
}

/** Start time (epoch s) and state of a pid from /proc, or undefined when unknown. */
export const procStart = (pid: number): { start: number; state: string } | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return { state: fields[0], start: bootTime() + Number(fields[19]) / 100 }
  } catch {
    return undefined
  }
}

export const pidAlive = (pid: number, startedAt?: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false
  }
  const info = procStart(pid)
  if (info === undefined) return true
  if (info.state === "Z" || info.state === "X") return false
  return startedAt === undefined || Math.abs(info.start - startedAt) <= 10
}

const sendSignal = (target: number, signal: NodeJS.Signals) => {
  try {
    process.kill(target, signal)
  } catch {
    // Already gone.
  }
}

export const ProcessSpawnerNode = Layer.succeed(ProcessSpawner, {
  spawn: (req) =>
    Effect.try({
      try: () => {
        mkdirSync(dirname(req.stdoutPath), { recursive: true })
        mkdirSync(dirname(req.stderrPath), { recursive: true })
        mkdirSync(dirname(req.coordinatorPath), { recursive: true })
        const log = req.logger ?? { destination: "file", mode: "standard", logSize: 0, backups: 0 }
        const toFiles = log.destination === "file" || log.destination === "both"
        const mode = !toFiles
          ? "plain"
          : log.destination === "both"
            ? log.mode === "rotate"
              ? "tee-rotate"
              : "tee"
            : log.mode === "rotate"
              ? "rotate"
              : "plain"
        // Plain file logging hands the child the files themselves; other modes let the coordinator copy.
        const direct = toFiles && mode === "plain"
        const out = direct ? openSync(req.stdoutPath, "a") : log.destination === "none" ? "ignore" : 2
        const err = direct ? openSync(req.stderrPath, "a") : log.destination === "none" ? "ignore" : 2
        try {
          const child = spawn(
            "/bin/bash",
            [
              "-c",
              COORDINATOR_SCRIPT,
              "thermos-coordinator",
              req.coordinatorPath,
              String(req.seq),
              JSON.stringify(req.process),
              req.cmdline,
              mode,
              req.stdoutPath,
              req.stderrPath,
              String(log.logSize),
              String(log.backups)
            ],
            { cwd: req.cwd, env: req.env, detached: true, stdio: ["ignore", out, err] }
          )
          // The runner follows the coordinator through its checkpoint, not through the handle.
          child.on("error", () => {})
          child.unref()
          if (child.pid === undefined) throw new Error("no pid (spawn failed)")
          return { coordinatorPid: child.pid, forkTime: Date.now() / 1000 }
        } finally {
          if (typeof out === "number" && direct) closeSync(out)
          if (typeof err === "number" && direct) closeSync(err)
        }
      },
      catch: (e) => new SpawnFailed({ process: req.process, message: String((e as Error).message ?? e) })
    }),
  readRecords: (path, offset) =>
    Effect.sync(() => {
      const r = readFrom(path, offset)
      const records = parseRecords(r.text).filter((x): x is ProcessStatus => x.type === "process")
      return { records, offset: r.offset }
    }),
  isAlive: (pid, startedAt) => Effect.sync(() => pidAlive(pid, startedAt)),
  signal: (pid, signal) => Effect.sync(() => sendSignal(pid, signal)),
  killGroup: (pgid) => Effect.sync(() => (pgid > 1 ? sendSignal(-pgid, "SIGKILL") : undefined))
})
