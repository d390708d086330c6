import { Effect, Metric, MetricLabel } from "effect"

/** Aurora's stat: schedule attempts that had to wait for the rate limiter. */
export const scheduleAttemptsBlocks = Metric.counter("schedule_attempts_blocks")
/** Aurora's stats: group attempts made, attempts that threw, and attempts that placed nothing. */
export const scheduleAttemptsFired = Metric.counter("schedule_attempts_fired")
export const scheduleAttemptsFailed = Metric.counter("schedule_attempts_failed")
export const scheduleAttemptsNoMatch = Metric.counter("schedule_attempts_no_match")

/** Every veto bumps a counter labelled with its type (§1.5). */
export const schedulingVetoes = Metric.counter("scheduling_vetoes")
const vetoLabels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
/** Tallies vetoes during an attempt; flushed to the metric once per attempt. */
export const makeVetoTally = () => {
  const counts = new Map<string, number>()
  return {
    add: (vetoes: ReadonlyArray<{ readonly type: string }>) => {
      for (const v of vetoes) counts.set(v.type, (counts.get(v.type) ?? 0) + 1)
    },
    flush: () => {
      for (const [type, n] of counts) {
        let labels = vetoLabels.get(type)
        if (labels === undefined) {
          labels = [MetricLabel.make("type", type)]
          vetoLabels.set(type, labels)
        }
        schedulingVetoes.unsafeUpdate(n, labels)
      }
      counts.clear()
    }
  }
}

/**
 * One scheduling attempt at a time (Aurora's single batch worker). An uncontended attempt takes the
 * lock synchronously and releases it in a finalizer, skipping the interruption mask a Semaphore pays
 * for (a third of an attempt's cost); a waiting attempt waits uninterruptibly, so a hand-over is
 * never lost.
 */
export const makeLock = () => {
  let busy = false
  const waiters: Array<() => void> = []
  const release = Effect.sync(() => {
    const next = waiters.shift()
    if (next !== undefined) next()
    else busy = false
  })
  const wait = Effect.async<void>((resume) => {
    waiters.push(() => resume(Effect.void))
  })
  return <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      if (!busy) {
        busy = true
        return Effect.ensuring(effect, release)
      }
      return Effect.uninterruptibleMask((restore) =>
        Effect.zipRight(wait, Effect.ensuring(restore(effect), release))
      )
    })
}
