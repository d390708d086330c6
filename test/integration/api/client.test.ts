// The README's SchedulerClient usage, verbatim in spirit: any Effect program calls the scheduler with
// types by providing SchedulerClient.layer(url).
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { apiUrl, SchedulerClient } from "../../../src/services/SchedulerClient.ts"
import { helloConfig, withScheduler } from "./harness.ts"

describe("SchedulerClient", () => {
  it("calls the scheduler from a plain Effect program", () =>
    withScheduler(({ url }) =>
      Effect.gen(function* () {
        const program = Effect.gen(function* () {
          const scheduler = yield* SchedulerClient
          const created = yield* scheduler.createJob({ description: helloConfig("readme") })
          const jobs = yield* scheduler.getJobs({ ownerRole: "www-data" })
          return {
            code: created.responseCode,
            jobs: jobs.result?.getJobsResult.configs.map((c) => c.key.name)
          }
        })
        const r = yield* program.pipe(Effect.provide(SchedulerClient.layer(url)))
        expect(r).toEqual({ code: "OK", jobs: ["readme"] })
      })
    ))

  it("fails with a transport error (not a hang) when nothing listens", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.flatMap(SchedulerClient, (s) => s.getRoleSummary({})).pipe(
        Effect.provide(SchedulerClient.layer("http://127.0.0.1:1"))
      )
    )
    expect(exit._tag).toBe("Failure")
  })

  it("adds /api to a scheduler URL", () => {
    expect(apiUrl("http://h:8081")).toBe("http://h:8081/api")
    expect(apiUrl("http://h:8081/")).toBe("http://h:8081/api")
    expect(apiUrl("http://h:8081/api")).toBe("http://h:8081/api")
  })
})
