// Job configurations for the scheduler benchmarks, built by the client's own load pipeline (evaluate,
// pick, validate, convert) from a real .aurora file, so the TaskConfig and its executor data are what
// `aurora job create` would send.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as Either from "effect/Either"
import { loadJob, type Source, toJobConfiguration } from "../src/domain/config/index.ts"
import type { JobConfiguration } from "../src/domain/model/index.ts"
import { CORPUS, corpusHost } from "../test/unit/config/corpusHost.ts"

/** Loads the job `key` (cluster/role/env/name) from .aurora text, as the client does. */
export const loadAuroraJob = (text: string, file: string, key: string): JobConfiguration => {
  const [cluster, role, environment, name] = key.split("/")
  const source: Source = { text, file, json: false }
  const host = corpusHost()
  const loaded = loadJob({ source, key: { cluster, role, environment, name }, bindings: [] }, host)
  if (Either.isLeft(loaded)) throw new Error(`${file}: ${loaded.left.message}`)
  const conf = toJobConfiguration(loaded.right.job, host.user)
  if (Either.isLeft(conf)) throw new Error(`${file}: ${conf.left.message}`)
  return conf.right
}

/** The tutorial's hello world (an install process and a long-running one), from the config corpus. */
export const helloWorld = (): JobConfiguration => {
  const file = join(CORPUS, "hello_world.aurora")
  return loadAuroraJob(readFileSync(file, "utf8"), file, "devcluster/www-data/devel/hello_world")
}

/**
 * Job `j` of a benchmark: the template under the name `NAME-j` (key, task config and executor data
 * renamed alike), `instances` instances. Each job gets its own TaskConfig object, as createJob does.
 */
export const benchJob = (template: JobConfiguration, j: number, instances: number): JobConfiguration => {
  const name = `${template.key.name}-${j}`
  const key = { ...template.key, name }
  const exec = template.taskConfig.executorConfig
  const data = exec ? JSON.parse(exec.data) : undefined
  if (data) data.name = name
  return {
    ...template,
    key,
    instanceCount: instances,
    taskConfig: {
      ...template.taskConfig,
      job: key,
      ...(exec ? { executorConfig: { name: exec.name, data: JSON.stringify(data) } } : {})
    }
  }
}

export const mb = (bytes: number): number => Number((bytes / 1024 / 1024).toFixed(1))

/** RSS and heap after a forced full GC (node --expose-gc; bin/bench.mjs passes it). */
export const memoryAfterGc = () => {
  const gc = (globalThis as { gc?: (o?: unknown) => void }).gc
  if (!gc) throw new Error("run with node --expose-gc (npm run bench does)")
  for (let i = 0; i < 3; i++) gc()
  const m = process.memoryUsage()
  return {
    rss_mb: mb(m.rss),
    heap_used_mb: mb(m.heapUsed),
    heap_total_mb: mb(m.heapTotal),
    external_mb: mb(m.external),
    array_buffers_mb: mb(m.arrayBuffers)
  }
}
