// Types of the Multi-Paxos core: values, durable records, messages, inputs and outputs of `step`.

export type ReplicaStatus = "EMPTY" | "STARTING" | "RECOVERING" | "VOTING"

/** What a log position holds: client data, a fill-in no-op, or "truncate everything below `to`". */
export type Value<D> =
  | { readonly _tag: "Data"; readonly data: D }
  | { readonly _tag: "Noop" }
  | { readonly _tag: "Truncate"; readonly to: number }

/** Paxos state of one position at one replica. Ballot 0 means "none". */
export interface Action<D> {
  readonly position: number
  readonly promised: number
  readonly ballot: number
  readonly value: Value<D> | undefined
  readonly learned: boolean
}

/**
 * Records that must be on disk before the replies of the same step leave. `lazy` records (learned
 * marks and the truncations they cause) may be lost in a crash without harm: a replica that forgets
 * it learned a position relearns it; so they need not be synced, only written in order.
 */
export type Durable<D> =
  | { readonly _tag: "Metadata"; readonly status: ReplicaStatus; readonly promised: number }
  | {
      readonly _tag: "Action"
      readonly action: Action<D>
      readonly lazy?: boolean
      readonly promise?: boolean
    }
  | { readonly _tag: "Truncated"; readonly begin: number; readonly lazy?: boolean }

/** Requests (a coordinator's Promise/Write, Recover) as opposed to an acceptor's replies and Learned notices. */
export const isRequest = (m: { readonly _tag: string }): boolean =>
  m._tag === "Promise" || m._tag === "Write" || m._tag === "Recover"

/** Records by which this replica promised something (its coordinator's writes rely on them). */
export const isPromiseRecord = <D>(r: Durable<D>): boolean =>
  r._tag === "Metadata" || (r._tag === "Action" && r.promise === true)

/** Positions this step accepted a value at (a chosen fact counting our vote relies on them). */
export const isAcceptRecord = <D>(r: Durable<D>): r is Extract<Durable<D>, { _tag: "Action" }> =>
  r._tag === "Action" && !r.lazy && !r.promise

/** `position: null` is the implicit promise covering every position not yet learned. */
export type Message<D> =
  | { readonly _tag: "Promise"; readonly ballot: number; readonly position: number | null }
  | {
      readonly _tag: "PromiseOk"
      readonly ballot: number
      readonly position: number | null
      readonly begin: number
      readonly end: number
      readonly accepted: { readonly ballot: number; readonly value: Value<D> } | null
      readonly learned: Value<D> | null
      readonly truncated: boolean
    }
  | {
      readonly _tag: "Reject"
      readonly ballot: number
      readonly position: number | null
      readonly promised: number
    }
  | { readonly _tag: "Write"; readonly ballot: number; readonly position: number; readonly value: Value<D> }
  | { readonly _tag: "WriteOk"; readonly ballot: number; readonly position: number }
  | { readonly _tag: "Learned"; readonly position: number; readonly value: Value<D> }
  | { readonly _tag: "Recover"; readonly round: number }
  | {
      readonly _tag: "RecoverOk"
      readonly round: number
      readonly status: ReplicaStatus
      readonly begin: number
      readonly end: number
    }

export interface Envelope<D> {
  readonly from: number
  readonly to: number
  readonly msg: Message<D>
}

export type Input<D> =
  | { readonly _tag: "Receive"; readonly from: number; readonly msg: Message<D> }
  | { readonly _tag: "Tick"; readonly now: number }
  | { readonly _tag: "Append"; readonly id: number; readonly values: ReadonlyArray<Value<D>> }

export type FailureReason = "Demoted" | "NotVoting"

export type Result =
  | { readonly _tag: "Appended"; readonly id: number; readonly positions: ReadonlyArray<number> }
  | { readonly _tag: "AppendFailed"; readonly id: number; readonly reason: FailureReason }

export type Event =
  | { readonly _tag: "Elected"; readonly ballot: number; readonly end: number }
  | { readonly _tag: "Demoted"; readonly ballot: number; readonly by: number }
  | { readonly _tag: "StatusChanged"; readonly status: ReplicaStatus }

/** Everything one step asks the driver to do, in this order: persist, then send, then report. */
export interface Ready<D> {
  readonly persist: Array<Durable<D>>
  /**
   * Messages that may leave before `persist` is durable: requests when this step promised nothing
   * (a write relies on its coordinator's own promise), and Learned notices for positions this step
   * did not accept at (a chosen value counting our vote relies on our acceptance).
   */
  readonly early: Array<Envelope<D>>
  /** Messages that leave only after `persist` is durable. */
  readonly send: Array<Envelope<D>>
  /** Newly learned positions, in position order and without gaps (truncated ranges are skipped). */
  readonly learned: Array<{ readonly position: number; readonly value: Value<D> }>
  readonly results: Array<Result>
  readonly events: Array<Event>
}

export interface PaxosConfig {
  readonly id: number
  readonly members: ReadonlyArray<number>
  readonly quorum: number
  readonly autoInitialize: boolean
  /** Resend interval for unanswered requests and base of the randomized election back-off. */
  readonly retryMs: number
  /** At most this many fill-in rounds run at once (catch-up of long logs). */
  readonly maxRounds: number
}

/** Ballots are unique per coordinator: the low 6 bits carry the member id. */
export const BALLOT_ID_BITS = 64
export const nextBallot = (highestSeen: number, id: number): number =>
  (Math.floor(highestSeen / BALLOT_ID_BITS) + 1) * BALLOT_ID_BITS + id

/** Refuses a quorum that would let two disjoint majorities decide (quorum ≤ N/2) or that can never be met. */
export const validateQuorum = (quorum: number, replicas: number): string | undefined => {
  if (!Number.isInteger(quorum) || quorum < 1) return `quorum must be a positive integer, got ${quorum}`
  if (quorum * 2 <= replicas)
    return `quorum ${quorum} is not a majority of ${replicas} replicas (use ${Math.floor(replicas / 2) + 1}); a smaller quorum corrupts the log`
  if (quorum > replicas) return `quorum ${quorum} exceeds the number of replicas (${replicas})`
  return undefined
}
