import { describe, expect, it } from "vitest"
import {
  evaluateTransition,
  type LifecycleState,
  type SideEffect
} from "../../../src/domain/lifecycle/index.ts"
import { ALL_STATUSES } from "../../../src/domain/model/index.ts"
import { task } from "./fixtures.ts"

/**
 * task-lifecycle.md §2.3, written out independently of the implementation. Codes: SAVE, INC, RS,
 * TL, KILL, DEL; RS_svc = RS only for services; FAILRS = INC plus RS when retries remain;
 * RS_unlessKilling = RS unless KILLING is in the history; "!KILL" = illegal but emits KILL.
 * Every pair not listed is ILLEGAL without effects (NOOP when the states are equal).
 */
const TABLE: Readonly<Record<LifecycleState, Readonly<Record<string, string>>>> = {
  INIT: { PENDING: "SAVE", THROTTLED: "SAVE" },
  THROTTLED: { PENDING: "SAVE", KILLING: "DEL" },
  PENDING: { ASSIGNED: "SAVE", KILLING: "DEL" },
  ASSIGNED: {
    STARTING: "SAVE",
    RUNNING: "SAVE",
    FINISHED: "SAVE RS_svc",
    FAILED: "SAVE FAILRS",
    PREEMPTING: "SAVE KILL",
    RESTARTING: "SAVE KILL",
    DRAINING: "SAVE KILL",
    KILLING: "SAVE KILL",
    KILLED: "SAVE RS",
    LOST: "SAVE RS KILL"
  },
  STARTING: {
    RUNNING: "SAVE",
    PARTITIONED: "SAVE",
    FINISHED: "SAVE RS_svc",
    FAILED: "SAVE FAILRS",
    PREEMPTING: "SAVE KILL",
    RESTARTING: "SAVE KILL",
    DRAINING: "SAVE KILL",
    KILLING: "SAVE KILL",
    KILLED: "SAVE RS",
    LOST: "SAVE RS"
  },
  RUNNING: {
    PARTITIONED: "SAVE",
    FINISHED: "SAVE RS_svc",
    FAILED: "SAVE FAILRS",
    PREEMPTING: "SAVE KILL",
    RESTARTING: "SAVE KILL",
    DRAINING: "SAVE KILL",
    KILLING: "SAVE KILL",
    KILLED: "SAVE RS",
    LOST: "SAVE RS"
  },
  ...Object.fromEntries(
    (["PREEMPTING", "RESTARTING", "DRAINING"] as const).map((s) => [
      s,
      {
        FINISHED: "SAVE RS",
        FAILED: "SAVE RS",
        KILLED: "SAVE RS",
        KILLING: "SAVE",
        LOST: "SAVE RS KILL",
        PARTITIONED: "SAVE TL",
        ASSIGNED: "!KILL",
        STARTING: "!KILL",
        RUNNING: "!KILL"
      }
    ])
  ),
  KILLING: {
    FINISHED: "SAVE",
    FAILED: "SAVE",
    KILLED: "SAVE",
    LOST: "SAVE",
    PARTITIONED: "SAVE TL",
    DELETED: "DEL",
    ASSIGNED: "!KILL",
    STARTING: "!KILL",
    RUNNING: "!KILL"
  },
  PARTITIONED: {
    ASSIGNED: "SAVE",
    STARTING: "SAVE",
    RUNNING: "SAVE",
    FINISHED: "SAVE",
    FAILED: "SAVE FAILRS",
    PREEMPTING: "SAVE TL",
    RESTARTING: "SAVE TL",
    DRAINING: "SAVE TL",
    KILLING: "SAVE TL",
    LOST: "SAVE KILL RS_unlessKilling"
  },
  ...Object.fromEntries(
    (["FINISHED", "FAILED", "KILLED", "LOST"] as const).map((s) => [
      s,
      { DELETED: "DEL", ASSIGNED: "!KILL", STARTING: "!KILL", RUNNING: "!KILL" }
    ])
  ),
  DELETED: { ASSIGNED: "!KILL", STARTING: "!KILL", RUNNING: "!KILL" }
} as unknown as Record<LifecycleState, Record<string, string>>

const ORDER: ReadonlyArray<SideEffect> = [
  "INCREMENT_FAILURES",
  "SAVE_STATE",
  "RESCHEDULE",
  "TRANSITION_TO_LOST",
  "KILL",
  "DELETE"
]

interface Variant {
  readonly name: string
  readonly isService: boolean
  readonly maxTaskFailures: number
  readonly failureCount: number
  readonly killingInHistory: boolean
}

const VARIANTS: ReadonlyArray<Variant> = [
  {
    name: "batch, no retries left",
    isService: false,
    maxTaskFailures: 1,
    failureCount: 0,
    killingInHistory: false
  },
  {
    name: "batch, retries left",
    isService: false,
    maxTaskFailures: 3,
    failureCount: 1,
    killingInHistory: false
  },
  {
    name: "batch, last attempt",
    isService: false,
    maxTaskFailures: 3,
    failureCount: 2,
    killingInHistory: false
  },
  {
    name: "batch, unlimited",
    isService: false,
    maxTaskFailures: -1,
    failureCount: 7,
    killingInHistory: false
  },
  { name: "batch, max 0", isService: false, maxTaskFailures: 0, failureCount: 0, killingInHistory: false },
  { name: "service", isService: true, maxTaskFailures: 1, failureCount: 5, killingInHistory: false },
  {
    name: "batch, KILLING in history",
    isService: false,
    maxTaskFailures: 1,
    failureCount: 0,
    killingInHistory: true
  }
]

const expectedFor = (from: LifecycleState, to: LifecycleState, v: Variant) => {
  if (from === to) return { result: "NOOP", sideEffects: [] }
  const code = TABLE[from][to]
  if (code === undefined) return { result: "ILLEGAL", sideEffects: [] }
  if (code === "!KILL") return { result: "ILLEGAL_WITH_SIDE_EFFECTS", sideEffects: ["KILL"] }
  const retriesLeft = v.isService || v.maxTaskFailures === -1 || v.failureCount < v.maxTaskFailures - 1
  const effects = new Set<SideEffect>()
  for (const part of code.split(" ")) {
    if (part === "SAVE") effects.add("SAVE_STATE")
    if (part === "KILL") effects.add("KILL")
    if (part === "DEL") effects.add("DELETE")
    if (part === "TL") effects.add("TRANSITION_TO_LOST")
    if (part === "RS") effects.add("RESCHEDULE")
    if (part === "RS_svc" && v.isService) effects.add("RESCHEDULE")
    if (part === "RS_unlessKilling" && !v.killingInHistory) effects.add("RESCHEDULE")
    if (part === "FAILRS") {
      effects.add("INCREMENT_FAILURES")
      if (retriesLeft) effects.add("RESCHEDULE")
    }
  }
  return { result: "SUCCESS", sideEffects: ORDER.filter((e) => effects.has(e)) }
}

const STATES: ReadonlyArray<LifecycleState> = [...ALL_STATUSES, "DELETED"]

describe("transition table (task-lifecycle.md §2.3): every from/to pair", () => {
  for (const v of VARIANTS) {
    describe(v.name, () => {
      for (const from of STATES) {
        it(`from ${from}`, () => {
          const current =
            from === "DELETED"
              ? undefined
              : task(
                  from,
                  {
                    failureCount: v.failureCount,
                    taskEvents: v.killingInHistory
                      ? [
                          { timestamp: 1, status: "KILLING" },
                          { timestamp: 2, status: from }
                        ]
                      : [{ timestamp: 1, status: from }]
                  },
                  { isService: v.isService, maxTaskFailures: v.maxTaskFailures }
                )
          for (const to of STATES) {
            expect({ to, ...evaluateTransition(current, to) }).toEqual({ to, ...expectedFor(from, to, v) })
          }
        })
      }
    })
  }

  it("covers all 16 x 16 pairs and the listed illegal-with-kill rows", () => {
    expect(STATES.length).toBe(16)
    const killRows = STATES.filter((s) => Object.values(TABLE[s]).includes("!KILL"))
    expect(killRows.sort()).toEqual(
      [
        "DELETED",
        "DRAINING",
        "FAILED",
        "FINISHED",
        "KILLED",
        "KILLING",
        "LOST",
        "PREEMPTING",
        "RESTARTING"
      ].sort()
    )
  })
})
