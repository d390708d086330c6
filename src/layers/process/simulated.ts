import { Clock, Effect, Layer } from "effect"
import type { ProcessStatus } from "../../domain/thermos/checkpoint.ts"
import {
  ProcessSpawner,
  type ProcessSpawnerShape,
  SpawnFailed,
  type SpawnRequest
} from "../../services/ProcessSpawner.ts"

/**
 * Simulated processes for fast tests on TestClock. A cmdline is read as a tiny script:
 * `sleep S` (runs S seconds), `exit N`, `true`, `false`, combined with `;` (e.g. `sleep 1; exit 3`);
 * a cmdline containing `trap '' TERM` ignores SIGTERM; anything else runs until killed.
 * Commands named in `failSpawn` fail to launch.
 */
interface Behaviour {
  readonly durationMs: number
  readonly exitCode: number
  readonly ignoresTerm: boolean
}

export const parseBehaviour = (cmdline: string): Behaviour => {
  let durationMs = 0
  let exitCode = 0
  let known = true
  for (const part of cmdline.split(";").map((s) => s.trim())) {
    const sleep = /^sleep ([\d.]+)$/.exec(part)
    const exit = /^exit (\d+)$/.exec(part)
    if (sleep) durationMs += Number(sleep[1]) * 1000
    else if (exit) exitCode = Number(exit[1])
    else if (part === "true") exitCode = 0
    else if (part === "false") exitCode = 1
    else if (!part.startsWith("trap")) known = false
  }
  return {
    durationMs: known ? durationMs : Number.POSITIVE_INFINITY,
    exitCode,
    ignoresTerm: cmdline.includes("trap '' TERM")
  }
}

interface SimProc {
  readonly req: SpawnRequest
  readonly coordinatorPid: number
  readonly pid: number
  readonly startMs: number
  readonly behaviour: Behaviour
  readonly records: Array<ProcessStatus>
  coordinatorAlive: boolean
  commandAlive: boolean
}

export const makeSimulatedSpawner = (options: { readonly failSpawn?: ReadonlyArray<string> } = {}) => {
  const procs: Array<SimProc> = []
  let nextPid = 10_000
  const record = (p: SimProc, state: ProcessStatus["state"], nowMs: number, returnCode?: number) => {
    const base = {
      type: "process" as const,
      seq: p.req.seq + 1 + p.records.length,
      process: p.req.process,
      state
    }
    p.records.push(
      state === "RUNNING"
        ? { ...base, pid: p.pid, start_time: nowMs / 1000 }
        : { ...base, stop_time: nowMs / 1000, return_code: returnCode ?? 0 }
    )
  }
  const finish = (p: SimProc, nowMs: number, rc: number) => {
    record(p, rc < 0 ? "KILLED" : rc === 0 ? "SUCCESS" : "FAILED", nowMs, rc)
    p.commandAlive = false
    p.coordinatorAlive = false
  }
  const advance = (nowMs: number) => {
    for (const p of procs)
      if (p.commandAlive && nowMs >= p.startMs + p.behaviour.durationMs)
        finish(p, p.startMs + p.behaviour.durationMs, p.behaviour.exitCode)
  }
  const now = Clock.currentTimeMillis
  const shape: ProcessSpawnerShape = {
    spawn: (req) =>
      Effect.gen(function* () {
        const t = yield* now
        advance(t)
        if (options.failSpawn?.includes(req.cmdline))
          return yield* Effect.fail(
            new SpawnFailed({ process: req.process, message: "simulated launch failure" })
          )
        const p: SimProc = {
          req,
          coordinatorPid: nextPid++,
          pid: nextPid++,
          startMs: t,
          behaviour: parseBehaviour(req.cmdline),
          records: [],
          coordinatorAlive: true,
          commandAlive: true
        }
        record(p, "RUNNING", t)
        procs.push(p)
        return { coordinatorPid: p.coordinatorPid, forkTime: t / 1000 }
      }),
    readRecords: (path, offset) =>
      Effect.map(now, (t) => {
        advance(t)
        const all = procs.filter((p) => p.req.coordinatorPath === path).flatMap((p) => p.records)
        return { records: all.slice(offset), offset: all.length }
      }),
    isAlive: (pid) =>
      Effect.map(now, (t) => {
        advance(t)
        return procs.some(
          (p) => (p.pid === pid && p.commandAlive) || (p.coordinatorPid === pid && p.coordinatorAlive)
        )
      }),
    signal: (pid, signal) =>
      Effect.map(now, (t) => {
        advance(t)
        const p = procs.find((x) => x.pid === pid && x.commandAlive)
        if (p === undefined) return
        if (signal === "SIGKILL" || (signal === "SIGTERM" && !p.behaviour.ignoresTerm))
          finish(p, t, signal === "SIGKILL" ? -9 : -15)
      }),
    killGroup: (pgid) =>
      Effect.map(now, (t) => {
        advance(t)
        for (const p of procs)
          if (p.coordinatorPid === pgid) {
            p.commandAlive = false
            p.coordinatorAlive = false
          }
      })
  }
  return { shape, procs }
}

export const ProcessSpawnerSimulated = (options: { readonly failSpawn?: ReadonlyArray<string> } = {}) =>
  Layer.sync(ProcessSpawner, () => makeSimulatedSpawner(options).shape)
