// Store rules Aurora enforces when a write saves something, as planners that return the op to log
// (or nothing when there is no change, or an error to report).
import type { HostAttributes, ScheduledTask } from "../model/index.ts"
import type { Op } from "./ops.ts"
import type { StoresView } from "./stores.ts"

/**
 * AttributeStore.save: attributes with an empty value list are rejected; a missing mode keeps the
 * stored one (or NONE); an op is returned only if the stored attributes would change.
 */
export const planSaveHostAttributes = (
  s: StoresView,
  h: HostAttributes
): Op | undefined | { error: string } => {
  const empty = h.attributes.find((a) => a.values.length === 0)
  if (empty) return { error: `host ${h.host}: attribute ${empty.name} has no values` }
  const mode = h.mode ?? s.hostAttributes.get(h.host)?.mode ?? "NONE"
  const merged: HostAttributes = { ...h, mode }
  const prev = s.hostAttributes.get(h.host)
  if (
    prev &&
    prev.mode === merged.mode &&
    prev.slaveId === merged.slaveId &&
    JSON.stringify(prev.attributes) === JSON.stringify(merged.attributes)
  )
    return undefined
  return { _tag: "SaveHostAttributes", hostAttributes: merged }
}

/** TaskStore.saveTasks: a set holding one task id twice is an error. */
export const planSaveTasks = (tasks: ReadonlyArray<ScheduledTask>): Op | { error: string } => {
  const seen = new Set<string>()
  for (const t of tasks) {
    const id = t.assignedTask.taskId
    if (seen.has(id)) return { error: `task ${id} appears twice in one save` }
    seen.add(id)
  }
  return { _tag: "SaveTasks", tasks }
}
