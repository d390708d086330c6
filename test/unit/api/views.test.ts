// Pure pieces of the API and HTTP layers: instance ranges, config grouping keys, the redirect rule,
// and the /vars and Prometheus renderings.
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { TaskQuery } from "../../../src/domain/model/index.ts"
import { decodeField } from "../../../src/layers/api/common.ts"
import { canonicalJson, jobStats, toRanges } from "../../../src/layers/api/views.ts"
import { isLeaderOnlyPath, leaderHealth, redirectDecision } from "../../../src/layers/http/redirect.ts"
import { escapeHtml } from "../../../src/layers/http/ui.ts"
import {
  type Family,
  promName,
  renderPrometheus,
  renderVars,
  varsMap
} from "../../../src/layers/http/vars.ts"

describe("views", () => {
  it("compresses instance ids into closed ranges", () => {
    expect(toRanges([5, 0, 2, 1, 1, 7, 6])).toEqual([
      { first: 0, last: 2 },
      { first: 5, last: 7 }
    ])
    expect(toRanges([])).toEqual([])
  })

  it("compares configs whatever their key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 3 } })).toBe(
      canonicalJson({ a: { c: 3, d: [1, { x: 1, y: 2 }] }, b: 1 })
    )
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }))
  })

  it("counts job stats as Aurora's Jobs.getJobStats", () => {
    const t = (status: string) => ({ status }) as never
    expect(
      jobStats(["PENDING", "THROTTLED", "RUNNING", "KILLING", "FINISHED", "KILLED", "LOST", "FAILED"].map(t))
    ).toEqual({ activeTaskCount: 2, finishedTaskCount: 2, failedTaskCount: 2, pendingTaskCount: 2 })
  })

  it("names the field path in decoding messages, one per path", () => {
    const r = decodeField(TaskQuery, "query")({ limit: 1.5, statuses: ["NOPE"] })
    expect(Either.isLeft(r)).toBe(true)
    const msg = Either.isLeft(r) ? r.left : ""
    expect(msg).toContain("query.limit: ")
    expect(msg).toContain('query.statuses.0: Expected one of "PENDING", ')
    expect(msg.split("; ")).toHaveLength(2)
    expect(decodeField(Schema.Struct({ a: Schema.String }), "x")({})).toEqual(Either.left("x.a: is missing"))
  })
})

describe("leader redirect rule", () => {
  const leader = { _tag: "NotLeading", leader: { host: "fd00::5", port: 8081 } } as const
  it("redirects leader-only paths only, keeping the query, with IPv6 hosts bracketed", () => {
    expect(isLeaderOnlyPath("/api")).toBe(true)
    expect(isLeaderOnlyPath("/apiclient/x.js")).toBe(true)
    expect(isLeaderOnlyPath("/scheduler")).toBe(true)
    expect(isLeaderOnlyPath("/assets/scheduler/index.html")).toBe(true)
    expect(isLeaderOnlyPath("/assets/bootstrap.css")).toBe(false)
    expect(isLeaderOnlyPath("/vars")).toBe(false)
    expect(isLeaderOnlyPath("/health")).toBe(false)
    expect(
      redirectDecision({ path: "/offers", search: "?a=1", bypass: false, scheme: "http", status: leader })
    ).toEqual({ _tag: "Redirect", location: "http://[fd00::5]:8081/offers?a=1" })
    expect(
      redirectDecision({ path: "/offers", search: "", bypass: true, scheme: "http", status: leader })
    ).toEqual({
      _tag: "Serve"
    })
    expect(
      redirectDecision({
        path: "/offers",
        search: "",
        bypass: false,
        scheme: "http",
        status: { _tag: "NoLeader" }
      })
    ).toEqual({ _tag: "NoLeader" })
    expect(leaderHealth({ _tag: "Leading" }).code).toBe(200)
  })
})

describe("stats rendering", () => {
  const families: Array<Family> = [
    {
      name: "scheduler_thrift_getJobs_nanos_total",
      type: "counter",
      samples: [{ name: "scheduler_thrift_getJobs_nanos_total", labels: [], value: 3000 }]
    },
    {
      name: "scheduler_thrift_getJobs_events",
      type: "counter",
      samples: [{ name: "scheduler_thrift_getJobs_events", labels: [], value: 3 }]
    },
    {
      name: "odd-name.with dots",
      type: "gauge",
      samples: [{ name: "odd-name.with dots", labels: [["zone", 'a"b']], value: 1.5 }]
    },
    {
      name: "latency",
      type: "histogram",
      samples: [
        { name: "latency_bucket", labels: [["le", "1"]], value: 2 },
        { name: "latency_bucket", labels: [["le", "+Inf"]], value: 3 },
        { name: "latency_sum", labels: [], value: 4 },
        { name: "latency_count", labels: [], value: 3 }
      ]
    }
  ]

  it("renders /vars sorted, with per-event timer averages and no histogram buckets", () => {
    const vars = varsMap(families)
    expect(vars.get("scheduler_thrift_getJobs_nanos_per_event")).toBe(1000)
    expect(vars.get('odd-name.with dots_a"b')).toBe(1.5)
    expect(vars.has("latency_bucket_1")).toBe(false)
    const lines = renderVars(families).trimEnd().split("\n")
    expect(lines).toEqual([...lines].sort())
    expect(lines).toContain("latency_count 3")
  })

  it("renders valid Prometheus names and escaped labels", () => {
    expect(promName("9lives-x")).toBe("_9lives_x")
    const text = renderPrometheus(families)
    expect(text).toContain("# TYPE odd_name_with_dots gauge")
    expect(text).toContain('odd_name_with_dots{zone="a\\"b"} 1.5')
    expect(text).toContain('latency_bucket{le="+Inf"} 3')
    for (const line of text
      .trimEnd()
      .split("\n")
      .filter((l) => !l.startsWith("#")))
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+$/)
  })

  it("escapes HTML", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
  })
})
