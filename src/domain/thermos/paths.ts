/** Path layout under a checkpoint root and a log dir (executor.md §5.1). Pure string building. */
const join = (...parts: ReadonlyArray<string>) => parts.join("/").replace(/\/+/g, "/")

export const taskPaths = (root: string, taskId: string) => ({
  active: join(root, "tasks", "active", taskId),
  finished: join(root, "tasks", "finished", taskId),
  checkpointDir: join(root, "checkpoints", taskId),
  runner: join(root, "checkpoints", taskId, "runner"),
  coordinator: (process: string) => join(root, "checkpoints", taskId, `coordinator.${process}`)
})

export const activeDir = (root: string) => join(root, "tasks", "active")
export const finishedDir = (root: string) => join(root, "tasks", "finished")

export const logPath = (logDir: string, process: string, run: number, which: "stdout" | "stderr") =>
  join(logDir, process, String(run), which)

/** Default task id of the CLI: `<name>-<YYYYmmdd-HHMMSS>.<microseconds>` in UTC. */
export const defaultTaskId = (name: string, nowMs: number): string => {
  const d = new Date(nowMs)
  const p = (n: number, w = 2) => String(n).padStart(w, "0")
  return `${name}-${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(
    d.getUTCMinutes()
  )}${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds() * 1000, 6)}`
}
