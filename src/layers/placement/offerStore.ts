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
/** The filter's vetoes for a request against a held offer (revocable requests see revocable resources). */
const vetoesFor = (p: PreparedOffer, request: ResourceRequest, settings: FilterSettings) =>
  filter(
    request.revocable ? p.forRevocable : p.nonRevocable,
    p.host,
    p.unavailabilityStartMs,
    request,
    settings
  )

/**
 * Where the previous match of a batch was found. The tasks of one scheduling attempt share their
 * request, and its vetoes only grow between them (limit overlay), so every offer before the last match
 * is still vetoed, skipped or chosen: the next search resumes after it instead of rescanning.
 */
export interface MatchCursor {
  layout: number
  at: number
}

export const newMatchCursor = (): MatchCursor => ({ layout: -1, at: 0 })

export class OfferStore {
  private readonly byId = new Map<string, HeldOffer>()
  private readonly byAgent = new Map<string, HeldOffer>()
  private readonly byHost = new Map<string, HeldOffer>()
  private sorted: Array<HeldOffer> = []
  /** Arrivals not yet merged into `sorted` (merged in bulk before the next read). */
  private arrivals: Array<HeldOffer> = []
  private start = 0
  /** Bumped whenever `sorted` is reordered (so a match cursor's index no longer holds). */
  private layout = 0
  private tombstones = 0
  private banCount = 0
  /** Per group: static bans on held offers and a lower bound of their expiries (fast "all banned"). */
  private readonly groupBans = new Map<string, { count: number; minExpiry: number }>()
  /** Bumped on every change of the held set or a host's attributes. */
  version = 0
  private readonly compare: (a: RankedOffer, b: RankedOffer) => number
  /**
   * Rescinds that arrived before their offer. Aurora bans such an offer and cancels it asynchronously
   * right after it is stored; here it is simply never stored (same end state, no window).
   */
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
    if (this.earlyRescinds.delete(offer.id)) return []
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
      globallyBanned: false,
      staticBans: undefined,
      returnAtMs
    }
    this.byId.set(offer.id, held)
    this.byAgent.set(offer.agentId, held)
    this.byHost.set(offer.host, held)
    this.insertSorted(held)
    this.version++
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
    this.version++
    if (held.staticBans !== undefined) {
      this.banCount -= held.staticBans.size
      for (const g of held.staticBans.keys()) this.dropGroupBan(g)
    }
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
    this.arrivals = []
    this.start = 0
    this.layout++
    this.tombstones = 0
    this.banCount = 0
    this.groupBans.clear()
    this.earlyRescinds.clear()
    this.version++
  }

  /** Held offers in order, excluding globally banned ones. */
  *ordered(): IterableIterator<HeldOffer> {
    this.merge()
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
    onVeto?: (h: HeldOffer, vetoes: ReadonlyArray<Veto>) => void,
    cursor?: MatchCursor
  ): HeldOffer | undefined {
    this.merge()
    const now = settings.nowMs
    const gb = this.groupBans.get(groupKey)
    // Every held offer is statically banned for this group and no ban has expired: nothing can match.
    if (gb !== undefined && gb.count >= this.byId.size && gb.minExpiry > now) return undefined
    const sorted = this.sorted
    let seenMin = Number.POSITIVE_INFINITY
    const resume = cursor !== undefined && cursor.layout === this.layout ? cursor.at : 0
    // A resumed scan sees only part of the offers: it must not lower-bound the group's ban expiries.
    const whole = resume <= this.start
    let leading = whole
    for (let i = Math.max(this.start, resume); i < sorted.length; i++) {
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
          if (until > now) {
            if (until < seenMin) seenMin = until
            continue
          }
          bans.delete(groupKey)
          this.banCount--
          this.dropGroupBan(groupKey)
        }
      }
      const p = h.prepared
      if (!p.hasCpuAndRam) continue
      if (skip?.(h)) continue
      const vetoes = vetoesFor(p, request, settings)
      if (vetoes.length === 0) {
        if (cursor !== undefined) {
          cursor.layout = this.layout
          cursor.at = i + 1
        }
        return h
      }
      onVeto?.(h, vetoes)
      if (vetoGroup(vetoes) === "STATIC" && this.banCount < this.settings.staticBanMaxEntries) {
        if (h.staticBans === undefined) h.staticBans = new Map()
        const until = now + this.settings.staticBanMs
        if (!h.staticBans.has(groupKey)) {
          this.banCount++
          const g = this.groupBans.get(groupKey)
          if (g === undefined) this.groupBans.set(groupKey, { count: 1, minExpiry: until })
          else g.count++
        }
        h.staticBans.set(groupKey, until)
        if (until < seenMin) seenMin = until
      }
    }
    const g = this.groupBans.get(groupKey)
    if (g !== undefined && whole) g.minExpiry = seenMin
    return undefined
  }

  private dropGroupBan(groupKey: string): void {
    const g = this.groupBans.get(groupKey)
    if (g === undefined) return
    if (--g.count <= 0) this.groupBans.delete(groupKey)
  }

  /** The agent's offer if it passes the filter (update affinity): no ban bookkeeping. */
  matchAgent(agentId: string, request: ResourceRequest, settings: FilterSettings): HeldOffer | undefined {
    const h = this.byAgent.get(agentId)
    if (h === undefined || h.globallyBanned || !h.prepared.hasCpuAndRam) return undefined
    const p = h.prepared
    return vetoesFor(p, request, settings).length === 0 ? h : undefined
  }

  /** Number of (offer, group) static bans held. */
  get staticBans(): number {
    return this.banCount
  }

  private insertSorted(h: HeldOffer): void {
    this.arrivals.push(h)
  }

  /** Small batches go in by binary insertion; large ones by one sort of everything. */
  private merge(): void {
    const arrivals = this.arrivals
    if (arrivals.length === 0) return
    this.arrivals = []
    if (arrivals.length > 64) {
      const all = this.sorted.slice(this.start).filter((h) => !h.removed)
      for (const h of arrivals) if (!h.removed) all.push(h)
      all.sort(this.compare)
      this.sorted = all
      this.layout++
      this.start = 0
      this.tombstones = 0
      return
    }
    for (const h of arrivals) if (!h.removed) this.insertOne(h)
  }

  private insertOne(h: HeldOffer): void {
    this.layout++
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
    this.merge()
    this.sorted = this.sorted.filter((h) => !h.removed)
    this.layout++
    this.start = 0
    this.tombstones = 0
  }
}
