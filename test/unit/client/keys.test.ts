import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  fnmatch,
  instanceRanges,
  isWildcard,
  matchesWildcard,
  parseClusterJobKey,
  parseInstanceList,
  parseInstanceSpec,
  parseTaskInstance,
  parseWildcardKey
} from "../../../src/domain/client/index.ts"

const job = { cluster: "west", role: "www-data", environment: "prod", name: "hello" }

describe("job keys (client-config.md §2.2)", () => {
  it("accepts four parts with good identifiers", () => {
    expect(parseClusterJobKey("west/www-data/prod/hello")).toEqual(Either.right(job))
    expect(parseClusterJobKey("c/Dev_prod-/deV.prod/.devprod..")).toSatisfy(Either.isRight)
  })
  it.each([
    ["west/www-data/prod", "CLUSTER/ROLE/ENV/NAME"],
    ["a/b/c/d/e", "CLUSTER/ROLE/ENV/NAME"],
    ["west/www data/prod/hello", 'role "www data"'],
    ["west/r/new\nline/hello", "environment"],
    ["/r/e/n", "cluster must not be empty"]
  ])("rejects %j naming the problem", (text, message) => {
    expect(parseClusterJobKey(text)).toEqual(Either.left(expect.stringContaining(message)))
  })
})

describe("instance specs (§2.4)", () => {
  it("parses lists and ranges into sorted unique ids", () => {
    expect(parseInstanceList("0-3")).toEqual(Either.right([0, 1, 2, 3]))
    expect(parseInstanceList("4,1-2,0-0")).toEqual(Either.right([0, 1, 2, 4]))
    expect(parseInstanceList("0-2,5,7-9")).toEqual(Either.right([0, 1, 2, 5, 7, 8, 9]))
    expect(parseInstanceList("1-2-3")).toEqual(Either.right([1, 2, 3]))
  })
  it("rejects reversed ranges, negatives and non-integers", () => {
    expect(parseInstanceList("3-1")).toEqual(Either.left(expect.stringContaining("Invalid instance range")))
    expect(parseInstanceList("-1")).toSatisfy(Either.isLeft)
    expect(parseInstanceList("1.5")).toSatisfy(Either.isLeft)
    expect(parseInstanceList("a")).toSatisfy(Either.isLeft)
  })
  it("treats a missing or empty instance part as all instances", () => {
    expect(parseInstanceSpec("west/www-data/prod/hello")).toEqual(Either.right({ job, instances: undefined }))
    expect(parseInstanceSpec("west/www-data/prod/hello/")).toEqual(
      Either.right({ job, instances: undefined })
    )
    expect(parseInstanceSpec("west/www-data/prod/hello/1,3")).toEqual(
      Either.right({ job, instances: [1, 3] })
    )
    expect(parseInstanceSpec("")).toSatisfy(Either.isLeft)
    expect(parseInstanceSpec("west/prod/hello")).toEqual(Either.left(expect.stringContaining("INSTANCES")))
  })
  it("task instances need exactly one integer", () => {
    expect(parseTaskInstance("west/www-data/prod/hello/2")).toEqual(Either.right({ job, instance: 2 }))
    expect(parseTaskInstance("west/www-data/prod/hello/1-2")).toSatisfy(Either.isLeft)
    expect(parseTaskInstance("west/www-data/prod/hello")).toSatisfy(Either.isLeft)
  })
  it("compresses ids into closed ranges", () => {
    expect(instanceRanges([5, 0, 1, 2, 7, 8, 2])).toEqual([
      { first: 0, last: 2 },
      { first: 5, last: 5 },
      { first: 7, last: 8 }
    ])
    expect(instanceRanges([])).toEqual([])
  })
})

describe("wildcard keys (§2.3)", () => {
  it("fills missing trailing segments with *", () => {
    expect(parseWildcardKey("west")).toEqual(
      Either.right({ cluster: "west", role: "*", environment: "*", name: "*" })
    )
    expect(parseWildcardKey("west/r/e/n/x")).toSatisfy(Either.isLeft)
    expect(isWildcard({ cluster: "west", role: "r", environment: "e", name: "n" })).toBe(false)
  })
  it("matches with fnmatch", () => {
    const k = parseWildcardKey("west/www-*/pro?/[!x]ello")
    expect(Either.isRight(k) && matchesWildcard(k.right, job)).toBe(true)
    expect(Either.isRight(k) && matchesWildcard(k.right, { ...job, name: "xello" })).toBe(false)
    expect(fnmatch("a.b", "axb")).toBe(false)
    expect(fnmatch("[a-c]*", "banana")).toBe(true)
  })
})
