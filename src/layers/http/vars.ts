// The scheduler's stats (api-storage-security.md §4.3-4.4): every Effect Metric plus a few computed
// vars, rendered as /vars (sorted `name value` lines), /vars.json and /metrics (Prometheus text 0.0.4).
import * as os from "node:os"
import { Effect, Metric, MetricState, Option } from "effect"
import { ALL_STATUSES } from "../../domain/model/index.ts"
import { LIFECYCLE_STATES, type SchedulerLifecycleShape } from "../../services/SchedulerLifecycle.ts"
import type { StorageShape } from "../../services/Storage.ts"

export interface Sample {
  readonly name: string
  readonly labels: ReadonlyArray<readonly [string, string]>
  readonly value: number
}

export interface Family {
  readonly name: string
  readonly type: "counter" | "gauge" | "histogram" | "summary"
  readonly samples: ReadonlyArray<Sample>
}

const num = (v: number | bigint): number => Number(v)

/** Every metric of the default registry as Prometheus-style families (tags become labels). */
export const metricFamilies: Effect.Effect<Array<Family>> = Effect.map(Metric.snapshot, (pairs) => {
  const families = new Map<string, { type: Family["type"]; samples: Array<Sample> }>()
  const add = (name: string, type: Family["type"], samples: Array<Sample>) => {
    const f = families.get(name)
    if (f === undefined) families.set(name, { type, samples })
    else f.samples.push(...samples)
  }
  for (const { metricKey, metricState: s } of pairs) {
    const name = metricKey.name
    const labels = metricKey.tags.map((t) => [t.key, t.value] as const)
    if (MetricState.isCounterState(s)) add(name, "counter", [{ name, labels, value: num(s.count) }])
    else if (MetricState.isGaugeState(s)) add(name, "gauge", [{ name, labels, value: num(s.value) }])
    else if (MetricState.isFrequencyState(s))
      add(
        name,
        "counter",
        [...s.occurrences].map(([k, v]) => ({ name, labels: [...labels, ["key", k] as const], value: v }))
      )
    else if (MetricState.isHistogramState(s))
      add(name, "histogram", [
        ...s.buckets.map(([le, count]) => ({
          name: `${name}_bucket`,
          labels: [...labels, ["le", String(le)] as const],
          value: count
        })),
        { name: `${name}_bucket`, labels: [...labels, ["le", "+Inf"] as const], value: s.count },
        { name: `${name}_sum`, labels, value: s.sum },
        { name: `${name}_count`, labels, value: s.count }
      ])
    else if (MetricState.isSummaryState(s))
      add(name, "summary", [
        ...s.quantiles.flatMap(([q, v]) =>
          Option.isSome(v)
            ? [{ name, labels: [...labels, ["quantile", String(q)] as const], value: v.value }]
            : []
        ),
        { name: `${name}_sum`, labels, value: s.sum },
        { name: `${name}_count`, labels, value: s.count }
      ])
  }
  return [...families].map(([name, f]) => ({ name, type: f.type, samples: f.samples }))
})

// The previous CPU sample, so each scrape reports the cores used since the one before.
let lastCpu = { usage: process.cpuUsage(), at: performance.now() }
const cpuCoresUtilized = (): number => {
  const usage = process.cpuUsage()
  const at = performance.now()
  const cpuMs = (usage.user - lastCpu.usage.user + usage.system - lastCpu.usage.system) / 1000
  const wallMs = at - lastCpu.at
  lastCpu = { usage, at }
  return wallMs > 0 ? Math.round((cpuMs / wallMs) * 1000) / 1000 : 0
}

/**
 * Vars Aurora exports that nothing here records as a metric: process uptime and load, the lifecycle
 * state gauges and task counts per status (each only when no metric of that name exists).
 */
export const computedVars = (
  lifecycle: SchedulerLifecycleShape,
  storage: StorageShape
): Effect.Effect<Array<Family>> =>
  Effect.gen(function* () {
    const gauge = (name: string, value: number): Family => ({
      name,
      type: "gauge",
      samples: [{ name, labels: [], value }]
    })
    const out: Array<Family> = [
      gauge("jvm_uptime_secs", Math.floor(process.uptime())),
      gauge("system_load_avg", os.loadavg()[0]),
      gauge("process_cpu_cores_utilized", cpuCoresUtilized())
    ]
    const state = yield* lifecycle.state
    for (const s of LIFECYCLE_STATES) out.push(gauge(`scheduler_lifecycle_${s}`, s === state ? 1 : 0))
    const counts = yield* Effect.option(
      storage.read((stores) => {
        const c = new Map<string, number>()
        for (const t of stores.tasks.values()) c.set(t.status, (c.get(t.status) ?? 0) + 1)
        return c
      })
    )
    if (Option.isSome(counts))
      for (const s of ALL_STATUSES) out.push(gauge(`task_store_${s}`, counts.value.get(s) ?? 0))
    return out
  })

/** Metrics first; computed vars only fill names no metric uses. */
export const allFamilies = (lifecycle: SchedulerLifecycleShape, storage: StorageShape) =>
  Effect.gen(function* () {
    const metrics = yield* metricFamilies
    const names = new Set(metrics.map((f) => f.name))
    const computed = (yield* computedVars(lifecycle, storage)).filter((f) => !names.has(f.name))
    return [...metrics, ...computed]
  })

const varName = (s: Sample): string =>
  s.labels.length === 0 ? s.name : `${s.name}_${s.labels.map(([, v]) => v).join("_")}`

const formatNumber = (v: number): string =>
  Number.isNaN(v) ? "NaN" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v)

/**
 * Aurora's flat var names (labels appended as `_<value>`); histograms and summaries as _sum/_count.
 * Timers (`X_events` beside `X_nanos_total`) also get Aurora's `X_nanos_per_event`.
 */
export const varsMap = (families: ReadonlyArray<Family>): Map<string, number> => {
  const out = new Map<string, number>()
  for (const f of families)
    for (const s of f.samples) {
      if (f.type === "histogram" && s.name.endsWith("_bucket")) continue
      if (f.type === "summary" && s.name === f.name) continue
      out.set(varName(s), s.value)
    }
  for (const [name, total] of [...out]) {
    if (!name.endsWith("_nanos_total")) continue
    const stat = name.slice(0, -"_nanos_total".length)
    const events = out.get(`${stat}_events`)
    if (events !== undefined && !out.has(`${stat}_nanos_per_event`))
      out.set(`${stat}_nanos_per_event`, events > 0 ? total / events : 0)
  }
  return out
}

/** `/vars`: one `name value` line per var, lines sorted, `\n`-joined. */
export const renderVars = (families: ReadonlyArray<Family>): string =>
  `${[...varsMap(families)]
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .sort()
    .join("\n")}\n`

/** `/vars.json`: an object name -> value, keys sorted; `pretty` indents it. */
export const renderVarsJson = (families: ReadonlyArray<Family>, pretty: boolean): string => {
  const sorted = [...varsMap(families)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const obj = Object.fromEntries(sorted.map(([k, v]) => [k, Number.isFinite(v) ? v : String(v)]))
  return JSON.stringify(obj, null, pretty ? 2 : undefined)
}

/** A valid Prometheus metric or label name. */
export const promName = (name: string): string => {
  const clean = name.replace(/[^a-zA-Z0-9_:]/g, "_")
  return /^[a-zA-Z_:]/.test(clean) ? clean : `_${clean}`
}
const promLabel = (name: string): string => promName(name).replace(/:/g, "_")
const escapeLabel = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")

/** `/metrics`: Prometheus text exposition format 0.0.4, families sorted by name. */
export const renderPrometheus = (families: ReadonlyArray<Family>): string => {
  const lines: Array<string> = []
  for (const f of [...families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const name = promName(f.name)
    lines.push(`# TYPE ${name} ${f.type}`)
    for (const s of f.samples) {
      const labels =
        s.labels.length === 0
          ? ""
          : `{${s.labels.map(([k, v]) => `${promLabel(k)}="${escapeLabel(v)}"`).join(",")}}`
      lines.push(`${promName(s.name)}${labels} ${formatNumber(s.value)}`)
    }
  }
  return `${lines.join("\n")}\n`
}
