import { Clock, Effect, Layer, Random, Schedule } from "effect"
import {
  DEFAULT_REVOCABLE,
  type FilterSettings,
  type OfferOrder,
  offerHostAttributes,
  type RevocableSettings,
  seededRandom
} from "../../domain/placement/index.ts"
import { OfferDriver, type OfferLaunchFailed } from "../../services/OfferDriver.ts"
import { OfferManager, type OfferManagerShape, OfferNoLongerExists } from "../../services/OfferManager.ts"
import { PlacementState } from "../../services/PlacementState.ts"
import { OfferStore } from "./offerStore.ts"

export interface OfferManagerSettings {
  /** `-min_offer_hold_time` */
  readonly minOfferHoldMs: number
  /** `-offer_hold_jitter_window` */
  readonly offerHoldJitterMs: number
  /** `-hold_offers_forever` */
  readonly holdOffersForever: boolean
  /** `-offer_filter_duration`: refuse filter on declines and launches. */
  readonly offerFilterMs: number
  /** `-unavailability_threshold` */
  readonly unavailabilityThresholdMs: number
  /** `-offer_order` */
  readonly offerOrder: ReadonlyArray<OfferOrder>
  readonly revocable: RevocableSettings
  /** `-offer_static_ban_cache_max_size` */
  readonly staticBanMaxEntries: number
  /** How often held offers are checked for their return time. */
  readonly sweepIntervalMs: number
  /** Seed of the RANDOM order (drawn from Effect's Random when unset). */
  readonly seed?: number
}

export const DEFAULT_OFFER_MANAGER: OfferManagerSettings = {
  minOfferHoldMs: 5 * 60_000,
  offerHoldJitterMs: 60_000,
  holdOffersForever: false,
  offerFilterMs: 5000,
  unavailabilityThresholdMs: 6 * 60_000,
  offerOrder: ["RANDOM"],
  revocable: DEFAULT_REVOCABLE,
  staticBanMaxEntries: Number.POSITIVE_INFINITY,
  sweepIntervalMs: 1000
}

/** The offer manager over an OfferStore; declines and launches go to the OfferDriver. */
export const makeOfferManager = (overrides: Partial<OfferManagerSettings> = {}) =>
  Effect.gen(function* () {
    const s = { ...DEFAULT_OFFER_MANAGER, ...overrides }
    const driver = yield* OfferDriver
    const state = yield* Effect.serviceOption(PlacementState)
    const seed = s.seed ?? (yield* Random.nextIntBetween(0, 2 ** 31))
    const store = new OfferStore(
      {
        orders: s.offerOrder,
        revocable: s.revocable,
        staticBanMs: s.holdOffersForever ? Number.POSITIVE_INFINITY : s.minOfferHoldMs + s.offerHoldJitterMs,
        staticBanMaxEntries: s.staticBanMaxEntries
      },
      seededRandom(seed)
    )
    if (s.unavailabilityThresholdMs < s.minOfferHoldMs + s.offerHoldJitterMs && !s.holdOffersForever) {
      yield* Effect.logWarning(
        "unavailability_threshold is shorter than min_offer_hold_time + offer_hold_jitter_window: offers may outlive a host's maintenance notice"
      )
    }
    const filterSettings = (nowMs: number): FilterSettings => ({
      nowMs,
      unavailabilityThresholdMs: s.unavailabilityThresholdMs
    })

    const returnExpired = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const due = store.due(now)
      for (const h of due) store.remove(h.prepared.offer.id)
      yield* Effect.forEach(due, (h) => driver.decline(h.prepared.offer.id, s.offerFilterMs), {
        discard: true
      })
      return due.length
    })

    const shape: OfferManagerShape = {
      add: (offer) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const jitter = s.offerHoldJitterMs > 0 ? yield* Random.nextIntBetween(0, s.offerHoldJitterMs) : 0
          const returnAt = s.holdOffersForever ? Number.POSITIVE_INFINITY : now + s.minOfferHoldMs + jitter
          const stored = state._tag === "Some" ? yield* state.value.hostAttributes(offer.host) : undefined
          // The offer's own attributes, with the stored maintenance mode kept (new hosts: NONE).
          const attrs = { ...offerHostAttributes(offer), mode: stored?.mode ?? "NONE" }
          const declined = store.add(offer, attrs, returnAt)
          yield* Effect.forEach(declined, (id) => driver.decline(id, s.offerFilterMs), { discard: true })
        }),
      rescind: (id) => Effect.sync(() => void store.rescind(id)),
      banGlobally: (id) => Effect.sync(() => store.banGlobally(id)),
      hostAttributesChanged: (attributes) => Effect.sync(() => store.updateHost(attributes)),
      driverDisconnected: Effect.sync(() => store.clear()),
      firstMatch: (groupKey, request, skip, onVeto, cursor) =>
        Effect.map(
          Clock.currentTimeMillis,
          (now) =>
            store.firstMatch(
              groupKey,
              request,
              filterSettings(now),
              skip === undefined ? undefined : (h) => skip(h.prepared),
              onVeto === undefined ? undefined : (h, v) => onVeto(h.prepared, v),
              cursor
            )?.prepared
        ),
      matchAgent: (agentId, request) =>
        Effect.map(
          Clock.currentTimeMillis,
          (now) => store.matchAgent(agentId, request, filterSettings(now))?.prepared
        ),
      launch: (offerId, task) =>
        Effect.suspend((): Effect.Effect<void, OfferNoLongerExists | OfferLaunchFailed> => {
          const held = store.remove(offerId)
          if (held === undefined) return Effect.fail(new OfferNoLongerExists({ offerId }))
          return driver.launch(held.prepared.offer, task, s.offerFilterMs)
        }),
      byAgent: (agentId) =>
        Effect.sync(() => {
          const h = store.byAgentId(agentId)
          return h === undefined || h.globallyBanned ? undefined : h.prepared
        }),
      all: Effect.sync(() => [...store.ordered()].map((h) => h.prepared)),
      returnExpired,
      stats: Effect.sync(() => ({ held: store.size, staticBans: store.staticBans, version: store.version }))
    }
    return { shape, store, settings: s, returnExpired }
  })

/** Layer with the automatic-return sweeper (none when offers are held forever). */
export const OfferManagerLive = (overrides: Partial<OfferManagerSettings> = {}) =>
  Layer.scoped(
    OfferManager,
    Effect.gen(function* () {
      const m = yield* makeOfferManager(overrides)
      if (!m.settings.holdOffersForever) {
        yield* Effect.forkScoped(
          Effect.repeat(m.returnExpired, Schedule.spaced(`${m.settings.sweepIntervalMs} millis`))
        )
      }
      return m.shape
    })
  )
