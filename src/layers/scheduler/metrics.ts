// The leader's metrics under Aurora's /vars names (api-storage-security.md §4.4). Updated with the
// unsafe (plain) calls on hot paths, so a burst of events costs no Effect allocations.
import { Metric } from "effect"
import { ALL_STATUSES, type ScheduleStatus } from "../../domain/model/index.ts"

const counter = (name: string) => Metric.counter(name, { incremental: true })

export const timedOutTasks = counter("timed_out_tasks")
export const taskKillRetries = counter("task_kill_retries")
export const tasksPruned = counter("tasks_pruned")
export const reconciliationExplicitRuns = counter("reconciliation_explicit_runs")
export const reconciliationImplicitRuns = counter("reconciliation_implicit_runs")
export const schedulerResourceOffers = counter("scheduler_resource_offers")
export const offersRescinded = counter("offers_rescinded")
export const slavesLost = counter("slaves_lost")
export const lostExecutors = counter("scheduler_lost_executors")
export const statusUpdatesReceived = counter("scheduler_status_updates")
export const outstandingOffers = Metric.gauge("outstanding_offers")
export const frameworkRegistered = Metric.gauge("framework_registered")

/** `task_store_<STATUS>`: tasks in the store per status, kept from lifecycle events. */
export const taskStoreGauges: ReadonlyMap<ScheduleStatus, Metric.Metric.Gauge<number>> = new Map(
  ALL_STATUSES.map((s) => [s, Metric.gauge(`task_store_${s}`)])
)

const reasonCounters = new Map<string, Metric.Metric.Counter<number>>()
/** `status_update_<REASON>_<RESULT>` (Aurora counts only updates that carry a reason). */
export const statusUpdateCounter = (reason: string, result: string): Metric.Metric.Counter<number> => {
  const name = `status_update_${reason}_${result}`
  let c = reasonCounters.get(name)
  if (c === undefined) {
    c = counter(name)
    reasonCounters.set(name, c)
  }
  return c
}

/** Plain increment outside an Effect (no fiber needed: metrics are global registry state). */
export const bump = (c: Metric.Metric.Counter<number>, by = 1): void => c.unsafeUpdate(by, [])
export const setGauge = (g: Metric.Metric.Gauge<number>, value: number): void => g.unsafeUpdate(value, [])
