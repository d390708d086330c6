import type { HealthCheckConfig } from "./config.ts"

/** Health-check counters and decisions (executor.md §7). */
export interface HealthParams {
  readonly forgiving: number
  readonly maxAttempts: number
  readonly minSuccesses: number
  readonly maxFailures: number
}

export interface HealthState {
  readonly attempts: number
  readonly consecutiveSuccesses: number
  readonly consecutiveFailures: number
  readonly running: boolean
  readonly unhealthy?: string
}

export const initialHealth: HealthState = {
  attempts: 0,
  consecutiveSuccesses: 0,
  consecutiveFailures: 0,
  running: false
}

export const healthParams = (c: HealthCheckConfig): HealthParams => {
  const grace = c.initial_interval_secs > 0 ? c.initial_interval_secs : 2 * c.interval_secs
  const forgiving = Math.ceil(grace / c.interval_secs)
  return {
    forgiving,
    maxAttempts: forgiving + c.max_consecutive_failures + c.min_consecutive_successes,
    minSuccesses: c.min_consecutive_successes,
    maxFailures: c.max_consecutive_failures
  }
}

/** Before a tick: false ⇒ do not probe (the state is then already unhealthy). */
export const shouldProbe = (
  s: HealthState,
  p: HealthParams
): { readonly probe: boolean; readonly state: HealthState } =>
  !s.running && s.attempts > p.maxAttempts
    ? {
        probe: false,
        state: { ...s, unhealthy: s.unhealthy ?? "Not enough successful health checks in time." }
      }
    : { probe: true, state: s }

/** Applies one probe result (a snoozed probe counts as a pass). Unhealthy is permanent. */
export const recordProbe = (
  s: HealthState,
  p: HealthParams,
  passed: boolean,
  reason: string
): HealthState => {
  const attempts = Math.min(s.attempts + 1, p.maxAttempts + 1)
  if (passed) {
    const consecutiveSuccesses = s.consecutiveSuccesses + 1
    return {
      ...s,
      attempts,
      consecutiveSuccesses,
      consecutiveFailures: 0,
      running: s.running || consecutiveSuccesses >= p.minSuccesses
    }
  }
  let next: HealthState = { ...s, attempts, consecutiveSuccesses: 0 }
  if (attempts <= p.forgiving) return next
  const left = p.maxAttempts - attempts
  const unhealthy = (st: HealthState) => ({ ...st, unhealthy: st.unhealthy ?? reason })
  if (!next.running && left > 1 && p.minSuccesses - next.consecutiveSuccesses > left) next = unhealthy(next)
  next = { ...next, consecutiveFailures: next.consecutiveFailures + 1 }
  if (next.consecutiveFailures > p.maxFailures) next = unhealthy(next)
  return next
}

/** Status the health checker reports: FAILED once unhealthy, RUNNING once healthy, else STARTING. */
export const healthStatus = (s: HealthState): "STARTING" | "RUNNING" | "FAILED" =>
  s.unhealthy !== undefined ? "FAILED" : s.running ? "RUNNING" : "STARTING"
