import { Either } from "effect"
import { describe, expect, it } from "vitest"
import type { TaskConfig } from "../../../src/domain/model/index.ts"
import {
  addInstancesPlan,
  checkCreateJob,
  DEFAULT_VALIDATION,
  type JobConfigurationInput,
  validateJobConfiguration,
  validateTaskConfig
} from "../../../src/domain/placement/index.ts"
import { limit, res, task, value } from "./fixtures.ts"

const job = (
  over: Partial<JobConfigurationInput> = {},
  t: Partial<TaskConfig> = {}
): JobConfigurationInput => ({
  key: { role: "www", environment: "prod", name: "hello" },
  owner: { user: "www" },
  cronCollisionPolicy: "KILL_EXISTING",
  taskConfig: task(t),
  instanceCount: 1,
  ...over
})
const err = (j: JobConfigurationInput, s = DEFAULT_VALIDATION) => {
  const r = validateJobConfiguration(j, s)
  return Either.isLeft(r) ? r.left : undefined
}
const sla20 = { instanceCount: 20 }

describe("job configuration validation (scheduling.md §6)", () => {
  it.each<[string, JobConfigurationInput, string]>([
    ["missing task", { ...job(), taskConfig: undefined }, "Job configuration must have taskConfig set."],
    ["zero instances", job({ instanceCount: 0 }), "Instance count must be positive."],
    [
      "bad key",
      job({ key: { role: "a b", environment: "prod", name: "x" } }),
      "Job key a b/prod/x is invalid."
    ],
    [
      "environment",
      job({ key: { role: "www", environment: "production", name: "x" } }),
      "Job environment production doesn't match: ^(prod|devel|test|staging\\d*)$"
    ],
    ["owner", job({ owner: { user: "a/b" } }), "Job user contains illegal characters: a/b"],
    ["tier characters", job({}, { tier: "a b" }), "Tier contains illegal characters: a b"],
    ["unknown tier", job({}, { tier: "gold" }), "Invalid tier 'gold' in TaskConfig."],
    ["no executor, no docker", job({}, { executorConfig: undefined }), "Configuration may not be null."],
    [
      "empty executor name",
      job({}, { executorConfig: { name: "", data: "" } }),
      "Executor name may not be left unset."
    ],
    [
      "unknown executor",
      job({}, { executorConfig: { name: "X", data: "" } }),
      "Configuration for executor 'X' doesn't exist."
    ],
    [
      "dedicated limit",
      job({}, { constraints: [limit("dedicated", 1)] }),
      "A dedicated constraint must be of value type."
    ],
    [
      "dedicated values",
      job({}, { constraints: [value("dedicated", ["www/a", "www/b"])] }),
      "A dedicated constraint must have exactly one value"
    ],
    [
      "dedicated role",
      job({}, { constraints: [value("dedicated", ["ads/a"])] }),
      "Only www may use hosts dedicated for that role."
    ],
    [
      "docker image",
      job({}, { container: { docker: { image: "", parameters: [] } } }),
      "A container must specify an image."
    ],
    [
      "docker parameters",
      job({}, { container: { docker: { image: "i", parameters: [{ name: "a", value: "b" }] } } }),
      "This scheduler is configured to disallow Docker parameters."
    ],
    [
      "docker without executor",
      job({}, { executorConfig: undefined, container: { docker: { image: "i", parameters: [] } } }),
      "This scheduler is configured to require an executor for Docker-based tasks."
    ],
    [
      "docker not allowed",
      job({}, { container: { docker: { image: "i", parameters: [] } } }),
      "This scheduler is not configured to allow the container type DOCKER"
    ],
    [
      "repeated resources",
      job(
        {},
        { resources: [...res(1, 1, 1), { numCpus: 1 }, { ramMb: 2 }, { namedPort: "a" }, { namedPort: "b" }] }
      ),
      "Multiple resource values are not supported for CPU, RAM"
    ],
    ["zero cpu", job({}, { resources: res(0, 1, 1) }), "num_cpus must be greater than 0.0"],
    ["zero ram", job({}, { resources: res(1, 0, 1) }), "ram_mb must be greater than 0.0"],
    [
      "missing disk",
      job({}, { resources: [{ numCpus: 1 }, { ramMb: 1 }] }),
      "disk_mb must be greater than 0.0"
    ],
    [
      "gpu",
      job({}, { resources: [...res(1, 1, 1), { numGpus: 1 }] }),
      "GPU resource support is disabled in this cluster."
    ],
    [
      "fetcher",
      job({}, { mesosFetcherUris: [{ value: "http://x" }] }),
      "Mesos Fetcher for individual jobs is disabled in this cluster."
    ],
    [
      "volumes",
      job({}, { container: { mesos: { volumes: [{ containerPath: "/a", hostPath: "/b", mode: "RO" }] } } }),
      "This scheduler is configured to disallow container volumes."
    ],
    [
      "sla on a non-production tier",
      job(sla20, { slaPolicy: { countSlaPolicy: { count: 1, durationSecs: 1 } } }),
      "Tier 'preemptible' does not support SlaPolicy."
    ],
    [
      "count sla, too few instances",
      job(
        { instanceCount: 19 },
        { tier: "preferred", slaPolicy: { countSlaPolicy: { count: 1, durationSecs: 1 } } }
      ),
      "Job with fewer than 20 instances cannot have Count SlaPolicy."
    ],
    [
      "percentage sla, too few instances",
      job(
        { instanceCount: 19 },
        { tier: "preferred", slaPolicy: { percentageSlaPolicy: { percentage: 50, durationSecs: 1 } } }
      ),
      "Job with fewer than 20 instances cannot have Percentage SlaPolicy."
    ],
    [
      "count sla too high",
      job(sla20, { tier: "preferred", slaPolicy: { countSlaPolicy: { count: 20, durationSecs: 1 } } }),
      "Current CountSlaPolicy: count=20 will not allow any instances to be killed. Must be less than instanceCount=20."
    ],
    [
      "percentage sla too high",
      job(sla20, {
        tier: "preferred",
        slaPolicy: { percentageSlaPolicy: { percentage: 99, durationSecs: 1 } }
      }),
      "Current PercentageSlaPolicy: percentage=99.000000 will not allow any instances to be killed. Must be less than 95.000000."
    ],
    [
      "count sla duration",
      job(sla20, { tier: "preferred", slaPolicy: { countSlaPolicy: { count: 1, durationSecs: 7201 } } }),
      "CountSlaPolicy: durationSecs=7201 must be less than cluster-wide maximum of 7200 secs."
    ],
    [
      "percentage sla duration",
      job(sla20, {
        tier: "preferred",
        slaPolicy: { percentageSlaPolicy: { percentage: 50, durationSecs: 7201 } }
      }),
      "PercentageSlaPolicy: durationSecs=7201 must be less than cluster-wide maximum of 7200 secs."
    ],
    [
      "cron service",
      job({ cronSchedule: "* * * * *" }),
      "A service task may not be run on a cron schedule: www/prod/hello"
    ]
  ])("%s", (_, j, message) => expect(err(j)).toBe(message))

  it.each(["prod", "devel", "test", "staging", "staging12"])("accepts environment %s", (environment) =>
    expect(err(job({ key: { role: "www", environment, name: "x" } }))).toBeUndefined()
  )

  it("accepts a negated dedicated constraint (quirk 10.8) and the '*' role", () => {
    expect(err(job({}, { constraints: [value("dedicated", ["www/a"], true)] }))).toBeUndefined()
    expect(err(job({}, { constraints: [value("dedicated", ["*/a"])] }))).toBeUndefined()
  })

  it("coordinator SLA policies skip the instance-count rules", () => {
    const slaPolicy = { coordinatorSlaPolicy: { coordinatorUrl: "http://c", statusKey: "drain" } }
    expect(err(job({ instanceCount: 1 }, { tier: "preferred", slaPolicy }))).toBeUndefined()
  })

  it("populates tier, production, default task links, docker parameters and legacy constraints", () => {
    const r = validateJobConfiguration(
      job({}, { tier: "preferred", production: false, resources: res(1, 1, 1, ["http", "health"]) })
    )
    const t = Either.getOrThrow(r).taskConfig
    expect(t.tier).toBe("preferred")
    expect(t.production).toBe(true)
    expect(t.taskLinks).toEqual({ health: "http://%host%:%port:health%", http: "http://%host%:%port:http%" })
    expect(t.constraints.map((c) => c.name)).toEqual(["host", "rack"])
    const off = validateTaskConfig(task({ tier: "preemptible", production: true }), 1, {
      ...DEFAULT_VALIDATION,
      enableLegacyConstraints: false
    })
    expect(Either.getOrThrow(off)).toMatchObject({ production: false, constraints: [] })
    const docker = validateTaskConfig(task({ container: { docker: { image: "i", parameters: [] } } }), 1, {
      ...DEFAULT_VALIDATION,
      allowedContainerTypes: ["MESOS", "DOCKER"],
      defaultDockerParameters: [{ name: "label", value: "x" }]
    })
    expect(Either.getOrThrow(docker).container).toEqual({
      docker: { image: "i", parameters: [{ name: "label", value: "x" }] }
    })
  })
})

describe("thrift-layer job checks", () => {
  const valid = Either.getOrThrow(validateJobConfiguration(job()))
  it("createJob refuses cron schedules and existing jobs", () => {
    expect(checkCreateJob({ ...valid, cronSchedule: "0 * * * *" }, { activeTasks: 0, cronJob: false })).toBe(
      "Cron jobs may only be created/updated by calling scheduleCronJob."
    )
    expect(checkCreateJob(valid, { activeTasks: 2, cronJob: false })).toBe(
      "Job www/prod/hello already exists"
    )
    expect(checkCreateJob(valid, { activeTasks: 0, cronJob: true })).toBe("Job www/prod/hello already exists")
    expect(checkCreateJob(valid, { activeTasks: 0, cronJob: false })).toBeUndefined()
  })
  it("addInstances numbers new instances after the highest one", () => {
    expect(addInstancesPlan(2, [0, 1, 5], 1, false)).toEqual(Either.right([6, 7]))
    expect(addInstancesPlan(0, [0], 0, false)).toEqual(Either.left("Instance count must be positive."))
    expect(addInstancesPlan(1, [0], 3, false)).toEqual(
      Either.left("No active task found for a given instance ID.")
    )
    expect(addInstancesPlan(1, [0], 0, true)).toEqual(Either.left("Instances may not be added to cron jobs."))
  })
})
