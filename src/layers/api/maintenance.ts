// AuroraAdmin handlers for host maintenance, backups and the staged recovery flow (§1.3, §2.7).
import { Duration, Effect } from "effect"
import { Hosts, SlaPolicy } from "../../domain/model/index.ts"
import { type Answer, decodeField, decodeQuery, invalid, ok, withDecoded } from "./common.ts"
import type { ApiDeps, Handlers } from "./deps.ts"

/** The listed hosts, de-duplicated; a malformed list answers INVALID_REQUEST naming the field. */
const withHosts = <R, E>(hosts: unknown, fn: (hosts: ReadonlyArray<string>) => Effect.Effect<Answer<R>, E>) =>
  withDecoded(decodeField(Hosts, "hosts")(hosts), (h) => fn([...new Set(h.hostNames)]))

export const maintenanceHandlers = ({ storage, maintenance, lifecycle, respond }: ApiDeps) =>
  ({
    startMaintenance: ({ hosts }) =>
      respond(
        "startMaintenance",
        withHosts(hosts, (names) =>
          Effect.map(maintenance.startMaintenance(names), (statuses) =>
            ok({ startMaintenanceResult: { statuses } })
          )
        )
      ),
    drainHosts: ({ hosts }) =>
      respond(
        "drainHosts",
        withHosts(hosts, (names) =>
          Effect.map(maintenance.drain(names), (statuses) => ok({ drainHostsResult: { statuses } }))
        )
      ),
    maintenanceStatus: ({ hosts }) =>
      respond(
        "maintenanceStatus",
        withHosts(hosts, (names) =>
          Effect.map(maintenance.status(names), (statuses) => ok({ maintenanceStatusResult: { statuses } }))
        )
      ),
    endMaintenance: ({ hosts }) =>
      respond(
        "endMaintenance",
        withHosts(hosts, (names) =>
          Effect.map(maintenance.endMaintenance(names), (statuses) =>
            ok({ endMaintenanceResult: { statuses } })
          )
        )
      ),
    slaDrainHosts: ({ hosts, defaultSlaPolicy, timeoutSecs }) =>
      respond(
        "slaDrainHosts",
        withHosts(hosts, (names) =>
          withDecoded(decodeField(SlaPolicy, "defaultSlaPolicy")(defaultSlaPolicy), (policy) =>
            !Number.isInteger(timeoutSecs) || timeoutSecs < 0
              ? Effect.succeed(invalid(`timeoutSecs: must be a non-negative integer, got ${timeoutSecs}`))
              : Effect.map(maintenance.slaDrain(names, policy, timeoutSecs), (statuses) =>
                  ok({ drainHostsResult: { statuses } })
                )
          )
        )
      ),

    performBackup: () => respond("performBackup", Effect.as(storage.backupNow, ok())),
    listBackups: () =>
      respond(
        "listBackups",
        Effect.map(storage.recovery.list, (backups) => ok({ listBackupsResult: { backups } }))
      ),
    stageRecovery: ({ backupId }) =>
      respond("stageRecovery", Effect.as(storage.recovery.stage(backupId), ok())),
    queryRecovery: ({ query }) =>
      respond(
        "queryRecovery",
        withDecoded(decodeQuery(query), (q) =>
          Effect.map(storage.recovery.query(q), (tasks) => ok({ queryRecoveryResult: { tasks } }))
        )
      ),
    deleteRecoveryTasks: ({ query }) =>
      respond(
        "deleteRecoveryTasks",
        withDecoded(decodeQuery(query), (q) => Effect.as(storage.recovery.deleteTasks(q), ok()))
      ),
    commitRecovery: () =>
      respond(
        "commitRecovery",
        Effect.gen(function* () {
          yield* storage.recovery.commit
          // As in Aurora the scheduler then shuts down; the answer goes out first.
          yield* lifecycle
            .shutdown("Recovery committed: restarting to recover from the committed backup")
            .pipe(Effect.delay(Duration.millis(100)), Effect.forkDaemon)
          return ok()
        })
      ),
    unloadRecovery: () => respond("unloadRecovery", Effect.as(storage.recovery.unload, ok()))
  }) satisfies Partial<Handlers>
