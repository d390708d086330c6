// AuroraAdmin handlers for quota, task state, pruning, snapshots and reconciliation (§1.3).
import { Effect } from "effect"
import { changeState, deleteTasks } from "../../domain/lifecycle/index.ts"
import {
  ACTIVE_STATES,
  ResourceAggregate,
  type ResourceAggregate as ResourceAggregateType,
  resourceType,
  TERMINAL_STATES
} from "../../domain/model/index.ts"
import { validateSetQuota } from "../../domain/placement/index.ts"
import { queryTasks } from "../../domain/storage/index.ts"
import { type Answer, decodeField, decodeQuery, invalid, ok, withDecoded } from "./common.ts"
import type { ApiDeps, Handlers } from "./deps.ts"
import { bagOfAggregate, roleUsage } from "./views.ts"

const QUOTA_TYPES = ["CPUS", "RAM_MB", "DISK_MB"] as const

/** Exactly one each of numCpus, ramMb and diskMb. */
const quotaShapeProblem = (q: ResourceAggregateType): string | undefined => {
  const types = q.resources.map(resourceType).sort()
  const expected = [...QUOTA_TYPES].sort()
  return types.length === expected.length && types.every((t, i) => t === expected[i])
    ? undefined
    : `Quota resources must be exactly: ${QUOTA_TYPES.join(", ")}`
}

/** Runs a background admin action; its failure is logged, as Aurora's executor-run triggers are. */
const inBackground = <E>(what: string, action: Effect.Effect<void, E>) =>
  action.pipe(
    Effect.catchAllCause((cause) => Effect.logError(`${what} failed`, cause)),
    Effect.forkDaemon,
    Effect.asVoid
  )

export const adminHandlers = ({ storage, stateManager, reconciler, options, respond }: ApiDeps) => {
  const user = options.auditUser
  return {
    setQuota: ({ ownerRole, quota }) =>
      respond(
        "setQuota",
        withDecoded(decodeField(ResourceAggregate, "quota")(quota), (aggregate) => {
          if (ownerRole.trim().length === 0) return Effect.succeed(invalid("ownerRole must not be blank."))
          const shape = quotaShapeProblem(aggregate)
          if (shape !== undefined) return Effect.succeed(invalid(shape))
          return storage.write((stores) => {
            const problem = validateSetQuota(bagOfAggregate(aggregate), roleUsage(stores, ownerRole))
            return problem !== undefined
              ? { ops: [], value: invalid(problem) as Answer<never> }
              : { ops: [{ _tag: "SaveQuota", role: ownerRole, quota: aggregate }], value: ok() }
          })
        })
      ),

    forceTaskState: ({ taskId, status }) =>
      respond(
        "forceTaskState",
        stateManager.write((ws, ctx) => {
          changeState(ws, taskId, status, ctx, { message: `Transition forced by ${user}` })
          return { value: ok() }
        })
      ),

    pruneTasks: ({ query }) =>
      respond(
        "pruneTasks",
        withDecoded(decodeQuery(query), (q) => {
          if (q.statuses?.some((s) => ACTIVE_STATES.has(s)))
            return Effect.succeed<Answer<never>>({
              responseCode: "ERROR",
              details: ["Tasks in non-terminal state cannot be pruned."]
            })
          const scoped = { ...q, statuses: q.statuses ?? [...TERMINAL_STATES] }
          return stateManager.write((ws, _ctx, stores) => {
            deleteTasks(
              ws,
              queryTasks(stores, scoped).map((t) => t.assignedTask.taskId)
            )
            return { value: ok() }
          })
        })
      ),

    snapshot: () => respond("snapshot", Effect.as(storage.snapshot, ok())),

    triggerExplicitTaskReconciliation: ({ settings }) =>
      respond(
        "triggerExplicitTaskReconciliation",
        settings.batchSize !== undefined && !(settings.batchSize > 0)
          ? Effect.succeed(invalid("settings.batchSize: Invalid batch size (must be positive)."))
          : Effect.as(
              inBackground("explicit reconciliation", reconciler.triggerExplicit(settings.batchSize)),
              ok()
            )
      ),

    triggerImplicitTaskReconciliation: () =>
      respond(
        "triggerImplicitTaskReconciliation",
        Effect.as(inBackground("implicit reconciliation", reconciler.triggerImplicit), ok())
      )
  } satisfies Partial<Handlers>
}
