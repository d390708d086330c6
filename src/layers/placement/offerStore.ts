import type { HostAttributes } from "../../domain/model/index.ts"
import {
  compileHost,
  DEFAULT_REVOCABLE,
  type FilterSettings,
  filter,
  type Offer,
  type OfferOrder,
  offerComparator,
  offerHostAttributes,
  type PreparedOffer,
  prepareOffer,
  type RankedOffer,
  type ResourceRequest,
  type RevocableSettings,
  type Veto,
  vetoGroup
} from "../../domain/placement/index.ts"

/** A held offer. Mutable flags keep matching allocation-free. */
export interface HeldOffer extends RankedOffer {
  readonly prepared: PreparedOffer
  removed: boolean
  globallyBanned: boolean
  /** (offer, task group) static bans: group key -> expiry (ms). */
  staticBans: Map<string, number> | undefined
  /** When the offer is returned automatically (Infinity when offers are held forever). */
  readonly returnAtMs: number
}

export interface OfferStoreSettings {
  readonly orders: ReadonlyArray<OfferOrder>
  readonly revocable: RevocableSettings
  /** Static ban lifetime: min hold + jitter window (Infinity when holding forever). */
  readonly staticBanMs: number
  readonly staticBanMaxEntries: number
}

export const DEFAULT_OFFER_STORE: OfferStoreSettings = {
  orders: ["RANDOM"],
  revocable: DEFAULT_REVOCABLE,
  staticBanMs: 6 * 60_000,
  staticBanMaxEntries: Number.POSITIVE_INFINITY
}

/**
 * Offers held by the scheduler (scheduling.md §1.4): at most one per agent, indexed by id, agent and
 * host, kept in filter order in one array (removals leave tombstones, compacted in bulk).
 */
export class OfferStore {
  private readonly byId = new Map<string, HeldOffer>()
  private readonly byAgent = new Map<string, HeldOffer>()
  private readonly byHost = new Map<string, HeldOffer>()
  private sorted: Array<HeldOffer> = []
  private start = 0
  private tombstones = 0
  private banCount = 0
  private readonly compare: (a: RankedOffer, b: RankedOffer) => number
  /** Rescinds that arrived before their offer: the offer is banned when it arrives. */
  private readonly earlyRescinds = new Set<string>()

  constructor(
    private readonly settings: OfferStoreSettings = DEFAULT_OFFER_STORE,
    private readonly random: () => number = Math.random
  ) {
    this.compare = offerComparator(settings.orders)
  }

  get size(): number {
    return this.byId.size
  }

  get(id: string): HeldOffer | undefined {
    return this.byId.get(id)
  }
  byAgentId(agentId: string): HeldOffer | undefined {
    return this.byAgent.get(agentId)
  }
  byHostName(host: string): HeldOffer | undefined {
    return this.byHost.get(host)
  }

  /**
   * Stores an offer with the host attributes stored for it (or the offer's own, mode NONE). Returns the
   * ids to decline: an older offer from the same agent and this one, so the cluster merges them.
   */
  add(offer: Offer, stored: HostAttributes | undefined, returnAtMs: number): ReadonlyArray<string> {
    const previous = this.byAgent.get(offer.agentId)
    if (previous !== undefined) {
      this.remove(previous.prepared.offer.id)
      return [previous.prepared.offer.id, offer.id]
    }
    const prepared = prepareOffer(
      offer,
      compileHost(stored ?? offerHostAttributes(offer)),
      this.settings.revocable
    )
    const held: HeldOffer = {
      prepared,
      randomRank: this.random(),
      removed: false,
      globallyBanned: this.earlyRescinds.delete(offer.id),
      staticBans: undefined,
      returnAtMs
    }
    this.byId.set(offer.id, held)
    this.byAgent.set(offer.agentId, held)
    this.byHost.set(offer.host, held)
    this.insertSorted(held)
    return []
  }

  /** Removes an offer (used, declined, rescinded); its bans go with it. */
  remove(id: string): HeldOffer | undefined {
    const held = this.byId.get(id)
    if (held === undefined) return undefined
    this.byId.delete(id)
    const o = held.prepared.offer
    if (this.byAgent.get(o.agentId) === held) this.byAgent.delete(o.agentId)
    if (this.byHost.get(o.host) === held) this.byHost.delete(o.host)
    held.removed = true
    if (held.staticBans !== undefined) this.banCount -= held.staticBans.size
    held.staticBans = undefined
    this.tombstones++
    if (this.tombstones > 1024 && this.tombstones > this.byId.size / 4) this.compact()
    return held
  }

  /** Rescind: remove, or remember the id if the offer has not arrived yet. */
  rescind(id: string): boolean {
    if (this.remove(id) !== undefined) return true
    this.earlyRescinds.add(id)
    return false
  }

  banGlobally(id: string): void {
    const held = this.byId.get(id)
    if (held !== undefined) held.globallyBanned = true
  }

  /** The host's attributes changed (e.g. maintenance mode): re-sort its offer with the new ones. */
  updateHost(attributes: HostAttributes): void {
    const held = this.byHost.get(attributes.host)
    if (held === undefined) return
    const o = held.prepared.offer
    this.remove(o.id)
    const prepared = prepareOffer(o, compileHost(attributes), this.settings.revocable)
    const fresh: HeldOffer = { ...held, prepared, removed: false, staticBans: undefined }
    this.byId.set(o.id, fresh)
    this.byAgent.set(o.agentId, fresh)
    this.byHost.set(o.host, fresh)
    this.insertSorted(fresh)
  }

  /** Driver disconnected: everything goes, bans included. */
  clear(): void {
    this.byId.clear()
    this.byAgent.clear()
    this.byHost.clear()
    this.sorted = []
    this.start = 0
    this.tombstones = 0
    this.banCount = 0
    this.earlyRescinds.clear()
  }

  /** Held offers in order, excluding globally banned ones. */
  *ordered(): IterableIterator<HeldOffer> {
    for (let i = this.start; i < this.sorted.length; i++) {
      const h = this.sorted[i]
      if (!h.removed && !h.globallyBanned) yield h
    }
  }

  /** Offers whose automatic return time has come. */
  due(nowMs: number): Array<HeldOffer> {
    const out: Array<HeldOffer> = []
    for (const h of this.byId.values()) if (h.returnAtMs <= nowMs) out.push(h)
    return out
  }

  /**
   * getAllMatching's first hit (§1.4): skips globally banned offers, this group's static bans, offers
   * without CPU or RAM and offers `skip` rejects; a veto made only of STATIC vetoes bans the
   * (offer, group) pair. `onVeto` sees every veto set (nearest-fit and stats).
   */
  firstMatch(
    groupKey: string,
    request: ResourceRequest,
    settings: FilterSettings,
    skip?: (h: HeldOffer) => boolean,
    onVeto?: (h: HeldOffer, vetoes: ReadonlyArray<Veto>) => void
  ): HeldOffer | undefined {
    const sorted = this.sorted
    const now = settings.nowMs
    let leading = true
    for (let i = this.start; i < sorted.length; i++) {
      const h = sorted[i]
      if (h.removed) {
        if (leading) this.start = i + 1
        continue
      }
      leading = false
      if (h.globallyBanned) continue
      const bans = h.staticBans
      if (bans !== undefined) {
        const until = bans.get(groupKey)
        if (until !== undefined) {
          if (until > now) continue
          bans.delete(groupKey)
          this.banCount--
        }
      }
      const p = h.prepared
      if (!p.hasCpuAndRam) continue
      if (skip?.(h)) continue
      const vetoes = filter(
        request.revocable ? p.forRevocable : p.nonRevocable,
        p.host,
        p.unavailabilityStartMs,
        request,
        settings
      )
      if (vetoes.length === 0) return h
      onVeto?.(h, vetoes)
      if (vetoGroup(vetoes) === "STATIC" && this.banCount < this.settings.staticBanMaxEntries) {
        if (h.staticBans === undefined) h.staticBans = new Map()
        if (!h.staticBans.has(groupKey)) this.banCount++
        h.staticBans.set(groupKey, now + this.settings.staticBanMs)
      }
    }
    return undefined
  }

  /** Number of (offer, group) static bans held. */
  get staticBans(): number {
    return this.banCount
  }

  private insertSorted(h: HeldOffer): void {
    const a = this.sorted
    let lo = this.start
    let hi = a.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.compare(a[mid], h) < 0) lo = mid + 1
      else hi = mid
    }
    if (lo === a.length) a.push(h)
    else a.splice(lo, 0, h)
  }

  private compact(): void {
    this.sorted = this.sorted.filter((h) => !h.removed)
    this.start = 0
    this.tombstones = 0
  }
}
