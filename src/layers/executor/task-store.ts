import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { type RunnerState, replay } from "../../domain/thermos/checkpoint.ts"
import { activeDir, finishedDir, taskPaths } from "../../domain/thermos/paths.ts"
import { readCheckpoint } from "./checkpoint-file.ts"

/** Read-only access to the tasks under one or more checkpoint roots (observer and CLI). */
export interface TaskEntry {
  readonly taskId: string
  readonly root: string
  readonly which: "active" | "finished"
  readonly mtimeMs: number
}

const listDir = (dir: string) => {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/**
 * Checkpoint roots of every executor run under a Mesos work dir (executor.md §5.1):
 * `<mesos_root>/slaves/S/frameworks/F/executors/E/runs/R/checkpoints` for every S, F, E, R; `latest` links skipped.
 */
export const discoverRoots = (mesosRoot: string): ReadonlyArray<string> => {
  let level = [join(mesosRoot, "slaves")]
  for (const step of ["frameworks", "executors", "runs"]) {
    const next: Array<string> = []
    for (const dir of level)
      for (const child of listDir(dir)) if (child !== "latest") next.push(join(dir, child, step))
    level = next
  }
  const roots: Array<string> = []
  for (const dir of level)
    for (const run of listDir(dir))
      if (run !== "latest" && existsSync(join(dir, run, "checkpoints")))
        roots.push(join(dir, run, "checkpoints"))
  return roots
}

/** Every task, newest task file first (a task found in both dirs counts as finished). */
export const listTasks = (roots: ReadonlyArray<string>): ReadonlyArray<TaskEntry> => {
  const out = new Map<string, TaskEntry>()
  for (const root of roots)
    for (const which of ["active", "finished"] as const) {
      const dir = which === "active" ? activeDir(root) : finishedDir(root)
      for (const taskId of listDir(dir)) {
        let mtimeMs = 0
        try {
          mtimeMs = statSync(join(dir, taskId)).mtimeMs
        } catch {
          continue
        }
        out.set(`${root}\0${taskId}`, { taskId, root, which, mtimeMs })
      }
    }
  return [...out.values()].sort((a, b) => b.mtimeMs - a.mtimeMs || a.taskId.localeCompare(b.taskId))
}

export interface LoadedTask {
  readonly entry: TaskEntry
  readonly state: RunnerState
  /** The task JSON as stored (the interpolated Thermos task). */
  readonly config: {
    readonly name?: string
    readonly processes?: ReadonlyArray<{ name: string; cmdline: string }>
  }
}

const cache = new Map<string, { size: number; mtimeMs: number; state: RunnerState }>()

/** Replays a runner checkpoint, reusing the last replay while the file is unchanged. */
export const runnerState = (root: string, taskId: string): RunnerState => {
  const path = taskPaths(root, taskId).runner
  let size = -1
  let mtimeMs = 0
  try {
    const st = statSync(path)
    size = st.size
    mtimeMs = st.mtimeMs
  } catch {
    return { statuses: [], processes: {} }
  }
  const hit = cache.get(path)
  if (hit !== undefined && hit.size === size && hit.mtimeMs === mtimeMs) return hit.state
  const state = replay(readCheckpoint(path))
  cache.set(path, { size, mtimeMs, state })
  return state
}

export const loadTask = (entry: TaskEntry): LoadedTask => {
  const paths = taskPaths(entry.root, entry.taskId)
  let config: LoadedTask["config"] = {}
  try {
    config = JSON.parse(readFileSync(entry.which === "active" ? paths.active : paths.finished, "utf8"))
  } catch {
    // A task file being moved or half-written reads as empty.
  }
  return { entry, state: runnerState(entry.root, entry.taskId), config }
}

export const findTask = (roots: ReadonlyArray<string>, taskId: string): TaskEntry | undefined =>
  listTasks(roots).find((t) => t.taskId === taskId)
