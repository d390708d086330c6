import { Clock, Effect, Layer, Metric, Random } from "effect"
import { type JobKey, jobKeyToString, namedPorts, type TaskConfig } from "../../domain/model/index.ts"
import {
  AttributeAggregate,
  type AttributeCounts,
  assignPorts,
  type Bag,
  type CompiledConstraints,
  compileConstraints,
  DEFAULT_EXECUTOR_OVERHEADS,
  DEFAULT_SCHEDULING,
  DEFAULT_TIER_CONFIG,
  EMPTY_COUNTS,
  type ExecutorOverheads,
  initialPenalty,
  makeRequest,
  type NearestFit,
  nextPenalty,
  type PreparedOffer,
  pendingReason,
  type Rank,
  rankOf,
  type SchedulingSettings,
  seededRandom,
  type TierConfig,
  taskGroupName,
  taskRequestBag,
  tierInfoOf,
  truncateToMinutes,
  updateNearestFit
} from "../../domain/placement/index.ts"
import { OfferManager } from "../../services/OfferManager.ts"
import { PlacementState } from "../../services/PlacementState.ts"
import { Preemptor } from "../../services/Preemptor.ts"
import { TaskScheduler, type TaskSchedulerShape } from "../../services/TaskScheduler.ts"
import { groupKeyOf } from "./groupKeys.ts"
import { newMatchCursor } from "./offerStore.ts"
import {
  makeLock,
  makeVetoTally,
  scheduleAttemptsBlocks,
  scheduleAttemptsFailed,
  scheduleAttemptsFired,
  scheduleAttemptsNoMatch
} from "./schedulerSupport.ts"

export {
  scheduleAttemptsBlocks,
  scheduleAttemptsFailed,
  scheduleAttemptsFired,
  scheduleAttemptsNoMatch,
  schedulingVetoes
} from "./schedulerSupport.ts"

export interface TaskSchedulerSettings extends SchedulingSettings {
  readonly tiers: TierConfig
  readonly executorOverheads: ExecutorOverheads
  /** Fix of quirk 10.1: re-check limit constraints between the tasks of one batch. */
  readonly recheckLimitsInBatch: boolean
  /** `-enable_update_affinity` */
  readonly enableUpdateAffinity: boolean
  /** `-update_affinity_reservation_hold_time` */
  readonly updateAffinityHoldMs: number
}

export const DEFAULT_TASK_SCHEDULER: TaskSchedulerSettings = {
  ...DEFAULT_SCHEDULING,
  tiers: DEFAULT_TIER_CONFIG,
  executorOverheads: DEFAULT_EXECUTOR_OVERHEADS,
  recheckLimitsInBatch: true,
  enableUpdateAffinity: false,
  updateAffinityHoldMs: 3 * 60_000
}

export const LAUNCH_FAILED_MESSAGE = "Unknown exception attempting to schedule task."

interface Group {
  readonly key: string
  readonly name: string
  readonly queue: Set<string>
  penaltyMs: number
  attempts: number
}

interface Compiled {
  readonly key: string
  readonly bag: Bag
  readonly constraints: CompiledConstraints
  readonly hasLimit: boolean
  readonly revocable: boolean
  readonly rank: Rank
  readonly portNames: ReadonlyArray<string>
}

interface Match {
  readonly taskId: string
  readonly offer: PreparedOffer
}

/** Task groups, the rate-limited scheduling loop and TaskScheduler.schedule (§1.1-1.3). */
export const makeTaskScheduler = (overrides: Partial<TaskSchedulerSettings> = {}) =>
  Effect.gen(function* () {
    const s = { ...DEFAULT_TASK_SCHEDULER, ...overrides }
    const offers = yield* OfferManager
    const state = yield* PlacementState
    const preemptor = yield* Effect.serviceOption(Preemptor)
    const scope = yield* Effect.scope
    const random = seededRandom(yield* Random.nextIntBetween(0, 2 ** 31))
    const withLock = makeLock()
    const groups = new Map<string, Group>()
    const taskGroups = new Map<string, string>()
    const reservations = new Map<string, { readonly groupKey: string; readonly expiresAtMs: number }>()
    const reservationMs = truncateToMinutes(s.offerReservationDurationMs)
    const nearest = new Map<string, NearestFit>()
    const tally = makeVetoTally()
    // Update affinity: instance key -> reserved agent, and the agents so reserved.
    const updateReservations = new Map<string, { readonly agentId: string; readonly expiresAtMs: number }>()
    const instanceKey = (job: JobKey, instanceId: number) => `${jobKeyToString(job)}/${instanceId}`
    const updateReservedAgents = (now: number): Set<string> => {
      const out = new Set<string>()
      for (const [k, r] of updateReservations) {
        if (r.expiresAtMs <= now) updateReservations.delete(k)
        else out.add(r.agentId)
      }
      return out
    }
    // What a scheduling attempt derives from a config, computed once per (immutable) config object.
    const compiled = new WeakMap<TaskConfig, Compiled>()
    const compiledOf = (config: TaskConfig): Compiled => {
      let c = compiled.get(config)
      if (c === undefined) {
        c = {
          key: groupKeyOf(config),
          bag: taskRequestBag(config, s.executorOverheads),
          constraints: compileConstraints(config.constraints),
          hasLimit: config.constraints.some((x) => "limit" in x.constraint),
          revocable: tierInfoOf(config, s.tiers).revocable,
          rank: rankOf(config, s.tiers),
          portNames: namedPorts(config.resources)
        }
        compiled.set(config, c)
      }
      return c
    }
    let nextPermitMs = 0
    let attemptsBlocked = 0

    /** Global rate limit: one permit per group attempt, blocking. */
    const acquirePermit = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const wait = nextPermitMs - now
      nextPermitMs = Math.max(now, nextPermitMs) + 1000 / s.maxScheduleAttemptsPerSec
      if (wait > 0) {
        attemptsBlocked++
        yield* Metric.increment(scheduleAttemptsBlocks)
        yield* Effect.sleep(`${wait} millis`)
      }
    })

    const reservedFor = (agentId: string, now: number): string | undefined => {
      const r = reservations.get(agentId)
      if (r === undefined) return undefined
      if (r.expiresAtMs <= now) {
        reservations.delete(agentId)
        return undefined
      }
      return r.groupKey
    }
    const groupHasReservation = (key: string, now: number): boolean => {
      for (const [agent, r] of reservations)
        if (r.groupKey === key && reservedFor(agent, now) === key) return true
      return false
    }

    const scheduleUnlocked = (ids: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const tasks = yield* state.pending(ids)
        if (tasks.length === 0) return ids
        const config: TaskConfig = tasks[0].config
        const g = compiledOf(config)
        const key = g.key
        for (const t of tasks) if (t.config !== config && groupKeyOf(t.config) !== key) return []
        let base: AttributeCounts = EMPTY_COUNTS
        if (g.hasLimit) {
          const agg = yield* Effect.either(state.jobAggregate(config.job))
          if (agg._tag === "Left") {
            yield* Effect.logWarning(agg.left.message)
            return []
          }
          base = agg.right
        }
        // The batch's own placements count towards limits (only jobs with limits need the overlay).
        const overlay = g.hasLimit ? new AttributeAggregate(base) : undefined
        const request = makeRequest(config, g.bag, overlay ?? base, g.revocable, g.constraints)
        const now = yield* Clock.currentTimeMillis

        // Phase A: match every task of the batch before launching any.
        const chosen = new Set<string>()
        const affinity = s.enableUpdateAffinity ? updateReservedAgents(now) : undefined
        const skip = (p: PreparedOffer) => {
          if (chosen.has(p.offer.id)) return true
          if (affinity?.has(p.offer.agentId)) return true
          const r = reservedFor(p.offer.agentId, now)
          return r !== undefined && r !== key
        }
        const matches: Array<Match> = []
        let exhausted = false
        let best = nearest.get(key)
        const cursor = newMatchCursor()
        for (const t of tasks) {
          const ik = affinity === undefined ? undefined : instanceKey(config.job, t.instanceId)
          const reserved = ik === undefined ? undefined : updateReservations.get(ik)
          if (ik !== undefined && reserved !== undefined) {
            // Only the reserved agent's offer will do; without a usable one the task waits this round.
            const offer = yield* offers.matchAgent(reserved.agentId, request)
            if (offer !== undefined && !chosen.has(offer.offer.id)) {
              updateReservations.delete(ik)
              chosen.add(offer.offer.id)
              if (overlay !== undefined && s.recheckLimitsInBatch) overlay.addHost(offer.host.attributes)
              matches.push({ taskId: t.taskId, offer })
            }
            continue
          }
          // Same config, same skips: once one task finds nothing, the later ones cannot either.
          if (exhausted) continue
          const offer = yield* offers.firstMatch(
            key,
            request,
            skip,
            (_, vetoes) => {
              tally.add(vetoes)
              const fit = updateNearestFit(best, vetoes, now)
              if (fit !== best) {
                best = fit
                nearest.set(key, fit)
              }
            },
            cursor
          )
          tally.flush()
          if (offer === undefined) {
            exhausted = true
            continue
          }
          chosen.add(offer.offer.id)
          if (overlay !== undefined && s.recheckLimitsInBatch) overlay.addHost(offer.host.attributes)
          matches.push({ taskId: t.taskId, offer })
        }

        // Phase B: assign and launch.
        const launched = new Set<string>()
        const portNames = g.portNames
        const planned: Array<{ readonly m: Match; readonly ports: Readonly<Record<string, number>> }> = []
        for (const m of matches) {
          const ports = assignPorts(m.offer.offer, portNames, random)
          if (ports._tag !== "Assigned") break
          planned.push({ m, ports: ports.ports })
        }
        /** Launches an assigned task; false when the launch failed (the task is then LOST). */
        const launch = (m: Match, ports: Readonly<Record<string, number>>) =>
          Effect.gen(function* () {
            const { host, agentId } = m.offer.offer
            launched.add(m.taskId)
            nearest.delete(key)
            if (reservations.get(agentId)?.groupKey === key) reservations.delete(agentId)
            const result = yield* Effect.either(
              offers.launch(m.offer.offer.id, { taskId: m.taskId, config, host, agentId, ports })
            )
            if (result._tag === "Right") return true
            yield* Effect.logWarning(`launch of ${m.taskId} failed: ${result.left.message}`)
            yield* state.transition(m.taskId, "LOST", LAUNCH_FAILED_MESSAGE)
            return false
          })
        if (state.assignAll !== undefined && planned.length > 0) {
          // One durable write for the whole batch (Aurora's one transaction per attempt); every
          // assigned task is launched, a failed launch does not strand the others in ASSIGNED.
          const ok = yield* state.assignAll(
            planned.map(({ m, ports }) => ({
              taskId: m.taskId,
              host: m.offer.offer.host,
              agentId: m.offer.offer.agentId,
              ports
            }))
          )
          for (let i = 0; i < planned.length; i++) if (ok[i]) yield* launch(planned[i].m, planned[i].ports)
        } else {
          for (const { m, ports } of planned) {
            const { host, agentId } = m.offer.offer
            if (!(yield* state.assign(m.taskId, host, agentId, ports))) continue
            if (!(yield* launch(m, ports))) break
          }
        }

        // Ask the preemptor for a slot for the tasks left pending (one reservation per group).
        if (preemptor._tag === "Some" && launched.size < tasks.length) {
          const rank = g.rank
          for (const t of tasks) {
            if (launched.has(t.taskId) || groupHasReservation(key, now)) continue
            const agent = yield* preemptor.value.attemptPreemptionFor(t.taskId, key, request, rank)
            if (agent !== undefined)
              reservations.set(agent, { groupKey: key, expiresAtMs: now + reservationMs })
          }
        }
        if (tasks.length === ids.length) return [...launched]
        const loaded = new Set(tasks.map((t) => t.taskId))
        return [...launched, ...ids.filter((id) => !loaded.has(id))]
      }).pipe(
        Effect.catchAllDefect((d) =>
          Effect.as(
            Effect.zipRight(
              Metric.increment(scheduleAttemptsFailed),
              Effect.logError("scheduling attempt failed", d)
            ),
            [] as ReadonlyArray<string>
          )
        )
      )

    const schedule = (ids: ReadonlyArray<string>) => withLock(scheduleUnlocked(ids))

    /** One group's evaluation loop: attempt, back off or continue, delete when empty. */
    const runGroup = (g: Group): Effect.Effect<void> =>
      Effect.gen(function* () {
        while (true) {
          yield* Effect.sleep(`${g.penaltyMs} millis`)
          const batch: Array<string> = []
          for (const id of g.queue) {
            if (batch.length >= s.maxTasksPerScheduleAttempt) break
            batch.push(id)
          }
          if (batch.length > 0) {
            yield* acquirePermit
            g.attempts++
            yield* Metric.increment(scheduleAttemptsFired)
            const done = yield* schedule(batch)
            if (done.length === 0) {
              yield* Metric.increment(scheduleAttemptsNoMatch)
              g.penaltyMs = nextPenalty(g.penaltyMs, random, s)
            } else {
              for (const id of done) {
                g.queue.delete(id)
                taskGroups.delete(id)
              }
              g.penaltyMs = s.firstScheduleDelayMs
            }
          }
          if (g.queue.size === 0) {
            groups.delete(g.key)
            nearest.delete(g.key)
            return
          }
        }
      })

    const shape: TaskSchedulerShape = {
      taskPending: (taskId, config, options) =>
        Effect.suspend(() => {
          const key = groupKeyOf(config)
          taskGroups.set(taskId, key)
          const existing = groups.get(key)
          if (existing !== undefined) {
            existing.queue.add(taskId)
            return Effect.void
          }
          const g: Group = {
            key,
            name: taskGroupName(config),
            queue: new Set([taskId]),
            penaltyMs: initialPenalty(options?.startup === true, options?.flappingPenaltyMs ?? 0, random, s),
            attempts: 0
          }
          groups.set(key, g)
          return Effect.asVoid(Effect.forkIn(runGroup(g), scope))
        }),
      tasksDeleted: (ids) =>
        Effect.sync(() => {
          for (const id of ids) {
            const key = taskGroups.get(id)
            if (key === undefined) continue
            nearest.delete(key)
            taskGroups.delete(id)
            groups.get(key)?.queue.delete(id)
          }
        }),
      taskAssigned: (_taskId, config, agentId) =>
        Effect.sync(() => {
          const key = groupKeyOf(config)
          if (reservations.get(agentId)?.groupKey === key) reservations.delete(agentId)
          nearest.delete(key)
        }),
      schedule,
      reserveForUpdate: (job, instanceId, agentId) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          if (!s.enableUpdateAffinity) return
          updateReservations.set(instanceKey(job, instanceId), {
            agentId,
            expiresAtMs: now + truncateToMinutes(s.updateAffinityHoldMs)
          })
        }),
      releaseUpdateReservation: (job, instanceId) =>
        Effect.sync(() => void updateReservations.delete(instanceKey(job, instanceId))),
      pendingReason: (config) =>
        Effect.map(Clock.currentTimeMillis, (now) => pendingReason(nearest.get(groupKeyOf(config)), now)),
      groups: Effect.sync(() =>
        [...groups.values()].map((g) => ({
          name: g.name,
          key: g.key,
          pending: [...g.queue],
          penaltyMs: g.penaltyMs,
          attempts: g.attempts
        }))
      ),
      reservations: Effect.map(Clock.currentTimeMillis, (now) => {
        const out = new Map<string, string>()
        for (const [agent, r] of reservations) if (r.expiresAtMs > now) out.set(agent, r.groupKey)
        return out
      })
    }
    return { shape, attemptsBlocked: () => attemptsBlocked }
  })

export const TaskSchedulerLive = (overrides: Partial<TaskSchedulerSettings> = {}) =>
  Layer.scoped(
    TaskScheduler,
    Effect.map(makeTaskScheduler(overrides), (m) => m.shape)
  )
