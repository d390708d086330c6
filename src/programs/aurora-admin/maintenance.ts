/** Host maintenance: host_deactivate, host_activate, host_status, host_drain, sla_host_drain. */
import { spawnSync } from "node:child_process"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Clock, Duration, Effect, Option } from "effect"
import { parseDurationSecs } from "../../domain/client/index.ts"
import type { MaintenanceMode } from "../../domain/model/index.ts"
import {
  admin,
  check,
  die,
  filenameOption,
  hostList,
  hostsOption,
  log,
  out,
  parseOr,
  warn
} from "./common.ts"

const cluster = Args.text({ name: "cluster" })
const hostArgs = { cluster, filename: filenameOption, hosts: hostsOption }

type Statuses = {
  readonly statuses: ReadonlyArray<{ readonly host: string; readonly mode: MaintenanceMode }>
}

const unknownHosts = (asked: ReadonlyArray<string>, got: Statuses | undefined) =>
  asked.filter((h) => !(got?.statuses ?? []).some((s) => s.host === h))

const hostDeactivate = Command.make("host_deactivate", hostArgs, (o) =>
  Effect.scoped(
    Effect.gen(function* () {
      const hosts = yield* hostList(o.filename, o.hosts)
      const s = yield* admin(o.cluster)
      const resp = yield* s.call("startMaintenance", { hosts: { hostNames: hosts } })
      yield* check(resp)
      for (const h of unknownHosts(hosts, resp.result?.startMaintenanceResult))
        yield* warn(`Host ${h} is not known to the scheduler`)
    })
  )
).pipe(Command.withDescription("Put hosts into maintenance (SCHEDULED): no new tasks are placed there"))

const hostActivate = Command.make("host_activate", hostArgs, (o) =>
  Effect.scoped(
    Effect.gen(function* () {
      const hosts = yield* hostList(o.filename, o.hosts)
      const s = yield* admin(o.cluster)
      yield* check(yield* s.call("endMaintenance", { hosts: { hostNames: hosts } }))
      const status = yield* s.call("maintenanceStatus", { hosts: { hostNames: hosts } })
      yield* check(status)
      for (const st of status.result?.maintenanceStatusResult.statuses ?? [])
        if (st.mode !== "NONE") yield* warn(`Host ${st.host} is still in state ${st.mode}`)
    })
  )
).pipe(Command.withDescription("Take hosts out of maintenance"))

const hostStatus = Command.make("host_status", hostArgs, (o) =>
  Effect.scoped(
    Effect.gen(function* () {
      const hosts = yield* hostList(o.filename, o.hosts)
      const s = yield* admin(o.cluster)
      const resp = yield* s.call("maintenanceStatus", { hosts: { hostNames: hosts } })
      yield* check(resp)
      for (const st of resp.result?.maintenanceStatusResult.statuses ?? [])
        yield* log(`${st.host} is in state: ${st.mode}`)
      for (const h of unknownHosts(hosts, resp.result?.maintenanceStatusResult))
        yield* warn(`Host ${h} is not known to the scheduler`)
    })
  )
).pipe(Command.withDescription("Show the maintenance state of hosts"))

const DRAIN_POLL = Duration.seconds(5)
const DRAIN_TIMEOUT_MS = 5 * 60_000

const hostDrain = Command.make(
  "host_drain",
  {
    ...hostArgs,
    postDrainScript: Options.text("post_drain_script").pipe(
      Options.optional,
      Options.withDescription("Script run with each drained host's name")
    )
  },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const hosts = yield* hostList(o.filename, o.hosts)
        const s = yield* admin(o.cluster)
        yield* check(yield* s.call("startMaintenance", { hosts: { hostNames: hosts } }))
        yield* check(yield* s.call("drainHosts", { hosts: { hostNames: hosts } }))
        const started = yield* Clock.currentTimeMillis
        let pending = [...hosts]
        for (;;) {
          const resp = yield* s.call("maintenanceStatus", { hosts: { hostNames: pending } })
          yield* check(resp)
          const drained = (resp.result?.maintenanceStatusResult.statuses ?? [])
            .filter((st) => st.mode === "DRAINED")
            .map((st) => st.host)
          for (const h of drained) {
            yield* log(`Host ${h} is drained`)
            if (Option.isSome(o.postDrainScript)) {
              const r = spawnSync(o.postDrainScript.value, [h], { stdio: "inherit" })
              if (r.status !== 0) yield* warn(`Post-drain script failed for ${h}`)
            }
          }
          pending = pending.filter((h) => !drained.includes(h))
          if (pending.length === 0) return
          if ((yield* Clock.currentTimeMillis) - started >= DRAIN_TIMEOUT_MS) break
          yield* log(`Waiting for hosts to drain: ${pending.join(", ")}`)
          yield* Effect.sleep(DRAIN_POLL)
        }
        yield* out(`Hosts not drained: ${pending.join(", ")}`)
        return yield* die(`Timed out waiting for ${pending.length} host(s) to drain`)
      })
    )
).pipe(Command.withDescription("Drain hosts: move their tasks elsewhere and wait until DRAINED"))

const slaHostDrain = Command.make(
  "sla_host_drain",
  {
    ...hostArgs,
    defaultPercentage: Options.float("default_percentage").pipe(Options.withDefault(95)),
    defaultDuration: Options.text("default_duration").pipe(Options.withDefault("30m")),
    forceDrainTimeout: Options.text("force_drain_timeout").pipe(Options.withDefault("7d"))
  },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const hosts = yield* hostList(o.filename, o.hosts)
        if (!(o.defaultPercentage > 0 && o.defaultPercentage <= 100))
          return yield* die(`Invalid percentage ${o.defaultPercentage}: must be in (0, 100]`)
        const duration = yield* parseOr(parseDurationSecs(o.defaultDuration))
        const timeout = yield* parseOr(parseDurationSecs(o.forceDrainTimeout))
        const s = yield* admin(o.cluster)
        const resp = yield* s.call("slaDrainHosts", {
          hosts: { hostNames: hosts },
          defaultSlaPolicy: {
            percentageSlaPolicy: { percentage: o.defaultPercentage, durationSecs: duration.secs }
          },
          timeoutSecs: timeout.secs
        })
        yield* check(resp)
      })
    )
).pipe(Command.withDescription("Drain hosts while keeping the jobs' SLA (the scheduler paces the drain)"))

export const maintenanceCommands = [
  hostDeactivate,
  hostActivate,
  hostStatus,
  hostDrain,
  slaHostDrain
] as const
