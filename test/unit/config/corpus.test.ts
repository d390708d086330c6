import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import { loadJob, toJobConfiguration } from "../../../src/domain/config/index.ts"
import { decodeWithMessages, JobConfiguration } from "../../../src/domain/model/index.ts"
import { CORPUS, corpusFiles, corpusHost, renderCorpusFile } from "./corpusHost.ts"

describe("configuration corpus", () => {
  for (const file of corpusFiles()) {
    it(`${file} produces its expected job configurations`, () => {
      const expected = JSON.parse(
        readFileSync(join(CORPUS, file.replace(/\.(aurora|json)$/, ".expected.json")), "utf8")
      )
      const got = renderCorpusFile(file)
      expect(got.jobs).toEqual(expected.jobs)
      expect(got.configs).toEqual(expected.configs)
      for (const conf of Object.values(got.configs)) {
        const c = conf as { taskConfig: { executorConfig: { data: unknown } } }
        const data = c.taskConfig.executorConfig.data
        const wire = {
          ...c,
          taskConfig: {
            ...c.taskConfig,
            executorConfig: {
              ...c.taskConfig.executorConfig,
              data: typeof data === "string" ? data : JSON.stringify(data)
            }
          }
        }
        expect(decodeWithMessages(JobConfiguration)(wire)).toEqual(Either.right(expect.anything()))
      }
    })
  }
})

describe("executor data (§4.4)", () => {
  const HELLO = `
hello_world = Process(name = 'hello_world', cmdline = 'echo {{mesos.instance}}')
task = Task(name = 'main', processes = [hello_world], resources = Resources(cpu = 0.1, ram = 64*MB, disk = 64*MB, gpu = 2))
jobs = [Job(cluster = 'smf1-test', role = 'john_doe', environment = 'staging66', name = 'hello_world', task = task)]
`
  const GOLDEN =
    '{"environment":"staging66","health_check_config":{"health_checker":{"http":{"expected_response_code":0,"endpoint":"/health","expected_response":"ok"}},"min_consecutive_successes":1,"initial_interval_secs":15.0,"max_consecutive_failures":0,"timeout_secs":1.0,"interval_secs":10.0},"name":"hello_world","service":false,"max_task_failures":1,"executor_config":{"data":"","name":"AuroraExecutor"},"cron_collision_policy":"KILL_EXISTING","enable_hooks":false,"cluster":"smf1-test","task":{"processes":[{"daemon":false,"name":"hello_world","ephemeral":false,"max_failures":1,"min_duration":5,"cmdline":"echo {{mesos.instance}}","final":false}],"name":"main","finalization_wait":30,"max_failures":1,"max_concurrency":0,"resources":{"gpu":2,"disk":67108864,"ram":67108864,"cpu":0.1},"constraints":[]},"production":false,"role":"john_doe","metadata":[],"lifecycle":{"http":{"graceful_shutdown_endpoint":"/quitquitquit","graceful_shutdown_wait_secs":5,"port":"health","shutdown_wait_secs":5,"shutdown_endpoint":"/abortabortabort"}},"priority":0}'
  const key = { cluster: "smf1-test", role: "john_doe", environment: "staging66", name: "hello_world" }

  it("matches the original client's golden output plus the backfilled tier", () => {
    const loaded = loadJob(
      { source: { text: HELLO, file: `${CORPUS}/x.aurora`, json: false }, key, bindings: [] },
      corpusHost()
    )
    if (Either.isLeft(loaded)) throw new Error(loaded.left.message)
    const conf = toJobConfiguration(loaded.right.job, "tester")
    if (Either.isLeft(conf)) throw new Error(conf.left.message)
    const data = conf.right.taskConfig.executorConfig!.data
    expect(JSON.parse(data)).toEqual({ ...JSON.parse(GOLDEN), tier: "preemptible" })
    // floats keep their Python spelling for the executor
    expect(data).toContain('"initial_interval_secs":15.0')
    expect(data).toContain('"cpu":0.1')
    expect(conf.right.taskConfig.resources).toEqual([
      { numCpus: 0.1 },
      { ramMb: 64 },
      { diskMb: 64 },
      { numGpus: 2 }
    ])
  })
})
