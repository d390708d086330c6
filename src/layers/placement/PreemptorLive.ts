import { Clock, Effect, Layer, Schedule } from "effect"
import type { HostAttributes } from "../../domain/model/index.ts"
import {
  type AgentIndex,
  type AgentSlot,
  type AttributeCounts,
  buildAgentIndex,
  compileHost,
  DEFAULT_EXECUTOR_OVERHEADS,
  DEFAULT_REVOCABLE,
  DEFAULT_TIER_CONFIG,
  EMPTY_BAG,
  EMPTY_COUNTS,
  type ExecutorOverheads,
  type HostInfo,
  makeRequest,
  makeVictim,
  type PendingGroup,
  type PreparedOffer,
  preemptionMessage,
  type Rank,
  type ResourceRequest,
  type RevocableSettings,
  rankOf,
  type SlotProposal,
  searchSlots,
  selectVictims,
  type TierConfig,
  taskRequestBag,
  tierInfoOf,
  truncateToMinutes,
  type Victim
} from "../../domain/placement/index.ts"
import { OfferManager } from "../../services/OfferManager.ts"
import { type AgentTask, PlacementState } from "../../services/PlacementState.ts"
import { Preemptor, type PreemptorShape } from "../../services/Preemptor.ts"
import { groupKeyOf } from "./groupKeys.ts"

export interface PreemptorSettings {
  /** `-enable_preemptor` */
  readonly enabled: boolean
  /** `-preemption_delay` */
  readonly preemptionDelayMs: number
  /** `-preemption_slot_hold_time` */
  readonly slotHoldMs: number
  /** `-preemption_slot_search_initial_delay` */
  readonly searchInitialDelayMs: number
  /** `-preemption_slot_search_interval` */
  readonly searchIntervalMs: number
  /** `-preemption_reservation_max_batch_size` */
  readonly reservationBatchSize: number
  readonly unavailabilityThresholdMs: number
  readonly tiers: TierConfig
  readonly executorOverheads: ExecutorOverheads
  readonly revocable: RevocableSettings
}

export const DEFAULT_PREEMPTOR: PreemptorSettings = {
  enabled: true,
  preemptionDelayMs: 3 * 60_000,
  slotHoldMs: 5 * 60_000,
  searchInitialDelayMs: 3 * 60_000,
  searchIntervalMs: 60_000,
  reservationBatchSize: 5,
  unavailabilityThresholdMs: 6 * 60_000,
  tiers: DEFAULT_TIER_CONFIG,
  executorOverheads: DEFAULT_EXECUTOR_OVERHEADS,
  revocable: DEFAULT_REVOCABLE
}

const NO_TASKS: ReadonlyArray<AgentTask> = []

interface CachedSlot {
  readonly proposal: SlotProposal
  readonly expiresAtMs: number
}

export const makePreemptor = (overrides: Partial<PreemptorSettings> = {}) =>
  Effect.gen(function* () {
    const s = { ...DEFAULT_PREEMPTOR, ...overrides }
    const state = yield* PlacementState
    const offers = yield* OfferManager
    const slots = new Map<string, Array<CachedSlot>>()
    const holdMs = truncateToMinutes(s.slotHoldMs)
    // Victims and compiled hosts are memoised per (immutable) stored object.
    const victims = new WeakMap<AgentTask, Victim>()
    const hosts = new WeakMap<HostAttributes, HostInfo>()
    const victimOf = (t: AgentTask): Victim => {
      let v = victims.get(t)
      if (v === undefined) {
        v = makeVictim(t.taskId, t.config, s.tiers, s.executorOverheads, s.revocable)
        victims.set(t, v)
      }
      return v
    }
    const hostOf = (a: HostAttributes | undefined): HostInfo | undefined => {
      if (a === undefined) return undefined
      let h = hosts.get(a)
      if (h === undefined) {
        h = compileHost(a)
        hosts.set(a, h)
      }
      return h
    }
    const settingsAt = (nowMs: number) => ({ nowMs, unavailabilityThresholdMs: s.unavailabilityThresholdMs })

    // Agent views are rebuilt only when the agent's task list, offer or host attributes change;
    // agents not seen for a pass are pruned when the cache outgrows the cluster.
    type CachedAgent = {
      tasks: ReadonlyArray<AgentTask>
      offer: PreparedOffer | undefined
      attrs: HostAttributes | undefined
      slot: AgentSlot
      pass: number
    }
    const agentCache = new Map<string, CachedAgent>()
    let pass = 0
    const slotOf = (
      agentId: string,
      tasks: ReadonlyArray<AgentTask>,
      offer: PreparedOffer | undefined,
      allAttrs: ReadonlyMap<string, HostAttributes>
    ): AgentSlot => {
      const hostName = tasks.length > 0 ? tasks[0].host : offer?.offer.host
      const attrs = hostName === undefined ? undefined : allAttrs.get(hostName)
      const cached = agentCache.get(agentId)
      if (
        cached !== undefined &&
        cached.tasks === tasks &&
        cached.offer === offer &&
        cached.attrs === attrs
      ) {
        cached.pass = pass
        return cached.slot
      }
      const slot: AgentSlot = {
        agentId,
        host: hostOf(attrs),
        slack: offer?.nonRevocable ?? EMPTY_BAG,
        unavailabilityStartMs: offer?.unavailabilityStartMs,
        victims: tasks.map(victimOf)
      }
      if (cached !== undefined) {
        cached.tasks = tasks
        cached.offer = offer
        cached.attrs = attrs
        cached.slot = slot
        cached.pass = pass
      } else agentCache.set(agentId, { tasks, offer, attrs, slot, pass })
      return slot
    }

    /** Agents with victims, then agents with only an offer (plain loop: kept out of generators). */
    const agentSlots = (
      byAgent: ReadonlyMap<string, ReadonlyArray<AgentTask>>,
      held: ReadonlyArray<PreparedOffer>,
      attrs: ReadonlyMap<string, HostAttributes>
    ): Array<AgentSlot> => {
      const offerByAgent = new Map<string, PreparedOffer>()
      for (const o of held) offerByAgent.set(o.offer.agentId, o)
      pass++
      const agents: Array<AgentSlot> = []
      for (const [agentId, tasks] of byAgent)
        agents.push(slotOf(agentId, tasks, offerByAgent.get(agentId), attrs))
      for (const [agentId, o] of offerByAgent) {
        if (!byAgent.has(agentId)) agents.push(slotOf(agentId, NO_TASKS, o, attrs))
      }
      if (agentCache.size > 2 * agents.length + 64) {
        for (const [id, c] of agentCache) if (c.pass !== pass) agentCache.delete(id)
      }
      return agents
    }

    let lastView:
      | { offers: number; tasks: number; agents: Array<AgentSlot>; index: () => AgentIndex }
      | undefined
    /** Agent views and their value index, reused while offers and agent tasks are unchanged. */
    const agentView = (byAgent: ReadonlyMap<string, ReadonlyArray<AgentTask>>) =>
      Effect.gen(function* () {
        const offerVersion = (yield* offers.stats).version
        const taskVersion =
          state.agentTasksVersion === undefined ? undefined : yield* state.agentTasksVersion()
        if (
          lastView !== undefined &&
          taskVersion !== undefined &&
          lastView.offers === offerVersion &&
          lastView.tasks === taskVersion
        ) {
          return lastView
        }
        const held = yield* offers.all
        const attrs = yield* state.allHostAttributes()
        const agents = agentSlots(byAgent, held, attrs)
        let index: AgentIndex | undefined
        const view = {
          offers: offerVersion,
          tasks: taskVersion ?? -1,
          agents,
          index: () => {
            if (index === undefined) index = buildAgentIndex(agents)
            return index
          }
        }
        lastView = taskVersion === undefined ? undefined : view
        return view
      })

    const liveSlots = (now: number): number => {
      let n = 0
      for (const [key, list] of slots) {
        const alive = list.filter((c) => c.expiresAtMs > now)
        if (alive.length === 0) slots.delete(key)
        else {
          slots.set(key, alive)
          n += alive.length
        }
      }
      return n
    }

    const searchSlotsPass = Effect.gen(function* () {
      if (!s.enabled) return []
      const now = yield* Clock.currentTimeMillis
      liveSlots(now)
      const byAgent = yield* state.agentTasks()
      if (byAgent.size === 0) return []
      const pending = yield* state.pendingSince(now - s.preemptionDelayMs)
      const counts = new Map<string, { config: (typeof pending)[number]["config"]; count: number }>()
      for (const t of pending) {
        const key = groupKeyOf(t.config)
        if (slots.has(key)) continue
        const c = counts.get(key)
        if (c === undefined) counts.set(key, { config: t.config, count: 1 })
        else c.count++
      }
      if (counts.size === 0) return []
      const view = yield* agentView(byAgent)
      const groups: Array<PendingGroup> = []
      for (const [key, { config, count }] of counts) {
        let agg: AttributeCounts = EMPTY_COUNTS
        if (config.constraints.some((c) => "limit" in c.constraint)) {
          const r = yield* Effect.either(state.jobAggregate(config.job))
          if (r._tag === "Left") continue
          agg = r.right
        }
        const request = makeRequest(
          config,
          taskRequestBag(config, s.executorOverheads),
          agg,
          tierInfoOf(config, s.tiers).revocable
        )
        groups.push({ groupKey: key, request, rank: rankOf(config, s.tiers), count })
      }
      const found = searchSlots(
        groups,
        view.agents,
        settingsAt(now),
        s.reservationBatchSize,
        // Without a change counter the index would be rebuilt every pass, costing more than a scan.
        view.tasks === -1 ? undefined : view.index()
      )
      for (const p of found) {
        const list = slots.get(p.groupKey) ?? []
        list.push({ proposal: p, expiresAtMs: now + holdMs })
        slots.set(p.groupKey, list)
      }
      return found
    })

    const NONE = Effect.succeed(undefined)
    const attempt = (pendingTaskId: string, groupKey: string, request: ResourceRequest, rank: Rank) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        liveSlots(now)
        const list = slots.get(groupKey)
        if (list === undefined) return undefined
        while (list.length > 0) {
          const { proposal } = list.shift()!
          if (list.length === 0) slots.delete(groupKey)
          const byAgent = yield* state.agentTasks()
          const wanted = new Set(proposal.victims)
          const current = (byAgent.get(proposal.agentId) ?? []).filter((t) => wanted.has(t.taskId))
          if (current.length === 0) continue
          const offer = yield* offers.byAgent(proposal.agentId)
          const attrs = yield* state.hostAttributes(current[0].host)
          const slot: AgentSlot = {
            agentId: proposal.agentId,
            host: hostOf(attrs),
            slack: offer?.nonRevocable ?? EMPTY_BAG,
            unavailabilityStartMs: offer?.unavailabilityStartMs,
            victims: current.map(victimOf)
          }
          const chosen = selectVictims(request, rank, slot, settingsAt(now))
          if (chosen === undefined) continue
          for (const v of chosen)
            yield* state.transition(v.taskId, "PREEMPTING", preemptionMessage(pendingTaskId))
          return proposal.agentId
        }
        return undefined
      })

    const shape: PreemptorShape = {
      attemptPreemptionFor: (pendingTaskId, groupKey, request, rank) =>
        // Most attempts find no cached slot: answer those without a clock read or a generator.
        Effect.suspend(() => (slots.has(groupKey) ? attempt(pendingTaskId, groupKey, request, rank) : NONE)),
      searchSlots: searchSlotsPass,
      cachedSlots: Effect.map(Clock.currentTimeMillis, liveSlots)
    }
    return shape
  })

/** Layer with the periodic slot search (none when `-enable_preemptor=false`). */
export const PreemptorLive = (overrides: Partial<PreemptorSettings> = {}) =>
  Layer.scoped(
    Preemptor,
    Effect.gen(function* () {
      const s = { ...DEFAULT_PREEMPTOR, ...overrides }
      const shape = yield* makePreemptor(overrides)
      if (s.enabled) {
        yield* Effect.forkScoped(
          Effect.sleep(`${s.searchInitialDelayMs} millis`).pipe(
            Effect.zipRight(
              Effect.repeat(
                Effect.catchAllCause(shape.searchSlots, (c) => Effect.logError("slot search failed", c)),
                Schedule.fixed(`${s.searchIntervalMs} millis`)
              )
            )
          )
        )
      }
      return shape
    })
  )
