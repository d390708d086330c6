import { ACTIVE_STATES, INTERRUPTED_STATES, TERMINAL_STATES } from "../model/status.ts"
import type { ScheduledTask } from "../model/task.ts"
import { truncatedBinaryBackoff } from "./backoff.ts"
import type { LifecycleSettings } from "./settings.ts"

export type TaskLookup = (taskId: string) => ScheduledTask | undefined

/**
 * An ancestor flapped when it ran (its last active event) for less than the threshold before it
 * ended, and was never restarted, killed or drained. A history that does not end terminal
 * (Aurora asserts here) is treated as not flapping.
 */
export const flapped = (task: ScheduledTask, thresholdMs: number): boolean => {
  const events = task.taskEvents
  if (events.length === 0) return false
  if (events.some((e) => INTERRUPTED_STATES.has(e.status))) return false
  const terminal = events[events.length - 1]
  if (!TERMINAL_STATES.has(terminal.status)) return false
  for (let i = events.length - 2; i >= 0; i--) {
    if (ACTIVE_STATES.has(events[i].status)) return terminal.timestamp - events[i].timestamp < thresholdMs
  }
  return false
}

/**
 * getFlappingPenaltyMs (task-lifecycle.md §3.2): walks the ancestor chain from `task.ancestorId`
 * (the task itself is never examined), growing a truncated binary backoff while ancestors flapped.
 */
export const flappingPenaltyMs = (
  task: ScheduledTask,
  lookup: TaskLookup,
  settings: LifecycleSettings,
  random: () => number
): number => {
  let penalty = 0
  let ancestorId = task.ancestorId
  const seen = new Set<string>()
  while (ancestorId !== undefined && !seen.has(ancestorId)) {
    seen.add(ancestorId)
    const ancestor = lookup(ancestorId)
    if (ancestor === undefined || !flapped(ancestor, settings.flappingTaskThresholdMs)) break
    const next = truncatedBinaryBackoff(
      penalty,
      settings.initialFlappingTaskDelayMs,
      settings.maxFlappingTaskDelayMs,
      random
    )
    if (next === penalty) break
    penalty = next
    ancestorId = ancestor.ancestorId
  }
  return penalty
}

/** TaskThrottler: how long a THROTTLED task waits before it may become PENDING (§3.3). */
export const throttleDelayMs = (
  task: ScheduledTask,
  now: number,
  lookup: TaskLookup,
  settings: LifecycleSettings,
  random: () => number
): number => {
  const latest = task.taskEvents[task.taskEvents.length - 1]
  const readyAt = (latest?.timestamp ?? now) + flappingPenaltyMs(task, lookup, settings, random)
  return Math.max(0, readyAt - now)
}

/** First scheduling attempt for a PENDING task seen at startup: random [0, 30 s) plus its penalty (§3.4). */
export const startupScheduleDelayMs = (
  task: ScheduledTask,
  lookup: TaskLookup,
  settings: LifecycleSettings,
  random: () => number
): number =>
  Math.floor(random() * settings.maxRescheduleTaskDelayOnStartupMs) +
  flappingPenaltyMs(task, lookup, settings, random)
