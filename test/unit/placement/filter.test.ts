import { describe, expect, it } from "vitest"
import type { Constraint } from "../../../src/domain/model/index.ts"
import {
  AttributeAggregate,
  type Bag,
  bag,
  compileHost,
  EMPTY_COUNTS,
  filter,
  insufficientScore,
  makeRequest,
  pendingReason,
  taskRequestBag,
  updateNearestFit,
  vetoGroup
} from "../../../src/domain/placement/index.ts"
import { hostAttrs, hostInfo, limit, task, value } from "./fixtures.ts"

const settings = { nowMs: 1_000_000_000, unavailabilityThresholdMs: 6 * 60_000 }
const big: Bag = bag({ cpus: 8, ramMb: 16384, diskMb: 262144, ports: 1023 })

const run = (
  constraints: ReadonlyArray<Constraint>,
  attrs: Record<string, ReadonlyArray<string>>,
  opts: {
    mode?: "NONE" | "SCHEDULED" | "DRAINING" | "DRAINED"
    available?: Bag
    unavailableAt?: number
    agg?: AttributeAggregate
  } = {}
) => {
  const config = task({ constraints })
  const req = makeRequest(config, taskRequestBag(config), opts.agg ?? EMPTY_COUNTS)
  return filter(
    opts.available ?? big,
    hostInfo("h1", attrs, opts.mode),
    opts.unavailableAt,
    req,
    settings
  ).map((v) => `${v.type}|${v.reason}|${v.score}`)
}

describe("scheduling filter stages (scheduling.md §1.5)", () => {
  it.each([
    ["no constraints on a plain host", [], {}, {}, []],
    [
      "non-dedicated task on a dedicated host",
      [],
      { dedicated: ["www/hello"] },
      {},
      ["DEDICATED_CONSTRAINT_MISMATCH|Host is dedicated|1000000"]
    ],
    [
      "dedicated task on its dedicated host",
      [value("dedicated", ["www/hello"])],
      { dedicated: ["www/hello"] },
      {},
      []
    ],
    [
      "dedicated task on a host with several dedicated values",
      [value("dedicated", ["www/hello"])],
      { dedicated: ["x/y", "www/hello"] },
      {},
      []
    ],
    [
      "dedicated task on another role's host",
      [value("dedicated", ["www/hello"])],
      { dedicated: ["x/y"] },
      {},
      ["CONSTRAINT_MISMATCH|Constraint not satisfied: dedicated|10000"]
    ],
    [
      "dedicated task on a plain host",
      [value("dedicated", ["www/hello"])],
      {},
      {},
      ["CONSTRAINT_MISMATCH|Constraint not satisfied: dedicated|10000"]
    ],
    [
      "negated dedicated task on a plain host (quirk 10.8)",
      [value("dedicated", ["www/hello"], true)],
      {},
      {},
      []
    ],
    [
      "dedicated beats maintenance",
      [],
      { dedicated: ["a/b"] },
      { mode: "DRAINED" },
      ["DEDICATED_CONSTRAINT_MISMATCH|Host is dedicated|1000000"]
    ],
    ["draining host", [], {}, { mode: "DRAINING" }, ["MAINTENANCE|Host draining for maintenance|100000"]],
    ["drained host", [], {}, { mode: "DRAINED" }, ["MAINTENANCE|Host drained for maintenance|100000"]],
    ["scheduled host never vetoes", [], {}, { mode: "SCHEDULED" }, []],
    [
      "unavailability inside the threshold",
      [],
      {},
      { unavailableAt: settings.nowMs + 5 * 60_000 },
      ["MAINTENANCE|Host draining for maintenance|100000"]
    ],
    ["unavailability exactly at the threshold", [], {}, { unavailableAt: settings.nowMs + 6 * 60_000 }, []],
    ["unavailability far ahead", [], {}, { unavailableAt: settings.nowMs + 60 * 60_000 }, []],
    [
      "maintenance beats constraints",
      [value("rack", ["r9"])],
      {},
      { mode: "DRAINING" },
      ["MAINTENANCE|Host draining for maintenance|100000"]
    ],
    ["value constraint matches", [value("rack", ["r1"])], { rack: ["r1"] }, {}, []],
    ["value constraint with a value list (OR)", [value("rack", ["r9", "r1"])], { rack: ["r1"] }, {}, []],
    [
      "value constraint mismatch",
      [value("rack", ["r9"])],
      { rack: ["r1"] },
      {},
      ["CONSTRAINT_MISMATCH|Constraint not satisfied: rack|10000"]
    ],
    [
      "value constraint on a missing attribute",
      [value("zone", ["z"])],
      {},
      {},
      ["CONSTRAINT_MISMATCH|Constraint not satisfied: zone|10000"]
    ],
    [
      "negated value constraint, value present",
      [value("rack", ["r1"], true)],
      { rack: ["r1"] },
      {},
      ["CONSTRAINT_MISMATCH|Constraint not satisfied: rack|10000"]
    ],
    ["negated value constraint, value absent", [value("rack", ["r2"], true)], { rack: ["r1"] }, {}, []],
    ["negated value constraint, attribute missing", [value("zone", ["z"], true)], {}, {}, []],
    [
      "several constraints AND: the first failing is reported",
      [value("rack", ["r1"]), value("zone", ["z"]), value("os", ["x"])],
      { rack: ["r1"] },
      {},
      ["CONSTRAINT_MISMATCH|Constraint not satisfied: zone|10000"]
    ],
    [
      "value constraints are checked before limits",
      [limit("zone", 1), value("rack", ["r9"])],
      { rack: ["r1"] },
      {},
      ["CONSTRAINT_MISMATCH|Constraint not satisfied: rack|10000"]
    ],
    [
      "limit constraint on a missing attribute",
      [limit("zone", 1)],
      {},
      {},
      ["CONSTRAINT_MISMATCH|Constraint not satisfied: zone|10000"]
    ],
    [
      "limit 0 always vetoes where the attribute exists",
      [limit("host", 0)],
      {},
      {},
      ["LIMIT_NOT_SATISFIED|Limit not satisfied: host|10000"]
    ],
    ["limit 1 with nothing placed", [limit("rack", 1)], { rack: ["r1"] }, {}, []]
  ] as const)("%s", (_, constraints, attrs, opts, expected) => {
    expect(run(constraints as ReadonlyArray<Constraint>, attrs, opts)).toEqual(expected)
  })

  it("limit counts the job's tasks on hosts sharing the value, each host value once per task", () => {
    const agg = AttributeAggregate.of([
      hostAttrs("a", { rack: ["r1", "r1"] }),
      hostAttrs("b", { rack: ["r1"] }),
      hostAttrs("c", { rack: ["r2"] })
    ])
    expect(agg.count("rack", "r1")).toBe(2)
    expect(run([limit("rack", 2)], { rack: ["r1"] }, { agg })).toEqual([
      "LIMIT_NOT_SATISFIED|Limit not satisfied: rack|10000"
    ])
    expect(run([limit("rack", 3)], { rack: ["r1"] }, { agg })).toEqual([])
    expect(run([limit("rack", 2)], { rack: ["r2"] }, { agg })).toEqual([])
    // A host with several values is vetoed if any one of them is at the limit.
    expect(run([limit("rack", 2)], { rack: ["r2", "r1"] }, { agg })).toEqual([
      "LIMIT_NOT_SATISFIED|Limit not satisfied: rack|10000"
    ])
  })

  it("an overlay aggregate adds a batch's own assignments without touching the base", () => {
    const base = AttributeAggregate.of([hostAttrs("a", { rack: ["r1"] })])
    const overlay = new AttributeAggregate(base)
    overlay.addHost(hostAttrs("b", { rack: ["r1"] }))
    expect(overlay.count("rack", "r1")).toBe(2)
    expect(base.count("rack", "r1")).toBe(1)
  })

  it("builds the aggregate lazily, only when a limit constraint is checked", () => {
    let built = 0
    const mk = (constraints: ReadonlyArray<Constraint>) => {
      const config = task({ constraints })
      return makeRequest(config, taskRequestBag(config), () => {
        built++
        return EMPTY_COUNTS
      })
    }
    const h = compileHost(hostAttrs("h", { host: ["h"], rack: ["r"] }))
    filter(big, h, undefined, mk([value("rack", ["r"])]), settings)
    expect(built).toBe(0)
    const req = mk([limit("rack", 1)])
    filter(big, h, undefined, req, settings)
    filter(big, h, undefined, req, settings)
    expect(built).toBe(1)
  })
})

describe("insufficient resources (stage 4)", () => {
  const need = (b: Partial<Bag>) => {
    const config = task()
    const req = makeRequest(config, bag({ cpus: 1, ramMb: 1024, diskMb: 1024, ...b }), EMPTY_COUNTS)
    return filter(
      bag({ cpus: 1, ramMb: 1024, diskMb: 1024, ports: 1, gpus: 0 }),
      hostInfo("h"),
      undefined,
      req,
      settings
    )
  }
  it.each([
    ["CPU", { cpus: 2 }, ["Insufficient: CPU|62"]],
    ["half a CPU", { cpus: 1.5 }, ["Insufficient: CPU|31"]],
    ["a lot of CPU is capped at 1000", { cpus: 161 }, ["Insufficient: CPU|1000"]],
    ["RAM", { ramMb: 2048 }, ["Insufficient: RAM|41"]],
    ["a little RAM", { ramMb: 1026 }, ["Insufficient: RAM|0"]],
    ["disk", { diskMb: 1224 }, ["Insufficient: disk|0"]],
    ["ports", { ports: 2 }, ["Insufficient: ports|1"]],
    ["GPU", { gpus: 1 }, ["Insufficient: GPU|250"]],
    [
      "every type at once, in enum order",
      { cpus: 2, ramMb: 2048, diskMb: 2048, ports: 2, gpus: 1 },
      [
        "Insufficient: CPU|62",
        "Insufficient: RAM|41",
        "Insufficient: disk|2",
        "Insufficient: ports|1",
        "Insufficient: GPU|250"
      ]
    ],
    ["exact fit", {}, []]
  ] as const)("%s", (_, b, expected) => {
    expect(need(b).map((v) => `${v.reason}|${v.score}`)).toEqual(expected)
  })

  it("scores match the spec's examples", () => {
    expect(insufficientScore("CPUS", 1)).toBe(62)
    expect(insufficientScore("CPUS", 0.5)).toBe(31)
    expect(insufficientScore("CPUS", 160)).toBe(1000)
    expect(insufficientScore("RAM_MB", 1024)).toBe(41)
    expect(insufficientScore("RAM_MB", 2)).toBe(0)
    expect(insufficientScore("DISK_MB", 200)).toBe(0)
    expect(insufficientScore("PORTS", 1)).toBe(1)
    expect(insufficientScore("GPUS", 1)).toBe(250)
  })

  it("request bag includes the Thermos executor overhead", () => {
    expect(taskRequestBag(task())).toEqual(bag({ cpus: 1.25, ramMb: 256, diskMb: 128 }))
    expect(taskRequestBag(task({ executorConfig: undefined }))).toEqual(
      bag({ cpus: 1, ramMb: 128, diskMb: 128 })
    )
  })

  it("veto groups: limit vetoes are dynamic, mixed sets are MIXED", () => {
    expect(vetoGroup([])).toBe("EMPTY")
    expect(vetoGroup(need({ cpus: 2, ramMb: 4096 }))).toBe("STATIC")
    expect(run([limit("host", 0)], {}).length).toBe(1)
    const lim = { type: "LIMIT_NOT_SATISFIED", reason: "", score: 1 } as const
    const cpu = { type: "INSUFFICIENT_RESOURCES", reason: "", score: 1 } as const
    expect(vetoGroup([lim])).toBe("DYNAMIC")
    expect(vetoGroup([lim, cpu])).toBe("MIXED")
  })
})

describe("nearest fit (pending reasons)", () => {
  const cpu = { type: "INSUFFICIENT_RESOURCES", reason: "Insufficient: CPU", score: 62 } as const
  const ram = { type: "INSUFFICIENT_RESOURCES", reason: "Insufficient: RAM", score: 41 } as const
  const lim = { type: "LIMIT_NOT_SATISFIED", reason: "Limit not satisfied: host", score: 10_000 } as const
  it("keeps the lowest total score for 10 minutes", () => {
    let fit = updateNearestFit(undefined, [lim], 0)
    fit = updateNearestFit(fit, [cpu, ram], 1)
    fit = updateNearestFit(fit, [lim], 2)
    expect(pendingReason(fit, 3)).toBe("Insufficient: CPU, Insufficient: RAM")
    expect(pendingReason(fit, 1 + 10 * 60_000)).toBeUndefined()
    expect(updateNearestFit(fit, [lim], 1 + 10 * 60_000).vetoes).toEqual([lim])
  })
})
