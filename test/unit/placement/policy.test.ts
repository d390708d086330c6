import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  backfillTier,
  bag,
  checkCreateQuota,
  checkCronQuota,
  checkInstanceTotal,
  checkQuota,
  checkUpdateQuota,
  consumption,
  JobConfigurationInvalid,
  parseConstraintText,
  parseTierConfig,
  QuotaExceeded,
  quotaCategory,
  type RoleUsage,
  resolveTier,
  validateSetQuota,
  withLegacyConstraints
} from "../../../src/domain/placement/index.ts"
import { limit, res, task, value } from "./fixtures.ts"

describe("tiers (scheduling.md §4)", () => {
  it.each([
    [undefined, "preemptible", false],
    ["preferred", "preferred", true],
    ["preemptible", "preemptible", false],
    ["revocable", "revocable", false]
  ])("tier %s resolves to %s, production %s", (t, name, production) => {
    const r = resolveTier(t)
    expect(Either.getOrThrow(r)).toMatchObject({ name, production })
  })
  it("rejects unknown (case-sensitive) tiers with Aurora's message", () => {
    expect(resolveTier("Preferred")).toEqual(Either.left("Invalid tier 'Preferred' in TaskConfig."))
  })
  it("parses a tier file and checks the default", () => {
    const ok = parseTierConfig('{"default":"a","tiers":{"a":{"preemptible":false,"revocable":false}}}')
    expect(Either.isRight(ok)).toBe(true)
    expect(parseTierConfig('{"default":"b","tiers":{"a":{"preemptible":false,"revocable":false}}}')).toEqual(
      Either.left("tier config: default tier 'b' is not among the tiers")
    )
    expect(parseTierConfig('{"default":"a","tiers":{}}')).toEqual(
      Either.left("tier config: tiers must not be empty")
    )
    expect(Either.isLeft(parseTierConfig("{", "/etc/tiers.json"))).toBe(true)
  })
  it("backfills old configs", () => {
    expect(backfillTier(undefined, true)).toEqual({ tier: "preferred", production: true })
    expect(backfillTier(undefined, false)).toEqual({ tier: "preemptible", production: false })
    expect(backfillTier("revocable", true)).toEqual({ tier: "revocable", production: false })
    expect(backfillTier("preferred", false)).toEqual({ tier: "preferred", production: true })
  })
})

describe("constraints: text syntax and legacy defaults (§1.6)", () => {
  it.each([
    ["host", "limit:1", limit("host", 1)],
    ["rack", "r1,r2", value("rack", ["r1", "r2"])],
    ["rack", "!r1", value("rack", ["r1"], true)]
  ])("%s:%s", (name, text, expected) => expect(parseConstraintText(name, text)).toEqual(expected))
  it("rejects malformed text with a message", () => {
    expect(parseConstraintText("host", "limit:x")).toHaveProperty("error")
    expect(parseConstraintText("rack", "a,,b")).toHaveProperty("error")
  })
  it("adds host:limit:1 to every job and rack:limit:1 to production services only", () => {
    const names = (c: ReturnType<typeof task>) => c.constraints.map((x) => x.name)
    expect(names(withLegacyConstraints(task(), true))).toEqual(["host", "rack"])
    expect(names(withLegacyConstraints(task(), false))).toEqual(["host"])
    expect(names(withLegacyConstraints(task({ isService: false }), true))).toEqual(["host"])
    expect(
      names(withLegacyConstraints(task({ constraints: [limit("host", 3), value("rack", ["r"])] }), true))
    ).toEqual(["host", "rack"])
  })
})

describe("quota (§3)", () => {
  const prod = (over = {}) => task({ production: true, resources: res(1, 100, 10), ...over })
  const nonProd = task({ production: false, resources: res(1, 100, 10) })
  const key = (name: string) => ({ role: "www", environment: "prod", name })
  const empty: RoleUsage = { tasks: [], updates: [], crons: [] }

  it("categorises by production bit and dedicated constraint", () => {
    expect(quotaCategory(prod())).toBe("PROD_SHARED")
    expect(quotaCategory(prod({ constraints: [value("dedicated", ["www/x"])] }))).toBe("PROD_DEDICATED")
    expect(quotaCategory(nonProd)).toBe("NON_PROD_SHARED")
  })

  it("formats the overage of each exceeded resource", () => {
    expect(
      checkQuota(bag({ cpus: 1, ramMb: 100, diskMb: 100 }), bag({ cpus: 3, ramMb: 150.5, diskMb: 10 }))
    ).toEqual({
      _tag: "Insufficient",
      details: "CPU quota exceeded by 2.00 core(s); RAM quota exceeded by 50.50 MB"
    })
    expect(
      checkQuota(bag({ cpus: 1, ramMb: 1, diskMb: 1 }), bag({ cpus: 1, ramMb: 1, diskMb: 1 }))._tag
    ).toBe("Sufficient")
  })

  it("counts active tasks, the max of each update's sides, and cron templates", () => {
    const usage: RoleUsage = {
      tasks: [
        { config: prod({ job: key("a") }), instanceId: 0 },
        { config: nonProd, instanceId: 0 },
        // In the update's ranges: counted through the update instead.
        { config: prod({ job: key("u") }), instanceId: 0 },
        { config: prod({ job: key("c") }), instanceId: 0 }
      ],
      updates: [
        {
          job: key("u"),
          initial: [{ config: prod({ job: key("u") }), instances: [{ first: 0, last: 1 }] }],
          desired: {
            config: prod({ job: key("u"), resources: res(3, 100, 10) }),
            instances: [{ first: 0, last: 0 }]
          }
        }
      ],
      crons: [{ job: key("c"), config: prod({ job: key("c") }), instanceCount: 4 }]
    }
    // a: 1 cpu; update: max(2 × 1, 1 × 3) = 3 cpu, ram max(200, 100) = 200; cron: max(4, 1) = 4 cpu.
    expect(consumption(usage, "PROD_SHARED")).toMatchObject({
      cpus: 8,
      ramMb: 100 + 200 + 400,
      diskMb: 10 + 20 + 40
    })
    expect(consumption(usage, "NON_PROD_SHARED")).toMatchObject({ cpus: 1 })
  })

  it("checks creates, skipping non-prod and prod-dedicated templates", () => {
    const quota = bag({ cpus: 2, ramMb: 1000, diskMb: 1000 })
    expect(checkCreateQuota(quota, empty, prod(), 2)._tag).toBe("Sufficient")
    expect(checkCreateQuota(quota, empty, prod(), 3)).toEqual({
      _tag: "Insufficient",
      details: "CPU quota exceeded by 1.00 core(s)"
    })
    expect(checkCreateQuota(quota, empty, nonProd, 100)._tag).toBe("Sufficient")
    expect(
      checkCreateQuota(quota, empty, prod({ constraints: [value("dedicated", ["www/x"])] }), 100)._tag
    ).toBe("Sufficient")
  })

  it("checks updates with the proposal replacing the stored one", () => {
    const quota = bag({ cpus: 3, ramMb: 1000, diskMb: 1000 })
    const update = (cpus: number) => ({
      job: key("u"),
      initial: [{ config: prod({ job: key("u") }), instances: [{ first: 0, last: 0 }] }],
      desired: {
        config: prod({ job: key("u"), resources: res(cpus, 100, 10) }),
        instances: [{ first: 0, last: 0 }]
      }
    })
    expect(checkUpdateQuota(quota, { ...empty, updates: [update(9)] }, update(3))._tag).toBe("Sufficient")
    expect(checkUpdateQuota(quota, empty, update(4))._tag).toBe("Insufficient")
    expect(checkUpdateQuota(quota, empty, { job: key("u"), initial: [] })._tag).toBe("Sufficient")
  })

  it("checks cron templates, even prod-dedicated ones (quirk 10.9), net of the replaced template", () => {
    const quota = bag({ cpus: 2, ramMb: 1000, diskMb: 1000 })
    const ded = prod({ constraints: [value("dedicated", ["www/x"])] })
    expect(checkCronQuota(quota, empty, ded, 3)._tag).toBe("Insufficient")
    expect(checkCronQuota(quota, empty, nonProd, 30)._tag).toBe("Sufficient")
    const usage: RoleUsage = {
      ...empty,
      crons: [{ job: key("c"), config: prod({ job: key("c") }), instanceCount: 2 }]
    }
    expect(
      checkCronQuota(quota, usage, prod({ job: key("c") }), 2, { config: prod(), instanceCount: 2 })._tag
    ).toBe("Sufficient")
  })

  it("bounds instance totals and validates setQuota", () => {
    expect(checkInstanceTotal(0)).toBe("Instance count must be between 1 and 4000 inclusive.")
    expect(checkInstanceTotal(4001)).toBe("Instance count must be between 1 and 4000 inclusive.")
    expect(checkInstanceTotal(4000)).toBeUndefined()
    expect(validateSetQuota(bag({ cpus: -1 }), empty)).toMatch(/^Negative values in: /)
    expect(validateSetQuota(bag({}), empty)).toBeUndefined()
    const usage: RoleUsage = { ...empty, tasks: [{ config: prod(), instanceId: 0 }] }
    expect(validateSetQuota(bag({ cpus: 0.5, ramMb: 100, diskMb: 10 }), usage)).toMatch(
      /is less then current prod reservation/
    )
  })
})

describe("placement errors", () => {
  it("carry Aurora's messages", () => {
    expect(new QuotaExceeded({ role: "r", details: "CPU quota exceeded by 1.00 core(s)" }).message).toBe(
      "Insufficient resource quota: CPU quota exceeded by 1.00 core(s)"
    )
    expect(new JobConfigurationInvalid({ reason: "Instance count must be positive." }).message).toBe(
      "Instance count must be positive."
    )
  })
})
