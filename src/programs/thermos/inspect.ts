import { closeSync, fstatSync, openSync, readSync } from "node:fs"
import { Effect, Option } from "effect"
import { currentRun, taskState } from "../../domain/thermos/checkpoint.ts"
import { logPath } from "../../domain/thermos/paths.ts"
import { killTaskFromCheckpoint } from "../../layers/executor/checkpoint-kill.ts"
import { startObserver } from "../../layers/executor/observer.ts"
import { listTasks, loadTask, runnerState, type TaskEntry } from "../../layers/executor/task-store.ts"
import { ProcessSpawnerNode } from "../../layers/process/node.ts"
import { fail } from "./run.ts"

const out = (s: string) => process.stdout.write(`${s}\n`)

/** Task ids are regular expressions matched at the start of the id. */
const matching = (entries: ReadonlyArray<TaskEntry>, res: ReadonlyArray<string>) => {
  if (res.length === 0) return entries
  const regexes = res.map((r) => {
    try {
      return new RegExp(`^(?:${r})`)
    } catch {
      // Not a valid pattern: match it literally.
      return new RegExp(`^${r.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`)
    }
  })
  return entries.filter((e) => regexes.some((re) => re.test(e.taskId)))
}

export const killCommand = (roots: ReadonlyArray<string>, ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const targets = matching(
      listTasks(roots).filter((t) => t.which === "active"),
      ids
    )
    if (ids.length === 0 || targets.length === 0) return out("No active tasks matched.")
    for (const t of targets) {
      process.stdout.write(`Killing ${t.taskId}...`)
      yield* killTaskFromCheckpoint(t.root, t.taskId)
      out("done.")
    }
  }).pipe(Effect.provide(ProcessSpawnerNode))

const time = (ms: number | undefined) => (ms === undefined ? "-" : new Date(ms).toISOString())

export const statusCommand = (
  roots: ReadonlyArray<string>,
  verbosity: number,
  only: Option.Option<"active" | "finished">,
  ids: ReadonlyArray<string>
) =>
  Effect.gen(function* () {
    const tasks = matching(listTasks(roots), ids).filter((t) => Option.isNone(only) || t.which === only.value)
    if (tasks.length === 0) return yield* fail("No tasks found.", 1)
    for (const which of ["active", "finished"] as const) {
      const group = tasks.filter((t) => t.which === which)
      if (group.length === 0) continue
      out(which === "active" ? "Active tasks:" : "Finished tasks:")
      for (const entry of group) {
        const t = loadTask(entry)
        const h = t.state.header
        out(`  Task ID: ${entry.taskId} [owner: ${h?.user ?? "?"}]`)
        if (verbosity >= 1)
          out(
            `    state: ${taskState(t.state) ?? "UNKNOWN"}  start: ${time(t.state.statuses[0]?.timestamp_ms)}`
          )
        if (verbosity >= 2 && h !== undefined) {
          out(`    user: ${h.user}  sandbox: ${h.sandbox}`)
          out(
            `    ports: ${
              Object.entries(h.ports)
                .map(([n, p]) => `${n}:${p}`)
                .join(" ") || "-"
            }`
          )
        }
        if (verbosity >= 3) {
          out("    process         runs  last pid  rc    finished                  state")
          for (const [name, runs] of Object.entries(t.state.processes)) {
            const r = runs[runs.length - 1]
            out(
              `    ${name.padEnd(15)} ${String(runs.length).padEnd(5)} ${String(r.pid ?? "-").padEnd(9)} ${String(
                r.return_code ?? "-"
              ).padEnd(
                5
              )} ${(r.stop_time === undefined ? "-" : time(r.stop_time * 1000)).padEnd(25)} ${r.state}`
            )
          }
        }
      }
    }
  })

const readFrom = (path: string, offset: number): { data: string; end: number } => {
  try {
    const fd = openSync(path, "r")
    try {
      const size = fstatSync(fd).size
      const start = offset < 0 ? Math.max(0, size + offset) : offset
      const buf = Buffer.alloc(Math.max(0, size - start))
      readSync(fd, buf, 0, buf.length, start)
      return { data: buf.toString("utf8"), end: size }
    } finally {
      closeSync(fd)
    }
  } catch {
    return { data: "", end: Math.max(0, offset) }
  }
}

export const tailCommand = (
  roots: ReadonlyArray<string>,
  taskId: string,
  processName: Option.Option<string>,
  stderr: boolean
) =>
  Effect.gen(function* () {
    const entry = listTasks(roots).find((t) => t.taskId === taskId)
    if (entry === undefined) return yield* fail(`No task ${taskId} found.`, 1)
    const state = runnerState(entry.root, taskId)
    const names = Object.keys(state.processes)
    const name = Option.getOrElse(processName, () => (names.length === 1 ? names[0] : ""))
    if (name === "" || state.processes[name] === undefined)
      return yield* fail(`Choose a process of ${taskId}: ${names.join(", ") || "(none has run)"}`, 1)
    const run = currentRun(state, name)!
    const path = logPath(state.header?.log_dir ?? "", name, run.run, stderr ? "stderr" : "stdout")
    let { data, end } = readFrom(path, -16 * 1024)
    process.stdout.write(data)
    // Follow while this run is still going.
    for (;;) {
      const now = currentRun(runnerState(entry.root, taskId), name)
      const live = now?.run === run.run && (now.state === "RUNNING" || now.state === "FORKED")
      const more = readFrom(path, end)
      process.stdout.write(more.data)
      end = more.end
      if (!live) return
      yield* Effect.sleep(500)
      data = ""
    }
  })

export const observeCommand = (
  roots: ReadonlyArray<string>,
  mesosRoot: Option.Option<string>,
  ip: string,
  port: number
) =>
  Effect.gen(function* () {
    const started = yield* Effect.either(
      Effect.tryPromise(() =>
        startObserver({ roots, mesosRoot: Option.getOrUndefined(mesosRoot), host: ip, port })
      )
    )
    if (started._tag === "Left")
      return yield* fail(`Could not start the observer on ${ip}:${port}: ${started.left.error}`, 1)
    const obs = started.right
    const over = [...roots, ...Option.toArray(Option.map(mesosRoot, (m) => `executors under ${m}`))]
    out(`Observer listening on http://${ip}:${obs.port}/ over ${over.join(", ")}`)
    // Runs until SIGINT/SIGTERM: the runtime interrupts this fiber and the canceler closes the server.
    yield* Effect.async<void>(() => Effect.promise(() => obs.close()))
  })
