import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import {
  type ClusterJobKey,
  listJobs,
  loadJob,
  requestedPorts,
  toJobConfiguration
} from "../../../src/domain/config/index.ts"
import { CORPUS, corpusHost } from "./corpusHost.ts"

const KEY: ClusterJobKey = { cluster: "c", role: "r", environment: "e", name: "j" }
const PRELUDE = `
proc = Process(name = 'p', cmdline = 'run')
res = Resources(cpu = 1.0, ram = 16 * MB, disk = 16 * MB)
task = Task(processes = [proc], resources = res)
base = Job(cluster = 'c', role = 'r', environment = 'e', name = 'j', task = task)
`
const source = (body: string, json = false) => ({
  text: json ? body : PRELUDE + body,
  file: `${CORPUS}/t.aurora`,
  json
})

const load = (
  body: string,
  opts: { key?: ClusterJobKey; bindings?: [string, string][]; json?: boolean } = {}
) =>
  loadJob(
    { source: source(body, opts.json), key: opts.key ?? KEY, bindings: opts.bindings ?? [] },
    corpusHost()
  )

const loadError = (body: string, opts: Parameters<typeof load>[1] = {}) => {
  const r = load(body, opts)
  return Either.isLeft(r) ? { message: r.left.message, code: r.left.exitCode } : { message: "", code: 0 }
}

const convert = (body: string, opts: Parameters<typeof load>[1] = {}) => {
  const r = load(body, opts)
  if (Either.isLeft(r)) throw new Error(r.left.message)
  return toJobConfiguration(r.right.job, "tester")
}
const convertError = (body: string, opts: Parameters<typeof load>[1] = {}) => {
  const r = convert(body, opts)
  return Either.isLeft(r) ? r.left.message : ""
}

describe("load pipeline (§3.6)", () => {
  it("selects the job matching the key and lists candidates otherwise", () => {
    expect(Either.isRight(load("jobs = [base, base(name = 'other')]"))).toBe(true)
    const none = loadError("jobs = [base(name = 'a'), base(name = 'b')]")
    expect(none.code).toBe(3)
    expect(none.message).toBe("Could not find job c/r/e/j\nCandidates are:\n  c/r/e/a\n  c/r/e/b")
    const many = loadError("jobs = [base, base]")
    expect(many.message).toMatch(
      /^Multiple jobs match, please disambiguate by specifying a job key\.\nCandidates are:/
    )
    expect(loadError("x = 1").message).toBe("No job defined in this config!")
    expect(loadError("jobs = [base(environment = Empty)]").message).toContain("c/r/{MISSING}/j")
  })

  it("checks required fields with the original's wording", () => {
    expect(
      loadError("jobs = [Job(role = 'r', environment = 'e', name = 'j', task = task)]", {
        key: { ...KEY, cluster: "{MISSING}" }
      }).message
    ).toBe('The configuration was invalid: Cluster required for job "j"')
    expect(loadError("jobs = [base(task = Task(name = 't', resources = res))]").message).toBe(
      'The configuration was invalid: Processes required for task on job "j"'
    )
  })

  it("names the failing path in type errors", () => {
    const e = loadError("jobs = [base(task = task(resources = Resources(cpu = 1, ram = 'lots', disk = 1)))]")
    expect(e).toEqual({ message: "Job.task.resources.ram: expected Integer, got 'lots'", code: 3 })
    expect(loadError("jobs = [base(instances = '{{n}}')]").message).toMatch(
      /^Job\.instances: expected Integer, got '\{\{n\}\}'/
    )
  })

  it("applies --bind values, which cannot override the job's own fields", () => {
    const body = "jobs = [base(task = task(processes = [proc(cmdline = 'v={{release}} r={{role}}')]))]"
    const r = load(body, {
      bindings: [
        ["release", "42"],
        ["role", "ignored"]
      ]
    })
    if (Either.isLeft(r)) throw new Error(r.left.message)
    const cmd = (
      r.right.job.field("task") as never as {
        field(n: string): { iter(): { field(n: string): { str(): string } }[] }
      }
    )
      .field("processes")
      .iter()[0]
      .field("cmdline")
      .str()
    expect(cmd).toBe("v=42 r=r")
    const listed = listJobs(source("jobs = [base(name = '{{n}}')]"), [["n", "bound"]], corpusHost())
    expect(Either.map(listed, (ks) => ks.map((k) => k.name))).toEqual(Either.right(["bound"]))
  })

  it("rewrites deprecated mesos.role / mesos.cluster / thermos.user refs", () => {
    const c = convert(
      "jobs = [base(task = task(processes = [proc(cmdline = '{{mesos.role}} {{mesos.cluster}} {{thermos.user}}')]))]"
    )
    if (Either.isLeft(c)) throw new Error(c.left.message)
    expect(JSON.parse(c.right.taskConfig.executorConfig!.data).task.processes[0].cmdline).toBe("r c r")
  })

  it("refuses update settings the original client kills with exit 1", () => {
    const e = loadError("jobs = [base(instances = 2, update_config = UpdateConfig(max_total_failures = 2))]")
    expect(e.code).toBe(1)
    expect(e.message).toMatch(/max_total_failures in update_config must be lesser than the job size/)
    expect(loadError("jobs = [base(update_config = UpdateConfig(watch_secs = -1))]").code).toBe(1)
  })

  it("requires dedicated jobs for static announcer ports and warns about unbound primary ports", () => {
    expect(loadError("jobs = [base(announce = Announcer(portmap = {'http': '80'}))]").message).toBe(
      "Job must be dedicated in order to specify static ports!"
    )
    const r = load("jobs = [base(announce = Announcer(primary_port = 'thrift', portmap = {}))]")
    expect(Either.map(r, (l) => l.warnings.join())).toEqual(
      Either.right(expect.stringContaining("{{thermos.ports[thrift]}}"))
    )
  })

  it("backfills tier and production from the tiers", () => {
    const tierOf = (body: string) =>
      Either.map(convert(body), (c) => [c.taskConfig.tier, c.taskConfig.production])
    expect(tierOf("jobs = [base]")).toEqual(Either.right(["preemptible", false]))
    expect(tierOf("jobs = [base(production = True)]")).toEqual(Either.right(["preferred", true]))
    expect(tierOf("jobs = [base(tier = 'revocable', production = True)]")).toEqual(
      Either.right(["revocable", false])
    )
    expect(tierOf("jobs = [base(tier = 'preferred')]")).toEqual(Either.right(["preferred", true]))
    const warned = (body: string) =>
      Either.map(load(body), (l) => l.warnings.some((w) => w.includes("'production' is deprecated")))
    expect(warned("jobs = [base(production = True)]")).toEqual(Either.right(true))
    expect(warned("jobs = [base(production = True, tier = 'preferred')]")).toEqual(Either.right(false))
  })

  it("reads JSON configs through the same pipeline and rejects unknown keys", () => {
    const json = JSON.stringify({
      name: "j",
      role: "r",
      cluster: "c",
      environment: "e",
      task: { processes: [{ name: "p", cmdline: "x" }], resources: { cpu: 1, ram: 16777216, disk: 16777216 } }
    })
    expect(Either.isRight(load(json, { json: true }))).toBe(true)
    expect(loadError(JSON.stringify({ name: "j", bogus: 1 }), { json: true }).message).toMatch(
      /Unknown schema attribute bogus/
    )
    expect(loadError("{not json", { json: true }).message).toMatch(/invalid JSON/)
  })
})

describe("conversion (§4)", () => {
  it("reports refs left unbound", () => {
    expect(convertError("jobs = [base(contact = '{{who}}@x')]")).toBe(
      "Config contains unbound variables: {{who}}"
    )
    expect(
      convertError("jobs = [base(task = task(processes = [proc(cmdline = 'echo {{undefined_ref}}')]))]")
    ).toBe(
      "Task is invalid: Unexpected unbound refs: {{undefined_ref}}. Make sure you are not nesting template variables."
    )
    expect(
      convertError(
        "jobs = [base(task = task(processes = [proc(cmdline = '{{hello[{{thermos.ports[http]}}]}}')]))]"
      )
    ).toMatch(/^Task is invalid: Unexpected unbound refs: \{\{hello\[31337\]\}\}/)
  })

  it("validates resources, identifiers, process names, order constraints and cron policy", () => {
    expect(convertError("jobs = [base(task = Task(processes = [proc]))]")).toBe(
      "Task must specify resources!"
    )
    expect(
      convertError("jobs = [base(task = task(resources = Resources(cpu = 1, ram = 1000, disk = 16 * MB)))]")
    ).toMatch(/^Task has invalid resources\. cpu\/ramMb\/diskMb must all be positive/)
    expect(
      convertError("jobs = [base(task = task(resources = Resources(cpu = 1, ram = 0, disk = 16 * MB)))]")
    ).toBe("Must specify ram and disk resources, got ram:0 disk:16777216")
    expect(convertError("jobs = [base(role = 'bad role')]", { key: { ...KEY, role: "bad role" } })).toBe(
      "Invalid role 'bad role'"
    )
    expect(convertError("jobs = [base(task = task(processes = [proc(name = '.hidden')]))]")).toMatch(
      /^Task is invalid: Process name/
    )
    const two = "p2 = Process(name = 'q', cmdline = 'x')\n"
    expect(
      convertError(
        `${two}jobs = [base(task = task(processes = [proc(daemon = True), p2], constraints = order(proc, p2)))]`
      )
    ).toMatch(/may not depend on daemon process p/)
    expect(
      convertError(
        `${two}jobs = [base(task = task(processes = [proc, p2], constraints = order(proc, p2) + order(p2, proc)))]`
      )
    ).toMatch(/contain a cycle/)
    expect(
      convertError(
        `${two}jobs = [base(task = task(processes = [proc, p2(final = True)], constraints = order(proc, p2)))]`
      )
    ).toMatch(/must name only non-final processes or none of them/)
    expect(convertError("jobs = [base(task = task(constraints = order('p', 'ghost')))]")).toMatch(
      /unknown processes/
    )
    expect(
      convertError("jobs = [base(cron_schedule = '* * * * *', cron_collision_policy = 'sometimes')]")
    ).toBe("Invalid cron collision policy type: SOMETIMES")
  })

  it("maps announcer portmaps to requested ports as test_base.py does", () => {
    expect(requestedPorts(["http", "thrift"], new Map([["http", "80"]]))).toEqual(["thrift"])
    expect(requestedPorts([], new Map([["http", "aurora"]]))).toEqual(["aurora"])
    expect(requestedPorts([], new Map([["aurora", "http"]]))).toEqual(["http"])
    expect(
      requestedPorts(
        ["derp"],
        new Map([
          ["thrift", "8081"],
          ["health", "8300"],
          ["aurora", "health"]
        ])
      )
    ).toEqual(["derp"])
  })
})

describe("quirks kept (spec §7)", () => {
  it("reports a literal {{&x}} as unbound, as the original's double interpolation does", () => {
    const r = convert("jobs = [base(contact = '{{&who}}')]")
    expect(Either.isLeft(r) ? r.left.message : "").toBe("Config contains unbound variables: {{who}}")
  })
})

describe("hooks (§6.1)", () => {
  it("collects the file's hooks and runs their methods in the file's interpreter", () => {
    const r = load(`
class Audit(object):
  def __init__(self):
    self.seen = []
  def pre_create_job(self, config):
    self.seen.append(config)
    return config != 'veto'
hooks = [Audit()]
jobs = [base(enable_hooks = True)]
`)
    if (Either.isLeft(r)) throw new Error(r.left.message)
    const [hook] = r.right.hooks
    expect(r.right.invoke(hook, "pre_create_job", ["ok"])).toEqual(Either.right(true))
    expect(r.right.invoke(hook, "pre_create_job", ["veto"])).toEqual(Either.right(false))
    expect(r.right.invoke(hook, "post_create_job", [])).toEqual(Either.right(undefined))
    const failed = r.right.invoke(hook, "pre_create_job", [])
    expect(Either.isLeft(failed) ? failed.left : "").toMatch(
      /TypeError: pre_create_job\(\) missing required argument 'config'/
    )
  })
})
