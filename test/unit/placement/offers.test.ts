import { describe, expect, it } from "vitest"
import {
  assignPorts,
  bag,
  carveResources,
  compileHost,
  DEFAULT_REVOCABLE,
  EMPTY_BAG,
  offerComparator,
  offerHostAttributes,
  type PreparedOffer,
  prepareOffer,
  type RankedOffer,
  seededRandom
} from "../../../src/domain/placement/index.ts"
import { hostAttrs, offer } from "./fixtures.ts"

const prep = (o: ReturnType<typeof offer>, mode: "NONE" | "SCHEDULED" | "DRAINING" | "DRAINED" = "NONE") =>
  prepareOffer(o, compileHost({ ...offerHostAttributes(o), mode }))

describe("offer bags (scheduling.md §0)", () => {
  it("sums scalars per type, counts ports in ranges and ignores unknown resources", () => {
    const o = offer("o1", "h", {
      cpus: 4,
      mem: 1024,
      disk: 10,
      gpus: 2,
      ports: [
        [10, 19],
        [30, 30]
      ]
    })
    const p = prepareOffer(
      { ...o, resources: [...o.resources, { name: "bogus", scalar: 9 }] },
      compileHost(offerHostAttributes(o))
    )
    expect(p.nonRevocable).toEqual(bag({ cpus: 4, ramMb: 1024, diskMb: 10, ports: 11, gpus: 2 }))
    expect(p.hasCpuAndRam).toBe(true)
  })

  it("non-revocable tasks see only non-revocable resources; revocable tasks only revocable CPU", () => {
    const p = prep(offer("o", "h", { cpus: 4, revCpus: 2, mem: 1000, revMem: 500 }))
    expect(p.nonRevocable.cpus).toBe(4)
    expect(p.nonRevocable.ramMb).toBe(1000)
    expect(p.forRevocable.cpus).toBe(2)
    // RAM is not revocable-capable by default: a revocable task sees all of it.
    expect(p.forRevocable.ramMb).toBe(1500)
    const withRam = prepareOffer(p.offer, p.host, { ...DEFAULT_REVOCABLE, ram: true })
    expect(withRam.forRevocable.ramMb).toBe(500)
  })

  it("flags offers without CPU or RAM (skipped before filtering)", () => {
    expect(prep(offer("o", "h", { cpus: 0 })).hasCpuAndRam).toBe(false)
    expect(prep(offer("o", "h", { mem: 0 })).hasCpuAndRam).toBe(false)
    expect(prep(offer("o", "h", { cpus: 0, revCpus: 1 })).hasCpuAndRam).toBe(true)
  })
})

describe("offer ordering (§1.4)", () => {
  const ranked = (p: PreparedOffer, r = 0): RankedOffer => ({ prepared: p, randomRank: r })
  const ids = (xs: RankedOffer[], orders: Parameters<typeof offerComparator>[0]) =>
    [...xs].sort(offerComparator(orders)).map((x) => x.prepared.offer.id)

  it("puts maintenance modes in NONE < SCHEDULED < DRAINING < DRAINED order before anything else", () => {
    const xs = [
      ranked(prep(offer("d", "d", { cpus: 1 }), "DRAINED")),
      ranked(prep(offer("s", "s", { cpus: 1 }), "SCHEDULED")),
      ranked(prep(offer("n", "n", { cpus: 9 }), "NONE")),
      ranked(prep(offer("g", "g", { cpus: 1 }), "DRAINING"))
    ]
    expect(ids(xs, ["CPU"])).toEqual(["n", "s", "g", "d"])
  })

  it("puts offers without unavailability first, then later starts before earlier ones", () => {
    const xs = [
      ranked(prep(offer("early", "a", { unavailableAt: 100 }))),
      ranked(prep(offer("none", "b"))),
      ranked(prep(offer("late", "c", { unavailableAt: 200 })))
    ]
    expect(ids(xs, ["RANDOM"])).toEqual(["none", "late", "early"])
  })

  it("bin-packs by ascending CPU, memory, disk and revocable CPU (0 as infinity), ties by id", () => {
    const xs = [
      ranked(prep(offer("b", "b", { cpus: 2, mem: 10, revCpus: 0 }))),
      ranked(prep(offer("a", "a", { cpus: 2, mem: 5, revCpus: 3 }))),
      ranked(prep(offer("c", "c", { cpus: 1, mem: 50 })))
    ]
    expect(ids(xs, ["CPU"])).toEqual(["c", "a", "b"])
    expect(ids(xs, ["MEMORY"])).toEqual(["a", "b", "c"])
    expect(ids(xs, ["REVOCABLE_CPU", "CPU"])).toEqual(["a", "c", "b"])
    expect(ids(xs, ["DISK"])).toEqual(["a", "b", "c"])
  })

  it("RANDOM follows a fixed rank per offer; equal keys never collapse", () => {
    const xs = [
      ranked(prep(offer("x", "x")), 0.9),
      ranked(prep(offer("y", "y")), 0.1),
      ranked(prep(offer("z", "z")), 0.1)
    ]
    expect(ids(xs, ["RANDOM"])).toEqual(["y", "z", "x"])
    expect(ids(xs, [])).toEqual(["x", "y", "z"])
  })
})

describe("port assignment (§1.7)", () => {
  it("gives each named port a distinct offered port", () => {
    const o = offer("o", "h", {
      ports: [
        [100, 101],
        [200, 200]
      ]
    })
    const r = assignPorts(o, ["http", "admin", "health"], seededRandom(1))
    expect(r._tag).toBe("Assigned")
    if (r._tag !== "Assigned") return
    expect(Object.keys(r.ports).sort()).toEqual(["admin", "health", "http"])
    expect(new Set(Object.values(r.ports))).toEqual(new Set([100, 101, 200]))
  })

  it("reports too few ports instead of throwing", () => {
    const o = offer("o", "h", { ports: [[100, 100]] })
    expect(assignPorts(o, ["a", "b"], seededRandom(1))).toEqual({
      _tag: "NotEnoughPorts",
      requested: 2,
      offered: 1
    })
  })

  it("is deterministic for a seed and spreads over the range", () => {
    const o = offer("o", "h", { ports: [[1, 1000]] })
    const a = assignPorts(o, ["p"], seededRandom(7))
    const b = assignPorts(o, ["p"], seededRandom(7))
    expect(a).toEqual(b)
    const rnd = seededRandom(3)
    const seen = new Set<number>()
    for (let i = 0; i < 200; i++) {
      const r = assignPorts(o, ["p"], rnd)
      if (r._tag === "Assigned") seen.add(r.ports.p)
    }
    expect(seen.size).toBeGreaterThan(150)
  })

  it("hostAttrs fixture keeps the stored mode", () => {
    expect(compileHost(hostAttrs("h", {}, "DRAINED")).mode).toBe("DRAINED")
  })
})

describe("carving Mesos resources for a launch (§1.7)", () => {
  const o = {
    ...offer("o", "h", {
      cpus: 1,
      mem: 1000,
      ports: [
        [10, 12],
        [20, 20]
      ],
      revCpus: 4
    })
  }
  const withReserved = {
    ...o,
    resources: [{ name: "cpus", scalar: 0.5, role: "aurora" }, ...o.resources]
  }
  it("takes reserved resources first, splits scalars and intersects ports", () => {
    const r = carveResources(
      withReserved,
      bag({ cpus: 1, ramMb: 500, diskMb: 10 }),
      [11, 20],
      bag({ cpus: 0.25, ramMb: 128 }),
      false,
      DEFAULT_REVOCABLE
    )
    expect(r._tag).toBe("Carved")
    if (r._tag !== "Carved") return
    expect(r.task.filter((x) => x.name === "cpus")).toEqual([
      { name: "cpus", scalar: 0.5, role: "aurora" },
      { name: "cpus", scalar: 0.5 }
    ])
    expect(r.task.find((x) => x.name === "ports")).toEqual({
      name: "ports",
      ranges: [
        { begin: 11, end: 11 },
        { begin: 20, end: 20 }
      ]
    })
    // The executor's overhead comes from what the task left, never from revocable CPU.
    expect(r.executor).toEqual([
      { name: "cpus", scalar: 0.25 },
      { name: "mem", scalar: 128 }
    ])
  })
  it("a revocable task takes revocable CPU only; shortages are reported", () => {
    const r = carveResources(
      o,
      bag({ cpus: 3, ramMb: 10, diskMb: 10 }),
      [],
      bag({ cpus: 0.25 }),
      true,
      DEFAULT_REVOCABLE
    )
    expect(r._tag === "Carved" && r.task[0]).toEqual({ name: "cpus", scalar: 3, revocable: true })
    expect(
      carveResources(o, bag({ cpus: 2, ramMb: 10, diskMb: 10 }), [], EMPTY_BAG, false, DEFAULT_REVOCABLE)
    ).toEqual({
      _tag: "Short",
      resource: "cpus",
      missing: 1
    })
    expect(carveResources(o, bag({ cpus: 0.5 }), [99], EMPTY_BAG, false, DEFAULT_REVOCABLE)).toMatchObject({
      _tag: "Short",
      resource: "ports"
    })
  })
})
